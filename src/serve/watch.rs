//! Reloading the model when its files change. Every file a model reads is
//! inside the model's directory (the loader confines paths there), so the
//! directory is watched as a whole: a file that a `use` names only from
//! now on is seen too. The model is reloaded 200 ms after the last change,
//! so an editor's save (often a write and a rename) gives one reload.

use std::path::Path;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use super::state::State;

/// How long the files must be quiet before the model is read again.
const QUIET: Duration = Duration::from_millis(200);

/// Starts watching; the watcher stops when the returned value is dropped.
pub fn start(state: Arc<State>) -> Result<RecommendedWatcher, String> {
    let dir = state.model_dir();
    let dir = dir.canonicalize().unwrap_or(dir);
    let (tx, rx) = mpsc::channel::<()>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<Event>| {
        if let Ok(event) = event {
            if relevant(&event) {
                let _ = tx.send(());
            }
        }
    })
    .map_err(|e| format!("cannot watch `{}` for changes: {e}", dir.display()))?;
    watcher
        .watch(&dir, RecursiveMode::Recursive)
        .map_err(|e| format!("cannot watch `{}` for changes: {e}", dir.display()))?;
    std::thread::Builder::new()
        .name("leadscore-watch".to_string())
        .spawn(move || debounce(&rx, &state))
        .map_err(|e| format!("cannot start the watcher: {e}"))?;
    Ok(watcher)
}

/// A change to a file's content or name; reading a file is not one, nor
/// a change inside a version-control directory.
fn relevant(event: &Event) -> bool {
    let changes = matches!(
        event.kind,
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) | EventKind::Any
    );
    changes && event.paths.iter().any(|p| !hidden(p))
}

/// A path with a component starting with `.` (`.git`, a save's temporary
/// file), below the watched directory.
fn hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'))
        || path
            .components()
            .any(|c| c.as_os_str().to_str().is_some_and(|s| s == ".git"))
}

/// Reloads once the changes have stopped for [`QUIET`].
fn debounce(rx: &mpsc::Receiver<()>, state: &State) {
    while rx.recv().is_ok() {
        loop {
            match rx.recv_timeout(QUIET) {
                Ok(()) => continue,
                Err(mpsc::RecvTimeoutError::Timeout) => break,
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
        }
        state.reload();
    }
}
