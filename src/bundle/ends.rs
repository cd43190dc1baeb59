//! Where each cell of a text column ends in the column's buffer.
//!
//! Ids are written at one width in most exports (Salesforce's are 15 or 18
//! characters, generated ones zero-padded): a column whose every cell has
//! the same width keeps that width instead of an end a row, which saves
//! four bytes a row (4 MB a million rows) and finds a cell by a product.
//! Other columns (names, sparse references) keep each end in two bytes from
//! the start of its block of 256 rows, which any block of cells shorter than
//! 256 bytes on average fits: 2 MB a million rows instead of 4.

/// The ends of a text column's cells.
#[derive(Debug, Clone, PartialEq)]
pub enum Ends {
    /// Each cell's end, ascending.
    Each(Vec<u32>),
    /// `len` cells of `width` bytes each (never 0: empty cells are missing).
    Fixed { width: u32, len: usize },
    /// Where each block of [`BLOCK`] rows starts, and each cell's end from
    /// the start of its block.
    Blocked(Box<Blocked>),
}

/// A column's ends in blocks (boxed: the other kinds, read in the tightest
/// loops, stay as small as they were).
#[derive(Debug, Clone, PartialEq)]
pub struct Blocked {
    starts: Vec<u32>,
    ends: Vec<u16>,
}

/// Rows a block of [`Ends::Blocked`] holds.
const BLOCK: usize = 256;
const _: () = assert!(BLOCK.is_multiple_of(64), "a word of rows lies in one block");

/// [`Ends::span`] of a blocked column, out of line: the other two kinds are
/// read in the tightest loops (ids, filters), and a third arm inlined there
/// made them slower.
#[inline(never)]
fn blocked_span(starts: &[u32], ends: &[u16], row: usize) -> Option<(usize, usize)> {
    let end = usize::from(*ends.get(row)?);
    let base = starts[row / BLOCK] as usize;
    let start = if row.is_multiple_of(BLOCK) {
        0
    } else {
        usize::from(ends[row - 1])
    };
    Some((base + start, base + end))
}

impl Default for Ends {
    fn default() -> Self {
        Ends::Each(Vec::new())
    }
}

impl Ends {
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            Ends::Each(v) => v.len(),
            Ends::Fixed { len, .. } => *len,
            Ends::Blocked(b) => b.ends.len(),
        }
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The start and end of the row's cell.
    #[inline]
    pub fn span(&self, row: usize) -> Option<(usize, usize)> {
        match self {
            Ends::Each(v) => {
                let end = *v.get(row)? as usize;
                let start = if row == 0 { 0 } else { v[row - 1] as usize };
                Some((start, end))
            }
            Ends::Fixed { width, len } => {
                let w = *width as usize;
                (row < *len).then(|| (row * w, row * w + w))
            }
            Ends::Blocked(b) => blocked_span(&b.starts, &b.ends, row),
        }
    }

    /// Calls `f` with each non-empty cell's row, start and end, in row
    /// order, while it says to go on: a scan of every row (a million deal
    /// ids looked up) without each row's bounds found on their own.
    #[inline]
    pub fn each_span(&self, mut f: impl FnMut(usize, usize, usize) -> bool) {
        match self {
            Ends::Each(v) => {
                let mut start = 0;
                for (row, end) in v.iter().map(|e| *e as usize).enumerate() {
                    if end != start && !f(row, start, end) {
                        return;
                    }
                    start = end;
                }
            }
            Ends::Fixed { width, len } => {
                let w = *width as usize;
                for row in 0..*len {
                    if !f(row, row * w, row * w + w) {
                        return;
                    }
                }
            }
            Ends::Blocked(b) => {
                for (i, (block, base)) in b.ends.chunks(BLOCK).zip(&b.starts).enumerate() {
                    let (base, mut start) = (*base as usize, 0);
                    for (j, end) in block.iter().map(|e| usize::from(*e)).enumerate() {
                        if end != start && !f(i * BLOCK + j, base + start, base + end) {
                            return;
                        }
                        start = end;
                    }
                }
            }
        }
    }

    /// Whether the row's cell is empty (missing), or the row is out of range.
    #[inline]
    pub fn is_empty_at(&self, row: usize) -> bool {
        // Asked of every row by filters on presence: by the ends alone,
        // without the block's start.
        let empty = |ends: &[u32], first: bool| {
            ends.get(row)
                .is_none_or(|e| *e == if first { 0 } else { ends[row - 1] })
        };
        match self {
            Ends::Each(v) => empty(v, row == 0),
            Ends::Fixed { len, .. } => row >= *len,
            Ends::Blocked(b) => b
                .ends
                .get(row)
                .is_none_or(|e| *e == if row.is_multiple_of(BLOCK) { 0 } else { b.ends[row - 1] }),
        }
    }

    /// The 64 rows from `base` (a multiple of 64), a bit set for each
    /// whose cell is not empty; None past the last full word of rows. A
    /// filter on presence reads a word of rows at a time this way.
    pub fn filled_word(&self, base: usize) -> Option<u64> {
        debug_assert!(base.is_multiple_of(64));
        // A cell is filled when its end is past the end before it (0 before
        // the first row, or the first of a block).
        fn filled<T: Copy + PartialEq>(chunk: &[T], before: T) -> u64 {
            let mut previous = before;
            chunk.iter().enumerate().fold(0u64, |bits, (b, e)| {
                let bit = u64::from(*e != previous) << b;
                previous = *e;
                bits | bit
            })
        }
        match self {
            Ends::Each(v) => {
                let chunk = v.get(base..base + 64)?;
                Some(filled(chunk, if base == 0 { 0 } else { v[base - 1] }))
            }
            Ends::Fixed { len, .. } => (base + 64 <= *len).then_some(u64::MAX),
            Ends::Blocked(b) => {
                let chunk = b.ends.get(base..base + 64)?;
                // A block holds a whole number of words.
                let before = if base.is_multiple_of(BLOCK) {
                    0
                } else {
                    b.ends[base - 1]
                };
                Some(filled(chunk, before))
            }
        }
    }

    /// The list of ends, for pushing to. A fixed width goes back to one end a
    /// row (a loaded column is not pushed to; this keeps it right if it is).
    // Inlined into the loader's loop over every cell: the rare conversion
    // stays out of line so that this stays a test and a push.
    #[inline]
    fn each(&mut self) -> &mut Vec<u32> {
        if !matches!(self, Ends::Each(_)) {
            self.make_each();
        }
        match self {
            Ends::Each(v) => v,
            _ => unreachable!("made a list of ends above"),
        }
    }

    #[cold]
    #[inline(never)]
    fn make_each(&mut self) {
        *self = Ends::Each(self.iter().collect());
    }

    #[inline]
    pub fn push(&mut self, end: u32) {
        self.each().push(end);
    }

    pub fn reserve(&mut self, more: usize) {
        self.each().reserve(more);
    }

    pub fn extend(&mut self, ends: impl IntoIterator<Item = u32>) {
        self.each().extend(ends);
    }

    /// Appends the ends of a later stretch's cells, whose text goes after
    /// `base` bytes of the column's: a column whose cells all have one width
    /// keeps only the width as it grows.
    pub fn append(&mut self, base: u32, part: &Ends) {
        let width = part.width();
        match self {
            _ if part.is_empty() => {}
            Ends::Each(v) if v.is_empty() && width.is_some() => {
                *self = Ends::Fixed {
                    width: width.unwrap_or_default(),
                    len: part.len(),
                }
            }
            Ends::Fixed { width: w, len } if width == Some(*w) => *len += part.len(),
            _ => self.extend(part.iter().map(|end| end.saturating_add(base))),
        }
    }

    /// The one width of every cell, when they have one (and it is not 0).
    fn width(&self) -> Option<u32> {
        let width = self.span(0).map(|(_, end)| end as u32).filter(|w| *w > 0)?;
        let at = |(end, i): (u32, u32)| Some(end) == width.checked_mul(i);
        match self {
            Ends::Fixed { width, .. } => Some(*width),
            // Asked of every stretch as it is joined: read straight off the list.
            Ends::Each(v) => v.iter().copied().zip(1u32..).all(at).then_some(width),
            Ends::Blocked(_) => self.iter().zip(1u32..).all(at).then_some(width),
        }
    }

    /// Each end in two bytes from its block's start, when every block's
    /// cells fit in 64 KiB.
    fn blocked(v: &[u32]) -> Option<Ends> {
        let mut starts = Vec::with_capacity(v.len().div_ceil(BLOCK));
        let mut ends = Vec::with_capacity(v.len());
        for (b, block) in v.chunks(BLOCK).enumerate() {
            let start = if b == 0 { 0 } else { v[b * BLOCK - 1] };
            starts.push(start);
            for end in block {
                ends.push(u16::try_from(end.checked_sub(start)?).ok()?);
            }
        }
        Some(Ends::Blocked(Box::new(Blocked { starts, ends })))
    }

    pub fn clear(&mut self) {
        *self = Ends::Each(match std::mem::take(self) {
            Ends::Each(mut v) => {
                v.clear();
                v
            }
            _ => Vec::new(),
        });
    }

    /// Each cell's end, in row order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        // A stretch's ends (a list) are read straight off it: the join
        // numbers and copies millions of them.
        let (each, others) = match self {
            Ends::Each(v) => (v.as_slice(), 0),
            _ => (&[][..], self.len()),
        };
        each.iter()
            .copied()
            .chain((0..others).map(|row| self.span(row).map_or(0, |(_, end)| end as u32)))
    }

    /// Keeps one width for the whole column when every cell has it, else
    /// two bytes an end when the blocks fit, else gives back the spare room.
    pub fn shrink_to_fit(&mut self) {
        if let Some(width) = self.width() {
            *self = Ends::Fixed { width, len: self.len() };
        } else if let Ends::Each(v) = self {
            match Ends::blocked(v) {
                Some(blocked) => *self = blocked,
                None => v.shrink_to_fit(),
            }
        }
    }

    pub fn heap_bytes(&self) -> usize {
        match self {
            Ends::Each(v) => v.capacity() * 4,
            Ends::Fixed { .. } => 0,
            Ends::Blocked(b) => b.starts.capacity() * 4 + b.ends.capacity() * 2,
        }
    }
}

#[cfg(test)]
mod tests;
