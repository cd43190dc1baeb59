//! Spreadsheets (.xlsx, .xlsm, .xls, .ods) read with calamine: one sheet per
//! dataset. Cells become the text a CSV export would hold (Excel date serials
//! become ISO dates), so sheets share the table reader and its mapping.

use super::Dataset;
use super::table::{DatasetBuilder, Loc};
use crate::error::ErrorCode;
use crate::error::Problem;
use crate::value::{format_number, normalize_name};
use calamine::{Data, Reader};
use std::path::Path;

pub const SHEET_EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xls", "ods"];

/// The sheet names of a workbook, in workbook order.
pub fn sheet_names(path: &Path) -> Result<Vec<String>, String> {
    check_size(path)?;
    let wb = calamine::open_workbook_auto(path).map_err(|e| e.to_string())?;
    Ok(wb.sheet_names())
}

/// The sheet to read for a dataset: the one named in bundle.yaml, else one
/// named like the dataset (or one of its file names), else the first.
pub fn pick_sheet<'s>(names: &'s [String], wanted: Option<&str>, dataset: &str, stems: &[String]) -> Option<&'s str> {
    if let Some(w) = wanted {
        return names
            .iter()
            .find(|n| *n == w || normalize_name(n) == normalize_name(w))
            .map(String::as_str);
    }
    names
        .iter()
        .find(|n| {
            let n = normalize_name(n);
            n == dataset || stems.contains(&n)
        })
        .or_else(|| names.first())
        .map(String::as_str)
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Float(f) => format_number(*f),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(d) if d.time() == chrono::NaiveTime::MIN => d.format("%Y-%m-%d").to_string(),
            Some(d) => d.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => dt.as_f64().to_string(),
        },
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Most a workbook may expand to, and how much larger than the file it may
/// grow: a real export compresses 5-20x; a zip bomb, thousands of times.
const MAX_UNPACKED_BYTES: u64 = 1 << 30;
const MAX_RATIO: u64 = 200;

/// Refuses a zipped workbook (.xlsx, .xlsm, .ods) that expands past the
/// limits, before calamine inflates any of it: first by the sizes its zip
/// directory declares, then by the bytes each entry actually inflates to,
/// counted while inflating and stopped at the limit (a zip may understate).
pub fn check_size(path: &Path) -> Result<(), String> {
    let is_zip = path
        .extension()
        .is_some_and(|e| matches!(e.to_string_lossy().to_lowercase().as_str(), "xlsx" | "xlsm" | "ods"));
    if !is_zip {
        return Ok(());
    }
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let packed = file.metadata().map_err(|e| e.to_string())?.len().max(1);
    let mut zip = zip::ZipArchive::new(file).map_err(|e| format!("not a valid workbook: {e}"))?;
    let mut unpacked: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|e| format!("not a valid workbook: {e}"))?;
        unpacked = unpacked.saturating_add(entry.size());
    }
    let too_big = |unpacked: u64, more: &str| {
        format!(
            "it would expand from {} KiB to {}{more} MiB (limits: {} MiB, {MAX_RATIO}x); this is not a normal export",
            packed / 1024,
            unpacked / (1024 * 1024),
            MAX_UNPACKED_BYTES / (1024 * 1024)
        )
    };
    let limit = MAX_UNPACKED_BYTES.min(packed.saturating_mul(MAX_RATIO));
    if unpacked > limit {
        return Err(too_big(unpacked, ""));
    }
    let mut inflated: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|e| format!("not a valid workbook: {e}"))?;
        let mut capped = std::io::Read::take(entry, limit - inflated + 1);
        inflated +=
            std::io::copy(&mut capped, &mut std::io::sink()).map_err(|e| format!("not a valid workbook: {e}"))?;
        if inflated > limit {
            return Err(too_big(inflated, " or more"));
        }
    }
    Ok(())
}

impl DatasetBuilder<'_> {
    /// Reads one sheet of the workbook at `path` as a table.
    pub(super) fn sheet(&mut self, path: &Path, sheet: &str) -> Option<Dataset> {
        let range = check_size(path)
            .and_then(|()| calamine::open_workbook_auto(path).map_err(|e| e.to_string()))
            .and_then(|mut wb| wb.worksheet_range(sheet).map_err(|e| e.to_string()));
        let range = match range {
            Ok(r) => r,
            Err(e) => {
                let p = Problem::new(
                    ErrorCode::BundleXlsx,
                    format!("cannot read sheet `{sheet}` of `{}`: {e}", self.rel),
                )
                .help("open it in a spreadsheet program and save it again as .xlsx, or export the sheet as CSV");
                self.problems.push(p.in_file(path));
                return None;
            }
        };
        let (first_row, first_col) = range.start().unwrap_or((0, 0));
        let mut rows = range.rows().enumerate().map(|(i, cells)| {
            let row = first_row + u32::try_from(i).unwrap_or(u32::MAX);
            let texts: Vec<String> = cells.iter().map(cell_text).collect();
            Ok((texts, Loc::Sheet { row, first_col }))
        });
        self.table(&mut rows)
    }
}
