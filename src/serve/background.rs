//! What the dev server does after a build has been swapped in and the reload sent, off the path
//! from a save to the browser: saving the derived-work cache, and indexing the site for search
//! (Pagefind takes far longer than rendering the pages that changed), whose files then replace
//! the ones served so far. It must not render pages or send reloads: a search index that is a
//! build behind only shows in search results, which load it afresh.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::build::Shared;
use super::sink::SiteFiles;
use crate::Error;
use crate::cache::Store;
use crate::index::Library;

/// After one build: the library to index (None after a failed build: only the cache is saved).
pub(super) type Job = Option<Arc<Library>>;

/// How long builds must pause before the work starts. The browser is loading the pages the
/// reload asked for right after a build, and Pagefind's workers share the render thread pool:
/// indexing then would slow both that load and the next build, on every save of a burst.
const QUIET: Duration = Duration::from_millis(500);

/// Starts the worker thread; it stops when the sender is dropped. Jobs that come before builds
/// pause for `QUIET`, or while it works, are merged: only the latest library is indexed.
pub(super) fn start(
    shared: Arc<Shared>,
    store: Arc<Store>,
    out_dir: PathBuf,
) -> Result<(mpsc::Sender<Job>, JoinHandle<()>), Error> {
    let (tx, rx) = mpsc::channel::<Job>();
    let thread = std::thread::Builder::new()
        .name("sitegen-index".into())
        .spawn(move || {
            lower_priority();
            // Entries made by the builds so far when the cache was last saved: the store stays
            // open across builds, so only new entries are a reason to write it again.
            let mut saved_made = None;
            while let Ok(mut job) = rx.recv() {
                let stopping = loop {
                    match rx.recv_timeout(QUIET) {
                        Ok(next) => job = next.or(job),
                        Err(mpsc::RecvTimeoutError::Timeout) => break false,
                        Err(mpsc::RecvTimeoutError::Disconnected) => break true,
                    }
                };
                let made = store.made();
                if saved_made != Some(made) {
                    // A cache that cannot be saved only costs time on the next start.
                    match store.save() {
                        Ok(()) => saved_made = Some(made),
                        Err(e) => eprintln!("warning: render cache not saved: {e}"),
                    }
                }
                // A server that is stopping has no use for a new index.
                if let (Some(library), false) = (job, stopping) {
                    index(&shared, &library, &out_dir);
                }
                return_freed_memory();
            }
        })
        .map_err(|e| Error::io("sitegen-index", e))?;
    Ok((tx, thread))
}

/// Hands the memory builds and indexing freed back to the system now, while the server is idle.
/// mimalloc does it lazily, 10 ms after a free, in whichever allocation comes next: after a
/// pause between saves that was the next build's, which stalled 25–35 ms (1,000 papers) on
/// unmapping what the previous build and index had freed.
fn return_freed_memory() {
    // SAFETY: a call into the allocator the binary uses, with no pointer passed; mimalloc makes
    // it safe from any thread at any time.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

/// Makes this thread, and the threads it starts (Pagefind's runtime), yield the CPU to builds and
/// requests: on Linux a thread's nice value is its own and is inherited by threads it creates.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: a plain system call about the calling thread; no memory is passed.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, 19);
    }
}

/// Builds (or takes from its cache) the search index of `library` and swaps it in.
fn index(shared: &Shared, library: &Library, out_dir: &std::path::Path) {
    let start = Instant::now();
    let sink = crate::render::MemorySink::default();
    let search = match crate::search::build(library, out_dir, &sink) {
        Ok(search) => search,
        Err(e) => {
            eprintln!("warning: search index not rebuilt: {e}");
            return;
        }
    };
    if let Err(e) = crate::search::save_cache(&search) {
        eprintln!("warning: search index cache not saved: {e}");
    }
    if search.stage == crate::search::INDEXED {
        println!("search index rebuilt in {} ms", start.elapsed().as_millis());
    }
    let files: SiteFiles = sink
        .into_files()
        .into_iter()
        .map(|f| (f.path, f.contents.into()))
        .collect();
    shared.swap_search(files);
}
