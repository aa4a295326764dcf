//! The content-addressed cache of work derived from summaries' text (rendered math, highlighted
//! code, per-summary analysis): blake3 key → bytes, each value zstd-compressed on its own, one
//! file per kind and namespace in `.sitegen-cache/` beside the output folder.
//!
//! A build reads the file once (compressed, a few percent of what it holds), looks entries up by
//! key and decompresses only the ones it uses, straight into the value it returns; new values are
//! compressed by the worker that made them. Saving keeps exactly the entries this build used and
//! is skipped when that is what the file already holds. It must not know what the values mean,
//! and it never fails a build: an unreadable or foreign file is an empty cache.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::Error;

/// A blake3 hash: of the inputs for an entry, of the options for a namespace.
pub type Key = [u8; 32];

/// The cache folder, created beside the output folder.
pub const CACHE_DIR: &str = ".sitegen-cache";

const MAGIC: &[u8; 16] = b"sitegen-store-v2";
/// zstd level: 1 compresses KaTeX markup almost as well as 3 (the 10,000-paper benchmark's cache:
/// 46.6 MB instead of 44.8) for 0.3 s less CPU in a first build, which compresses every value.
const LEVEL: i32 = 1;
/// Larger values are not cached (a summary's derived values are kilobytes).
const MAX_VALUE: u64 = 1 << 28;

/// One cache file's entries, shared by the workers of a build.
pub struct Store {
    path: PathBuf,
    namespace: Key,
    /// The file as read: header, index, then the compressed values.
    bytes: Vec<u8>,
    /// Key → (start, end) of its compressed value in `bytes`, and whether this build used it.
    index: HashMap<Key, (usize, usize, usize)>,
    used: Vec<AtomicBool>,
    /// Values made in this build, compressed. Read-locked while one is decompressed: a store
    /// kept open across builds (`serve`) finds many values here, read by every worker at once.
    fresh: RwLock<HashMap<Key, Vec<u8>>>,
    hits: AtomicUsize,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .field("entries", &self.index.len())
            .finish_non_exhaustive()
    }
}

impl Store {
    /// The store `CACHE_DIR/<kind>-<namespace>.bin` beside `out_dir`; empty when the file is
    /// missing, damaged or of another namespace.
    pub fn open(out_dir: &Path, kind: &str, namespace: Key) -> Store {
        let path = store_path(out_dir, kind, &namespace);
        let bytes = std::fs::read(&path).unwrap_or_default();
        Store::from_bytes(path, namespace, bytes)
    }

    /// The build's one store: `CACHE_DIR/derived-<format>.bin` beside `out_dir`. Each kind of
    /// value puts what it depends on (engine, options, versions) into its keys.
    pub fn open_derived(out_dir: &Path) -> Store {
        let namespace = blake3::hash(
            format!(
                "sitegen {} {}",
                env!("CARGO_PKG_VERSION"),
                MAGIC.escape_ascii()
            )
            .as_bytes(),
        );
        Store::open(out_dir, "derived", *namespace.as_bytes())
    }

    /// A store that starts empty and is never saved (tests, in-memory renders).
    pub fn in_memory() -> Store {
        Store::from_bytes(PathBuf::new(), [0; 32], Vec::new())
    }

    fn from_bytes(path: PathBuf, namespace: Key, bytes: Vec<u8>) -> Store {
        let index = parse_index(&bytes, &namespace).unwrap_or_default();
        let (bytes, index) = if index.is_empty() {
            (Vec::new(), HashMap::new())
        } else {
            (bytes, index)
        };
        let used = (0..index.len()).map(|_| AtomicBool::new(false)).collect();
        Store {
            path,
            namespace,
            bytes,
            index,
            used,
            fresh: RwLock::new(HashMap::new()),
            hits: AtomicUsize::new(0),
        }
    }

    /// The value of `key`, decompressed; None when it is not cached (or its bytes are damaged).
    pub fn get(&self, key: &Key) -> Option<Vec<u8>> {
        if let Some(&(start, end, slot)) = self.index.get(key)
            && let Some(value) = decompress(&self.bytes[start..end])
        {
            self.used[slot].store(true, Ordering::Relaxed);
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Some(value);
        }
        let fresh = self.fresh.read().unwrap_or_else(|e| e.into_inner());
        let packed = fresh.get(key)?;
        decompress(packed)
    }

    /// True when `key` has a value, without decompressing it; marks it used.
    pub fn contains(&self, key: &Key) -> bool {
        if let Some(&(_, _, slot)) = self.index.get(key) {
            self.used[slot].store(true, Ordering::Relaxed);
            return true;
        }
        let fresh = self.fresh.read().unwrap_or_else(|e| e.into_inner());
        fresh.contains_key(key)
    }

    /// Stores `value` under `key`, compressing it in the calling thread.
    pub fn put(&self, key: Key, value: &[u8]) {
        let Some(packed) = compress(value) else {
            return;
        };
        let mut fresh = self.fresh.write().unwrap_or_else(|e| e.into_inner());
        fresh.insert(key, packed);
    }

    /// The value of `key`, made by `make` (and stored) when it is not cached.
    pub fn get_or_make(&self, key: Key, make: impl FnOnce() -> Vec<u8>) -> Vec<u8> {
        if let Some(value) = self.get(&key) {
            return value;
        }
        let value = make();
        self.put(key, &value);
        value
    }

    /// Entries found in the file (counted once per lookup).
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::Relaxed)
    }

    /// Entries made in this build.
    pub fn made(&self) -> usize {
        self.fresh.read().map_or(0, |f| f.len())
    }

    /// True when the file already holds exactly the entries this build used.
    fn unchanged(&self) -> bool {
        self.made() == 0 && self.used.iter().all(|u| u.load(Ordering::Relaxed))
    }

    /// Writes the entries this build used, atomically (temp file, then rename), and removes the
    /// files of other namespaces of the same kind. Nothing happens when nothing changed.
    pub fn save(&self) -> Result<(), Error> {
        if self.path.as_os_str().is_empty() || (self.unchanged() && self.path.exists()) {
            return Ok(());
        }
        let fresh = self.fresh.read().unwrap_or_else(|e| e.into_inner());
        let mut entries: Vec<(&Key, &[u8])> = fresh.iter().map(|(k, v)| (k, &v[..])).collect();
        for (key, &(start, end, slot)) in &self.index {
            if self.used[slot].load(Ordering::Relaxed) && !fresh.contains_key(key) {
                entries.push((key, &self.bytes[start..end]));
            }
        }
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let bytes = encode(&self.namespace, &entries);
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let tmp = self
            .path
            .with_extension(format!("bin.tmp-{}", std::process::id()));
        std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::io(&self.path, e)
        })?;
        remove_other_namespaces(dir, &self.path);
        Ok(())
    }
}

thread_local! {
    /// One compression context per worker thread: making one costs more than a small value.
    static COMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
        const { std::cell::RefCell::new(None) };
    static DECOMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Decompressor<'static>>> =
        const { std::cell::RefCell::new(None) };
}

/// The value of one frame written by `compress` (which records its size); None when damaged.
fn decompress(frame: &[u8]) -> Option<Vec<u8>> {
    let size = zstd::zstd_safe::get_frame_content_size(frame).ok()??;
    // A damaged header must not ask for an absurd buffer; no value comes near this.
    if size > MAX_VALUE {
        return None;
    }
    DECOMPRESSOR.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.is_none() {
            *cell = Some(zstd::bulk::Decompressor::new().ok()?);
        }
        let value = cell
            .as_mut()?
            .decompress(frame, usize::try_from(size).ok()?)
            .ok()?;
        (value.len() as u64 == size).then_some(value)
    })
}

/// `value` as one zstd frame with a content checksum.
fn compress(value: &[u8]) -> Option<Vec<u8>> {
    COMPRESSOR.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.is_none() {
            let mut c = zstd::bulk::Compressor::new(LEVEL).ok()?;
            c.include_checksum(true).ok()?;
            *cell = Some(c);
        }
        cell.as_mut()?.compress(value).ok()
    })
}

/// `CACHE_DIR/<kind>-<namespace>.bin` beside `out_dir`, never inside it.
pub fn store_path(out_dir: &Path, kind: &str, namespace: &Key) -> PathBuf {
    let parent = match out_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let hex: String = namespace[..8].iter().map(|b| format!("{b:02x}")).collect();
    parent.join(CACHE_DIR).join(format!("{kind}-{hex}.bin"))
}

/// Another `<kind>-*.bin` beside `keep` is a cache of an older format or other options, which
/// this build would never read. Files of other kinds (the search index's `search.bin`) are not
/// this store's to remove.
fn remove_other_namespaces(dir: &Path, keep: &Path) {
    let Some(prefix) = keep
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.rsplit_once('-'))
        .map(|(kind, _)| format!("{kind}-"))
    else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let same_kind = entry.file_name().to_string_lossy().starts_with(&prefix);
        if path != keep && same_kind && path.extension().is_some_and(|e| e == "bin") {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// File layout: magic, namespace, entry count (u64), then per entry its key and compressed
/// length (u32), then the compressed values in the same order. zstd frames carry their own
/// checksum, so a damaged value is a miss, not wrong output.
fn encode(namespace: &Key, entries: &[(&Key, &[u8])]) -> Vec<u8> {
    let size: usize = entries.iter().map(|(_, v)| 36 + v.len()).sum();
    let mut out = Vec::with_capacity(56 + size);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(namespace);
    out.extend_from_slice(&(entries.len() as u64).to_le_bytes());
    for (key, value) in entries {
        out.extend_from_slice(*key);
        out.extend_from_slice(&(value.len() as u32).to_le_bytes());
    }
    for (_, value) in entries {
        out.extend_from_slice(value);
    }
    out
}

/// Key → (start, end, slot) of each value; None when `bytes` is not a store of `namespace`.
fn parse_index(bytes: &[u8], namespace: &Key) -> Option<HashMap<Key, (usize, usize, usize)>> {
    let header = 16 + 32 + 8;
    if bytes.len() < header || &bytes[..16] != MAGIC || &bytes[16..48] != namespace {
        return None;
    }
    let count = usize::try_from(u64::from_le_bytes(bytes[48..56].try_into().ok()?)).ok()?;
    let mut pos = header.checked_add(count.checked_mul(36)?)?;
    if pos > bytes.len() {
        return None;
    }
    let mut index = HashMap::with_capacity(count);
    for slot in 0..count {
        let at = header + slot * 36;
        let key: Key = bytes[at..at + 32].try_into().ok()?;
        let len = u32::from_le_bytes(bytes[at + 32..at + 36].try_into().ok()?) as usize;
        let end = pos.checked_add(len)?;
        if end > bytes.len() {
            return None;
        }
        index.insert(key, (pos, end, slot));
        pos = end;
    }
    (pos == bytes.len()).then_some(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> Key {
        [n; 32]
    }

    #[test]
    fn values_survive_a_save_and_only_used_ones_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let ns = key(9);
        let store = Store::open(&out, "test", ns);
        assert_eq!(store.get_or_make(key(1), || b"one".to_vec()), b"one");
        store.put(key(2), b"two");
        assert_eq!(store.made(), 2);
        store.save().unwrap();
        let path = store_path(&out, "test", &ns);
        assert!(path.exists());

        let warm = Store::open(&out, "test", ns);
        assert_eq!(warm.get(&key(1)).unwrap(), b"one");
        assert_eq!((warm.hits(), warm.made()), (1, 0));
        // key 2 was not used: saving drops it.
        warm.save().unwrap();
        let again = Store::open(&out, "test", ns);
        assert!(again.get(&key(2)).is_none());
        assert!(again.contains(&key(1)));
        // Everything used, nothing new: the file is left alone.
        let before = std::fs::metadata(&path).unwrap().modified().unwrap();
        again.save().unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().modified().unwrap(),
            before
        );
    }

    #[test]
    fn foreign_or_damaged_files_are_empty_stores() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let store = Store::open(&out, "test", key(1));
        store.put(key(5), b"five");
        store.save().unwrap();
        assert!(Store::open(&out, "test", key(2)).get(&key(5)).is_none());
        let path = store_path(&out, "test", &key(1));
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        assert!(Store::open(&out, "test", key(1)).get(&key(5)).is_none());
        let mut flipped = bytes.clone();
        let last = flipped.len() - 2;
        flipped[last] ^= 0xff;
        std::fs::write(&path, &flipped).unwrap();
        assert!(Store::open(&out, "test", key(1)).get(&key(5)).is_none());
    }

    #[test]
    fn a_new_namespace_replaces_the_old_file_and_only_it() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        // Another kind's cache (the search index's) is not the store's to remove.
        std::fs::create_dir_all(dir.path().join(CACHE_DIR)).unwrap();
        std::fs::write(dir.path().join(CACHE_DIR).join("search.bin"), b"s").unwrap();
        for ns in [key(1), key(2)] {
            let store = Store::open(&out, "derived", ns);
            store.put(key(3), b"x");
            store.save().unwrap();
        }
        let mut names: Vec<String> = std::fs::read_dir(dir.path().join(CACHE_DIR))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["derived-0202020202020202.bin", "search.bin"]);
    }
}
