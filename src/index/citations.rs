//! How a cited key resolves (key, alias, DBLP last segment) and the citation graph built from
//! every summary's `\cite{..}`: resolved once here and kept in the `Library`. No HTML.

use std::collections::BTreeSet;

use rayon::prelude::*;

use super::Library;
use crate::diag::Diagnostic;
use crate::load::content::SourcePaper;
use crate::markdown::cite::Citation;

/// What a cited key refers to. Resolution is exact and case-sensitive, tried in order: a paper's
/// `key`, its `aliases`, then the last `/` segment of the cited key against the last segment of
/// every key and alias (`journals/corr/HeZRS15` finds a paper keyed `HeZRS15`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    Paper(usize),
    /// Several papers match (a shared alias or last segment): the citation is not linked to any
    /// of them, and falls back to `External` or `Missing` for rendering.
    Ambiguous(Vec<usize>),
    /// Not in the list, but a DBLP path (it has a `/`): its DBLP page.
    External(String),
    Missing,
}

/// The DBLP record page of a key such as `journals/corr/HeZRS15`.
pub fn dblp_url(key: &str) -> String {
    let mut url = String::from("https://dblp.org/rec/");
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.:".contains(&b) {
            url.push(char::from(b));
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

fn last_segment(key: &str) -> &str {
    key.rsplit('/').next().unwrap_or(key)
}

impl Library {
    /// Fills the alias and last-segment indexes. An alias that is another paper's key can never
    /// be reached (keys come first), and one claimed by two papers cannot choose: both are
    /// warnings on the `aliases` line, and the rest of the list is unaffected.
    pub(super) fn index_aliases(&mut self, diags: &mut Vec<Diagnostic>) {
        for (i, paper) in self.papers.iter().enumerate() {
            let mut names = BTreeSet::new();
            names.insert(last_segment(&paper.key).to_owned());
            for alias in &paper.front().aliases {
                let alias = alias.trim();
                if alias.is_empty() || alias == paper.key {
                    continue;
                }
                let claimed = self.aliases.entry(alias.to_owned()).or_default();
                if !claimed.contains(&i) {
                    claimed.push(i);
                }
                names.insert(last_segment(alias).to_owned());
            }
            for name in names {
                self.suffixes.entry(name).or_default().push(i);
            }
        }
        for (alias, owners) in &self.aliases {
            let warn = |diags: &mut Vec<Diagnostic>, i: usize, message: String| {
                let src = &self.papers[i].source;
                diags.push(Diagnostic::warning(
                    &src.path,
                    &src.text,
                    src.field_offset("aliases"),
                    message,
                ));
            };
            if let Some(k) = self.by_key(alias) {
                for &i in owners {
                    warn(
                        diags,
                        i,
                        format!(
                            "alias `{alias}` is the key of {}: `\\cite{{{alias}}}` links to that paper, not this one",
                            self.papers[k].source.path.display()
                        ),
                    );
                }
            } else if owners.len() > 1 {
                for &i in owners {
                    warn(
                        diags,
                        i,
                        format!(
                            "alias `{alias}` is claimed by several papers ({}): citations of it are ambiguous",
                            self.describe(owners)
                        ),
                    );
                }
            }
        }
    }

    /// The papers as diagnostics name them: `path (key)`, comma-separated.
    fn describe(&self, papers: &[usize]) -> String {
        papers
            .iter()
            .map(|&i| {
                let p = &self.papers[i];
                format!("{} ({})", p.source.path.display(), p.key)
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// What `key` refers to (see `Resolution` for the order).
    pub fn resolve(&self, key: &str) -> Resolution {
        if let Some(i) = self.by_key(key) {
            return Resolution::Paper(i);
        }
        let by_suffix = || self.suffixes.get(last_segment(key));
        match self.aliases.get(key).or_else(by_suffix).map(Vec::as_slice) {
            Some([i]) => Resolution::Paper(*i),
            Some(many) if !many.is_empty() => Resolution::Ambiguous(many.to_vec()),
            _ if key.contains('/') => Resolution::External(dblp_url(key)),
            _ => Resolution::Missing,
        }
    }

    /// Takes every paper's citations, resolves them into the citation graph, and warns about
    /// each key occurrence that does not reach a paper of the list.
    pub(super) fn link_citations(
        &mut self,
        citations: &(dyn Fn(&SourcePaper) -> Vec<Citation> + Sync),
        diags: &mut Vec<Diagnostic>,
    ) {
        // Scanning can be a markdown parse per summary: worth spreading over the cores.
        self.papers.par_iter_mut().for_each(|paper| {
            paper.citations = citations(&paper.source);
        });
        let mut cited_by: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); self.papers.len()];
        for i in 0..self.papers.len() {
            let mut cites = BTreeSet::new();
            let mut external = BTreeSet::new();
            let mut missing = BTreeSet::new();
            for key in self.papers[i].citations.iter().flat_map(|c| &c.keys) {
                match self.resolve(key) {
                    Resolution::Paper(j) => {
                        if j != i {
                            cites.insert(j);
                            cited_by[j].insert(i);
                        }
                    }
                    Resolution::Ambiguous(_) if !key.contains('/') => {
                        missing.insert(key.clone());
                    }
                    Resolution::Ambiguous(_) | Resolution::External(_) => {
                        external.insert(key.clone());
                    }
                    Resolution::Missing => {
                        missing.insert(key.clone());
                    }
                }
            }
            let paper = &mut self.papers[i];
            paper.cites = cites.into_iter().collect();
            paper.external = external.into_iter().collect();
            paper.missing = missing.into_iter().collect();
        }
        for (paper, by) in self.papers.iter_mut().zip(cited_by) {
            paper.cited_by = by.into_iter().collect();
        }
        diags.extend(self.citation_warnings());
    }

    /// A warning at each cited key that does not reach a paper of the list, paper by paper.
    pub(super) fn citation_warnings(&self) -> Vec<Diagnostic> {
        let mut diags = Vec::new();
        for paper in &self.papers {
            for c in &paper.citations {
                for (key, &at) in c.keys.iter().zip(&c.key_offsets) {
                    let message = match self.resolve(key) {
                        Resolution::Paper(_) => continue,
                        Resolution::Ambiguous(candidates) => format!(
                            "ambiguous citation `{key}`: it matches {}; cite one of their keys",
                            self.describe(&candidates)
                        ),
                        Resolution::External(_) => format!(
                            "unresolved citation `{key}`: not in the reading list, linked to DBLP"
                        ),
                        Resolution::Missing => format!(
                            "unresolved citation `{key}`: no paper in the reading list has this key or alias"
                        ),
                    };
                    diags.push(Diagnostic::warning(
                        &paper.source.path,
                        &paper.source.text,
                        at,
                        message,
                    ));
                }
            }
        }
        diags
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::Paper;
    use crate::index::tests::paper;
    use crate::load::content::{SourcePaper, parse_paper};
    use std::path::Path;

    fn cited(path: &str, front: &str, body: &str) -> SourcePaper {
        parse_paper(Path::new(path), format!("+++\n{front}\n+++\n{body}\n")).unwrap()
    }

    #[test]
    fn citation_texts() {
        let (lib, _) = Library::build(vec![
            paper(
                "a.md",
                "title = \"A\"\nauthors = [\"Ioffe, Sergey\"]\nyear = 2015",
            ),
            paper(
                "b.md",
                "title = \"B\"\nauthors = [\"Ioffe, Sergey\", \"Christian Szegedy\"]\nyear = 2015",
            ),
            paper(
                "c.md",
                "title = \"C\"\nauthors = [\"van den Oord, Aäron\", \"K, N\", \"K, K\"]\nyear = 2016",
            ),
        ]);
        let texts: Vec<String> = lib.papers.iter().map(Paper::cite_text).collect();
        assert_eq!(
            texts,
            ["Ioffe 2015", "Ioffe and Szegedy 2015", "Oord et al. 2016"]
        );
    }

    #[test]
    fn resolution_order_key_alias_last_segment() {
        let (lib, diags) = Library::build(vec![
            paper(
                "a.md",
                "title = \"A\"\nauthors = [\"He, K\"]\nyear = 2015\nkey = \"HeZRS15\"",
            ),
            paper(
                "b.md",
                "title = \"B\"\nauthors = [\"Gregor, K\"]\nyear = 2015\naliases = [\"journals/corr/GregorDGW15\", \"draw\"]",
            ),
        ]);
        assert!(diags.is_empty(), "{diags:?}");
        let (a, b) = (0, 1);
        assert_eq!(lib.resolve("HeZRS15"), Resolution::Paper(a));
        assert_eq!(lib.resolve("journals/corr/HeZRS15"), Resolution::Paper(a));
        assert_eq!(lib.resolve("draw"), Resolution::Paper(b));
        assert_eq!(lib.resolve("Gregor15"), Resolution::Paper(b), "derived key");
        assert_eq!(
            lib.resolve("journals/corr/GregorDGW15"),
            Resolution::Paper(b)
        );
        // A bare DBLP suffix finds the paper whose alias ends with it.
        assert_eq!(lib.resolve("GregorDGW15"), Resolution::Paper(b));
        assert_eq!(lib.resolve("conf/icml/GregorDGW15"), Resolution::Paper(b));
        // Exact and case-sensitive.
        assert_eq!(lib.resolve("hezrs15"), Resolution::Missing);
        assert_eq!(lib.resolve("HeZRS1"), Resolution::Missing);
        assert_eq!(
            lib.resolve("journals/corr/KingmaB14"),
            Resolution::External("https://dblp.org/rec/journals/corr/KingmaB14".into())
        );
        assert_eq!(dblp_url("a b/c?"), "https://dblp.org/rec/a%20b/c%3F");
    }

    #[test]
    fn ambiguous_suffix_and_alias_collisions() {
        let (lib, diags) = Library::build(vec![
            cited(
                "a.md",
                "title = \"A\"\nauthors = [\"X, Y\"]\nyear = 2015\nkey = \"A\"\naliases = [\"conf/x/Dup15\", \"B\", \"shared\"]",
                "",
            ),
            cited(
                "b.md",
                "title = \"B\"\nauthors = [\"X, Y\"]\nyear = 2014\nkey = \"B\"\naliases = [\"journals/y/Dup15\", \"shared\"]",
                "See \\cite{Dup15} and \\cite{journals/z/Dup15}, \\cite{shared}, \\cite{B}.",
            ),
        ]);
        assert_eq!(
            lib.resolve("B"),
            Resolution::Paper(1),
            "a key beats an alias"
        );
        assert_eq!(lib.resolve("Dup15"), Resolution::Ambiguous(vec![0, 1]));
        assert_eq!(lib.resolve("shared"), Resolution::Ambiguous(vec![0, 1]));
        let msgs: Vec<String> = diags.iter().map(ToString::to_string).collect();
        let find = |needle: &str| msgs.iter().filter(|m| m.contains(needle)).count();
        assert_eq!(find("alias `B` is the key of b.md"), 1, "{msgs:#?}");
        assert_eq!(
            find("alias `shared` is claimed by several papers"),
            2,
            "{msgs:#?}"
        );
        assert_eq!(
            find("b.md:8:11: warning: ambiguous citation `Dup15`: it matches a.md (A), b.md (B)"),
            1,
            "{msgs:#?}"
        );
        assert_eq!(
            find("ambiguous citation `journals/z/Dup15`"),
            1,
            "{msgs:#?}"
        );
        assert_eq!(find("ambiguous citation `shared`"), 1, "{msgs:#?}");
        // Ambiguous keys join no edge of the graph; a self-citation neither.
        assert!(lib.papers[1].cites.is_empty());
        assert_eq!(lib.papers[1].external, ["journals/z/Dup15"]);
        assert_eq!(lib.papers[1].missing, ["Dup15", "shared"]);
    }

    #[test]
    fn citation_graph_and_unresolved_warnings() {
        let (lib, diags) = Library::build(vec![
            cited(
                "t.md",
                "title = \"T\"\nauthors = [\"T, U\"]\nyear = 2015",
                "Target.",
            ),
            cited(
                "a.md",
                "title = \"A\"\nauthors = [\"A, B\"]\nyear = 2015",
                "\\cite{T15} twice \\citep{T15, KakadeL02}\n`\\cite{Code1}`",
            ),
            cited(
                "b.md",
                "title = \"B\"\nauthors = [\"B, C\"]\nyear = 2015",
                "\\citet{conf/x/T15} and \\cite{journals/corr/HeZRS15}",
            ),
            cited(
                "c.md",
                "title = \"C\"\nauthors = [\"C, D\"]\nyear = 2015",
                "Two summaries.\n<!-- next summary -->\nSecond cites \\cite{A15,B15,T15}.",
            ),
        ]);
        let idx = |key: &str| lib.by_key(key).unwrap();
        let t = &lib.papers[idx("T15")];
        assert_eq!(t.cited_by, [idx("A15"), idx("B15"), idx("C15")]);
        let mut c_cites = vec![idx("A15"), idx("B15"), idx("T15")];
        c_cites.sort();
        assert_eq!(lib.papers[idx("C15")].cites, c_cites);
        assert_eq!(lib.papers[idx("A15")].cites, [idx("T15")]);
        assert_eq!(lib.papers[idx("A15")].missing, ["KakadeL02"]);
        assert_eq!(lib.papers[idx("A15")].citations.len(), 2, "code is skipped");
        assert_eq!(lib.papers[idx("B15")].external, ["journals/corr/HeZRS15"]);
        let msgs: Vec<String> = diags
            .iter()
            .map(|d| format!("{}:{}:{}: {}", d.path.display(), d.line, d.col, d.message))
            .collect();
        assert_eq!(
            msgs,
            [
                "a.md:6:30: unresolved citation `KakadeL02`: no paper in the reading list has this key or alias",
                "b.md:6:30: unresolved citation `journals/corr/HeZRS15`: not in the reading list, linked to DBLP",
            ]
        );
    }
}
