//! A data file's text: read into memory, or a read-only mapping of a big
//! file. A mapping is checked to be UTF-8 either whole when it is made, or
//! a part at a time as its reader reads it ([`FileText::part`]): a CSV
//! export is then brought into memory once, to be checked and parsed while
//! in cache, instead of once to be checked and again to be parsed.

use std::ops::Range;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

/// Files at least this big are memory-mapped instead of read: reading copies
/// every byte into fresh memory, which cost a fifth of a million-row audit.
const MAP_FROM_BYTES: u64 = 1024 * 1024;

/// The text of a file: read into a `String`, or a read-only mapping of a
/// big file, UTF-8 checked whole when it was made or part by part as it is
/// read (see [`FileText::part`]).
///
/// A mapped file must not be changed by another program while an audit
/// reads it (the operating system may stop the process if it shrinks); data
/// exports are not written to while audited, and docs/security.md says so.
pub struct FileText(Repr);

enum Repr {
    Owned(String),
    Mapped(Mapped),
}

struct Mapped {
    map: memmap2::Mmap,
    /// Bytes at the start left out (a byte order mark).
    start: usize,
    /// Ranges of the text (after `start`) found to be UTF-8 by
    /// [`FileText::part`], in the order they were checked.
    checked: Mutex<Vec<Range<usize>>>,
    /// Whether the whole text is UTF-8, once known.
    whole: OnceLock<bool>,
}

impl Mapped {
    fn text(&self) -> &[u8] {
        &self.map[self.start..]
    }

    /// Whether the whole text is UTF-8: the ranges not yet checked are
    /// checked now. Every range checked starts and ends at a character
    /// boundary when the whole is UTF-8, so the whole is UTF-8 exactly when
    /// each range and each gap between them is, on its own.
    fn all_utf8(&self) -> bool {
        *self.whole.get_or_init(|| {
            let mut done = std::mem::take(&mut *self.checked.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
            done.sort_by_key(|r| (r.start, r.end));
            let text = self.text();
            let mut at = 0;
            for r in done.iter().chain(std::iter::once(&(text.len()..text.len()))) {
                if r.start > at && !is_utf8_releasing(&text[at..r.start], |part| release_mapped(&self.map, part)) {
                    return false;
                }
                at = at.max(r.end);
            }
            true
        })
    }
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
        Ok(Self::mapped(map, skip, Some(true)))
    }

    /// Text from a mapping not checked yet: its reader checks it a part at a
    /// time with [`FileText::part`], and must ask [`FileText::is_utf8`]
    /// before reading it whole. `skip` bytes at the start are left out.
    pub fn from_map_unchecked(map: memmap2::Mmap, skip: usize) -> Self {
        let skip = skip.min(map.len());
        Self::mapped(map, skip, None)
    }

    fn mapped(map: memmap2::Mmap, start: usize, whole: Option<bool>) -> Self {
        let known = OnceLock::new();
        if let Some(w) = whole {
            let _ = known.set(w);
        }
        Self(Repr::Mapped(Mapped {
            map,
            start,
            checked: Mutex::new(Vec::new()),
            whole: known,
        }))
    }

    /// The file's bytes, checked or not.
    pub fn bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Owned(s) => s.as_bytes(),
            Repr::Mapped(m) => m.text(),
        }
    }

    /// The text of bytes `range`, checked to be UTF-8 (and remembered as
    /// checked); None when it is not (or when the range starts or ends
    /// inside a character, so readers cut at line breaks).
    pub fn part(&self, range: Range<usize>) -> Option<&str> {
        match &self.0 {
            Repr::Owned(s) => s.get(range),
            Repr::Mapped(m) => {
                let text = std::str::from_utf8(m.text().get(range.clone())?).ok()?;
                if m.whole.get().is_none() {
                    m.checked
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(range);
                }
                Some(text)
            }
        }
    }

    /// Whether the whole text is UTF-8 (checking what [`FileText::part`] has
    /// not). Text read into memory always is.
    pub fn is_utf8(&self) -> bool {
        match &self.0 {
            Repr::Owned(_) => true,
            Repr::Mapped(m) => m.all_utf8(),
        }
    }
}

/// Bytes checked to be UTF-8 at a time.
const CHECK_BYTES: usize = 4 * 1024 * 1024;

/// Whether `bytes` are UTF-8, checked [`CHECK_BYTES`] at a time, each part
/// handed to `release` once checked: a mapped file's pages then come into
/// memory a part at a time, instead of the whole file sitting in memory
/// (100 MB of a million-opportunity export). The parts are checked in
/// parallel.
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
    pub fn release(&self, part: &[u8]) {
        if let Repr::Mapped(m) = &self.0 {
            release_mapped(&m.map, part);
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
            Repr::Mapped(m) if m.all_utf8() => {
                // SAFETY: `all_utf8` checked every byte of the text.
                unsafe { std::str::from_utf8_unchecked(m.text()) }
            }
            // Readers of a mapping checked part by part ask `is_utf8` first
            // and read text that is not as decoded text instead; this is
            // never reached by them, and gives the text's UTF-8 start.
            Repr::Mapped(m) => {
                let text = m.text();
                let valid = std::str::from_utf8(text).map_or_else(|e| e.valid_up_to(), |_| text.len());
                std::str::from_utf8(&text[..valid]).unwrap_or_default()
            }
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
