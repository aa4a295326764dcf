//! Restoring the markdown structure of a summary that the dump flattened onto one line. It only
//! ever replaces the whitespace at a break point with newlines and indentation: every other byte
//! is kept, and nothing inside `$...$`, `$$...$$` or a code span is looked at as structure.
//!
//! A marker counts only when whitespace (or the start) precedes it. The rules:
//! - Heading: `#`…`######`, a space, then not a lowercase letter. Its text is read as a title
//!   (`words::title_end`): it ends at a capitalised word after a `)` (`(2018) David Ha`), at a
//!   bold label or roman number, or where title case breaks: the first lowercase word that title
//!   case would capitalise belongs to a sentence, which started at the capitalised word before it
//!   (`## Summary Transformer-based language models …` gives `Summary`; `and`, `of`, `a` do not
//!   break `## Kafka: a Distributed Messaging System`). A sentence-case heading ends at the next
//!   sentence start (`#### The key idea behind the paper What we do`).
//! - Bullet `* ` always (not `*emphasis*`, not `2 * 3`). Bullet `- ` only where a list can start:
//!   at a block start (text start, after a heading, rule or lead), after a word ending in `:`
//!   (also `**Setup:**`), inside a `-` list, or, when another `- ` follows, after a lead-in word
//!   that cannot end a sentence (`with`, `for`, `are`, …), a full stop or display math; so
//!   `a model - in fact, … - which` stays prose.
//! - Numbered `N. `: continues a numbered list when N is the next number or the list's items are
//!   all `1.`; starts one when N is 1 and it follows a `:`, a block start, or a `2. ` follows.
//! - Nesting: the items after an item ending in `:` are nested one level deeper, until the list
//!   ends (an item of a kind already open returns to that level).
//! - A list ends at a heading, rule, table, standalone image or lead (a roman number and/or a
//!   `**bold**` phrase after a sentence end and right before a marker: `XIII. **Homophily** - …`),
//!   and where a sentence is glued to an item's fragment (`… cumulative reward They find …`).
//!   Otherwise its last item keeps the text that follows (there is no way to tell where it ended).
//! - Rule: a run of 3+ `-`, `_` or `*` standing alone, after the end of a sentence, before a new
//!   block (a sentence start, a marker) or 5+ long; so `model --- which` stays a dash.
//! - Image `![…](…)` after the end of a sentence: its own paragraph, with an `*emphasis*`
//!   caption right after it on the next line; a capitalised word after it starts a paragraph.
//! - Display math `$$…$$` goes on its own line inside its paragraph or item, unless what follows
//!   would then start a line with markdown syntax.
//! - Tables (found by their delimiter row) get a row a line; fenced code (```` ```lang … ``` ````)
//!   gets its fences on their own lines (see `tables`).
//!
//! Layout: `spans` finds the math and code where nothing is structure, `scan` lists every place a
//! marker could start, and the `Planner` (`planner`, with `lists`, `blocks` and `tables`) walks those
//! candidates in order and decides which are structure, using the word shapes of `words`.

mod blocks;
mod lists;
mod planner;
mod scan;
mod spans;
mod tables;
mod words;

use planner::Planner;
use scan::candidates;
use spans::protected_spans;

/// The markdown of a flattened summary with its structure restored.
pub fn restore(raw: &str) -> String {
    let protected = protected_spans(raw);
    let cands = candidates(raw, &protected);
    let breaks = Planner::new(raw, &protected, &cands).plan();
    let mut out = String::with_capacity(raw.len() + breaks.len() * 4);
    let mut last = 0;
    for (pos, sep) in breaks {
        let piece = raw[last..pos].trim_end();
        out.push_str(piece);
        if !out.is_empty() {
            out.push_str(&sep);
        }
        last = pos;
    }
    out.push_str(raw[last..].trim_end());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ops::Range;

    /// Restoration only replaces whitespace at break points: removing it gives the input back.
    fn assert_same_text(raw: &str, out: &str) {
        let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(squash(out), squash(raw), "text changed:\n{out}");
        let non_ws = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        assert_eq!(non_ws(out), non_ws(raw));
    }

    fn check(raw: &str, expected: &str) {
        let out = restore(raw);
        assert_eq!(out, expected, "\n--- got:\n{out}\n---");
        assert_same_text(raw, &out);
    }

    #[test]
    fn hash_before_a_non_ascii_character_is_text() {
        // `#` then a multi-byte character used to slice inside that character and panic.
        for raw in [
            "A #é tag",
            "#中文",
            "x #é",
            "## é",
            "#\u{10348}",
            "1.é 2.中 *é -é ---é",
        ] {
            assert_same_text(raw, &restore(raw));
        }
        check("Intro. # Ébauche", "Intro.\n\n# Ébauche");
    }

    #[test]
    fn bullets_headings_and_colon_nesting() {
        check(
            "* One. * Two: * a * b ### How * Three. #### Like: * x",
            "* One.\n* Two:\n  * a\n  * b\n\n### How\n\n* Three.\n\n#### Like:\n\n* x",
        );
    }

    #[test]
    fn title_like_item_closes_a_nested_list_of_sentences() {
        check(
            "* Data: * It is fast. * It is small. * Practical Considerations * More.",
            "* Data:\n  * It is fast.\n  * It is small.\n* Practical Considerations\n* More.",
        );
        // Short children without punctuation stay children.
        check("* Pros: * Fast * Simple", "* Pros:\n  * Fast\n  * Simple");
    }

    #[test]
    fn heading_text_ends_where_a_sentence_starts() {
        check(
            "Intro. #### The key idea behind the paper What we do. #### Advantages In this model. #### What is DRAW: The model. #### Results on MNIST The end. #### Primer (again) Unsupervised learning.",
            "Intro.\n\n#### The key idea behind the paper\n\nWhat we do.\n\n#### Advantages\n\nIn this model.\n\n#### What is DRAW:\n\nThe model.\n\n#### Results on MNIST\n\nThe end.\n\n#### Primer (again)\n\nUnsupervised learning.",
        );
        // `# of` is no heading.
        check("the # of samples", "the # of samples");
    }

    #[test]
    fn headings_in_title_case_end_where_the_sentence_starts() {
        check(
            "## Summary Transformer-based language models produce text.",
            "## Summary\n\nTransformer-based language models produce text.",
        );
        check(
            "### Notes The Google File System (GFS) is designed for us.",
            "### Notes\n\nThe Google File System (GFS) is designed for us.",
        );
        // Lowercase words that title case keeps do not cut the heading short.
        check(
            "## Implementations and References - one - two",
            "## Implementations and References\n\n- one\n- two",
        );
        check(
            "## Kafka: a Distributed Messaging System for Log Processing ### Links",
            "## Kafka: a Distributed Messaging System for Log Processing\n\n### Links",
        );
        check(
            "# World Models (2018) David Ha, Jurgen Schmidhuber",
            "# World Models (2018)\n\nDavid Ha, Jurgen Schmidhuber",
        );
        check(
            "### Notes **Goal:** Train. ###### High Availability I. **Fast Recovery:**",
            "### Notes\n\n**Goal:** Train.\n\n###### High Availability\n\nI. **Fast Recovery:**",
        );
        check(
            "## The Chubby lock service for loosely-coupled distributed systems ### Links",
            "## The Chubby lock service for loosely-coupled distributed systems\n\n### Links",
        );
    }

    #[test]
    fn numbered_items() {
        check(
            "works as follows: 1. Use $Q$-Values 2. Average 3. Solve. Done.",
            "works as follows:\n\n1. Use $Q$-Values\n2. Average\n3. Solve. Done.",
        );
        check("in version 2. The end", "in version 2. The end");
        check(
            "due to: 1. one 1. two 1. three",
            "due to:\n\n1. one\n1. two\n1. three",
        );
        check(
            "**Test Setup:** - one - two",
            "**Test Setup:**\n\n- one\n- two",
        );
        check("see 1. and then", "see 1. and then");
    }

    #[test]
    fn dash_lists_versus_dashes_in_prose() {
        check(
            "people come up with - alternative objectives - models. This paper",
            "people come up with\n\n- alternative objectives\n- models. This paper",
        );
        check(
            "you have a model - in fact, a set of models - which has",
            "you have a model - in fact, a set of models - which has",
        );
        check(
            "in laminar flow. - _Geometry:_ a mesh. - _Goal:_ pressure.",
            "in laminar flow.\n\n- _Geometry:_ a mesh.\n- _Goal:_ pressure.",
        );
        check(
            "#### Key Points - To find - Two",
            "#### Key Points\n\n- To find\n- Two",
        );
    }

    #[test]
    fn emphasis_multiplication_and_nested_numbers() {
        check(
            "A *Batch Normalization* and **bold** text",
            "A *Batch Normalization* and **bold** text",
        );
        check("it costs 2 * 3 units", "it costs 2 * 3 units");
        check(
            "* Steps: 1. one 2. two * Next",
            "* Steps:\n  1. one\n  2. two\n* Next",
        );
    }

    #[test]
    fn math_and_code_are_never_split() {
        for raw in [
            "see $a * b - c$ and $$x * y ### z$$ ok",
            "as $\\pi(a|s) - 1. b$ and `x * y - z` too",
            "$$\\sum_i x_i * 2$$",
            "a `` `*` - `` b",
        ] {
            let out = restore(raw);
            let spans = protected_spans(raw);
            for r in &spans {
                assert!(out.contains(&raw[r.clone()]), "{raw:?} → {out:?}");
            }
            assert_same_text(raw, &out);
        }
        check("where $|x| - 1$ | holds", "where $|x| - 1$ | holds");
    }

    #[test]
    fn currency_dollars_are_text() {
        let raw = "it costs $5 and $10 * cheap";
        assert!(protected_spans(raw).is_empty());
        check(raw, "it costs $5 and $10\n\n* cheap");
        assert_eq!(protected_spans("a \\$x$ b"), Vec::<Range<usize>>::new());
    }

    #[test]
    fn display_math_on_its_own_line() {
        check(
            "as follows: $$q = \\prod_d p$$ Here $x$ is it.",
            "as follows:\n$$q = \\prod_d p$$\nHere $x$ is it.",
        );
        check("* item $$x$$ and more", "* item\n  $$x$$\n  and more");
        // A line must not start with markdown syntax: keep `+ y` on the math line.
        check("so $$x$$ + y", "so\n$$x$$ + y");
        check(
            "objective: $$L = a + b$$ - $a$ is one. - $b$ is two.",
            "objective:\n$$L = a + b$$\n\n- $a$ is one.\n- $b$ is two.",
        );
    }

    #[test]
    fn rules_and_images() {
        check(
            "end.* -------------------- ### Notes * a",
            "end.*\n\n--------------------\n\n### Notes\n\n* a",
        );
        check("a model --- which", "a model --- which");
        check(
            "Demis Hassabis --- Reinforcement learning works. --- - https://x.org",
            "Demis Hassabis\n\n---\n\nReinforcement learning works.\n\n---\n\n- https://x.org",
        );
        check(
            "* last. ![F](http://x/f.png?raw=true \"F\") *Caption $x$.* ![](u) Now text",
            "* last.\n\n![F](http://x/f.png?raw=true \"F\")\n*Caption $x$.*\n\n![](u)\n\nNow text",
        );
        check("an inline ![i](u) icon", "an inline ![i](u) icon");
    }

    #[test]
    fn text_after_a_list_ends_it_when_it_leads_a_new_one() {
        check(
            "- Kafka is fast. **Motivation and Related Work** - Pull is simple. XIII. **Homophily** - Low. I. **Overview** * GNNs",
            "- Kafka is fast.\n\n**Motivation and Related Work**\n\n- Pull is simple.\n\nXIII. **Homophily**\n\n- Low.\n\nI. **Overview**\n\n* GNNs",
        );
        check(
            "The procedure is: 1. Collect rollouts 1. Use CMA-ES to maximize reward They find it works.",
            "The procedure is:\n\n1. Collect rollouts\n1. Use CMA-ES to maximize reward\n\nThey find it works.",
        );
        // Bold in a sentence or a heading is no lead.
        check(
            "It is **very** fast - really. ## The **Big** Idea",
            "It is **very** fast - really.\n\n## The **Big** Idea",
        );
    }

    #[test]
    fn flattened_tables_get_a_row_a_line() {
        check(
            "###### Clusters | Metric | A | |---|:-:| | Disk | $a|b$ | | Empty | | Done.",
            "###### Clusters\n\n| Metric | A |\n|---|:-:|\n| Disk | $a|b$ |\n| Empty | |\n\nDone.",
        );
        // Pipes without a delimiter row are text.
        check("a | b | c", "a | b | c");
    }

    #[test]
    fn fenced_code_gets_its_fences_back() {
        check(
            "so: ```math x = y ``` Then ``` plain code ```",
            "so:\n\n```math\nx = y\n```\n\nThen\n\n```\nplain code\n```",
        );
        check(
            "* item: ```py f(x) ``` after",
            "* item:\n  ```py\n  f(x)\n  ```\n  after",
        );
        // Inline code in a sentence stays inline.
        check("call `f(x)` now", "call `f(x)` now");
    }

    #[test]
    fn seed_summaries_keep_every_byte() {
        let seed = include_str!("../../../tests/fixtures/icml2015.txt");
        for line in seed.lines().filter(|l| l.ends_with(" |")) {
            let raw = line.strip_suffix(" |").unwrap_or(line);
            assert_same_text(raw, &restore(raw));
        }
    }
}
