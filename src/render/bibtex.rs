//! BibTeX for the reading list: one entry per paper (shown on its page) and the whole list as
//! `library.bib`. It owns the entry layout and LaTeX escaping; it must not read files or decide
//! keys (the index stage does), and its output is deterministic (sorted by key).

use crate::index::{Library, Paper};

/// `s` with LaTeX's special characters escaped; non-ASCII text stays UTF-8 (BibLaTeX and
/// biber read it as is). Runs of `-` are broken up so `--` is not turned into a dash.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut prev = '\0';
    for c in s.chars() {
        match c {
            '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '\\' => out.push_str("\\textbackslash{}"),
            '-' if prev == '-' => out.push_str("{}-"),
            // Line breaks would end up inside the field; BibTeX treats them as spaces anyway.
            '\n' | '\r' | '\t' => out.push(' '),
            _ => out.push(c),
        }
        prev = c;
    }
    out
}

/// An author list as BibTeX writes it: `Last, First and Last, First`.
fn authors(paper: &Paper) -> String {
    paper
        .names
        .iter()
        .map(|n| {
            // A standalone "and" inside a name would split it into two people.
            let protect = |part: &str| {
                part.split(' ')
                    .map(|w| {
                        if w.eq_ignore_ascii_case("and") {
                            format!("{{{}}}", escape(w))
                        } else {
                            escape(w)
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            if n.first.is_empty() {
                protect(&n.last)
            } else {
                format!("{}, {}", protect(&n.last), protect(&n.first))
            }
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

/// Whether a venue names a conference (or workshop): its papers are `@inproceedings`.
fn is_conference(venue: &str) -> bool {
    let lower = venue.to_lowercase();
    let words = [
        "conference",
        "proceedings",
        "workshop",
        "symposium",
        "congress",
        "icml",
        "neurips",
        "nips",
        "iclr",
        "cvpr",
        "iccv",
        "eccv",
        "aaai",
        "ijcai",
        "aistats",
        "uai",
        "colt",
        "acl",
        "emnlp",
        "naacl",
        "kdd",
        "sigir",
    ];
    lower
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| words.contains(&w))
}

/// A citation key BibTeX accepts: characters that would end or break the key become `-`.
fn entry_key(key: &str) -> String {
    key.chars()
        .map(|c| {
            if c.is_whitespace() || "{}(),=\\#%\"'~".contains(c) {
                '-'
            } else {
                c
            }
        })
        .collect()
}

/// A URL inside a verbatim field: only what would unbalance it is percent-encoded.
fn url_field(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.trim().chars() {
        match c {
            '{' | '}' | '\\' | ' ' => out.push_str(&format!("%{:02X}", u32::from(c))),
            _ => out.push(c),
        }
    }
    out
}

/// The paper's entry: `@inproceedings` for a conference venue, `@article` for any other venue,
/// `@misc` without one. The title is double-braced so styles keep its capitalisation.
pub fn entry(lib: &Library, paper: &Paper) -> String {
    let venue = paper.venue.map(|v| lib.venues[v].name.as_str());
    let (kind, venue_field) = match venue {
        Some(v) if is_conference(v) => ("inproceedings", Some(("booktitle", v))),
        Some(v) => ("article", Some(("journal", v))),
        None => ("misc", None),
    };
    let front = paper.front();
    let mut fields = vec![
        ("title", format!("{{{{{}}}}}", escape(front.title.trim()))),
        ("author", format!("{{{}}}", authors(paper))),
    ];
    if let Some((name, v)) = venue_field {
        fields.push((name, format!("{{{}}}", escape(v))));
    }
    fields.push(("year", format!("{{{}}}", front.year)));
    if let Some(url) = front.url.as_deref().filter(|u| !u.trim().is_empty()) {
        fields.push(("url", format!("{{{}}}", url_field(url))));
    }
    let body: Vec<String> = fields
        .into_iter()
        .map(|(name, value)| format!("  {name:<9} = {value}"))
        .collect();
    format!(
        "@{kind}{{{},\n{}\n}}\n",
        entry_key(&paper.key),
        body.join(",\n")
    )
}

/// Every paper's entry, sorted by key, separated by blank lines.
pub fn library(lib: &Library) -> String {
    let mut papers: Vec<&Paper> = lib.papers.iter().collect();
    papers.sort_by(|a, b| a.key.cmp(&b.key));
    let entries: Vec<String> = papers.into_iter().map(|p| entry(lib, p)).collect();
    entries.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::content::parse_paper;
    use std::path::Path;

    #[test]
    fn escapes_latex_specials() {
        assert_eq!(
            escape(r"A & B 100% $5 #1 a_b {x} ~ ^ \ -- --- é"),
            r"A \& B 100\% \$5 \#1 a\_b \{x\} \textasciitilde{} \textasciicircum{} \textbackslash{} -{}- -{}-{}- é"
        );
    }

    #[test]
    fn entry_types_and_fields() {
        let src = |path: &str, front: &str| {
            parse_paper(Path::new(path), format!("+++\n{front}\n+++\n")).unwrap()
        };
        let (lib, _) = Library::build(vec![
            src(
                "a.md",
                "title = \"Batch Normalization\"\nauthors = [\"Ioffe, Sergey\", \"Christian Szegedy\"]\nyear = 2015\nvenue = \"International Conference on Machine Learning\"\nurl = \"https://arxiv.org/abs/1502.03167\"",
            ),
            src(
                "b.md",
                "title = \"TRPO\"\nauthors = [\"Schulman, John\", \"Band and Sons\"]\nyear = 2015\nvenue = \"arXiv e-Print archive\"",
            ),
            src(
                "c.md",
                "title = \"Notes\"\nauthors = [\"Plato\"]\nyear = 1380\nkey = \"my key\"",
            ),
        ]);
        let entries: Vec<String> = lib.papers.iter().map(|p| entry(&lib, p)).collect();
        assert_eq!(
            entries[0],
            "@inproceedings{IoffeS15,\n  title     = {{Batch Normalization}},\n  author    = {Ioffe, Sergey and Szegedy, Christian},\n  booktitle = {International Conference on Machine Learning},\n  year      = {2015},\n  url       = {https://arxiv.org/abs/1502.03167}\n}\n"
        );
        assert!(
            entries[1].starts_with("@article{SchulmanS15,"),
            "{}",
            entries[1]
        );
        assert!(
            entries[1].contains("author    = {Schulman, John and {and} Sons, Band}"),
            "{}",
            entries[1]
        );
        assert!(entries[1].contains("journal   = {arXiv e-Print archive}"));
        assert!(entries[2].starts_with("@misc{my-key,"), "{}", entries[2]);
        let all = library(&lib);
        let keys: Vec<&str> = all.lines().filter(|l| l.starts_with('@')).collect();
        assert_eq!(
            keys,
            [
                "@inproceedings{IoffeS15,",
                "@article{SchulmanS15,",
                "@misc{my-key,"
            ]
        );
    }
}
