//! Properties the scoring method must hold for any outcomes, checked on
//! generated cases: fixing a finding never lowers a score, coverage stays in
//! [0, 1], and grades never get better as the score falls.

use mktaudit::eval::Status;
use mktaudit::rules::Category;
use mktaudit::score::{GRADE_BANDS, Grade, Scored, score_items};
use proptest::prelude::*;

fn status() -> impl Strategy<Value = Status> {
    prop_oneof![
        Just(Status::Pass),
        Just(Status::Warn),
        Just(Status::Fail),
        Just(Status::NotAssessed),
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

proptest! {
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
