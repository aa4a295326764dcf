//! Citation keys for the papers of one import, unique against the whole site: the papers of this
//! run and every paper already in `content/`. It owns only the choice of keys; it must not read
//! or write files (the caller passes what `content/` holds).
//!
//! The rules, so that a re-import changes nothing and no existing paper's key moves:
//! - A paper whose file already exists keeps that file's key when it is still one of this
//!   paper's (its derived key, or that key with a suffix) and nobody else holds it.
//! - Otherwise a paper gets its derived key when it is the only one of the run deriving it and
//!   no other paper of the site holds it.
//! - Otherwise (a clash) the papers deriving one key get `a`, `b`, … `z`, `aa`, `ab`, … in slug
//!   order, passing over suffixed keys the site already holds.

use std::collections::{BTreeMap, BTreeSet};

use crate::index::key_suffix;

/// One paper of the run, as the key choice sees it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct KeyRequest {
    pub slug: String,
    /// The DBLP key derived from authors and year.
    pub derived: String,
    /// The key of the existing file this paper will be written to, if there is one.
    pub existing: Option<String>,
}

/// Why a paper did not get its derived key (for a warning).
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Clash {
    /// Several papers of this run derive the key.
    InRun(usize),
    /// A paper already in the site holds it.
    Taken,
}

/// Slug → (key, the clash that made it differ from the derived key). `taken` holds the keys of
/// every paper of the site that this run does not write.
pub(super) fn assign(
    requests: &[KeyRequest],
    taken: &BTreeSet<String>,
) -> BTreeMap<String, (String, Option<Clash>)> {
    let mut used = taken.clone();
    let mut out = BTreeMap::new();
    // First, existing files keep their keys.
    for r in requests {
        if let Some(key) = r.existing.as_ref().filter(|k| is_form_of(k, &r.derived))
            && used.insert(key.clone())
        {
            out.insert(r.slug.clone(), (key.clone(), None));
        }
    }
    let mut groups: BTreeMap<&str, Vec<&KeyRequest>> = BTreeMap::new();
    for r in requests.iter().filter(|r| !out.contains_key(&r.slug)) {
        groups.entry(&r.derived).or_default().push(r);
    }
    for (derived, mut group) in groups {
        group.sort_by(|a, b| a.slug.cmp(&b.slug));
        if group.len() == 1 && used.insert(derived.to_owned()) {
            out.insert(group[0].slug.clone(), (derived.to_owned(), None));
            continue;
        }
        let clash = if group.len() > 1 {
            Clash::InRun(group.len())
        } else {
            Clash::Taken
        };
        let mut suffixed = (0..).map(|n| format!("{derived}{}", key_suffix(n)));
        for r in group {
            let key = suffixed
                .by_ref()
                .find(|k| !used.contains(k))
                .unwrap_or_default();
            used.insert(key.clone());
            out.insert(r.slug.clone(), (key, Some(clash.clone())));
        }
    }
    out
}

/// Whether `key` is `derived` itself or `derived` with a lowercase-letter suffix.
fn is_form_of(key: &str, derived: &str) -> bool {
    key.strip_prefix(derived)
        .is_some_and(|rest| rest.bytes().all(|b| b.is_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(slug: &str, derived: &str, existing: Option<&str>) -> KeyRequest {
        KeyRequest {
            slug: slug.into(),
            derived: derived.into(),
            existing: existing.map(str::to_owned),
        }
    }

    fn keys(requests: &[KeyRequest], taken: &[&str]) -> Vec<String> {
        let taken = taken.iter().map(|s| s.to_string()).collect();
        let out = assign(requests, &taken);
        requests.iter().map(|r| out[&r.slug].0.clone()).collect()
    }

    #[test]
    fn keys_avoid_the_site_and_each_other() {
        assert_eq!(keys(&[req("a", "K15", None)], &[]), ["K15"]);
        assert_eq!(keys(&[req("a", "K15", None)], &["K15"]), ["K15a"]);
        assert_eq!(
            keys(&[req("b", "K15", None), req("a", "K15", None)], &["K15a"]),
            ["K15c", "K15b"]
        );
        // A file keeps its key; a newcomer deriving the same one goes around it.
        assert_eq!(
            keys(
                &[req("old", "K15", Some("K15")), req("new", "K15", None)],
                &[]
            ),
            ["K15", "K15a"]
        );
        // A key edited into something else is not this paper's any more.
        assert_eq!(keys(&[req("a", "K15", Some("Other"))], &[]), ["K15"]);
        let many: Vec<KeyRequest> = (0..30)
            .map(|i| req(&format!("p{i:02}"), "W15", None))
            .collect();
        let got = keys(&many, &[]);
        assert_eq!(got.iter().collect::<BTreeSet<_>>().len(), 30);
        assert_eq!(got[26], "W15aa");
    }
}
