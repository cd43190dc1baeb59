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
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
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
        match map.get(skip..).map(std::str::from_utf8) {
            Some(Ok(_)) => Ok(Self(Repr::Mapped { map, start: skip })),
            _ => Err(map),
        }
    }
}

impl FileText {
    /// Lets the operating system take back the memory holding `part` (text
    /// of this file already read): a mapped file's pages then stop counting
    /// in the process's memory, and come back from the file if read again.
    /// A no-op for text read into memory.
    pub fn release(&self, part: &str) {
        #[cfg(unix)]
        if let Repr::Mapped { map, .. } = &self.0 {
            let base = map.as_ptr() as usize;
            let at = part.as_ptr() as usize;
            if at >= base && at + part.len() <= base + map.len() {
                // SAFETY: the mapping is a read-only view of a file (memmap2
                // maps it shared, nothing writes through it). MADV_DONTNEED
                // on such a mapping only drops this process's view of the
                // pages; a later read faults the same file contents back in,
                // so every `&str` into the text stays valid and UTF-8. (It
                // would lose data only on private pages written to, and
                // there are none.)
                let _ =
                    unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, at - base, part.len()) };
            }
        }
        #[cfg(not(unix))]
        let _ = part;
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
