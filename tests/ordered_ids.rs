//! Ids in increasing order (`O-0000001`, ...) are searched for, not
//! scanned (`src/bundle/column/ordered.rs`): an export written in another
//! order takes the scan. Both must audit alike: the same export with its
//! rows reversed gets the same outcome, value and headline from every rule.

mod common;
use common::*;
use mktaudit::testing::generator::{Profile, generate_profile};
use std::path::Path;

/// `file` of `from` written into `to` with its rows (not its header) in reverse order.
fn reversed(from: &Path, to: &Path, file: &str) {
    let text = std::fs::read_to_string(from.join(file)).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let mut rows: Vec<&str> = lines.collect();
    rows.reverse();
    std::fs::write(to.join(file), format!("{header}\n{}\n", rows.join("\n"))).unwrap();
}

#[test]
fn ids_in_order_and_in_reverse_audit_alike() {
    for profile in [Profile::Troubled, Profile::Healthy] {
        let ordered = tempfile::tempdir().unwrap();
        generate_profile(ordered.path(), 12_000, 7, profile).unwrap();
        let shuffled = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(ordered.path()).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, shuffled.path().join(path.file_name().unwrap())).unwrap();
        }
        // The ids that lookups, semi-joins and distinct counts read.
        for file in ["opportunities.csv", "leads.csv", "campaign_influence.csv"] {
            reversed(ordered.path(), shuffled.path(), file);
        }
        let (a, b) = (audit_report(ordered.path(), &[]), audit_report(shuffled.path(), &[]));
        let results = a["results"].as_array().unwrap();
        assert!(results.len() > 30, "{profile:?}: the default pack ran");
        for r in results {
            let id = r["id"].as_str().unwrap();
            let other = rule_result(&b, id);
            for key in ["status", "value", "threshold"] {
                assert_eq!(r[key], other[key], "{profile:?} {id}: {key}");
            }
            // The rules that read ids state counts and sums in their
            // headline, not examples, so it is the same too.
            if ["COMP-005", "COMP-007", "CRED-003"].contains(&id) {
                assert_eq!(r["message"], other["message"], "{profile:?} {id}");
            }
        }
        // The rules this is about found what they look up: the troubled
        // org's campaigns claim deals twice over, the healthy one's do not.
        let claimed_twice = if profile == Profile::Troubled { "fail" } else { "pass" };
        assert_eq!(rule_result(&a, "CRED-003")["status"], claimed_twice, "{profile:?}");
        assert!(
            rule_result(&a, "COMP-007")["message"]
                .as_str()
                .unwrap()
                .contains("find their record"),
            "{profile:?}"
        );
    }
}
