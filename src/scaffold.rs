//! `sitegen new`: writes a new paper file (front matter, empty summary) under
//! `content/papers/<slug>.md`. It must never overwrite a file, and writes nothing else.

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

/// Writes `root/content/papers/<slug>.md`; returns its path.
pub fn new_paper(root: &Path, front: &FrontMatter) -> Result<PathBuf, NewError> {
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

/// The current calendar year (UTC), the default `year` of a new paper.
pub fn current_year() -> i32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    year_of_day((secs / 86_400) as i64)
}

/// The proleptic Gregorian year of a day counted from 1970-01-01 (Howard Hinnant's algorithm).
fn year_of_day(days: i64) -> i32 {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2)) as i32
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
    fn years_from_days() {
        assert_eq!(year_of_day(0), 1970);
        assert_eq!(year_of_day(365), 1971);
        // 2027-01-01 is day 20,819.
        assert_eq!(year_of_day(20_818), 2026);
        assert_eq!(year_of_day(20_819), 2027);
        assert_eq!(year_of_day(-1), 1969);
    }

    #[test]
    fn written_file_parses_back() {
        let dir = tempfile::tempdir().unwrap();
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
