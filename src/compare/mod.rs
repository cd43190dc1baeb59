//! Comparing audits: a baseline against the current audit (`audit
//! --baseline`, `diff`) and a series over time (`trend`). History lives in
//! the JSON reports themselves, so nothing needs a server.
//!
//! What a comparison is (problems by rule and subject, records as detail)
//! is the model in `report::comparison`; this module reads saved reports
//! and computes it. A rule whose definition changed between the two reports
//! (its `rule_hash`), or that exists in only one, is counted as a
//! methodology change, apart from real change.

use crate::report::comparison::{
    CategoryDelta, Comparison, FindingRef, MethodologyChange, Problem, Side, Trend, TrendPoint,
};
use crate::rules::Category;

mod saved;

pub use saved::{SavedReport, SavedResult, check_same_org, read_report, saved};
use std::collections::{BTreeMap, BTreeSet};

fn side(r: &SavedReport) -> Side {
    Side {
        org: r.audit.org.clone(),
        as_of: r.audit.as_of.clone(),
        score: r.summary.score,
        grade: r.summary.grade.map(|g| g.as_str().to_string()),
        coverage: r.summary.coverage,
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn delta(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(round1(b? - a?))
}

fn flagged_keys(r: Option<&SavedResult>) -> BTreeSet<&str> {
    r.filter(|r| r.flagged()).map(SavedResult::keys).unwrap_or_default()
}

fn problem(old: Option<&SavedResult>, new: Option<&SavedResult>) -> Problem {
    let latest = new.filter(|n| n.flagged()).or(old).expect("a problem has a side");
    let keys = flagged_keys;
    let (was, now) = (keys(old), keys(new));
    let both = !was.is_empty() && !now.is_empty();
    let own = |s: &BTreeSet<&str>| s.iter().filter(|k| !k.is_empty()).map(|k| k.to_string()).collect();
    Problem {
        rule: latest.id.clone(),
        title: latest.title.clone(),
        category: latest.category,
        severity: latest.severity,
        old_status: old.map(|r| r.status),
        new_status: new.map(|r| r.status),
        message: latest.message.clone(),
        records: own(&keys(Some(latest))),
        records_added: if both {
            own(&now.difference(&was).copied().collect())
        } else {
            Vec::new()
        },
        records_gone: if both {
            own(&was.difference(&now).copied().collect())
        } else {
            Vec::new()
        },
    }
}

fn finding_ref(r: &SavedResult, key: &str) -> FindingRef {
    FindingRef {
        rule: r.id.clone(),
        title: r.title.clone(),
        key: key.to_string(),
        message: r
            .findings
            .iter()
            .find(|f| f.key == key)
            .map_or_else(|| r.message.clone(), |f| f.message.clone()),
    }
}

fn waived_in(report: &SavedReport, rule: &str, key: &str) -> bool {
    report.waivers.waived.iter().any(|w| w.rule == rule && w.key == key)
}

pub fn compare(old: &SavedReport, new: &SavedReport) -> Comparison {
    let old_rules: BTreeMap<&str, &SavedResult> = old.results.iter().map(|r| (r.id.as_str(), r)).collect();
    let new_rules: BTreeMap<&str, &SavedResult> = new.results.iter().map(|r| (r.id.as_str(), r)).collect();
    let ids: BTreeSet<&str> = old_rules.keys().chain(new_rules.keys()).copied().collect();
    let mut c = Comparison {
        old: side(old),
        new: side(new),
        overall_delta: delta(old.summary.score, new.summary.score),
        categories: Vec::new(),
        different_orgs: old.audit.org != new.audit.org,
        new_problems: Vec::new(),
        resolved_problems: Vec::new(),
        persisting_problems: Vec::new(),
        newly_waived: Vec::new(),
        back_from_waiver: Vec::new(),
        methodology: MethodologyChange {
            scoring_method_changed: old.methodology.scoring_method_version != new.methodology.scoring_method_version,
            rule_pack_changed: old.methodology.rule_pack_hash != new.methodology.rule_pack_hash,
            ..MethodologyChange::default()
        },
    };
    let score_of =
        |r: &SavedReport, cat: Category| r.categories.iter().find(|c| c.category == cat).and_then(|c| c.score);
    let cats: BTreeSet<Category> = old
        .categories
        .iter()
        .chain(&new.categories)
        .map(|c| c.category)
        .collect();
    for cat in cats {
        let (a, b) = (score_of(old, cat), score_of(new, cat));
        c.categories.push(CategoryDelta {
            category: cat,
            old: a,
            new: b,
            delta: delta(a, b),
        });
    }
    for id in ids {
        let (o, n) = (old_rules.get(id).copied(), new_rules.get(id).copied());
        let methodology = match (o, n) {
            (None, Some(_)) => {
                c.methodology.rules_added.push(id.to_string());
                true
            }
            (Some(_), None) => {
                c.methodology.rules_removed.push(id.to_string());
                true
            }
            (Some(a), Some(b)) if a.judged_differently(b) => {
                c.methodology.rules_changed.push(id.to_string());
                true
            }
            _ => false,
        };
        let was = o.filter(|r| r.flagged());
        let now = n.filter(|r| r.flagged());
        // Record-level waiver changes, whatever happens to the problem.
        if let (Some(a), Some(b)) = (was, n) {
            let still = if b.flagged() { b.keys() } else { BTreeSet::new() };
            for key in a.keys().difference(&still) {
                if waived_in(new, id, key) {
                    c.newly_waived.push(finding_ref(a, key));
                }
            }
        }
        if let (Some(b), Some(a)) = (now, o) {
            let before = if a.flagged() { a.keys() } else { BTreeSet::new() };
            for key in b.keys().difference(&before) {
                if waived_in(old, id, key) {
                    c.back_from_waiver.push(finding_ref(b, key));
                }
            }
        }
        match (was, now) {
            (None, None) => {}
            (Some(_), Some(_)) if !methodology => c.persisting_problems.push(problem(o, n)),
            (Some(_), Some(_)) => {
                // Judged by another rule now: the old problem went with the old rule.
                c.methodology.problems_gone.push(problem(o, None));
                c.methodology.problems_new.push(problem(None, n));
            }
            (Some(a), None) => {
                let all_waived = !a.keys().is_empty() && a.keys().iter().all(|k| waived_in(new, id, k));
                if methodology {
                    c.methodology.problems_gone.push(problem(o, n));
                } else if !all_waived {
                    c.resolved_problems.push(problem(o, n));
                }
            }
            (None, Some(b)) => {
                let all_back = !b.keys().is_empty() && b.keys().iter().all(|k| waived_in(old, id, k));
                if methodology {
                    c.methodology.problems_new.push(problem(o, n));
                } else if !all_back {
                    c.new_problems.push(problem(o, n));
                }
            }
        }
    }
    c
}

pub fn trend(reports: &[SavedReport]) -> Trend {
    let mut sorted: Vec<&SavedReport> = reports.iter().collect();
    sorted.sort_by(|a, b| a.audit.as_of.cmp(&b.audit.as_of));
    let mut changes = Vec::new();
    for pair in sorted.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if a.methodology.rule_pack_hash != b.methodology.rule_pack_hash {
            changes.push(format!(
                "rule pack changed between {} and {}",
                a.audit.as_of, b.audit.as_of
            ));
        }
        if a.methodology.scoring_method_version != b.methodology.scoring_method_version {
            changes.push(format!(
                "scoring method changed between {} and {}",
                a.audit.as_of, b.audit.as_of
            ));
        }
    }
    let points: Vec<TrendPoint> = sorted
        .iter()
        .map(|r| TrendPoint {
            as_of: r.audit.as_of.clone(),
            score: r.summary.score,
            grade: r.summary.grade.map(|g| g.as_str().to_string()),
            coverage: r.summary.coverage,
            categories: r.categories.iter().map(|c| (c.category, c.score)).collect(),
        })
        .collect();
    Trend {
        org: sorted.last().map(|r| r.audit.org.clone()).unwrap_or_default(),
        commentary: commentary(&points),
        points,
        methodology_changes: changes,
    }
}

/// What moved most over the series, in a few sentences: the overall change,
/// the category that rose most and the one that fell most (first to last
/// audit), and a category that went against the overall direction.
fn commentary(points: &[TrendPoint]) -> Vec<String> {
    let fmt = crate::value::format_number;
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return Vec::new();
    };
    if points.len() < 2 {
        return vec![format!("One audit only ({}): a trend needs two or more.", first.as_of)];
    }
    let mut out = Vec::new();
    match (first.score, last.score) {
        (Some(a), Some(b)) => out.push(format!(
            "Overall, the score went from {} ({}) on {} to {} ({}) on {}: {}.",
            fmt(a),
            first.grade.as_deref().unwrap_or("-"),
            first.as_of,
            fmt(b),
            last.grade.as_deref().unwrap_or("-"),
            last.as_of,
            change_words(b - a)
        )),
        _ => out.push("The overall score could not be computed at one end of the series.".to_string()),
    }
    let moves: Vec<(Category, f64, f64, f64)> = Category::ALL
        .into_iter()
        .filter_map(|c| {
            let a = first.categories.get(&c).copied().flatten()?;
            let b = last.categories.get(&c).copied().flatten()?;
            Some((c, a, b, round1(b - a)))
        })
        .collect();
    let rose = moves.iter().filter(|m| m.3 > 0.0).max_by(|x, y| x.3.total_cmp(&y.3));
    let fell = moves.iter().filter(|m| m.3 < 0.0).min_by(|x, y| x.3.total_cmp(&y.3));
    if let Some((c, a, b, d)) = rose {
        out.push(format!(
            "{} rose most: {} to {} (+{}).",
            c.title(),
            fmt(*a),
            fmt(*b),
            fmt(*d)
        ));
    }
    if let Some((c, a, b, d)) = fell {
        let against = last.score.zip(first.score).is_some_and(|(b, a)| b > a);
        out.push(format!(
            "{} fell {}: {} to {} ({}){}.",
            c.title(),
            if against {
                "while the overall score rose"
            } else {
                "most"
            },
            fmt(*a),
            fmt(*b),
            fmt(*d),
            if against { ", so the overall grade hides it" } else { "" }
        ));
    }
    if rose.is_none() && fell.is_none() && !moves.is_empty() {
        out.push("No category score changed between the first and the last audit.".to_string());
    }
    out
}

fn change_words(d: f64) -> String {
    let d = round1(d);
    let points = |n: f64| {
        format!(
            "{} {}",
            crate::value::format_number(n),
            if n == 1.0 { "point" } else { "points" }
        )
    };
    if d > 0.0 {
        format!("up {}", points(d))
    } else if d < 0.0 {
        format!("down {}", points(-d))
    } else {
        "unchanged".to_string()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_point_is_singular() {
        assert_eq!(super::change_words(1.0), "up 1 point");
        assert_eq!(super::change_words(-2.5), "down 2.5 points");
        assert_eq!(super::change_words(0.01), "unchanged");
    }
}
