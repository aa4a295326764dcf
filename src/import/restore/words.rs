//! Word shapes the planner reads to tell a title from a sentence and a list from prose. Pure
//! functions of text; nothing here knows about positions in the summary.

/// Words that start a sentence rather than continue a title.
pub(super) const FUNCTION_WORDS: &[&str] = &[
    "A", "An", "The", "In", "On", "At", "Of", "For", "To", "By", "As", "If", "When", "While",
    "Although", "Because", "So", "But", "And", "Or", "This", "That", "These", "Those", "We", "I",
    "It", "Its", "They", "Their", "Our", "He", "She", "You", "Here", "There", "Now", "Note", "Let",
    "Then", "Also", "However", "Thus", "Hence", "Instead", "Unlike", "Like", "With",
];

/// Words after which a sentence cannot end, so a following `- ` starts a list.
pub(super) const LEAD_INS: &[&str] = &[
    "with",
    "for",
    "of",
    "to",
    "are",
    "is",
    "were",
    "was",
    "be",
    "include",
    "includes",
    "including",
    "like",
    "as",
    "follows",
    "following",
    "namely",
    "from",
    "by",
    "about",
    "between",
    "using",
    "use",
    "uses",
    "e.g.",
    "i.e.",
    "and",
    "or",
    "into",
];

/// A capitalised word with lowercase after its first letter (`The`, `I`, `What's`), not an
/// acronym (`DRAW`, `GANs`).
pub(super) fn looks_like_sentence_start(word: &str) -> bool {
    let mut letters = word.chars().take_while(|c| c.is_alphabetic());
    letters.next().is_some_and(char::is_uppercase) && letters.all(char::is_lowercase)
}

/// Whether a line may start with `text` without becoming markdown syntax.
pub(super) fn safe_line_start(text: &str) -> bool {
    let first = text.chars().next().unwrap_or(' ');
    if "-+*#>=|<~`_".contains(first) {
        return false;
    }
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    !(digits > 0 && matches!(text.as_bytes().get(digits), Some(b'.' | b')')))
}

/// Lowercase words that title case leaves in lowercase (`Kafka: a Distributed Messaging System
/// for Log Processing`), so they do not end a title.
const TITLE_SMALL: &[&str] = &[
    "a", "an", "the", "and", "or", "nor", "but", "of", "for", "with", "without", "in", "on", "at",
    "to", "by", "via", "vs", "vs.", "from", "into", "onto", "over", "under", "per", "as", "is",
    "are", "be", "not", "than", "versus",
];

/// How a word reads in a title.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    /// Starts with a capital letter (`Deep`, `GANs`, `(GFS)`, `**Bold**`).
    Capital,
    /// A lowercase word title case keeps lowercase (`of`, `and`).
    Small,
    /// Any other lowercase word: titles in title case have none.
    Lower,
    /// Numbers, math, punctuation: neutral.
    Other,
}

fn shape(word: &str) -> Shape {
    let bare = word.trim_start_matches(|c: char| !c.is_alphanumeric());
    match bare.chars().next() {
        Some(c) if c.is_uppercase() => Shape::Capital,
        Some(c) if c.is_lowercase() => {
            let plain = bare.trim_end_matches(|c: char| !c.is_alphanumeric());
            if TITLE_SMALL.contains(&plain) || TITLE_SMALL.contains(&bare) {
                Shape::Small
            } else {
                Shape::Lower
            }
        }
        _ => Shape::Other,
    }
}

fn is_function_word(word: &str) -> bool {
    let bare = word.trim_end_matches(|c: char| !c.is_alphanumeric());
    FUNCTION_WORDS.contains(&bare)
}

/// Index of the word where a heading's text (`words`, the first one being the heading's) ends
/// and a sentence starts, if it does. In order:
/// - a capitalised word after a closing parenthesis (`World Models (2018) David Ha`), a bold
///   label (`Notes **Goal:**`) or a roman number (`High Availability I. **Fast Recovery**`);
/// - title case: the first lowercase word that title case would capitalise (`language` in
///   `Summary Transformer-based language models`) belongs to a sentence, which started at the
///   last capitalised function word before it (`The` in `Notes The Google File System (GFS) is`)
///   or else the last capitalised word (`Transformer-based`);
/// - sentence case (no capitalised word before that lowercase one: `The key idea behind the
///   paper What we do`): the first capitalised sentence start after a lowercase word, a
///   sentence end or as a function word;
/// - but not when what would follow is a few words without a final stop: the title goes on.
pub(super) fn title_end(words: &[&str]) -> Option<usize> {
    let shapes: Vec<Shape> = words.iter().map(|w| shape(w)).collect();
    for i in 1..words.len() {
        let after_parenthesis = words[i - 1].ends_with(')') && looks_like_sentence_start(words[i]);
        // A bold label (`**Goal:**`) starts a paragraph; other bold may be part of the title.
        let label = words[i].starts_with("**") && words[i..].iter().any(|w| w.ends_with(":**"));
        if after_parenthesis || label || roman_numbered(words[i]) {
            return Some(i);
        }
        if shapes[i] != Shape::Lower {
            continue;
        }
        let mut capitals = (1..i).filter(|&c| shapes[c] == Shape::Capital);
        let start = match capitals.clone().rfind(|&c| is_function_word(words[c])) {
            Some(c) => Some(c),
            None => capitals.next_back().or_else(|| sentence_case_end(words, i)),
        };
        // A short rest without a final stop is the end of the title, not a sentence (`The Chubby
        // lock service for loosely-coupled distributed systems` before the next heading).
        let rest = &words[start?..];
        let unfinished = rest
            .last()
            .is_some_and(|w| w.ends_with(|c: char| c.is_alphanumeric()));
        return start.filter(|_| !(unfinished && rest.len() <= 10));
    }
    None
}

/// `I.`, `IV.`: a roman-numbered paragraph, which no title contains.
fn roman_numbered(word: &str) -> bool {
    word.strip_suffix('.')
        .is_some_and(|r| !r.is_empty() && r.chars().all(|c| "IVX".contains(c)))
}

/// In a sentence-case title, the first word from `from` on that starts a sentence.
fn sentence_case_end(words: &[&str], from: usize) -> Option<usize> {
    (from.max(1)..words.len()).find(|&i| {
        let prev = words[i - 1];
        let after_lower = prev
            .chars()
            .find(|c| c.is_alphabetic())
            .is_some_and(char::is_lowercase);
        looks_like_sentence_start(words[i])
            && (prev.ends_with(['.', ':', '?', '!']) || after_lower || is_function_word(words[i]))
    })
}

/// Index of a sentence glued without a stop to the end of a list item's fragment
/// (`maximizing expected cumulative reward They find that …`): a capitalised function word
/// right after a lowercase word with no punctuation. The item cannot have gone on like that, so
/// the text from there is the paragraph after the list.
pub(super) fn glued_sentence(words: &[&str]) -> Option<usize> {
    (1..words.len()).find(|&i| {
        let prev = words[i - 1];
        shape(prev) == Shape::Lower
            && prev.ends_with(|c: char| c.is_alphanumeric())
            && !LEAD_INS.contains(&prev)
            && looks_like_sentence_start(words[i])
            && is_function_word(words[i])
    })
}
