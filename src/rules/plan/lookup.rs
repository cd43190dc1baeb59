//! Per-row lookups (`with: { x: { sum: { from, on, within } } }`): the other
//! rows are indexed once per step, by key and then in date order, with
//! running counts and sums and min/max trees, so each row's aggregate costs
//! a binary search and a few reads however many rows its range spans: a
//! million forecasts over a million deals stay linear, not a million scans.

use super::Agg;
use super::expr::Val;
use crate::bundle::Column;

/// Ranges this short are summed directly, in date order: exact, as a plan
/// value's sum is, where a difference of running sums could be off in the
/// last digit.
const DIRECT: usize = 64;

/// The other rows of one key, in date order, ready for range aggregates.
pub(super) struct Group {
    days: Vec<i32>,
    /// The aggregated field's value per row (NaN: missing).
    vals: Vec<f64>,
    /// Running count of values and running sum, from 0 (one longer than `days`).
    counts: Vec<u32>,
    sums: Vec<f64>,
    /// Bottom-up min and max trees over `vals` (built for `min` and `max` only).
    mins: Vec<f64>,
    maxs: Vec<f64>,
}

impl Group {
    /// `rows` as (day, row); `col` is the aggregated field's column, if any.
    pub fn new(mut rows: Vec<(i32, usize)>, col: Option<&Column>, agg: Agg) -> Group {
        sort_by_day(&mut rows);
        let vals: Vec<f64> = rows
            .iter()
            .map(|(_, r)| col.and_then(|c| c.number(*r)).unwrap_or(f64::NAN))
            .collect();
        let (mut counts, mut sums) = (vec![0u32], vec![0.0]);
        for v in &vals {
            let (n, s) = (counts[counts.len() - 1], sums[sums.len() - 1]);
            counts.push(n + u32::from(!v.is_nan()));
            sums.push(if v.is_nan() { s } else { s + v });
        }
        let tree = |neutral: f64, pick: fn(f64, f64) -> f64| {
            let n = vals.len();
            let mut t = vec![neutral; 2 * n];
            for (i, v) in vals.iter().enumerate() {
                t[n + i] = if v.is_nan() { neutral } else { *v };
            }
            for i in (1..n).rev() {
                t[i] = pick(t[2 * i], t[2 * i + 1]);
            }
            t
        };
        let (mins, maxs) = match agg {
            Agg::Min => (tree(f64::INFINITY, f64::min), Vec::new()),
            Agg::Max => (Vec::new(), tree(f64::NEG_INFINITY, f64::max)),
            _ => (Vec::new(), Vec::new()),
        };
        Group {
            days: rows.into_iter().map(|(d, _)| d).collect(),
            vals,
            counts,
            sums,
            mins,
            maxs,
        }
    }

    /// The positions of the rows dated from `from` to `to` inclusive (all of
    /// them without a range).
    pub fn range(&self, dates: Option<(i32, i32)>) -> (usize, usize) {
        match dates {
            Some((from, to)) => {
                let lo = self.days.partition_point(|d| *d < from);
                (lo, self.days.partition_point(|d| *d <= to).max(lo))
            }
            None => (0, self.days.len()),
        }
    }

    /// The aggregate over positions `lo..hi`, as [`super::rows::aggregate`]
    /// gives it over those rows (`field`: whether one is aggregated).
    pub fn value(&self, agg: Agg, field: bool, lo: usize, hi: usize) -> Val {
        let n = f64::from(self.counts[hi] - self.counts[lo]);
        let sum = || {
            if hi - lo <= DIRECT {
                self.vals[lo..hi].iter().filter(|v| !v.is_nan()).fold(0.0, |a, b| a + b)
            } else {
                self.sums[hi] - self.sums[lo]
            }
        };
        match agg {
            Agg::Count if !field => Val::Num((hi - lo) as f64),
            Agg::Count => Val::Num(n),
            Agg::Sum => Val::Num(sum()),
            _ if n == 0.0 => Val::Null,
            Agg::Avg => Val::Num(sum() / n),
            Agg::Min => Val::Num(query(&self.mins, lo, hi, f64::INFINITY, f64::min)),
            Agg::Max => Val::Num(query(&self.maxs, lo, hi, f64::NEG_INFINITY, f64::max)),
            Agg::Distinct | Agg::Median => Val::Null,
        }
    }
}

/// `rows` in (day, row) order. Rows come in row order, and their days
/// mostly span a few years: counted into place by day (two passes), as a
/// comparison sort of 300,000 deals took 10 ms (INTG-005, twice).
fn sort_by_day(rows: &mut Vec<(i32, usize)>) {
    let (Some(lo), Some(hi)) = (rows.iter().map(|r| r.0).min(), rows.iter().map(|r| r.0).max()) else {
        return;
    };
    let span = usize::try_from(i64::from(hi) - i64::from(lo) + 1).unwrap_or(usize::MAX);
    let in_row_order = rows.windows(2).all(|w| w[0].1 < w[1].1);
    // A day's slot per row at most: the counts never outgrow the rows.
    if rows.len() < COUNT_FROM || span > rows.len() || !in_row_order {
        rows.sort_unstable();
        return;
    }
    let slot = |day: i32| usize::try_from(i64::from(day) - i64::from(lo)).unwrap_or_default();
    // Where each day's rows start; a day's rows keep their (row) order.
    let mut starts = vec![0usize; span + 1];
    for (day, _) in rows.iter() {
        starts[slot(*day) + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let mut sorted = vec![(0, 0); rows.len()];
    for &(day, row) in rows.iter() {
        let at = &mut starts[slot(day)];
        sorted[*at] = (day, row);
        *at += 1;
    }
    *rows = sorted;
}

/// Below this many rows a comparison sort is as quick as counting.
const COUNT_FROM: usize = 4096;

/// `pick` over leaves `lo..hi` of a bottom-up tree.
fn query(tree: &[f64], lo: usize, hi: usize, neutral: f64, pick: fn(f64, f64) -> f64) -> f64 {
    let n = tree.len() / 2;
    let (mut l, mut r, mut acc) = (lo + n, hi + n, neutral);
    while l < r {
        if l % 2 == 1 {
            acc = pick(acc, tree[l]);
            l += 1;
        }
        if r % 2 == 1 {
            r -= 1;
            acc = pick(acc, tree[r]);
        }
        l /= 2;
        r /= 2;
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::FieldType;

    /// Every range of a group gives what aggregating its rows one by one gives.
    #[test]
    fn range_aggregates_agree_with_a_scan() {
        let n = 300usize;
        let mut col = Column::new(FieldType::Number);
        let mut rows = Vec::new();
        for r in 0..n {
            // Some missing values, repeated days, negative amounts.
            let cell = if r % 7 == 3 {
                String::new()
            } else {
                (((r * 7919) % 1000) as i64 - 300).to_string()
            };
            col.push_text(&cell).unwrap();
            rows.push((((r * 31) % 97) as i32, r));
        }
        for agg in [Agg::Count, Agg::Sum, Agg::Avg, Agg::Min, Agg::Max] {
            let g = Group::new(rows.clone(), Some(&col), agg);
            let mut sorted = rows.clone();
            sorted.sort_unstable();
            for (from, to) in [(0, 96), (10, 10), (5, 60), (50, 49), (-5, 200), (96, 96)] {
                let (lo, hi) = g.range(Some((from, to)));
                let want: Vec<f64> = sorted
                    .iter()
                    .filter(|(d, _)| (from..=to).contains(d))
                    .filter_map(|(_, r)| col.number(*r))
                    .collect();
                let expect = match agg {
                    Agg::Count => Val::Num(want.len() as f64),
                    Agg::Sum => Val::Num(want.iter().sum()),
                    _ if want.is_empty() => Val::Null,
                    Agg::Avg => Val::Num(want.iter().sum::<f64>() / want.len() as f64),
                    Agg::Min => Val::Num(want.iter().copied().fold(f64::INFINITY, f64::min)),
                    _ => Val::Num(want.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
                };
                let got = g.value(agg, true, lo, hi);
                match (&got, &expect) {
                    (Val::Num(a), Val::Num(b)) => assert!((a - b).abs() < 1e-6, "{agg:?} {from}..={to}: {a} vs {b}"),
                    _ => assert_eq!(got, expect, "{agg:?} {from}..={to}"),
                }
            }
        }
        let g = Group::new(rows, None, Agg::Count);
        assert_eq!(g.value(Agg::Count, false, 0, 10), Val::Num(10.0));
    }

    proptest::proptest! {
        /// Counting rows into place by day orders them as sorting the
        /// (day, row) pairs does, for rows in row order or not, over a few
        /// days or many.
        #[test]
        fn rows_counted_by_day_sort_as_pairs_do(
            days in proptest::collection::vec(-400i32..400, 0..6000),
            wide in proptest::bool::ANY,
            shuffled in proptest::bool::ANY,
        ) {
            let mut rows: Vec<(i32, usize)> = days
                .iter()
                .enumerate()
                .map(|(r, d)| (if wide { d * 10_000 } else { *d }, r))
                .collect();
            if shuffled {
                rows.reverse();
            }
            let mut expected = rows.clone();
            expected.sort_unstable();
            sort_by_day(&mut rows);
            proptest::prop_assert_eq!(rows, expected);
        }
    }
}
