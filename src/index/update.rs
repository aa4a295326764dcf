//! Indexing again after edits that changed only summaries' text: the earlier `Library` with the
//! new sources swapped in, when that is provably what a full index would give (same files, same
//! front matter byte for byte, same cited keys in the same order). It must not decide anything
//! a full index decides: whatever else changed goes through `Library::build_scanned`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::Library;
use crate::diag::Diagnostic;
use crate::load::content::SourcePaper;
use crate::markdown::cite::Citation;

impl Library {
    /// `build_scanned`, starting from `earlier` (the index of an earlier version of the same
    /// list) when it can: the dev server's save of a summary then costs a comparison per paper
    /// instead of indexing every name, term and citation again.
    pub fn update(
        earlier: Option<&Library>,
        sources: Vec<Arc<SourcePaper>>,
        citations: &(dyn Fn(&SourcePaper) -> Vec<Citation> + Sync),
    ) -> (Library, Vec<Diagnostic>) {
        match earlier.and_then(|lib| lib.with_bodies(&sources, citations)) {
            Some(lib) => {
                let mut diags = lib.notes.clone();
                diags.extend(lib.citation_warnings());
                (lib, diags)
            }
            None => Library::build_scanned(sources, citations),
        }
    }

    /// This library with `sources` in place of its papers' sources, or None when that would not
    /// be their full index: another set of files, a paper left out last time (its error could
    /// be gone), a front matter that differs, or other cited keys.
    pub(super) fn with_bodies(
        &self,
        sources: &[Arc<SourcePaper>],
        citations: &(dyn Fn(&SourcePaper) -> Vec<Citation> + Sync),
    ) -> Option<Library> {
        if sources.len() != self.papers.len() || self.inputs != self.papers.len() {
            return None;
        }
        let at: HashMap<&Path, usize> = (self.papers.iter().enumerate())
            .map(|(i, p)| (p.source.path.as_path(), i))
            .collect();
        let mut swaps = Vec::new();
        for source in sources {
            let i = *at.get(source.path.as_path())?;
            let old = &self.papers[i];
            if Arc::ptr_eq(source, &old.source) {
                continue;
            }
            if front_matter(source) != front_matter(&old.source) {
                return None;
            }
            let found = citations(source);
            let keys = |cs: &[Citation]| -> Vec<String> {
                cs.iter().flat_map(|c| c.keys.iter().cloned()).collect()
            };
            if keys(&found) != keys(&old.citations) {
                return None;
            }
            swaps.push((i, Arc::clone(source), found));
        }
        // Every name, term, slug and link stays; the related papers too (their inputs did).
        let mut lib = self.clone();
        for (i, source, found) in swaps {
            lib.papers[i].source = source;
            lib.papers[i].citations = found;
        }
        Some(lib)
    }
}

/// The text before the first summary: front matter and its delimiters, which is all the index
/// reads of a file besides its citations.
fn front_matter(p: &SourcePaper) -> &str {
    let end = p.summaries.first().map_or(p.text.len(), |r| r.start);
    &p.text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::content::parse_paper;

    const FRONT: &str = "+++\ntitle = \"T\"\nauthors = [\"Doe, Jane\"]\nyear = 2015\n";

    fn paper(name: &str, front_extra: &str, body: &str) -> Arc<SourcePaper> {
        let text = format!("{FRONT}{front_extra}+++\n{body}");
        Arc::new(parse_paper(Path::new(&format!("content/papers/{name}.md")), text).unwrap())
    }

    fn list(b_body: &str, b_front: &str) -> Vec<Arc<SourcePaper>> {
        vec![
            paper("a", "key = \"A15\"\n", "A cites \\cite{B15}.\n"),
            paper("b", &format!("key = \"B15\"\n{b_front}"), b_body),
            paper("c", "key = \"C15\"\n", "Nothing.\n"),
        ]
    }

    fn scan(p: &SourcePaper) -> Vec<Citation> {
        p.summaries()
            .flat_map(|(offset, text)| crate::markdown::cite::scan(text, offset))
            .collect()
    }

    /// The index `update` gives from `earlier`, checked against a full index of the same files,
    /// and whether it started from `earlier`.
    fn updated(earlier: &Library, sources: Vec<Arc<SourcePaper>>) -> bool {
        let reused = earlier.with_bodies(&sources, &scan).is_some();
        let (lib, diags) = Library::update(Some(earlier), sources.clone(), &scan);
        let (full, full_diags) = Library::build_scanned(sources, &scan);
        assert_eq!(format!("{lib:?}"), format!("{full:?}"));
        assert_eq!(diags, full_diags);
        reused
    }

    #[test]
    fn a_body_edit_reuses_the_index_and_anything_else_indexes_afresh_with_the_same_result() {
        let (earlier, _) = Library::build_scanned(list("B cites \\cite{nowhere}.\n", ""), &scan);
        // Text moved and added around the same citation: reused, the warning at its new place.
        assert!(updated(
            &earlier,
            list("New first line.\n\nB cites \\cite{nowhere}. More.\n", "")
        ));
        // The same files unchanged: reused.
        assert!(updated(&earlier, list("B cites \\cite{nowhere}.\n", "")));
        // Another cited key, a front-matter edit, a file more or less: indexed afresh.
        assert!(!updated(&earlier, list("B cites \\cite{C15}.\n", "")));
        assert!(!updated(
            &earlier,
            list("B cites \\cite{nowhere}.\n", "keywords = [\"x\"]\n")
        ));
        let mut more = list("B cites \\cite{nowhere}.\n", "");
        more.push(paper("d", "key = \"D15\"\n", "D.\n"));
        assert!(!updated(&earlier, more));
        let mut fewer = list("B cites \\cite{nowhere}.\n", "");
        fewer.pop();
        assert!(!updated(&earlier, fewer));
    }

    #[test]
    fn a_list_with_a_paper_left_out_is_indexed_afresh() {
        // "b" and "c" share a key: one is left out with an error, which a fix elsewhere could
        // clear, so the earlier index is no base.
        let clash = |c_body: &str| {
            vec![
                paper("b", "key = \"B15\"\n", "B.\n"),
                paper("c", "key = \"B15\"\n", c_body),
            ]
        };
        let (earlier, diags) = Library::build_scanned(clash("C.\n"), &scan);
        assert!(diags.iter().any(Diagnostic::is_error));
        assert!(!updated(&earlier, clash("C again.\n")));
    }
}
