//! Where a command's results or report go: standard output, or the
//! `--output` file, written to a temporary file and put in place only when
//! the run succeeds; and what a failed write means for the exit code.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::flags::OutputArg;
use super::Exit;

impl OutputArg {
    /// Writes the finished report to `--output` or stdout.
    pub fn write(&self, text: &str) -> Exit {
        let mut sink = match self.open() {
            Ok(sink) => sink,
            Err(exit) => return exit,
        };
        match sink.write_all(text.as_bytes()) {
            Ok(()) => finish(sink),
            Err(e) => write_failed(&e),
        }
    }

    /// `--output` (written to a temporary file until [`finish`]) or stdout.
    pub fn open(&self) -> Result<Sink, Exit> {
        Sink::open(self.output.as_deref()).map_err(|e| {
            match &self.output {
                Some(path) => eprintln!("error: cannot write `{}`: {e}", path.display()),
                None => eprintln!("error: cannot write to standard output: {e}"),
            }
            Exit::Usage
        })
    }
}

/// Flushes the output, and puts an `--output` file in place.
pub fn finish(mut sink: Sink) -> Exit {
    match sink.commit() {
        Ok(()) => Exit::Success,
        Err(e) => write_failed(&e),
    }
}

/// A closed pipe is the reader's choice; any other failure is exit 2.
pub fn write_failed(e: &std::io::Error) -> Exit {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return Exit::Success;
    }
    eprintln!("error: writing the output failed: {e}");
    Exit::Usage
}

/// A report as pretty-printed JSON with a final newline.
pub fn json_report(report: &impl serde::Serialize) -> Result<String, Exit> {
    serde_json::to_string_pretty(report)
        .map(|json| json + "\n")
        .map_err(|e| {
            eprintln!("error: cannot write the report as JSON: {e}");
            Exit::Usage
        })
}

/// Standard output, or a temporary file renamed over the target only when
/// the run succeeds, so a failed run never leaves half a file; a target
/// that is not a regular file (`/dev/null`, a named pipe) is written in
/// place, since renaming over it would replace the device.
pub enum Sink {
    Stdout(BufWriter<io::Stdout>),
    Special(BufWriter<File>),
    File {
        temp: PathBuf,
        target: PathBuf,
        writer: BufWriter<File>,
    },
}

impl Sink {
    pub fn open(target: Option<&Path>) -> io::Result<Sink> {
        match target {
            None => Ok(Sink::Stdout(BufWriter::with_capacity(
                1 << 16,
                io::stdout(),
            ))),
            Some(target) if std::fs::metadata(target).is_ok_and(|m| !m.file_type().is_file()) => {
                let file = std::fs::OpenOptions::new().write(true).open(target)?;
                Ok(Sink::Special(BufWriter::new(file)))
            }
            Some(target) => {
                let name = target
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let temp = target.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
                let writer = BufWriter::new(File::create(&temp)?);
                interrupt::remove_on_interrupt(&temp);
                Ok(Sink::File {
                    temp,
                    target: target.to_path_buf(),
                    writer,
                })
            }
        }
    }

    pub fn commit(&mut self) -> io::Result<()> {
        match self {
            Sink::Stdout(w) => w.flush(),
            Sink::Special(w) => w.flush(),
            Sink::File {
                temp,
                target,
                writer,
            } => {
                writer.flush()?;
                writer.get_ref().sync_all()?;
                std::fs::rename(&*temp, &*target).map_err(|e| {
                    io::Error::new(
                        e.kind(),
                        format!("cannot put `{}` in place: {e}", target.display()),
                    )
                })?;
                interrupt::forget(temp);
                // Renamed: nothing is left for `drop` to clean up.
                *temp = PathBuf::new();
                Ok(())
            }
        }
    }
}

impl Sink {
    /// After a failed run: stdout keeps what was written; a file is not
    /// created (its temporary file is removed).
    pub fn close_after_failure(mut self) {
        match &mut self {
            Sink::Stdout(out) => {
                let _ = out.flush();
            }
            Sink::Special(out) => {
                let _ = out.flush();
            }
            Sink::File { .. } => {}
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        if let Sink::File { temp, .. } = self {
            if !temp.as_os_str().is_empty() {
                let _ = std::fs::remove_file(&*temp);
                interrupt::forget(temp);
            }
        }
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Stdout(w) => w.write(buf),
            Sink::Special(w) => w.write(buf),
            Sink::File { writer, .. } => writer.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Stdout(w) => w.flush(),
            Sink::Special(w) => w.flush(),
            Sink::File { writer, .. } => writer.flush(),
        }
    }
}

/// Ctrl-C (SIGINT) during a run: the temporary file of `--output` and
/// the events spilled to TMPDIR are removed before the process ends, as a
/// failed run would leave them.
pub mod interrupt {
    use std::path::{Path, PathBuf};
    use std::sync::{Mutex, Once};

    /// The temporary files not yet renamed into place.
    static TEMPORARY: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    static HANDLER: Once = Once::new();

    /// The exit code of a process ended by SIGINT, as shells report it.
    const INTERRUPTED: i32 = 130;

    /// Cleans up after Ctrl-C from now on, for a run that reads leads.
    pub fn clean_up_on_interrupt() {
        HANDLER.call_once(|| {
            // Without a handler (another is set) Ctrl-C ends the run as
            // before; the temporary file then stays, named `.NAME.PID.tmp`,
            // and the spilled events in TMPDIR, named `leadscore-*`.
            let _ = ctrlc::set_handler(|| {
                let mut writing_output = false;
                if let Ok(temps) = TEMPORARY.lock() {
                    writing_output = !temps.is_empty();
                    for temp in temps.iter() {
                        let _ = std::fs::remove_file(temp);
                    }
                }
                crate::record::remove_spilled();
                if writing_output {
                    eprintln!("interrupted: no output written");
                } else {
                    eprintln!("interrupted");
                }
                std::process::exit(INTERRUPTED);
            });
        });
    }

    /// Removes `temp` if the run is interrupted before [`forget`].
    pub fn remove_on_interrupt(temp: &Path) {
        clean_up_on_interrupt();
        if let Ok(mut temps) = TEMPORARY.lock() {
            temps.push(temp.to_path_buf());
        }
    }

    /// `temp` is renamed or removed: nothing to clean up any more.
    pub fn forget(temp: &Path) {
        if let Ok(mut temps) = TEMPORARY.lock() {
            temps.retain(|t| t != temp);
        }
    }
}
