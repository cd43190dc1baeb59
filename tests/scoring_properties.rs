//! Properties the scoring method must hold for any outcomes, checked on
//! generated cases: fixing a finding never lowers a score, withholding the
//! data of a rule never raises a score or a grade, coverage stays in [0, 1],
//! grades never get better as the score falls, no letter below the coverage
//! floor, and the overall letter stays within one of the worst category.

use mktaudit::testing::eval::Status;
use mktaudit::testing::rules::Category;
use mktaudit::testing::score::{COVERAGE_FLOOR, GRADE_BANDS, Grade, Scorecard, Scored, score_items};
use proptest::prelude::*;

fn status() -> impl Strategy<Value = Status> {
    prop_oneof![
        Just(Status::Pass),
        Just(Status::Warn),
        Just(Status::Fail),
        Just(Status::NotAssessed),
        Just(Status::NotApplicable),
        Just(Status::Waived),
        Just(Status::Error)
    ]
}

fn item() -> impl Strategy<Value = Scored> {
    (0..5usize, 0..6u8, status()).prop_map(|(c, w, status)| Scored {
        category: Category::ALL[c],
        weight: f64::from(w),
        status,
    })
}

fn better(s: Status) -> Option<Status> {
    match s {
        Status::Fail => Some(Status::Warn),
        Status::Warn => Some(Status::Pass),
        _ => None,
    }
}

/// A letter's rank, best highest; no letter ranks below F.
fn rank(g: Option<Grade>) -> u8 {
    match g {
        None => 0,
        Some(Grade::F) => 1,
        Some(Grade::D) => 2,
        Some(Grade::C) => 3,
        Some(Grade::B) => 4,
        Some(Grade::A) => 5,
    }
}

/// Every grade and graded score of `after` is at most that of `before`.
fn no_grade_rises(before: &Scorecard, after: &Scorecard) -> Result<(), TestCaseError> {
    prop_assert!(
        rank(after.overall.grade) <= rank(before.overall.grade),
        "overall {:?} -> {:?}",
        before.overall.grade,
        after.overall.grade
    );
    prop_assert!(
        after.overall.score.unwrap_or(0.0) <= before.overall.score.unwrap_or(0.0),
        "overall {:?} -> {:?}",
        before.overall.score,
        after.overall.score
    );
    for (b, a) in before.categories.iter().zip(&after.categories) {
        prop_assert!(
            rank(a.grade) <= rank(b.grade),
            "{:?}: {:?} -> {:?}",
            a.category,
            b.grade,
            a.grade
        );
        prop_assert!(
            a.score.unwrap_or(0.0) <= b.score.unwrap_or(0.0),
            "{:?}: {:?} -> {:?}",
            a.category,
            b.score,
            a.score
        );
    }
    Ok(())
}

proptest! {
    #[test]
    fn withholding_a_rules_data_never_raises_a_grade(items in prop::collection::vec(item(), 1..40), pick in any::<prop::sample::Index>()) {
        let i = pick.index(items.len());
        prop_assume!(items[i].status.assessed());
        let before = score_items(&items, &GRADE_BANDS);
        let mut withheld = items.clone();
        withheld[i].status = Status::NotAssessed;
        no_grade_rises(&before, &score_items(&withheld, &GRADE_BANDS))?;
    }

    #[test]
    fn no_letter_below_the_floor_and_the_worst_category_caps_the_overall(items in prop::collection::vec(item(), 1..40)) {
        let card = score_items(&items, &GRADE_BANDS);
        for c in &card.categories {
            if c.total_weight > 0.0 && c.assessed_weight / c.total_weight < COVERAGE_FLOOR {
                prop_assert_eq!(c.grade, None, "{:?} below the floor", c.category);
                prop_assert!(c.provisional);
            }
            if let (Some(g), Some(r)) = (c.grade, c.grade_range) {
                prop_assert_eq!(g, r.low);
                prop_assert!(r.low >= r.high, "the low end is never better than the high end");
            }
        }
        let o = &card.overall;
        if o.total_weight > 0.0 && o.assessed_weight / o.total_weight < COVERAGE_FLOOR {
            prop_assert_eq!(o.grade, None);
            prop_assert!(o.provisional);
        }
        if let Some(g) = o.grade {
            for c in card.categories.iter().filter(|c| c.total_weight > 0.0) {
                let worst = c.grade_range.map_or(Grade::F, |r| r.low);
                prop_assert!(rank(Some(g)) <= rank(Some(worst)) + 1, "overall {g:?} more than one letter above {:?} ({worst:?})", c.category);
            }
        }
    }

    #[test]
    fn a_waived_rule_is_never_a_pass(items in prop::collection::vec(item(), 1..30), pick in any::<prop::sample::Index>()) {
        let i = pick.index(items.len());
        let mut waived = items.clone();
        waived[i].status = Status::Waived;
        let mut passing = items;
        passing[i].status = Status::Pass;
        let (w, p) = (score_items(&waived, &GRADE_BANDS), score_items(&passing, &GRADE_BANDS));
        prop_assert_eq!(w.overall.counts.pass + 1, p.overall.counts.pass);
        prop_assert_eq!(w.overall.counts.waived, p.overall.counts.waived + 1);
    }

    #[test]
    fn fixing_a_finding_never_lowers_a_score(items in prop::collection::vec(item(), 1..40), pick in any::<prop::sample::Index>()) {
        let i = pick.index(items.len());
        let Some(fixed_status) = better(items[i].status) else { return Ok(()) };
        let before = score_items(&items, &GRADE_BANDS);
        let mut fixed = items.clone();
        fixed[i].status = fixed_status;
        let after = score_items(&fixed, &GRADE_BANDS);
        prop_assert!(after.overall.score >= before.overall.score, "{:?} -> {:?}", before.overall.score, after.overall.score);
        for (b, a) in before.categories.iter().zip(&after.categories) {
            prop_assert!(a.score >= b.score, "{:?}: {:?} -> {:?}", a.category, b.score, a.score);
        }
    }

    #[test]
    fn coverage_stays_between_zero_and_one(items in prop::collection::vec(item(), 0..40)) {
        let card = score_items(&items, &GRADE_BANDS);
        prop_assert!((0.0..=1.0).contains(&card.overall.coverage));
        for c in &card.categories {
            prop_assert!((0.0..=1.0).contains(&c.coverage));
            if let Some(s) = c.score { prop_assert!((0.0..=100.0).contains(&s)); }
        }
        if let Some(s) = card.overall.score { prop_assert!((0.0..=100.0).contains(&s)); }
    }

    #[test]
    fn grades_are_monotone_in_score(a in 0.0..=100.0f64, b in 0.0..=100.0f64) {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!(Grade::from_score(hi) <= Grade::from_score(lo));
    }

    #[test]
    fn not_assessed_never_raises_a_score_above_what_passing_would(items in prop::collection::vec(item(), 1..30), pick in any::<prop::sample::Index>()) {
        // Missing data is never a pass: a rule that could not be assessed lowers
        // coverage, and a pass instead could only keep or raise the score.
        let i = pick.index(items.len());
        let mut missing = items.clone();
        missing[i].status = Status::NotAssessed;
        let mut passing = items;
        passing[i].status = Status::Pass;
        let (m, p) = (score_items(&missing, &GRADE_BANDS), score_items(&passing, &GRADE_BANDS));
        prop_assert!(m.overall.coverage <= p.overall.coverage);
        if let (Some(ms), Some(ps)) = (m.overall.score, p.overall.score) { prop_assert!(ms <= ps); }
    }
}
