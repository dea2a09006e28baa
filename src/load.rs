//! Loading a model: reads the root file, follows `use`, reads the files of
//! `list ... from`, and confines every path to the model's directory.

use std::collections::HashMap;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::{self, ast};

/// The values of `list ... from "file"` items, read by the loader and keyed
/// by the span of the path literal.
pub type ListFiles = HashMap<Span, Vec<String>>;

pub struct Loaded {
    pub sources: SourceMap,
    /// Every item of the model, `use`d files spliced in at their `use`.
    pub items: Vec<ast::Item>,
    pub list_files: ListFiles,
    /// For each included file, the path literal of the `use` that brought it in.
    pub includes: HashMap<FileId, Span>,
    pub diagnostics: Vec<Diagnostic>,
    /// Every file read (model files and list files), in load order, with
    /// its path as resolved and its text: what a server hashes and watches.
    pub files: Vec<(PathBuf, Arc<str>)>,
    /// The words of items left out after a syntax error (see
    /// [`syntax::Recovered::broken_words`]).
    pub broken_words: Vec<String>,
}

impl Loaded {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Loads a model from disk. Only an unreadable root file is an I/O error;
/// every other problem is a diagnostic.
pub fn load(path: &Path) -> io::Result<Loaded> {
    let text = std::fs::read_to_string(path)?;
    let root_dir = path
        .parent()
        .map(|p| {
            if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            }
        })
        .unwrap_or(Path::new("."))
        .canonicalize()?;
    let canonical = path.canonicalize()?;
    Ok(Loader::new(root_dir).run(path.to_path_buf(), canonical, text))
}

/// Loads a model from text alone (stdin, tests): `use` and `list ... from`
/// resolve against `dir`.
pub fn load_text(name: &str, text: &str, dir: &Path) -> Loaded {
    let root_dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    Loader::new(root_dir.clone()).run(PathBuf::from(name), root_dir.join(name), text.to_string())
}

/// Why a path named by `use` or `list ... from` is not read: a named pipe
/// or a device would block `check` until someone writes to it.
fn not_a_file(path: &Path) -> Option<io::Error> {
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() && !m.is_dir() => Some(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file (a pipe or a device)",
        )),
        _ => None,
    }
}

/// The texts of files being edited, by canonical path: read in place of
/// the files on disk (an editor's unsaved buffers).
pub type Overlay = HashMap<PathBuf, String>;

/// Loads the model at `path` whose own text is `text`, reading every file
/// it uses from `overlay` when it is there and from disk otherwise. The
/// confinement to the model's directory is the same as [`load`]'s.
pub fn load_overlay(path: &Path, text: &str, overlay: &Overlay) -> Loaded {
    let dir = path.parent().unwrap_or(Path::new("."));
    let root_dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let mut loader = Loader::new(root_dir);
    loader.overlay = Some(overlay);
    loader.run(path.to_path_buf(), canonical, text.to_string())
}

struct Loader<'o> {
    root_dir: PathBuf,
    /// Unsaved buffers read in place of their files.
    overlay: Option<&'o Overlay>,
    sources: SourceMap,
    list_files: ListFiles,
    includes: HashMap<FileId, Span>,
    diagnostics: Vec<Diagnostic>,
    files: Vec<(PathBuf, Arc<str>)>,
    broken_words: Vec<String>,
    /// Canonical paths of the files being loaded, for cycle detection.
    stack: Vec<PathBuf>,
    /// Canonical paths already loaded: a file used twice is spliced once.
    loaded: Vec<PathBuf>,
}

impl Loader<'_> {
    fn new(root_dir: PathBuf) -> Self {
        Loader {
            root_dir,
            overlay: None,
            sources: SourceMap::default(),
            list_files: ListFiles::new(),
            includes: HashMap::new(),
            diagnostics: Vec::new(),
            files: Vec::new(),
            broken_words: Vec::new(),
            stack: Vec::new(),
            loaded: Vec::new(),
        }
    }

    /// Loads the root file and everything it brings in.
    fn run(mut self, shown: PathBuf, canonical: PathBuf, text: String) -> Loaded {
        let items = self.load_file(shown, canonical, text);
        Loaded {
            sources: self.sources,
            items,
            list_files: self.list_files,
            includes: self.includes,
            diagnostics: self.diagnostics,
            files: self.files,
            broken_words: self.broken_words,
        }
    }

    fn load_file(&mut self, shown: PathBuf, canonical: PathBuf, text: String) -> Vec<ast::Item> {
        let file = self.sources.add(shown.clone(), text.clone());
        self.files
            .push((canonical.clone(), Arc::from(text.as_str())));
        self.stack.push(canonical.clone());
        self.loaded.push(canonical);
        let recovered = syntax::parse_recovering(file, &text);
        self.diagnostics.extend(recovered.diagnostics);
        self.broken_words.extend(recovered.broken_words);
        let mut items = Vec::new();
        for item in recovered.ast.map(|f| f.items).unwrap_or_default() {
            match &item {
                ast::Item::Use(path) => items.extend(self.load_use(&shown, path)),
                ast::Item::List(list) => {
                    if let ast::ListSource::File(path) = &list.source {
                        self.load_list(&shown, path);
                    }
                    items.push(item);
                }
                _ => items.push(item),
            }
        }
        self.stack.pop();
        items
    }

    /// The id the next file added to the source map will get.
    fn sources_len(&self) -> FileId {
        self.sources.len()
    }

    fn load_use(&mut self, including: &Path, path: &ast::Spanned<String>) -> Vec<ast::Item> {
        let Some((shown, canonical)) = self.resolve(including, path, "use") else {
            return Vec::new();
        };
        if self.stack.contains(&canonical) {
            let chain: Vec<String> = self
                .stack
                .iter()
                .map(|p| {
                    p.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                })
                .collect();
            self.diagnostics.push(
                Diagnostic::new(
                    Code::IncludeCycle,
                    path.span,
                    format!(
                        "`{}` is already being loaded: the files use each other in a cycle",
                        path.node
                    ),
                )
                .label("cycle closes here")
                .help(format!(
                    "the chain is {} -> {}; move the shared items into a file that both use",
                    chain.join(" -> "),
                    path.node
                )),
            );
            return Vec::new();
        }
        if self.loaded.contains(&canonical) {
            return Vec::new();
        }
        match self.read(&canonical) {
            Ok(text) => {
                self.includes.insert(self.sources_len(), path.span);
                self.load_file(shown, canonical, text)
            }
            Err(e) => {
                self.unreadable(path, &e);
                Vec::new()
            }
        }
    }

    fn load_list(&mut self, including: &Path, path: &ast::Spanned<String>) {
        let Some((_, canonical)) = self.resolve(including, path, "list") else {
            return;
        };
        match self.read(&canonical) {
            Ok(text) => {
                self.files.push((canonical, Arc::from(text.as_str())));
                let values = text
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(str::to_string)
                    .collect();
                self.list_files.insert(path.span, values);
            }
            Err(e) => self.unreadable(path, &e),
        }
    }

    /// A file's text: the editor's buffer when it is open, else the disk's.
    fn read(&self, canonical: &Path) -> io::Result<String> {
        match self.overlay.and_then(|o| o.get(canonical)) {
            Some(text) => Ok(text.clone()),
            None => match not_a_file(canonical) {
                Some(error) => Err(error),
                None => std::fs::read_to_string(canonical),
            },
        }
    }

    fn unreadable(&mut self, path: &ast::Spanned<String>, error: &io::Error) {
        self.diagnostics.push(
            Diagnostic::new(
                Code::UnreadableFile,
                path.span,
                format!("cannot read `{}`: {error}", path.node),
            )
            .label("this file")
            .help("paths are relative to the file that names them"),
        );
    }

    /// The displayed and canonical path of `path`, named in `including`,
    /// or a diagnostic when it is absolute, escapes the model's directory,
    /// or does not exist.
    fn resolve(
        &mut self,
        including: &Path,
        path: &ast::Spanned<String>,
        what: &str,
    ) -> Option<(PathBuf, PathBuf)> {
        let relative = Path::new(&path.node);
        let escapes = |span: Span, message: String| {
            Diagnostic::new(Code::PathEscapes, span, message)
                .label("outside the model's directory")
                .help(format!("a `{what}` path is relative to the file that names it and must stay inside the directory of the model being checked"))
        };
        if relative.is_absolute()
            || relative
                .components()
                .any(|c| matches!(c, Component::Prefix(_) | Component::RootDir))
        {
            self.diagnostics.push(escapes(
                path.span,
                format!("`{}` is an absolute path", path.node),
            ));
            return None;
        }
        let base = including.parent().unwrap_or(Path::new(""));
        let shown = base.join(relative);
        let canonical = match shown.canonicalize() {
            Ok(c) => c,
            Err(e) => {
                // Report escape before non-existence: it is the more useful fact.
                let lexical = normalize(&self.including_dir_canonical(including).join(relative));
                if !lexical.starts_with(&self.root_dir) {
                    self.diagnostics.push(escapes(
                        path.span,
                        format!("`{}` leaves the model's directory", path.node),
                    ));
                } else {
                    self.unreadable(path, &e);
                }
                return None;
            }
        };
        if !canonical.starts_with(&self.root_dir) {
            self.diagnostics.push(escapes(
                path.span,
                format!("`{}` leaves the model's directory", path.node),
            ));
            return None;
        }
        Some((shown, canonical))
    }

    fn including_dir_canonical(&self, including: &Path) -> PathBuf {
        including
            .parent()
            .and_then(|p| {
                let p = if p.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    p
                };
                p.canonicalize().ok()
            })
            .unwrap_or_else(|| self.root_dir.clone())
    }
}

/// Resolves `.` and `..` lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}
