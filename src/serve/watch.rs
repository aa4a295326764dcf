//! The file watcher: which paths of a site matter, and turning editor save bursts into one
//! rebuild message. It must not build; it only says when to.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use notify_debouncer_full::notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, new_debouncer};

use super::WATCHED_DIRS;
use crate::Error;

pub(super) enum WatchMsg {
    Fs(DebounceEventResult),
    Stop,
}

/// Starts the watcher thread: it waits for debounced file events and calls `rebuild` once per
/// burst (events that arrive during a rebuild are merged into the next one). It runs on its own
/// thread because a build is blocking work.
pub(super) fn start_watcher(
    root: PathBuf,
    debounce: Duration,
    mut rebuild: impl FnMut() + Send + 'static,
) -> Result<(mpsc::Sender<WatchMsg>, std::thread::JoinHandle<()>), Error> {
    let (tx, rx) = mpsc::channel::<WatchMsg>();
    let events = tx.clone();
    let mut debouncer = new_debouncer(debounce, None, move |res: DebounceEventResult| {
        let _ = events.send(WatchMsg::Fs(res));
    })
    .map_err(|source| Error::Watch {
        path: root.clone(),
        source,
    })?;
    // The root itself, not recursively: it holds sitegen.toml, and a watched folder created later.
    debouncer
        .watch(&root, RecursiveMode::NonRecursive)
        .map_err(|source| Error::Watch {
            path: root.clone(),
            source,
        })?;
    let mut watched = BTreeSet::new();
    watch_dirs(&mut debouncer, &root, &mut watched, &[]);

    let watch_root = root.clone();
    let thread = std::thread::Builder::new()
        .name("sitegen-watch".into())
        .spawn(move || {
            let mut stop = false;
            while !stop {
                let Ok(msg) = rx.recv() else { break };
                let mut changed = BTreeSet::new();
                let handle_msg = |msg: WatchMsg, changed: &mut BTreeSet<PathBuf>| match msg {
                    WatchMsg::Stop => true,
                    WatchMsg::Fs(Ok(events)) => {
                        for event in events {
                            if matches!(event.kind, EventKind::Access(_)) {
                                // Reads, including the build's own: never a reason to rebuild.
                                continue;
                            }
                            changed.extend(
                                event
                                    .paths
                                    .iter()
                                    .filter(|p| is_relevant(&root, p))
                                    .cloned(),
                            );
                        }
                        false
                    }
                    WatchMsg::Fs(Err(errors)) => {
                        for e in errors {
                            eprintln!("watch error: {e}");
                        }
                        false
                    }
                };
                stop |= handle_msg(msg, &mut changed);
                // Whatever queued up meanwhile (a burst, or saves during the last rebuild)
                // goes into this one rebuild.
                while let Ok(msg) = rx.try_recv() {
                    stop |= handle_msg(msg, &mut changed);
                }
                // A save that truncates then writes may be seen between the two: wait for the
                // write (the next event) rather than flash a "missing front matter" error.
                let mut waits = 0;
                while !stop && waits < SETTLE_ROUNDS && changed.iter().any(|p| mid_save(p)) {
                    waits += 1;
                    match rx.recv_timeout(debounce * 2) {
                        Ok(msg) => stop |= handle_msg(msg, &mut changed),
                        Err(_) => break,
                    }
                }
                if stop || changed.is_empty() {
                    continue;
                }
                let touched: Vec<PathBuf> = changed.into_iter().collect();
                watch_dirs(&mut debouncer, &root, &mut watched, &touched);
                let names: Vec<String> = touched
                    .iter()
                    .take(3)
                    .map(|p| p.strip_prefix(&root).unwrap_or(p).display().to_string())
                    .collect();
                let more = touched.len().saturating_sub(names.len());
                let more = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                println!("changed: {}{more}", names.join(", "));
                rebuild();
            }
            drop(debouncer);
        })
        .map_err(|e| Error::io(&watch_root, e))?;
    Ok((tx, thread))
}

/// How many times a rebuild waits for a save in progress to finish.
const SETTLE_ROUNDS: usize = 3;

/// Whether `path` looks like a file caught in the middle of a truncate-then-write save: it
/// exists and is empty. (A file that stays empty is built after the wait, and reported.)
pub(super) fn mid_save(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() == 0)
}

/// Watches each of `WATCHED_DIRS` that exists and is not watched yet; a folder that was itself
/// created or removed (it is in `touched`) is watched afresh.
pub(super) fn watch_dirs<W, C>(
    debouncer: &mut notify_debouncer_full::Debouncer<W, C>,
    root: &Path,
    watched: &mut BTreeSet<PathBuf>,
    touched: &[PathBuf],
) where
    W: notify_debouncer_full::notify::Watcher,
    C: notify_debouncer_full::FileIdCache,
{
    for name in WATCHED_DIRS {
        let dir = root.join(name);
        if touched.contains(&dir) && watched.remove(&dir) {
            let _ = debouncer.unwatch(&dir);
        }
        if watched.contains(&dir) || !dir.is_dir() {
            continue;
        }
        match debouncer.watch(&dir, RecursiveMode::Recursive) {
            Ok(()) => {
                watched.insert(dir);
            }
            Err(e) => eprintln!("cannot watch {}: {e}", dir.display()),
        }
    }
}

/// Whether a changed path is part of the site's sources (and not an editor's scratch file).
pub(super) fn is_relevant(root: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(root) else {
        return false;
    };
    let mut parts = rel.components();
    let Some(first) = parts.next() else {
        return false;
    };
    let first = first.as_os_str();
    if first == "sitegen.toml" {
        return true;
    }
    if !WATCHED_DIRS.iter().any(|d| first == *d) {
        return false;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    // Vim's write test file and swap files, Emacs lock and backup files.
    let scratch = name == "4913"
        || name.starts_with(".#")
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx");
    !scratch
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_files_are_saves_in_progress() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.md");
        std::fs::write(&file, "").unwrap();
        assert!(mid_save(&file));
        std::fs::write(&file, "+++\n").unwrap();
        assert!(!mid_save(&file));
        assert!(!mid_save(dir.path()) && !mid_save(&dir.path().join("gone.md")));
    }

    #[test]
    fn relevant_paths() {
        let root = Path::new("/site");
        assert!(is_relevant(root, Path::new("/site/sitegen.toml")));
        assert!(is_relevant(root, Path::new("/site/content/papers/a.md")));
        assert!(is_relevant(root, Path::new("/site/templates")));
        assert!(!is_relevant(root, Path::new("/site/public/index.html")));
        assert!(!is_relevant(root, Path::new("/site/.sitegen-cache/m")));
        assert!(!is_relevant(
            root,
            Path::new("/site/content/papers/.a.md.swp")
        ));
        assert!(!is_relevant(root, Path::new("/site/content/papers/4913")));
        assert!(!is_relevant(root, Path::new("/elsewhere/sitegen.toml")));
    }
}
