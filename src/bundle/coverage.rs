//! What stretch of time each dataset covers, set against the audit period.
//!
//! A rule that judges the whole period (months in market, a year's load of
//! requests) cannot judge it from a one-month ads report: the months the
//! export does not cover would read as months with nothing in market. What an
//! export covers is known from `covers:` in bundle.yaml, or from the date
//! range an export prints above its header ("March 1, 2025 - March 31, 2025").
//! The dates of its rows do not tell: two campaigns in April and October are
//! the sporadic calendar a rule looks for, not an export of April to October.
//! When the rows span less of the period and nothing says what the export
//! covers, a note asks the reader to say so.

use super::schema::Schema;
use super::{Bundle, Dataset, date_to_days, days_to_date};
use chrono::NaiveDate;
use regex::Regex;
use std::sync::LazyLock;

/// Data reaching within this many days of each end of the judged window
/// covers it: a log whose first entry is on the 20th of the first month, or
/// whose last is early in the last month, still covers the period.
const SLACK_DAYS: i32 = 31;

/// The days a dataset's export covers, and how that is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub known_from: KnownFrom,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KnownFrom {
    /// `covers:` in bundle.yaml.
    Declared,
    /// The date range printed above the export's header.
    Title(String),
}

/// Where a dataset's rows fall against the audit period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Placement {
    pub undated: usize,
    pub before: usize,
    pub after: usize,
}

/// The fields that place a dataset's records in time, when the format has them
/// and the bundle holds them.
fn date_fields<'a>(name: &str, ds: &'a Dataset) -> Option<(&'a super::Column, Option<&'a super::Column>)> {
    let dates = Schema::get().dataset(name)?.dates.as_ref()?;
    let from = ds.column(&dates.from)?;
    Some((from, dates.to.as_deref().and_then(|to| ds.column(to))))
}

/// A record's first and last day (a dated record with no end lasts a day;
/// one with an end but no start is placed at its end).
fn span(from: &super::Column, to: Option<&super::Column>, row: usize) -> Option<(i32, i32)> {
    let start = from.days(row);
    let end = to.and_then(|c| c.days(row));
    match (start, end) {
        (Some(s), Some(e)) => Some((s.min(e), s.max(e))),
        (Some(d), None) | (None, Some(d)) => Some((d, d)),
        (None, None) => None,
    }
}

/// What a dataset's export covers, when bundle.yaml or the export says so.
pub fn coverage(bundle: &Bundle, name: &str) -> Option<Coverage> {
    if let Some(p) = bundle.manifest.datasets.get(name).and_then(|m| m.covers) {
        return Some(Coverage {
            first: p.start.min(p.end),
            last: p.start.max(p.end),
            known_from: KnownFrom::Declared,
        });
    }
    let read = bundle.reads.get(name)?;
    read.skipped_above.iter().find_map(|line| {
        let (first, last) = title_range(line)?;
        Some(Coverage {
            first,
            last,
            known_from: KnownFrom::Title(line.trim().to_string()),
        })
    })
}

/// The earliest and latest day a dataset's rows reach.
fn row_span(bundle: &Bundle, name: &str) -> Option<(NaiveDate, NaiveDate)> {
    let ds = bundle.dataset(name)?;
    let (from, to) = date_fields(name, ds)?;
    let (mut lo, mut hi) = (i32::MAX, i32::MIN);
    for row in 0..ds.rows {
        if let Some((s, e)) = span(from, to, row) {
            lo = lo.min(s);
            hi = hi.max(e);
        }
    }
    if lo > hi {
        return None;
    }
    Some((days_to_date(lo)?, days_to_date(hi)?))
}

/// Where the rows of a dated dataset fall against `[start, end]`.
pub fn placement(bundle: &Bundle, name: &str, start: NaiveDate, end: NaiveDate) -> Option<Placement> {
    let ds = bundle.dataset(name)?;
    let (from, to) = date_fields(name, ds)?;
    Some(place(ds, from, to, start, end, |_| {}))
}

/// Where the rows of a dataset fall against `[start, end]` by one date
/// field, with the rows outside it (`inspect` names them by record).
pub fn placement_by(ds: &Dataset, field: &str, start: NaiveDate, end: NaiveDate) -> Option<(Placement, Vec<usize>)> {
    let col = ds.column(field)?;
    let mut outside = Vec::new();
    let p = place(ds, col, None, start, end, |row| outside.push(row));
    Some((p, outside))
}

/// The one reading of a record against the period: undated, before, after
/// or overlapping it; `outside` hears each row before or after.
fn place(
    ds: &Dataset,
    from: &super::Column,
    to: Option<&super::Column>,
    start: NaiveDate,
    end: NaiveDate,
    mut outside: impl FnMut(usize),
) -> Placement {
    let (p0, p1) = (date_to_days(start), date_to_days(end));
    let mut out = Placement::default();
    for row in 0..ds.rows {
        match span(from, to, row) {
            None => out.undated += 1,
            Some((_, e)) if e < p0 => {
                out.before += 1;
                outside(row);
            }
            Some((s, _)) if s > p1 => {
                out.after += 1;
                outside(row);
            }
            Some(_) => {}
        }
    }
    out
}

/// A note per dataset read by the rules with rows outside `[start, end]` or
/// with no date: they are left out of what the period measures, and the
/// reader should know how many.
///
/// `whole` names the datasets read by rules that judge the whole period: when
/// their rows span less of it and nothing says what the export covers, the
/// note says how to declare it.
pub fn period_notes<'a>(
    bundle: &Bundle,
    datasets: impl IntoIterator<Item = &'a str>,
    whole: &std::collections::BTreeSet<&str>,
    (start, end): (NaiveDate, NaiveDate),
    as_of: NaiveDate,
) -> Vec<super::Note> {
    let mut notes = Vec::new();
    for name in datasets {
        let file = bundle
            .reads
            .get(name)
            .map_or_else(|| name.to_string(), |r| r.file.clone());
        if whole.contains(name)
            && coverage(bundle, name).is_none()
            && let Some((first, last)) = row_span(bundle, name)
            && let Some(hint) = covers_hint(name, first, last, start, end.min(as_of))
        {
            notes.push(super::Note {
                file: file.clone(),
                message: hint,
            });
        }
        let Some(p) = placement(bundle, name, start, end) else {
            continue;
        };
        let Some(dates) = Schema::get().dataset(name).and_then(|s| s.dates.as_ref()) else {
            continue;
        };
        let rows = bundle.dataset(name).map_or(0, |d| d.rows);
        let mut parts = Vec::new();
        if p.before > 0 {
            parts.push(format!(
                "{} of {rows} rows are dated before the audit period ({start} to {end})",
                p.before
            ));
        }
        if p.after > 0 {
            parts.push(format!(
                "{} of {rows} rows are dated after the audit period ({start} to {end})",
                p.after
            ));
        }
        if p.undated > 0 {
            let field = match &dates.to {
                Some(to) => format!("neither `{}` nor `{to}`", dates.from),
                None => format!("no `{}`", dates.from),
            };
            parts.push(format!(
                "{} of {rows} rows have {field}, so they are not placed in the period",
                p.undated
            ));
        }
        if parts.is_empty() {
            continue;
        }
        notes.push(super::Note {
            file,
            message: format!("{}; measures of the period leave them out", parts.join("; ")),
        });
    }
    notes
}

/// When a dataset's rows start late in the judged window or stop early, the
/// `covers:` line that would say the export was cut there.
fn covers_hint(name: &str, first: NaiveDate, last: NaiveDate, start: NaiveDate, end: NaiveDate) -> Option<String> {
    if end < start {
        return None;
    }
    let late = date_to_days(first) > date_to_days(start) + SLACK_DAYS;
    let early = date_to_days(last) < date_to_days(end) - SLACK_DAYS;
    let (from, to) = (first.max(start), last.min(end));
    let what = match (late, early) {
        (true, true) => {
            format!("its dates run only from {first} to {last}, within the audit period ({start} to {end})")
        }
        (true, false) => format!("its dates start on {first}, after the audit period starts ({start})"),
        (false, true) => format!("its dates stop on {last}, before the audit period ends ({end})"),
        (false, false) => return None,
    };
    Some(format!(
        "{what}. If the export was cut there (not a quiet stretch), add `covers: {{ start: {from}, end: {to} }}` under `datasets: {name}:` in bundle.yaml, so that rules judging the whole period are not misled by the months it leaves out"
    ))
}

impl Coverage {
    /// Why this coverage falls short of the window `[start, end]`, if it does.
    pub fn shortfall(&self, start: NaiveDate, end: NaiveDate) -> Option<String> {
        let (w0, w1) = (date_to_days(start), date_to_days(end));
        let (c0, c1) = (date_to_days(self.first), date_to_days(self.last));
        if c0 <= w0 + SLACK_DAYS && c1 >= w1 - SLACK_DAYS {
            return None;
        }
        let how = match &self.known_from {
            KnownFrom::Declared => "declared in bundle.yaml".to_string(),
            KnownFrom::Title(line) => format!("its title reads \"{line}\""),
        };
        Some(format!("covers only {} to {} ({how})", self.first, self.last))
    }
}

/// A date range written above an export's header, e.g. "March 1, 2025 -
/// March 31, 2025", "1 Mar 2025 – 31 Mar 2025", "2025-03-01 to 2025-03-31".
fn title_range(line: &str) -> Option<(NaiveDate, NaiveDate)> {
    static RANGE: LazyLock<Regex> = LazyLock::new(|| {
        let date = r"(?:[A-Za-z]{3,9}\.? \d{1,2},? \d{4}|\d{1,2} [A-Za-z]{3,9}\.? \d{4}|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4})";
        Regex::new(&format!(r"({date})\s*(?:-|–|—|to)\s*({date})")).expect("valid pattern")
    });
    let caps = RANGE.captures(line)?;
    let (a, b) = (parse_title_date(&caps[1])?, parse_title_date(&caps[2])?);
    (a <= b).then_some((a, b))
}

fn parse_title_date(text: &str) -> Option<NaiveDate> {
    // chrono reads "Sep", not the "Sept" some exports print.
    let text = text.replace(['.', ','], "").replace("Sept ", "Sep ");
    ["%B %d %Y", "%b %d %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d", "%m/%d/%Y"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(&text, f).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn reads_the_date_ranges_exports_print_above_their_header() {
        for (line, a, b) in [
            ("March 1, 2025 - March 31, 2025", "2025-03-01", "2025-03-31"),
            (
                "Campaign report: Mar 1, 2025 – Mar 31, 2025",
                "2025-03-01",
                "2025-03-31",
            ),
            ("1 Sept. 2025 - 30 Sept. 2025", "2025-09-01", "2025-09-30"),
            ("2025-01-01 to 2025-06-30", "2025-01-01", "2025-06-30"),
            ("\"01/01/2025 - 12/31/2025\"", "2025-01-01", "2025-12-31"),
        ] {
            assert_eq!(title_range(line), Some((d(a), d(b))), "{line}");
        }
        assert_eq!(title_range("All time"), None);
        assert_eq!(title_range("Campaign report"), None);
        // A range written backwards is no range.
        assert_eq!(title_range("2025-06-30 - 2025-01-01"), None);
    }

    #[test]
    fn coverage_within_a_month_of_each_end_covers_the_window() {
        let c = |a: &str, b: &str| Coverage {
            first: d(a),
            last: d(b),
            known_from: KnownFrom::Declared,
        };
        let (start, end) = (d("2025-01-01"), d("2025-12-31"));
        assert_eq!(c("2025-01-20", "2025-12-05").shortfall(start, end), None);
        assert_eq!(c("2024-06-01", "2026-02-01").shortfall(start, end), None);
        let short = c("2025-03-01", "2025-03-31").shortfall(start, end).unwrap();
        assert_eq!(short, "covers only 2025-03-01 to 2025-03-31 (declared in bundle.yaml)");
        assert!(c("2025-01-01", "2025-10-31").shortfall(start, end).is_some());
        assert!(c("2025-03-01", "2025-12-31").shortfall(start, end).is_some());
    }
}
