//! Files in and out: big data files are mapped rather than copied into
//! memory, and writes never leave a half-written file behind.

use std::io::Write;
use std::path::Path;

/// Whether `path`, with every link resolved, lies inside `root` (also
/// resolved). A path that does not exist is not inside anything.
pub fn is_inside(path: &Path, root: &Path) -> bool {
    match (path.canonicalize(), root.canonicalize()) {
        (Ok(p), Ok(r)) => p.starts_with(r),
        _ => false,
    }
}

/// Writes `bytes` to a temporary file next to `path`, then renames it over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_all_atomic(&[(path, bytes)])
}

/// The mark in the name of every temporary file mktaudit writes, so that
/// one left by a killed run is recognised and removed by the next.
const TEMP_MARK: &str = ".mktaudit-tmp-";

/// Temporary files older than this whose process is gone are stale.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(3600);

fn temp_name(path: &Path, kind: &str) -> std::path::PathBuf {
    path.with_file_name(format!("{}{}.{kind}", temp_prefix(path), std::process::id()))
}

/// `.NAME.mktaudit-tmp-`: the start of every temporary file for `path`.
fn temp_prefix(path: &Path) -> String {
    let name = path
        .file_name()
        .map_or_else(|| "report".into(), |n| n.to_string_lossy().into_owned());
    format!(".{name}{TEMP_MARK}")
}

/// The folder `path` is in (`.` for a bare file name).
fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Writes every file or none: all are written to temporary files beside
/// their targets first (tempfile's, removed if anything fails), then
/// persisted over them; should one fail, the files already replaced get
/// their previous contents back. A replaced file keeps its permissions; a
/// new one gets the usual ones (0666 less the umask), not tempfile's 0600.
/// A read-only target is refused before anything is written. Temporary
/// files of killed runs beside the targets are removed.
pub fn write_all_atomic(files: &[(&Path, &[u8])]) -> std::io::Result<()> {
    for (path, _) in files {
        remove_stale_temps(path);
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().readonly()
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                "the file is read-only; mktaudit does not replace a read-only file (make it writable or write elsewhere)",
            ));
        }
    }
    let mut temps: Vec<tempfile::NamedTempFile> = Vec::new();
    for (path, bytes) in files {
        let mut builder = tempfile::Builder::new();
        // The process id in the name lets a later run tell a killed run's file.
        let prefix = format!("{}{}.", temp_prefix(path), std::process::id());
        builder.prefix(&prefix).suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        // On error, the temporaries made so far are dropped, which deletes them.
        let mut tmp = builder.tempfile_in(folder_of(path))?;
        tmp.write_all(bytes)?;
        if let Ok(meta) = std::fs::metadata(path) {
            tmp.as_file().set_permissions(meta.permissions())?;
        }
        tmp.as_file().sync_all()?;
        temps.push(tmp);
    }
    // Keep each file about to be replaced, to put it back if a later persist fails.
    let mut backups: Vec<Option<std::path::PathBuf>> = Vec::new();
    let remove = |paths: &[std::path::PathBuf]| {
        for p in paths {
            let _ = std::fs::remove_file(p);
        }
    };
    for (path, _) in files {
        let backup = path.exists().then(|| temp_name(path, "old"));
        if let Some(b) = &backup {
            let _ = std::fs::remove_file(b);
            if let Err(e) = std::fs::hard_link(path, b).or_else(|_| std::fs::copy(path, b).map(|_| ())) {
                remove(&backups.iter().flatten().cloned().collect::<Vec<_>>());
                return Err(e);
            }
        }
        backups.push(backup);
    }
    for (i, ((path, _), tmp)) in files.iter().zip(temps).enumerate() {
        if let Err(e) = tmp.persist(path) {
            for ((done, _), backup) in files[..i].iter().zip(&backups) {
                match backup {
                    Some(b) => {
                        let _ = std::fs::rename(b, done);
                    }
                    None => {
                        let _ = std::fs::remove_file(done);
                    }
                }
            }
            // The temporaries not yet persisted are dropped (deleted) with `e`
            // and the rest of the iterator.
            remove(&backups.iter().flatten().cloned().collect::<Vec<_>>());
            return Err(e.error);
        }
    }
    remove(&backups.into_iter().flatten().collect::<Vec<_>>());
    Ok(())
}

/// Removes temporary files for `path` left by runs that were killed: those
/// whose process no longer runs (where that can be seen) or that are old.
fn remove_stale_temps(path: &Path) {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return;
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let prefix = format!(".{name}{TEMP_MARK}");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix(&prefix) else {
            continue;
        };
        let pid = rest.split('.').next().and_then(|p| p.parse::<u32>().ok());
        let gone = pid.is_some_and(|p| p != std::process::id() && !process_runs(p));
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > STALE_AFTER));
        if gone || old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether process `pid` runs, where the system shows it (Linux); elsewhere
/// assumed running, so only age makes its files stale.
fn process_runs(pid: u32) -> bool {
    let proc_root = Path::new("/proc");
    !proc_root.join("self").exists() || proc_root.join(pid.to_string()).exists()
}

/// Files at least this big are memory-mapped instead of read: reading copies
/// every byte into fresh memory, which cost a fifth of a million-row audit.
const MAP_FROM_BYTES: u64 = 1024 * 1024;

/// The text of a file: read into a `String`, or a read-only mapping of a
/// big file checked once to be UTF-8.
///
/// A mapped file must not be changed by another program while an audit
/// reads it (the operating system may stop the process if it shrinks); data
/// exports are not written to while audited, and docs/security.md says so.
pub struct FileText(Repr);

enum Repr {
    Owned(String),
    Mapped { map: memmap2::Mmap, start: usize },
}

impl FileText {
    /// The bytes of the file at `path`: mapped when it is big, else read.
    pub fn bytes_of(path: &Path) -> std::io::Result<FileBytes> {
        let file = std::fs::File::open(path)?;
        let meta = file.metadata()?;
        if meta.is_file() && meta.len() >= MAP_FROM_BYTES {
            // SAFETY: the mapping is read-only; see the type's note on
            // files changed by another program while mapped.
            if let Ok(map) = unsafe { memmap2::Mmap::map(&file) } {
                return Ok(FileBytes::Mapped(map));
            }
        }
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut &file, &mut bytes)?;
        Ok(FileBytes::Owned(bytes))
    }

    /// Text from a mapping: None when it is not UTF-8. `skip` bytes at the
    /// start (a byte order mark) are left out.
    pub fn from_map(map: memmap2::Mmap, skip: usize) -> Result<Self, memmap2::Mmap> {
        let Some(bytes) = map.get(skip..) else {
            return Err(map);
        };
        if !is_utf8_releasing(bytes, |part| release_mapped(&map, part)) {
            return Err(map);
        }
        Ok(Self(Repr::Mapped { map, start: skip }))
    }
}

/// Bytes checked to be UTF-8 at a time.
const CHECK_BYTES: usize = 4 * 1024 * 1024;

/// Whether `bytes` are UTF-8, checked [`CHECK_BYTES`] at a time, each part
/// handed to `release` once checked: a mapped file's pages then come into
/// memory a part at a time to be checked and again when read, instead of
/// the whole file sitting in memory before its first row is parsed (100 MB
/// of a million-opportunity export). The parts are checked in parallel:
/// the check comes before any row of the file is read.
fn is_utf8_releasing(bytes: &[u8], release: impl Fn(&[u8]) + Sync) -> bool {
    is_utf8_releasing_by(bytes, CHECK_BYTES, release)
}

fn is_utf8_releasing_by(bytes: &[u8], part: usize, release: impl Fn(&[u8]) + Sync) -> bool {
    use rayon::prelude::*;
    // Parts start where a character does (not at a continuation byte), so
    // each is UTF-8 exactly when its share of the whole is.
    let mut cuts = vec![0];
    let mut at = part.max(1);
    while at < bytes.len() {
        let end = bytes.len().min(at + 4);
        let start = (at..end)
            .find(|i| bytes[*i] & 0xC0 != 0x80)
            .unwrap_or(if end == bytes.len() {
                // The last character: it ends the part before.
                end
            } else {
                // Four continuation bytes in a row are not UTF-8, and the part
                // that starts with one says so.
                at
            });
        cuts.push(start);
        at = start + part.max(1);
    }
    cuts.push(bytes.len());
    cuts.dedup();
    cuts.par_windows(2).all(|w| {
        let part = &bytes[w[0]..w[1]];
        let ok = std::str::from_utf8(part).is_ok();
        release(part);
        ok
    })
}

/// See [`FileText::release`]; a part outside the mapping is left alone.
fn release_mapped(map: &memmap2::Mmap, part: &[u8]) {
    #[cfg(unix)]
    {
        let base = map.as_ptr() as usize;
        let at = part.as_ptr() as usize;
        if at >= base && at + part.len() <= base + map.len() {
            // SAFETY: the mapping is a read-only view of a file (memmap2
            // maps it shared, nothing writes through it). MADV_DONTNEED on
            // such a mapping only drops this process's view of the pages; a
            // later read faults the same file contents back in, so every
            // `&str` into the text stays valid and UTF-8. (It would lose data
            // only on private pages written to, and there are none.)
            let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, at - base, part.len()) };
        }
    }
    #[cfg(not(unix))]
    let _ = (map, part);
}

impl FileText {
    /// Lets the operating system take back the memory holding `part` (text
    /// of this file already read): a mapped file's pages then stop counting
    /// in the process's memory, and come back from the file if read again.
    /// A no-op for text read into memory.
    pub fn release(&self, part: &str) {
        if let Repr::Mapped { map, .. } = &self.0 {
            release_mapped(map, part.as_bytes());
        }
    }
}

/// A file's bytes before decoding.
pub enum FileBytes {
    Owned(Vec<u8>),
    Mapped(memmap2::Mmap),
}

impl From<String> for FileText {
    fn from(text: String) -> Self {
        Self(Repr::Owned(text))
    }
}

impl From<&str> for FileText {
    fn from(text: &str) -> Self {
        Self(Repr::Owned(text.to_string()))
    }
}

impl std::ops::Deref for FileText {
    type Target = str;
    fn deref(&self) -> &str {
        match &self.0 {
            Repr::Owned(s) => s,
            // SAFETY: checked to be UTF-8 when the mapping was made (`from_map`).
            Repr::Mapped { map, start } => unsafe { std::str::from_utf8_unchecked(&map[*start..]) },
        }
    }
}

impl std::fmt::Debug for FileText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

impl miette::SourceCode for FileText {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let text: &str = self;
        text.read_span(span, context_lines_before, context_lines_after)
    }
}

#[cfg(test)]
mod tests;
