//! The search cache's bytes: the key of the records that made an index, then the index's files.
//! Reading and writing the file is the search stage's; this only encodes and decodes.

use rayon::prelude::*;

use crate::index::Library;
use crate::render::OutputFile;

const MAGIC: &[u8] = b"sitegen-search-1\n";

/// A hash of everything the records are made of: Pagefind's version and, per paper, its slug,
/// the names its authors, keywords and venue are shown by, its front matter and its summaries.
/// A warm build's search stage is mostly this: the papers' files (35 MB at 10,000 papers) are
/// hashed in parallel, and their hashes in order.
pub(super) fn key(version: &str, lib: &Library) -> [u8; 32] {
    let sources: Vec<blake3::Hash> = lib
        .papers
        .par_iter()
        .map(|p| blake3::hash(p.source.text.as_bytes()))
        .collect();
    let mut h = blake3::Hasher::new();
    let mut field = |s: &[u8]| {
        h.update(&(s.len() as u64).to_le_bytes());
        h.update(s);
    };
    field(version.as_bytes());
    for (p, source) in lib.papers.iter().zip(&sources) {
        field(p.slug.as_bytes());
        field(source.as_bytes());
        for &a in &p.authors {
            field(lib.authors[a].name.display().as_bytes());
        }
        field(b"\x01");
        for &k in &p.keywords {
            field(lib.keywords[k].name.as_bytes());
        }
        field(b"\x01");
        field(
            p.venue
                .map_or("", |v| lib.venues[v].name.as_str())
                .as_bytes(),
        );
    }
    *h.finalize().as_bytes()
}

pub(super) fn encode(key: &[u8; 32], files: &[OutputFile]) -> Vec<u8> {
    let size: usize = files
        .iter()
        .map(|f| f.path.len() + f.contents.len() + 12)
        .sum();
    let mut out = Vec::with_capacity(MAGIC.len() + 36 + size);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(key);
    out.extend_from_slice(&(files.len() as u32).to_le_bytes());
    for f in files {
        out.extend_from_slice(&(f.path.len() as u32).to_le_bytes());
        out.extend_from_slice(f.path.as_bytes());
        out.extend_from_slice(&(f.contents.len() as u64).to_le_bytes());
        out.extend_from_slice(&f.contents);
    }
    out
}

/// The files, when `bytes` is a whole cache made for `key`; None otherwise.
pub(super) fn decode(bytes: &[u8], key: &[u8; 32]) -> Option<Vec<OutputFile>> {
    let mut rest = bytes.strip_prefix(MAGIC)?.strip_prefix(key.as_slice())?;
    let mut take = |n: usize| -> Option<&[u8]> {
        let (head, tail) = rest.split_at_checked(n)?;
        rest = tail;
        Some(head)
    };
    let count = u32::from_le_bytes(take(4)?.try_into().ok()?);
    let mut files = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let len = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
        let path = String::from_utf8(take(len)?.to_vec()).ok()?;
        let len = u64::from_le_bytes(take(8)?.try_into().ok()?) as usize;
        let contents = take(len)?.to_vec();
        files.push(OutputFile { path, contents });
    }
    take(1).is_none().then_some(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lib(body: &str) -> Library {
        let paper = crate::load::content::parse_paper(
            std::path::Path::new("a.md"),
            format!("+++\ntitle = \"A\"\nauthors = [\"B, C\"]\nyear = 2015\n+++\n{body}\n"),
        )
        .unwrap();
        Library::build(vec![paper]).0
    }

    #[test]
    fn round_trip_and_key_checks() {
        let files = vec![
            OutputFile {
                path: "pagefind/a".into(),
                contents: vec![1, 2, 3],
            },
            OutputFile {
                path: "pagefind/b".into(),
                contents: vec![],
            },
        ];
        let k = key("v", &lib("x"));
        let bytes = encode(&k, &files);
        assert_eq!(decode(&bytes, &k), Some(files));
        assert_eq!(k, key("v", &lib("x")));
        assert_ne!(k, key("v", &lib("y")));
        assert_ne!(k, key("w", &lib("x")));
        assert_eq!(decode(&bytes, &key("v", &lib("y"))), None);
        assert_eq!(decode(&bytes[..bytes.len() - 1], &k), None, "truncated");
    }
}
