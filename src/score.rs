//! Scoring: pure functions from rule outcomes to category and overall scores.
//! The method is documented in docs/scoring.md; change `METHOD_VERSION`
//! whenever the numbers a report shows could change for the same outcomes.

use crate::eval::{RuleResult, Status};
use crate::rules::{Category, RulePack};
use serde::Serialize;

pub const METHOD_VERSION: &str = "1";
/// Below this share of the audit's weight assessed, the grade is provisional.
pub const COVERAGE_FLOOR: f64 = 0.6;
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
        Status::NotAssessed | Status::NotApplicable | Status::Error => None,
    }
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
            Status::Error => self.error += 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CategoryScore {
    pub category: Category,
    /// 0-100, or None when nothing in the category could be assessed.
    pub score: Option<f64>,
    pub grade: Option<Grade>,
    /// Assessed weight / total weight of the category's rules.
    pub coverage: f64,
    pub assessed_weight: f64,
    pub total_weight: f64,
    pub counts: Counts,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Overall {
    pub score: Option<f64>,
    pub grade: Option<Grade>,
    pub maturity: Option<&'static str>,
    /// True when coverage is below the floor: too little could be assessed to stand behind the grade.
    pub provisional: bool,
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

/// Scores results against the pack they came from (weights and categories).
pub fn score(pack: &RulePack, results: &[RuleResult]) -> Scorecard {
    score_with(pack, results, &GRADE_BANDS)
}

/// `score` with the grade bands in force.
pub fn score_with(pack: &RulePack, results: &[RuleResult], bands: &GradeBands) -> Scorecard {
    let items: Vec<Scored> = results
        .iter()
        .filter_map(|r| {
            let rule = pack.get(&r.rule)?;
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

/// The scoring method itself, on plain outcomes.
pub fn score_items(items: &[Scored], bands: &GradeBands) -> Scorecard {
    let mut categories = Vec::new();
    let (mut all_earned, mut all_assessed, mut all_total) = (0.0, 0.0, 0.0);
    let mut all_counts = Counts::default();
    for category in Category::ALL {
        let (mut earned, mut assessed, mut total) = (0.0, 0.0, 0.0);
        let mut counts = Counts::default();
        for r in items.iter().filter(|r| r.category == category) {
            counts.add(r.status);
            all_counts.add(r.status);
            if r.status == Status::NotApplicable {
                continue;
            }
            // Loading refuses weights outside this range; clamping here keeps
            // every sum finite (so no score is NaN) whoever built the items.
            let weight = if r.weight.is_finite() {
                r.weight.clamp(0.0, MAX_WEIGHT)
            } else {
                0.0
            };
            total += weight;
            if let Some(p) = points(r.status) {
                earned += p * weight;
                assessed += weight;
            }
        }
        all_earned += earned;
        all_assessed += assessed;
        all_total += total;
        let score = (assessed > 0.0).then(|| round1(100.0 * earned / assessed));
        categories.push(CategoryScore {
            category,
            score,
            grade: score.map(|s| Grade::from_score_with(s, bands)),
            coverage: if total > 0.0 {
                round1(100.0 * assessed / total) / 100.0
            } else {
                0.0
            },
            assessed_weight: assessed,
            total_weight: total,
            counts,
        });
    }
    let score = (all_assessed > 0.0).then(|| round1(100.0 * all_earned / all_assessed));
    let coverage = if all_total > 0.0 { all_assessed / all_total } else { 0.0 };
    Scorecard {
        overall: Overall {
            score,
            grade: score.map(|s| Grade::from_score_with(s, bands)),
            maturity: score.map(maturity),
            provisional: coverage < COVERAGE_FLOOR,
            coverage: round1(100.0 * coverage) / 100.0,
            assessed_weight: all_assessed,
            total_weight: all_total,
            counts: all_counts,
        },
        categories,
    }
}

/// How many points the overall score would gain if this result passed.
pub fn points_recoverable(weight: f64, status: Status, overall_assessed_weight: f64) -> f64 {
    match points(status) {
        Some(p) if overall_assessed_weight > 0.0 => round1(100.0 * (1.0 - p) * weight / overall_assessed_weight),
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_follow_bands() {
        let cases: &[(f64, Grade)] = &[
            (100.0, Grade::A),
            (90.0, Grade::A),
            (89.9, Grade::B),
            (80.0, Grade::B),
            (70.0, Grade::C),
            (60.0, Grade::D),
            (59.9, Grade::F),
            (0.0, Grade::F),
        ];
        for (s, g) in cases {
            assert_eq!(Grade::from_score(*s), *g, "score {s}");
        }
    }

    #[test]
    fn grades_are_monotone_in_score() {
        let mut last = Grade::F;
        for i in 0..=1000 {
            let g = Grade::from_score(f64::from(i) / 10.0);
            assert!(g <= last, "grade got worse as the score rose at {i}");
            last = g;
        }
    }

    #[test]
    fn weights_out_of_range_never_make_a_score_nan() {
        let items: Vec<Scored> = [1e308, f64::INFINITY, f64::NAN, -5.0, 3.0]
            .iter()
            .zip([Status::Pass, Status::Fail, Status::Pass, Status::Fail, Status::Warn])
            .map(|(w, status)| Scored {
                category: Category::Credible,
                weight: *w,
                status,
            })
            .collect();
        let card = score_items(&items, &GRADE_BANDS);
        let score = card.overall.score.expect("a score");
        assert!(score.is_finite() && (0.0..=100.0).contains(&score), "{score}");
        assert!(card.overall.assessed_weight.is_finite());
    }

    #[test]
    fn points_and_recoverable() {
        assert_eq!(points(Status::Warn), Some(0.5));
        assert_eq!(points(Status::NotAssessed), None);
        assert_eq!(points_recoverable(3.0, Status::Fail, 12.0), 25.0);
        assert_eq!(points_recoverable(3.0, Status::Warn, 12.0), 12.5);
        assert_eq!(points_recoverable(3.0, Status::Pass, 12.0), 0.0);
        assert_eq!(points_recoverable(3.0, Status::NotAssessed, 12.0), 0.0);
    }
}
