//! The scoring method on hand-made outcomes.

use super::*;

fn item(category: Category, weight: f64, status: Status) -> Scored {
    Scored {
        category,
        weight,
        status,
    }
}

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
fn raising_a_grade_stops_at_a() {
    assert_eq!(Grade::F.raised(1), Grade::D);
    assert_eq!(Grade::C.raised(1), Grade::B);
    assert_eq!(Grade::A.raised(1), Grade::A);
    assert_eq!(Grade::F.raised(9), Grade::A);
}

#[test]
fn weights_out_of_range_never_make_a_score_nan() {
    let items: Vec<Scored> = [1e308, f64::INFINITY, f64::NAN, -5.0, 3.0]
        .iter()
        .zip([Status::Pass, Status::Fail, Status::Pass, Status::Fail, Status::Warn])
        .map(|(w, status)| item(Category::Credible, *w, status))
        .collect();
    let card = score_items(&items, &GRADE_BANDS);
    let score = card.overall.score.expect("a score");
    assert!(score.is_finite() && (0.0..=100.0).contains(&score), "{score}");
    assert!(card.overall.assessed_weight.is_finite());
}

#[test]
fn missing_weight_counts_as_unknown_and_the_grade_is_its_low_end() {
    // 8 of 10 weight assessed, all passing: 80 if the rest fails, 100 if it passes.
    let items = [
        item(Category::Credible, 8.0, Status::Pass),
        item(Category::Credible, 2.0, Status::NotAssessed),
    ];
    let card = score_items(&items, &GRADE_BANDS);
    let c = card
        .categories
        .iter()
        .find(|c| c.category == Category::Credible)
        .unwrap();
    assert_eq!(
        (c.score, c.score_high, c.assessed_score),
        (Some(80.0), Some(100.0), Some(100.0))
    );
    assert_eq!(c.grade, Some(Grade::B));
    assert_eq!(
        c.grade_range,
        Some(GradeRange {
            low: Grade::B,
            high: Grade::A
        })
    );
    assert!(c.provisional);
    assert_eq!(range_text(c.grade_range, c.coverage), "B to A, 80% assessed");
    assert_eq!(card.overall.grade, Some(Grade::B));
    assert!(card.overall.provisional);
}

#[test]
fn full_coverage_is_not_provisional_and_scores_the_mean() {
    let items = [
        item(Category::Credible, 2.0, Status::Pass),
        item(Category::Credible, 2.0, Status::Warn),
    ];
    let card = score_items(&items, &GRADE_BANDS);
    assert_eq!(card.overall.score, Some(75.0));
    assert_eq!(card.overall.assessed_score, Some(75.0));
    assert_eq!(card.overall.grade, Some(Grade::C));
    assert!(!card.overall.provisional);
    assert_eq!(
        range_text(card.overall.grade_range, card.overall.coverage),
        "C, 100% assessed"
    );
}

#[test]
fn below_the_floor_there_is_no_letter() {
    let items = [
        item(Category::Strategic, 1.0, Status::Pass),
        item(Category::Strategic, 7.0, Status::NotAssessed),
        item(Category::Credible, 30.0, Status::Pass),
    ];
    let card = score_items(&items, &GRADE_BANDS);
    let strategic = card
        .categories
        .iter()
        .find(|c| c.category == Category::Strategic)
        .unwrap();
    assert_eq!(strategic.coverage, 0.125);
    assert_eq!(strategic.grade, None, "one pass at 12.5% coverage earns no letter");
    assert!(strategic.provisional);
    assert_eq!(strategic.score, Some(12.5));
    // Overall: 31 of 38 assessed (B on its own), but the strategic low end (F) caps it at D.
    assert_eq!(card.overall.grade, Some(Grade::D));
    assert_eq!(card.overall.capped_by, Some(Category::Strategic));
}

#[test]
fn one_failing_category_limits_the_overall_letter() {
    // Harbor Q4's shape: four strong categories, integrated at 43.8.
    let mut items: Vec<Scored> = [
        Category::Competent,
        Category::Credible,
        Category::Accountable,
        Category::Strategic,
    ]
    .iter()
    .map(|c| item(*c, 20.0, Status::Pass))
    .collect();
    items.push(item(Category::Integrated, 4.0, Status::Fail));
    items.push(item(Category::Integrated, 3.0, Status::Warn));
    items.push(item(Category::Integrated, 1.0, Status::Pass));
    let card = score_items(&items, &GRADE_BANDS);
    assert!(card.overall.score.unwrap() >= 90.0, "{:?}", card.overall.score);
    assert_eq!(card.overall.grade, Some(Grade::D), "F in integrated allows D at most");
    assert_eq!(card.overall.capped_by, Some(Category::Integrated));
    assert!(!card.overall.provisional);
}

#[test]
fn not_applicable_and_waived_leave_score_and_coverage() {
    let base = [
        item(Category::Competent, 2.0, Status::Pass),
        item(Category::Competent, 2.0, Status::Fail),
    ];
    let before = score_items(&base, &GRADE_BANDS);
    for status in [Status::NotApplicable, Status::Waived] {
        let mut items = base.to_vec();
        items.push(item(Category::Competent, 3.0, status));
        let after = score_items(&items, &GRADE_BANDS);
        assert_eq!(after.overall.score, before.overall.score, "{status:?}");
        assert_eq!(after.overall.coverage, before.overall.coverage, "{status:?}");
        assert_eq!(after.overall.total_weight, 4.0);
    }
    let waived = score_items(&[item(Category::Competent, 3.0, Status::Waived)], &GRADE_BANDS);
    assert_eq!(waived.overall.counts.waived, 1);
    assert_eq!(waived.overall.counts.pass, 0, "a waived rule is never a pass");
    assert_eq!(waived.overall.score, None);
}

#[test]
fn points_and_recoverable() {
    assert_eq!(points(Status::Warn), Some(0.5));
    assert_eq!(points(Status::NotAssessed), None);
    assert_eq!(points(Status::Waived), None);
    assert_eq!(points_recoverable(3.0, Status::Fail, 12.0), 25.0);
    assert_eq!(points_recoverable(3.0, Status::Warn, 12.0), 12.5);
    assert_eq!(points_recoverable(3.0, Status::Pass, 12.0), 0.0);
    assert_eq!(points_recoverable(3.0, Status::NotAssessed, 12.0), 0.0);
}
