//! The line each row of a file starts on, kept as runs: in an export each
//! row is the line after the one before, so a million rows are one run of a
//! few bytes instead of four bytes a row. A blank line or a quoted cell
//! holding a line break starts a new run.

/// Rows' 1-based start lines (0: unknown), as runs of consecutive lines.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lines {
    /// (first row, its line) of each run, rows ascending.
    runs: Vec<(u32, u32)>,
    len: usize,
}

impl Lines {
    pub fn len(&self) -> usize {
        self.len
    }

    /// Adds the next row's line.
    pub fn push(&mut self, line: u32) {
        let row = u32::try_from(self.len).unwrap_or(u32::MAX);
        if !self.runs.last().is_some_and(|run| continues(*run, row, line)) {
            self.runs.push((row, line));
        }
        self.len += 1;
    }

    /// The row's line, if known.
    pub fn get(&self, row: usize) -> Option<u32> {
        if row >= self.len {
            return None;
        }
        let row32 = u32::try_from(row).ok()?;
        let at = self.runs.partition_point(|(r, _)| *r <= row32).checked_sub(1)?;
        let (first, line) = self.runs[at];
        (line > 0).then(|| line.saturating_add(row32 - first))
    }

    /// Moves every known line down by `by` (a stretch numbers its lines
    /// from 1 until it knows where it sits in the file).
    pub fn shift(&mut self, by: u32) {
        for (_, line) in &mut self.runs {
            if *line > 0 {
                *line = line.saturating_add(by);
            }
        }
    }

    /// Appends another stretch's rows after these.
    pub fn append(&mut self, other: &Lines) {
        let offset = u32::try_from(self.len).unwrap_or(u32::MAX);
        for (i, &(r, l)) in other.runs.iter().enumerate() {
            let first = i == 0;
            let row = offset.saturating_add(r);
            if !(first && self.runs.last().is_some_and(|run| continues(*run, row, l))) {
                self.runs.push((row, l));
            }
        }
        self.len += other.len;
    }

    pub fn shrink_to_fit(&mut self) {
        self.runs.shrink_to_fit();
    }

    pub fn heap_bytes(&self) -> usize {
        self.runs.capacity() * 8
    }
}

impl FromIterator<u32> for Lines {
    fn from_iter<I: IntoIterator<Item = u32>>(iter: I) -> Self {
        let mut lines = Lines::default();
        for line in iter {
            lines.push(line);
        }
        lines
    }
}

/// Whether `row` starting on `line` continues the run `(first, its line)`:
/// the next line, or unknown like the run.
fn continues((first, first_line): (u32, u32), row: u32, line: u32) -> bool {
    if first_line == 0 {
        line == 0
    } else {
        line == first_line.saturating_add(row - first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(lines: &[u32]) -> Lines {
        lines.iter().copied().collect()
    }

    #[test]
    fn consecutive_lines_are_one_run() {
        let lines = of(&(2..1002).collect::<Vec<u32>>());
        assert_eq!(lines.runs.len(), 1);
        assert_eq!(
            (lines.get(0), lines.get(999), lines.get(1000)),
            (Some(2), Some(1001), None)
        );
    }

    proptest::proptest! {
        /// Pushed, shifted and appended, the runs give each row the line a
        /// plain list would.
        #[test]
        fn runs_read_as_a_list(
            a in proptest::collection::vec(0u32..6, 0..30),
            b in proptest::collection::vec(0u32..6, 0..30),
            shift in 0u32..4,
        ) {
            // Lines that mostly follow each other, with gaps and unknowns.
            let climb = |steps: &[u32]| -> Vec<u32> {
                let mut line = 1;
                steps.iter().map(|s| match s {
                    0 => 0,
                    1..=3 => { line += 1; line }
                    _ => { line += s; line }
                }).collect()
            };
            let (la, lb) = (climb(&a), climb(&b));
            let mut joined = of(&la);
            let mut second = of(&lb);
            second.shift(shift);
            joined.append(&second);
            let want: Vec<Option<u32>> = la
                .iter()
                .copied()
                .chain(lb.iter().map(|l| if *l == 0 { 0 } else { l + shift }))
                .map(|l| (l > 0).then_some(l))
                .collect();
            let got: Vec<Option<u32>> = (0..want.len()).map(|r| joined.get(r)).collect();
            proptest::prop_assert_eq!(got, want);
            proptest::prop_assert_eq!(joined.len(), la.len() + lb.len());
        }
    }
}
