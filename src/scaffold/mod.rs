//! Writing new content: `sitegen new` (one paper file, front matter and an empty summary, under
//! `content/papers/<slug>.md` of an existing site) and `sitegen init` (a whole new site, in
//! `init`). Neither ever overwrites a file, and neither writes anything else.

mod init;

pub use init::{InitError, init, next_steps};

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::index::slugify;
use crate::load::content::FrontMatter;

/// Why a new paper was not written: the user's to fix (exit 1).
#[derive(Debug, thiserror::Error)]
pub enum NewError {
    #[error("the title `{0}` gives an empty slug: it needs at least one letter or digit")]
    EmptySlug(String),
    #[error("{0} already exists; not overwriting it")]
    Exists(PathBuf),
    #[error(transparent)]
    Io(#[from] crate::Error),
}

/// The front matter and empty body of a new paper file.
pub fn render(front: &FrontMatter) -> String {
    // FrontMatter serialises in field order with TOML's own quoting, so any title round-trips.
    let toml = toml::to_string(front).unwrap_or_default();
    format!("+++\n{toml}+++\n\n")
}

/// Writes `root/content/papers/<slug>.md`; returns its path. `root` must be a site.
pub fn new_paper(root: &Path, front: &FrontMatter) -> Result<PathBuf, NewError> {
    if !root.join("sitegen.toml").is_file() {
        return Err(crate::Error::NotASite {
            root: root.to_path_buf(),
        }
        .into());
    }
    let slug = slugify(&front.title);
    if slug.is_empty() {
        return Err(NewError::EmptySlug(front.title.clone()));
    }
    let dir = root.join("content").join("papers");
    std::fs::create_dir_all(&dir).map_err(|e| crate::Error::io(&dir, e))?;
    let path = dir.join(format!("{slug}.md"));
    // `create_new` makes the no-overwrite rule atomic, even against a concurrent writer.
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(NewError::Exists(path));
        }
        Err(e) => return Err(crate::Error::io(&path, e).into()),
    };
    file.write_all(render(front).as_bytes())
        .map_err(|e| crate::Error::io(&path, e))?;
    Ok(path)
}

/// The publication year of an arXiv identifier, which its first digits encode: `YYMM.NNNNN`
/// (since April 2007) and the older `archive/YYMMNNN`, with or without `arXiv:`, a version or
/// an `https://arxiv.org/abs/` prefix.
pub fn arxiv_year(id: &str) -> Option<i32> {
    let id = id.trim();
    let id = id
        .rsplit_once("arxiv.org/abs/")
        .or_else(|| id.rsplit_once("arxiv.org/pdf/"))
        .map_or(id, |(_, rest)| rest);
    let id = id.strip_prefix("arXiv:").unwrap_or(id);
    let number = match id.split_once('/') {
        Some((archive, number)) if !archive.is_empty() => number,
        Some(_) => return None,
        None => {
            let (yymm, serial) = id.split_once('.')?;
            let serial = serial.split_once('v').map_or(serial, |(n, _)| n);
            let digits = |s: &str, n: std::ops::RangeInclusive<usize>| {
                n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
            };
            if !digits(yymm, 4..=4) || !digits(serial, 4..=5) {
                return None;
            }
            yymm
        }
    };
    let yy: i32 = number.get(..2)?.parse().ok()?;
    let mm: i32 = number.get(2..4)?.parse().ok()?;
    if !(1..=12).contains(&mm) {
        return None;
    }
    // arXiv opened in August 1991: 91–99 are the 1990s, the rest this century.
    Some(if yy >= 91 { 1900 + yy } else { 2000 + yy })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn front(title: &str) -> FrontMatter {
        FrontMatter {
            title: title.to_owned(),
            authors: vec!["Vaswani, Ashish".into()],
            venue: None,
            year: 2017,
            keywords: vec![],
            key: None,
            aliases: vec![],
            url: None,
            slug: None,
            draft: false,
        }
    }

    #[test]
    fn years_from_arxiv_ids() {
        assert_eq!(arxiv_year("1412.6980"), Some(2014));
        assert_eq!(arxiv_year("arXiv:1706.03762v7"), Some(2017));
        assert_eq!(arxiv_year("2301.00001"), Some(2023));
        assert_eq!(arxiv_year("https://arxiv.org/abs/1502.05477"), Some(2015));
        assert_eq!(arxiv_year("hep-th/9901001"), Some(1999));
        assert_eq!(arxiv_year("math.GT/0309136"), Some(2003));
        for bad in [
            "",
            "1413.6980",
            "14.6980",
            "1412.69",
            "attention",
            "/9901001",
            "1412.69x0",
        ] {
            assert_eq!(arxiv_year(bad), None, "{bad}");
        }
    }

    #[test]
    fn written_file_parses_back() {
        let dir = tempfile::tempdir().unwrap();
        let f = front("Not a site");
        assert!(matches!(
            new_paper(dir.path(), &f),
            Err(NewError::Io(crate::Error::NotASite { .. }))
        ));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        std::fs::write(dir.path().join("sitegen.toml"), "").unwrap();
        let f = front("Attention \"Is\" All You Need: \\o/ | again");
        let path = new_paper(dir.path(), &f).unwrap();
        assert!(path.ends_with("content/papers/attention-is-all-you-need-o-again.md"));
        let text = std::fs::read_to_string(&path).unwrap();
        let parsed = crate::load::content::parse_paper(Path::new("x.md"), text).unwrap();
        assert_eq!(parsed.front, f);
        assert!(matches!(
            new_paper(dir.path(), &f),
            Err(NewError::Exists(_))
        ));
        assert!(matches!(
            new_paper(dir.path(), &front("?!")),
            Err(NewError::EmptySlug(_))
        ));
    }
}
