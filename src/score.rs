//! Scoring: pure functions from rule outcomes to category and overall scores.
//! The method is documented in docs/scoring.md; change `METHOD_VERSION`
//! whenever the numbers a report shows could change for the same outcomes.
//!
//! Method 2 grades what the evidence guarantees: a rule that could not be
//! assessed counts as unknown, so the graded score is the pessimistic bound
//! (unknown read as fail) and the range runs up to the optimistic one
//! (unknown read as pass). Withholding data can then only lower a grade.

use crate::eval::{RuleResult, Status};
use crate::rules::{Category, RulePack};
use serde::Serialize;

pub const METHOD_VERSION: &str = "2";
/// Below this share of the weight assessed, a category or the whole audit gets no letter.
pub const COVERAGE_FLOOR: f64 = 0.6;
/// The overall letter is at most this many letters above the worst category's.
pub const CAP_LETTERS: u8 = 1;
/// Heaviest weight a rule or config may give a rule; the default pack uses 1 to 5.
pub const MAX_WEIGHT: f64 = 1000.0;
/// Lowest score for each grade, best first.
pub const GRADE_BANDS: [(Grade, f64); 4] = [(Grade::A, 90.0), (Grade::B, 80.0), (Grade::C, 70.0), (Grade::D, 60.0)];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub enum Grade {
    A,
    B,
    C,
    D,
    F,
}

/// Lowest score for A, B, C and D (config `grades:` may change them).
pub type GradeBands = [(Grade, f64); 4];

impl Grade {
    pub fn from_score(score: f64) -> Grade {
        Grade::from_score_with(score, &GRADE_BANDS)
    }
    pub fn from_score_with(score: f64, bands: &GradeBands) -> Grade {
        bands
            .iter()
            .find(|(_, min)| score >= *min)
            .map_or(Grade::F, |(g, _)| *g)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
            Grade::D => "D",
            Grade::F => "F",
        }
    }
    /// The grade `letters` above this one (A at most).
    pub fn raised(self, letters: u8) -> Grade {
        const ORDER: [Grade; 5] = [Grade::F, Grade::D, Grade::C, Grade::B, Grade::A];
        let at = ORDER.iter().position(|g| *g == self).unwrap_or(0);
        ORDER[(at + usize::from(letters)).min(ORDER.len() - 1)]
    }
}

/// The letters the missing data leaves open: `low` if every rule not
/// assessed failed (the grade given), `high` if every one passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct GradeRange {
    pub low: Grade,
    pub high: Grade,
}

/// "C to A, 64% assessed", "A, 100% assessed".
pub fn range_text(range: Option<GradeRange>, coverage: f64) -> String {
    let assessed = format!("{}% assessed", (coverage * 100.0).round());
    match range {
        Some(r) if r.low != r.high => format!("{} to {}, {assessed}", r.low.as_str(), r.high.as_str()),
        Some(r) => format!("{}, {assessed}", r.low.as_str()),
        None => format!("no grade, {assessed}"),
    }
}

/// The five-level maturity label for a score (benchmarks §3, convention).
pub fn maturity(score: f64) -> &'static str {
    match score {
        s if s >= 80.0 => "Optimized",
        s if s >= 60.0 => "Managed",
        s if s >= 40.0 => "Defined",
        s if s >= 20.0 => "Emerging",
        _ => "Ad hoc",
    }
}

/// Points a status earns: pass 1, warn ½, fail 0.
pub fn points(status: Status) -> Option<f64> {
    match status {
        Status::Pass => Some(1.0),
        Status::Warn => Some(0.5),
        Status::Fail => Some(0.0),
        Status::NotAssessed | Status::NotApplicable | Status::Waived | Status::Error => None,
    }
}

/// Whether a status leaves the rule out of the audit altogether (neither
/// scored nor counted as missing): its subject is absent, or every finding
/// of it is an accepted exception.
pub fn excluded(status: Status) -> bool {
    matches!(status, Status::NotApplicable | Status::Waived)
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Counts {
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub not_assessed: usize,
    /// Rules whose subject the org does not have: outside the score and its coverage.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub not_applicable: usize,
    /// Rules whose every finding is waived: outside the score and its coverage, never a pass.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub waived: usize,
    pub error: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Counts {
    fn add(&mut self, s: Status) {
        match s {
            Status::Pass => self.pass += 1,
            Status::Warn => self.warn += 1,
            Status::Fail => self.fail += 1,
            Status::NotAssessed => self.not_assessed += 1,
            Status::NotApplicable => self.not_applicable += 1,
            Status::Waived => self.waived += 1,
            Status::Error => self.error += 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CategoryScore {
    pub category: Category,
    /// 0-100, the graded score: every rule not assessed counted as failed.
    /// None when nothing in the category could be assessed.
    pub score: Option<f64>,
    /// The letter of `score`; None below the coverage floor.
    pub grade: Option<Grade>,
    /// The letters the missing data leaves open (None when nothing was assessed).
    pub grade_range: Option<GradeRange>,
    /// True when the missing data could change the letter, or there is none.
    pub provisional: bool,
    /// The score if every rule not assessed passed.
    pub score_high: Option<f64>,
    /// The mean over the assessed rules only (method 1's score): how the
    /// assessed part did, not a grade.
    pub assessed_score: Option<f64>,
    /// Assessed weight / total weight of the category's rules.
    pub coverage: f64,
    pub assessed_weight: f64,
    pub total_weight: f64,
    pub counts: Counts,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Overall {
    /// 0-100, the graded score: every rule not assessed counted as failed.
    pub score: Option<f64>,
    /// The letter: that of `score`, at most one letter above the worst
    /// category's; None below the coverage floor.
    pub grade: Option<Grade>,
    pub maturity: Option<&'static str>,
    /// True when the missing data could change the letter, or there is none.
    pub provisional: bool,
    /// The letters the missing data leaves open, each capped like the grade.
    pub grade_range: Option<GradeRange>,
    /// The category whose grade held the overall letter down, if one did.
    pub capped_by: Option<Category>,
    /// The score if every rule not assessed passed.
    pub score_high: Option<f64>,
    /// The mean over the assessed rules only (method 1's score).
    pub assessed_score: Option<f64>,
    pub coverage: f64,
    pub assessed_weight: f64,
    pub total_weight: f64,
    pub counts: Counts,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Scorecard {
    pub overall: Overall,
    pub categories: Vec<CategoryScore>,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Scores results against the pack they came from (weights and categories),
/// with the grade bands in force.
pub fn score_with(pack: &RulePack, results: &[RuleResult], bands: &GradeBands) -> Scorecard {
    let items: Vec<Scored> = results
        .iter()
        .filter_map(|r| {
            let rule = pack.get(&r.id)?;
            Some(Scored {
                category: rule.category,
                weight: rule.weight,
                status: r.status,
            })
        })
        .collect();
    score_items(&items, bands)
}

/// What scoring needs of one rule's outcome.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub category: Category,
    pub weight: f64,
    pub status: Status,
}

/// Weighted sums of one group of rules.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    earned: f64,
    assessed: f64,
    total: f64,
}

impl Sums {
    fn add(&mut self, other: Sums) {
        self.earned += other.earned;
        self.assessed += other.assessed;
        self.total += other.total;
    }
    /// Assessed share of the weight, exact.
    fn coverage(self) -> f64 {
        if self.total > 0.0 {
            self.assessed / self.total
        } else {
            0.0
        }
    }
    /// The graded (pessimistic) score, unrounded.
    fn low(self) -> Option<f64> {
        (self.assessed > 0.0).then(|| 100.0 * self.earned / self.total)
    }
    fn high(self) -> Option<f64> {
        (self.assessed > 0.0).then(|| 100.0 * (self.earned + self.total - self.assessed) / self.total)
    }
    fn mean(self) -> Option<f64> {
        (self.assessed > 0.0).then(|| 100.0 * self.earned / self.assessed)
    }
    fn range(self, bands: &GradeBands) -> Option<GradeRange> {
        Some(GradeRange {
            low: Grade::from_score_with(round1(self.low()?), bands),
            high: Grade::from_score_with(round1(self.high()?), bands),
        })
    }
    fn below_floor(self) -> bool {
        // Compared unrounded, so a coverage shown as 60% may still fall short.
        self.coverage() < COVERAGE_FLOOR
    }
}

/// The scoring method itself, on plain outcomes.
pub fn score_items(items: &[Scored], bands: &GradeBands) -> Scorecard {
    let mut categories = Vec::new();
    let mut all = Sums::default();
    let mut all_counts = Counts::default();
    // The worst category's range, for the cap on the overall letter.
    let mut worst: Option<(Category, GradeRange)> = None;
    for category in Category::ALL {
        let mut sums = Sums::default();
        let mut counts = Counts::default();
        for r in items.iter().filter(|r| r.category == category) {
            counts.add(r.status);
            all_counts.add(r.status);
            if excluded(r.status) {
                continue;
            }
            // Loading refuses weights outside this range; clamping here keeps
            // every sum finite (so no score is NaN) whoever built the items.
            let weight = if r.weight.is_finite() {
                r.weight.clamp(0.0, MAX_WEIGHT)
            } else {
                0.0
            };
            sums.total += weight;
            if let Some(p) = points(r.status) {
                sums.earned += p * weight;
                sums.assessed += weight;
            }
        }
        all.add(sums);
        // A category with weight to assess caps the overall letter even when
        // nothing of it was assessed (its low bound is then F): withholding
        // a whole category must not lift the cap.
        if sums.total > 0.0 {
            let range = sums.range(bands).unwrap_or(GradeRange {
                low: Grade::F,
                high: Grade::A,
            });
            if worst.is_none_or(|(_, w)| range.low > w.low) {
                worst = Some((category, range));
            }
        }
        let range = sums.range(bands);
        categories.push(CategoryScore {
            category,
            score: sums.low().map(round1),
            grade: range.filter(|_| !sums.below_floor()).map(|r| r.low),
            grade_range: range,
            provisional: sums.below_floor() || range.is_none_or(|r| r.low != r.high),
            score_high: sums.high().map(round1),
            assessed_score: sums.mean().map(round1),
            coverage: round1(100.0 * sums.coverage()) / 100.0,
            assessed_weight: sums.assessed,
            total_weight: sums.total,
            counts,
        });
    }
    let uncapped = all.range(bands);
    let (range, capped_by) = match (uncapped, worst) {
        (Some(r), Some((category, w))) => {
            let low = r.low.max(w.low.raised(CAP_LETTERS));
            // The high end is capped by the worst category's high end.
            let worst_high = categories
                .iter()
                .filter(|c| c.total_weight > 0.0)
                .map(|c| c.grade_range.map_or(Grade::A, |r| r.high))
                .max()
                .unwrap_or(Grade::A);
            let high = r.high.max(worst_high.raised(CAP_LETTERS));
            (Some(GradeRange { low, high }), (low != r.low).then_some(category))
        }
        (r, _) => (r, None),
    };
    let score = all.low().map(round1);
    let below_floor = all.below_floor();
    Scorecard {
        overall: Overall {
            score,
            grade: range.filter(|_| !below_floor).map(|r| r.low),
            maturity: score.map(maturity),
            provisional: below_floor || range.is_none_or(|r| r.low != r.high),
            grade_range: range,
            capped_by: capped_by.filter(|_| !below_floor),
            score_high: all.high().map(round1),
            assessed_score: all.mean().map(round1),
            coverage: round1(100.0 * all.coverage()) / 100.0,
            assessed_weight: all.assessed,
            total_weight: all.total,
            counts: all_counts,
        },
        categories,
    }
}

/// How many points the overall (graded) score would gain if this result
/// passed: the graded score is earned points over all the weight to assess.
pub fn points_recoverable(weight: f64, status: Status, overall_total_weight: f64) -> f64 {
    match points(status) {
        Some(p) if overall_total_weight > 0.0 => round1(100.0 * (1.0 - p) * weight / overall_total_weight),
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests;
