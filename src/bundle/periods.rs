//! Periods written as labels (`Q3 2025`, `FY2025`, `Mar 2025`): a dataset
//! whose `dates:` names a `label` field gets its start and end dates from the
//! label where a row does not give them, so a forecast export that only says
//! which quarter it covers is placed in time like one with dates.

use super::plan::Origin;
use super::schema::DatasetSchema;
use super::{Column, ColumnRead, Dataset, DatasetRead};
use crate::error::{ErrorCode, Problem, Problems, SourceFile};
use crate::value::FieldType;
use chrono::NaiveDate;

/// The forms a label may take, for the error that names one it cannot read.
pub const LABEL_FORMS: &str =
    "`Q3 2025`, `2025-Q3`, `Q3 FY2025`, `FY25 Q3`, `H1 2025`, `2025-03`, `Mar 2025`, `2025` or `FY2025`";

/// The calendar period a label names, first and last day.
pub fn parse_label(text: &str) -> Option<(NaiveDate, NaiveDate)> {
    let lower = text.trim().to_ascii_lowercase();
    // Words and numbers as tokens: `2025-Q3`, `Q3'25`, `FY2025/Q3` alike.
    let mut tokens: Vec<String> = Vec::new();
    let mut cur = String::new();
    for c in lower.chars() {
        let split = cur
            .chars()
            .last()
            .is_some_and(|l| l.is_ascii_digit() != c.is_ascii_digit() && !(l == 'q' || l == 'h'));
        if !c.is_ascii_alphanumeric() || split {
            if !cur.is_empty() {
                tokens.push(std::mem::take(&mut cur));
            }
            if !c.is_ascii_alphanumeric() {
                continue;
            }
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    let (mut year, mut quarter, mut half, mut month) = (None, None, None, None);
    let mut numbers = Vec::new();
    for t in &tokens {
        let t = t.as_str();
        let part = |p: char| {
            t.strip_prefix(p)
                .filter(|n| n.len() == 1)
                .and_then(|n| n.parse::<u32>().ok())
        };
        if let Some(q) = part('q').filter(|q| (1..=4).contains(q)) {
            quarter = Some(q);
        } else if let Some(h) = part('h').filter(|h| (1..=2).contains(h)) {
            half = Some(h);
        } else if let Some(y) = t.strip_prefix("fy").filter(|y| !y.is_empty()) {
            year = Some(year_of(y)?);
        } else if matches!(t, "fy" | "cy" | "quarter" | "qtr") {
        } else if t.chars().all(|c| c.is_ascii_digit()) {
            numbers.push(t.to_string());
        } else {
            month = Some(month_of(t)?);
        }
    }
    // A number is the year, or after a year (`2025-03`) the month.
    for n in numbers {
        match (year, n.len()) {
            (None, 4) | (None, 2) if quarter.is_some() || half.is_some() || month.is_some() || n.len() == 4 => {
                year = Some(year_of(&n)?);
            }
            (Some(_), 1 | 2) if quarter.is_none() && half.is_none() && month.is_none() => {
                month = Some(n.parse::<u32>().ok().filter(|m| (1..=12).contains(m))?);
            }
            _ => return None,
        }
    }
    let year = year?;
    let (first, months) = match (quarter, half, month) {
        (Some(q), None, None) => (3 * (q - 1) + 1, 3),
        (None, Some(h), None) => (6 * (h - 1) + 1, 6),
        (None, None, Some(m)) => (m, 1),
        (None, None, None) => (1, 12),
        _ => return None,
    };
    let start = NaiveDate::from_ymd_opt(year, first, 1)?;
    let next = start.checked_add_months(chrono::Months::new(months))?;
    Some((start, next.pred_opt()?))
}

fn year_of(text: &str) -> Option<i32> {
    let n: i32 = text.parse().ok()?;
    match text.len() {
        4 if (1900..=2200).contains(&n) => Some(n),
        2 => Some(2000 + n),
        _ => None,
    }
}

fn month_of(word: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let word = if word == "sept" { "sep" } else { word };
    MONTHS
        .iter()
        .position(|m| word.len() >= 3 && m.starts_with(word))
        .map(|i| i as u32 + 1)
}

/// Fills the dataset's start and end dates from its period label where a
/// row has no date of its own. `keep` says which fields this run keeps. A
/// label that names no period, on a row without dates, is a problem at its
/// line: read as undated it would silently drop out of every period.
pub(super) fn fill_from_label(
    ds: &mut Dataset,
    schema: &DatasetSchema,
    keep: &dyn Fn(&str) -> bool,
    src: &SourceFile,
    read: &mut DatasetRead,
    problems: &mut Problems,
) {
    let Some(dates) = &schema.dates else { return };
    let Some(label) = &dates.label else { return };
    let Some(labels) = ds.columns.get(label) else { return };
    let header = ds.mapped_from.get(label).cloned().unwrap_or_else(|| label.clone());
    let texts: Vec<Option<String>> = (0..ds.rows)
        .map(|r| labels.text(r).filter(|t| !t.trim().is_empty()).map(str::to_string))
        .collect();
    let read_labels: Vec<Option<Option<(NaiveDate, NaiveDate)>>> =
        texts.iter().map(|t| t.as_deref().map(parse_label)).collect();
    let mut bad = 0usize;
    for (end, field) in [(false, Some(&dates.from)), (true, dates.to.as_ref())] {
        let Some(field) = field else { continue };
        if !keep(field) {
            continue;
        }
        let had = ds.columns.contains_key(field);
        let old = ds.columns.remove(field);
        let mut col = Column::new(FieldType::Date);
        let mut filled = 0usize;
        for (r, parsed) in read_labels.iter().enumerate() {
            let own = old.as_ref().and_then(|c| c.date(r));
            let from_label = match parsed {
                Some(Some((s, e))) => Some(if end { *e } else { *s }),
                _ => None,
            };
            if own.is_none() && from_label.is_some() {
                filled += 1;
            }
            if own.is_none() && matches!(parsed, Some(None)) && !end {
                bad += 1;
                if bad <= super::table::MAX_CELL_ERRORS_PER_FILE {
                    problems.push(label_problem(
                        ds,
                        src,
                        r,
                        &header,
                        texts[r].as_deref().unwrap_or_default(),
                    ));
                }
            }
            col.push_date(own.or(from_label));
        }
        ds.columns.insert(field.clone(), col);
        if !had || filled > 0 {
            ds.mapped_from.entry(field.clone()).or_insert_with(|| header.clone());
            if !read.columns.iter().any(|c| &c.field == field) {
                read.columns.push(ColumnRead {
                    header: header.clone(),
                    field: field.clone(),
                    origin: Origin::Label,
                });
            }
        }
    }
    if bad > super::table::MAX_CELL_ERRORS_PER_FILE {
        problems.push(Problem::new(
            ErrorCode::BundleCell,
            format!(
                "{} more periods in `{}` could not be read",
                bad - super::table::MAX_CELL_ERRORS_PER_FILE,
                ds.file
            ),
        ));
    }
}

fn label_problem(ds: &Dataset, src: &SourceFile, row: usize, header: &str, text: &str) -> Problem {
    let dates = format!(
        "`{}` ({}.{}): `{text}` is not a period mktaudit can read",
        header,
        ds.name,
        header_field(ds, header)
    );
    let p = Problem::new(ErrorCode::BundleCell, dates).help(format!(
        "write the period as {LABEL_FORMS}, or give the row its start and end dates"
    ));
    match ds.line(row) {
        Some(line) if !src.text.is_empty() => {
            let line = line as usize;
            let start = src.offset(line, 1);
            let line_text = src.text[start..].lines().next().unwrap_or_default();
            match line_text.find(text.trim()).filter(|_| !text.trim().is_empty()) {
                Some(pos) => p.at(src, start + pos, text.trim().len(), "not a period"),
                None => p.at_line(src, line, 1, "not a period"),
            }
        }
        // A spreadsheet (no text to point into): its row as the sheet numbers it.
        line => {
            let mut p = p;
            p.path = Some(format!("{} row {}", ds.file, line.map_or(row + 1, |l| l as usize)));
            p
        }
    }
}

fn header_field<'a>(ds: &'a Dataset, header: &'a str) -> &'a str {
    ds.mapped_from
        .iter()
        .find(|(_, h)| h.as_str() == header)
        .map_or(header, |(f, _)| f.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn labels_read_as_calendar_periods() {
        for (label, start, end) in [
            ("Q3 2025", "2025-07-01", "2025-09-30"),
            ("2025-Q3", "2025-07-01", "2025-09-30"),
            ("2025 Q1", "2025-01-01", "2025-03-31"),
            ("Q4 FY2025", "2025-10-01", "2025-12-31"),
            ("FY25 Q2", "2025-04-01", "2025-06-30"),
            ("q2-25", "2025-04-01", "2025-06-30"),
            ("Q1'26", "2026-01-01", "2026-03-31"),
            ("H2 2025", "2025-07-01", "2025-12-31"),
            ("2025-03", "2025-03-01", "2025-03-31"),
            ("Mar 2025", "2025-03-01", "2025-03-31"),
            ("February 2024", "2024-02-01", "2024-02-29"),
            ("Sept 2025", "2025-09-01", "2025-09-30"),
            ("2025", "2025-01-01", "2025-12-31"),
            ("FY2025", "2025-01-01", "2025-12-31"),
        ] {
            assert_eq!(parse_label(label), Some((d(start), d(end))), "{label}");
        }
    }

    #[test]
    fn labels_that_name_no_period_are_none() {
        for label in [
            "next quarter",
            "Q3",
            "Q5 2025",
            "2025-13",
            "Q3 2025 H1",
            "Mar",
            "12345",
            "Q3 Mar 2025",
        ] {
            assert_eq!(parse_label(label), None, "{label}");
        }
    }
}
