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
mod tests {
    use super::*;

    #[test]
    fn several_files_land_together_keep_permissions_and_clean_stale_temps() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("report.json"), dir.path().join("report.html"));
        std::fs::write(&a, "old a").unwrap();
        std::fs::set_permissions(&a, std::fs::Permissions::from_mode(0o640)).unwrap();
        // A temp file of a killed run (no such process) and a live one of ours.
        let stale = dir.path().join(format!(".report.json{TEMP_MARK}4294967.tmp"));
        std::fs::write(&stale, "half").unwrap();
        write_all_atomic(&[(&a, b"new a"), (&b, b"new b")]).unwrap();
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "new a");
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "new b");
        assert_eq!(std::fs::metadata(&a).unwrap().permissions().mode() & 0o777, 0o640);
        assert!(!stale.exists(), "the killed run's temp file is gone");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left.len(), 2, "{left:?}");

        // One target cannot be written (a folder stands there): none is.
        let c = dir.path().join("report.md");
        std::fs::create_dir(&c).unwrap();
        std::fs::write(c.join("x"), "").unwrap();
        assert!(write_all_atomic(&[(&a, b"newer a"), (&c, b"c")]).is_err());
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "new a", "put back");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left.len(), 3, "no temporary file is left: {left:?}");

        // A read-only target is refused, and nothing is written.
        std::fs::set_permissions(&b, std::fs::Permissions::from_mode(0o444)).unwrap();
        let e = write_all_atomic(&[(&a, b"newest a"), (&b, b"b")]).unwrap_err();
        assert!(e.to_string().contains("read-only"), "{e}");
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "new a");
    }

    proptest::proptest! {
        /// Checked a part at a time, text is UTF-8 exactly when it is as a
        /// whole, wherever a part's end cuts a character; every byte checked
        /// is handed back once.
        #[test]
        fn utf8_checked_in_parts_is_utf8(text in "[a\u{e9}\u{20ac}\u{1f600}]{0,40}", bad in proptest::option::of(0usize..40)) {
            let mut bytes = text.into_bytes();
            if let Some(at) = bad.filter(|b| *b < bytes.len()) {
                bytes[at] = 0xff;
            }
            for part in [1usize, 2, 3, 5, 7] {
                // Where each released part starts in `bytes`, and its length.
                let released = std::sync::Mutex::new(Vec::new());
                let base = bytes.as_ptr() as usize;
                let ok = is_utf8_releasing_by(&bytes, part, |p| released.lock().unwrap().push((p.as_ptr() as usize - base, p.len())));
                proptest::prop_assert_eq!(ok, std::str::from_utf8(&bytes).is_ok());
                if ok {
                    let mut parts = released.into_inner().unwrap();
                    parts.sort_unstable();
                    let mut end = 0;
                    for (start, len) in parts {
                        proptest::prop_assert_eq!(start, end, "parts follow each other, none twice");
                        end += len;
                    }
                    proptest::prop_assert_eq!(end, bytes.len());
                }
            }
        }
    }

    #[test]
    fn a_run_of_continuation_bytes_is_not_utf8_wherever_the_parts_fall() {
        let mut bytes = b"ab".to_vec();
        bytes.extend([0x80; 5]);
        bytes.extend(b"cd");
        for part in 1..=bytes.len() {
            assert!(!is_utf8_releasing_by(&bytes, part, |_| {}), "parts of {part}");
        }
        let text = "x\u{1f600}\u{1f600}y".as_bytes();
        assert!((1..=text.len()).all(|part| is_utf8_releasing_by(text, part, |_| {})));
    }

    /// A big file is mapped; releasing parts of it (unaligned, overlapping
    /// pages, the whole) must leave its text readable and unchanged.
    #[test]
    fn released_parts_of_a_mapped_file_read_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.csv");
        let line = "lead_id,créé,source\n";
        let text: String = (0..2 * MAP_FROM_BYTES as usize / line.len())
            .map(|i| format!("{i},{line}"))
            .collect();
        std::fs::write(&path, &text).unwrap();

        let FileBytes::Mapped(map) = FileText::bytes_of(&path).unwrap() else {
            panic!("a file of {} bytes should be mapped", text.len())
        };
        let Ok(mapped) = FileText::from_map(map, 0) else {
            panic!("the text is UTF-8")
        };
        let whole: &str = &mapped;
        for (from, to) in [(5, 70_000), (4096, 8192), (100_001, 1_500_003), (0, whole.len())] {
            mapped.release(&whole[from..to]);
            assert_eq!(&*mapped, text.as_str(), "after releasing bytes {from}..{to}");
        }
        // Text that is not the mapping's is left alone.
        mapped.release("lead_id");
        assert_eq!(&*mapped, text.as_str());
    }
}
