//! A data or YAML file of the bundle as text: its path as shown, its bytes
//! decoded (UTF-8, UTF-16, Windows-1252) and its line endings made plain.

use super::Note;
use super::table::note;
use crate::error::ErrorCode;
use crate::error::{Problem, Problems, SourceFile};
use crate::fsutil::{FileBytes, FileText};
use std::path::Path;

pub(super) fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Bytes as text: UTF-16 with a BOM (Excel's "Unicode text" and Google Ads'
/// "Excel CSV"), UTF-8 with or without BOM, else Latin-1 (older spreadsheet
/// tools write Windows-1252; every ASCII byte, so all structure, reads the
/// same). Returns the text and, for Latin-1, the first bad byte's offset.
pub(super) fn decode(bytes: Vec<u8>) -> (String, Option<usize>) {
    let from = |encoding: &'static encoding_rs::Encoding, bytes: &[u8]| {
        encoding.decode_without_bom_handling(bytes).0.into_owned()
    };
    let text = match bytes.get(..2) {
        Some([0xFF, 0xFE]) => from(encoding_rs::UTF_16LE, &bytes[2..]),
        Some([0xFE, 0xFF]) => from(encoding_rs::UTF_16BE, &bytes[2..]),
        _ => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let bad = e.utf8_error().valid_up_to();
                return (from(encoding_rs::WINDOWS_1252, e.as_bytes()), Some(bad));
            }
        },
    };
    (text, None)
}

/// Whether `bytes` look like UTF-16 text written without a byte order mark
/// (Some(true) little-endian, Some(false) big-endian): in text that is
/// mostly ASCII, as exports are, every other byte is NUL. UTF-8 and
/// Windows-1252 text has no NUL bytes at all.
fn utf16_without_bom(bytes: &[u8]) -> Option<bool> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) || bytes.len() < 4 {
        return None;
    }
    let sample = &bytes[..bytes.len().min(4096) & !1];
    let pairs = sample.len() / 2;
    let nul_at = |odd: usize| sample.chunks_exact(2).filter(|p| p[odd] == 0).count();
    let (even, odd) = (nul_at(0), nul_at(1));
    // Most pairs carry their NUL on one side and almost none on the other.
    match (even * 10 >= pairs * 6, odd * 10 >= pairs * 6) {
        (false, true) if even * 20 <= pairs => Some(true),
        (true, false) if odd * 20 <= pairs => Some(false),
        _ => None,
    }
}

/// Reads a file as text (see [`decode`]). A file whose lines end with a lone
/// CR (old Mac exports) gets LF endings, so lines are counted right. With
/// `check_later`, a big file that may be UTF-8 is mapped without being
/// checked: its reader checks it part by part as it reads it, and reads it
/// as [`redecode`] gives it when it is not UTF-8.
pub(super) fn read_source(
    root: &Path,
    path: &Path,
    check_later: bool,
    notes: &mut Vec<Note>,
    problems: &mut Problems,
) -> Option<SourceFile> {
    let rel = relative(root, path);
    let bytes = match FileText::bytes_of(path) {
        Ok(b) => b,
        Err(e) => {
            problems.push(Problem::new(ErrorCode::BundleRead, format!("cannot read `{rel}`: {e}")).in_file(path));
            return None;
        }
    };
    let head: &[u8] = match &bytes {
        FileBytes::Mapped(map) => map,
        FileBytes::Owned(b) => b,
    };
    let bomless_utf16 = utf16_without_bom(head);
    let name = display_path(root, &rel);
    // A big UTF-8 file (the usual export) stays mapped, not copied.
    let bytes = match bytes {
        FileBytes::Mapped(map)
            if bomless_utf16.is_none() && !map.starts_with(&[0xFF, 0xFE]) && !map.starts_with(&[0xFE, 0xFF]) =>
        {
            let bom = if map.starts_with("\u{feff}".as_bytes()) { 3 } else { 0 };
            let text = if check_later {
                Ok(FileText::from_map_unchecked(map, bom))
            } else {
                FileText::from_map(map, bom)
            };
            match text {
                Ok(text) if lines_end_with_lf(text.bytes()) => return Some(SourceFile::new(name, text)),
                Ok(text) => text.bytes().to_vec(),
                Err(map) => map.to_vec(),
            }
        }
        FileBytes::Mapped(map) => map.to_vec(),
        FileBytes::Owned(bytes) => bytes,
    };
    Some(decoded(name, &rel, bytes, bomless_utf16, notes))
}

/// Whether line breaks are LF (or CRLF), as opposed to a lone CR.
fn lines_end_with_lf(bytes: &[u8]) -> bool {
    memchr::memchr(b'\n', bytes).is_some() || memchr::memchr(b'\r', bytes).is_none()
}

/// A file mapped to be checked as it is read ([`read_source`] with
/// `check_later`) that is not UTF-8, read again as [`decode`] reads it.
pub(super) fn redecode(src: &SourceFile, rel: &str, notes: &mut Vec<Note>) -> SourceFile {
    decoded(src.name.clone(), rel, src.text.bytes().to_vec(), None, notes)
}

/// `bytes` decoded (see [`decode`]), with a note when they were not UTF-8.
fn decoded(name: String, rel: &str, bytes: Vec<u8>, bomless_utf16: Option<bool>, notes: &mut Vec<Note>) -> SourceFile {
    let bytes = match bomless_utf16 {
        Some(little_endian) => {
            notes.push(note(
                rel,
                &format!(
                    "UTF-16 ({}-endian) without a byte order mark; read as UTF-16. Save it as UTF-8 to be sure.",
                    if little_endian { "little" } else { "big" }
                ),
            ));
            let mut with_bom = if little_endian {
                vec![0xFF, 0xFE]
            } else {
                vec![0xFE, 0xFF]
            };
            with_bom.extend_from_slice(&bytes);
            with_bom
        }
        None => bytes,
    };
    let (text, bad) = decode(bytes);
    if let Some(offset) = bad {
        let line = text[..text.char_indices().nth(offset).map_or(text.len(), |(i, _)| i)]
            .matches('\n')
            .count()
            + 1;
        notes.push(note(
            rel,
            &format!(
                "not valid UTF-8 (first bad byte on line {line}); read as Latin-1 (Windows-1252). Save it as UTF-8 to be sure."
            ),
        ));
    }
    let mut text = text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text);
    if !text.contains('\n') && text.contains('\r') {
        text = text.replace('\r', "\n");
    }
    SourceFile::new(name, text)
}

/// The name a file is shown with in diagnostics: the bundle folder's name
/// joined with the file's path inside it.
pub(super) fn display_path(root: &Path, rel: &str) -> String {
    let base = root.display().to_string();
    let base = base.trim_end_matches(['/', '\\']);
    if base.is_empty() || base == "." {
        rel.to_string()
    } else {
        format!("{base}/{rel}")
    }
}
