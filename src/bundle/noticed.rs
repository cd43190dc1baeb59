//! What reading rows noticed besides the rows themselves (cell errors,
//! footers, totals rows, the reason a file is not a table), kept as plain
//! data per stretch and added up in file order per file.

use super::plan::Plan;
use super::table::Loc;
use crate::value::CellError;

/// Cell errors kept per file; the rest are counted.
pub(super) const MAX_CELL_ERRORS_PER_FILE: usize = 10;

/// A cell that could not be read as its field's type.
pub(super) struct CellIssue {
    pub loc: Loc,
    pub index: usize,
    pub cell: String,
    pub field: String,
    pub error: CellError,
}

/// The cells of one column that no rule of the run reads and that could
/// not be read as its type: the first, in file order, and how many. Nothing
/// is judged on them, so they are a note rather than an error.
#[derive(Default)]
pub(super) struct UnreadCells {
    pub first: Option<CellIssue>,
    pub count: usize,
}

impl UnreadCells {
    pub(super) fn add(&mut self, issue: impl FnOnce() -> CellIssue) {
        self.count += 1;
        if self.first.is_none() {
            self.first = Some(issue());
        }
    }
}

/// Why reading a stretch of rows stopped: the file is not a table.
pub(super) enum Stop {
    /// A row whose width differs from the header's (a footer line followed
    /// by data counts as one: the footer is the row at fault).
    Shape { loc: Loc, width: usize },
    /// The csv parser's own error, at a 1-based line.
    Csv { line: usize, message: String },
    /// A line or record too long to be an export's.
    LongLine { line: usize, len: usize },
}

/// What reading rows noticed besides the rows: a stretch's, and a file's
/// (its stretches' added up in file order, [`Noticed::add`]).
#[derive(Default)]
pub(super) struct Noticed {
    /// The first one-cell line seen after data (a report footer), if any.
    pub footer: Option<Loc>,
    pub footer_dropped: usize,
    pub totals_dropped: usize,
    /// The first cell errors, and how many there were in all.
    pub cell_issues: Vec<CellIssue>,
    pub cell_errors: usize,
    pub stop: Option<Stop>,
    /// Per planned column: its bad cells when no rule reads it.
    pub unread: Vec<UnreadCells>,
}

impl Noticed {
    pub fn new(plan: &Plan) -> Self {
        Noticed {
            unread: plan.columns.iter().map(|_| UnreadCells::default()).collect(),
            ..Noticed::default()
        }
    }

    /// Adds what a later stretch noticed: its counts, the first cell errors
    /// over both, the first footer and reason to stop.
    pub fn add(&mut self, later: Noticed) {
        self.footer = self.footer.or(later.footer);
        self.footer_dropped += later.footer_dropped;
        self.totals_dropped += later.totals_dropped;
        self.cell_errors += later.cell_errors;
        let room = MAX_CELL_ERRORS_PER_FILE.saturating_sub(self.cell_issues.len());
        self.cell_issues.extend(later.cell_issues.into_iter().take(room));
        self.unread.resize_with(later.unread.len(), UnreadCells::default);
        for (m, u) in self.unread.iter_mut().zip(later.unread) {
            m.count += u.count;
            m.first = m.first.take().or(u.first);
        }
        self.stop = self.stop.take().or(later.stop);
    }

    /// Moves every line noticed down by `by` lines.
    pub fn shift(&mut self, by: usize) {
        let shift = |loc: &mut Loc| {
            if let Loc::Line(l) = loc {
                *l += by;
            }
        };
        if let Some(loc) = &mut self.footer {
            shift(loc);
        }
        for issue in self
            .cell_issues
            .iter_mut()
            .chain(self.unread.iter_mut().filter_map(|u| u.first.as_mut()))
        {
            shift(&mut issue.loc);
        }
        match &mut self.stop {
            Some(Stop::Shape { loc, .. }) => shift(loc),
            Some(Stop::Csv { line, .. } | Stop::LongLine { line, .. }) => *line += by,
            None => {}
        }
    }
}
