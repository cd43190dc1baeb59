//! A script's budget counts work, not calls: host and string functions pay
//! for the rows and bytes they touch, a whole run has a memory budget, and
//! an error inside a sort comparer ends the rule instead of being dropped.
//! Each hostile script stops in seconds and the audit goes on.

mod common;
use common::script_pack;
use mktaudit::testing::audit::{AuditOptions, run_audit};
use mktaudit::testing::eval::Status;
use std::path::Path;

/// A bundle whose KPI list has `rows` rows.
fn big_bundle(rows: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("id,name,audience\n");
    for i in 0..rows {
        csv.push_str(&format!("K{i},KPI number {i},board\n"));
    }
    std::fs::write(dir.path().join("kpis.csv"), csv).unwrap();
    dir
}

/// Runs `scripts` over `bundle`; returns each rule's status and reason.
fn run(bundle: &Path, scripts: &[(&str, &str)]) -> Vec<(String, Status, String)> {
    let pack = script_pack("{ kpis: [name, audience] }", scripts);
    let report = run_audit(&AuditOptions {
        bundle: bundle.to_path_buf(),
        rule_dirs: vec![pack.path().to_path_buf()],
        as_of: chrono::NaiveDate::from_ymd_opt(2025, 12, 31),
        ..Default::default()
    })
    .expect("the audit completes");
    scripts
        .iter()
        .map(|(id, _)| {
            let r = report.results.iter().find(|r| r.id == *id).unwrap();
            (
                r.id.clone(),
                r.status,
                r.reason.clone().unwrap_or_else(|| r.message.clone()),
            )
        })
        .collect()
}

fn expect_error(bundle: &Path, cases: &[(&str, &str, &str)]) {
    let scripts: Vec<(&str, &str)> = cases.iter().map(|(id, s, _)| (*id, *s)).collect();
    for ((id, status, reason), (_, _, expected)) in run(bundle, &scripts).into_iter().zip(cases) {
        assert_eq!(status, Status::Error, "{id}: {reason}");
        assert!(reason.contains(expected), "{id}: expected `{expected}` in `{reason}`");
    }
}

#[test]
fn work_on_big_text_is_charged_by_the_byte() {
    let bundle = big_bundle(10);
    let big = "let s = \"x\";\ns.pad(4000000, \"x\");\n";
    expect_error(
        bundle.path(),
        &[
            (
                "contains-loop",
                &format!("{big}loop {{ s.contains(\"y\"); }}\npass()"),
                "exceeded 5000000 operations",
            ),
            (
                "replace-loop",
                &format!("{big}loop {{ let t = s; t.replace(\"y\", \"z\"); }}\npass()"),
                "exceeded 5000000 operations",
            ),
            (
                "concat-loop",
                &format!("{big}let h = s.sub_string(0, 2000000);\nloop {{ let t = h + h; }}\npass()"),
                "exceeded 5000000 operations",
            ),
            (
                "matches-loop",
                &format!("{big}loop {{ matches(s, \"y\"); }}\npass()"),
                "exceeded 5000000 operations",
            ),
        ],
    );
}

/// Two scripts spend the same operations of their own, just under the
/// limit, and make the same 40 calls: counting the rows of a filter visits
/// every row and is charged for it, counting a whole dataset is not.
#[test]
fn work_on_many_rows_is_charged_by_the_row() {
    let bundle = big_bundle(50_000);
    let busy = "let x = 0;\nfor i in 0..OPS_LOOP { x = i; }\n";
    let runs = run(
        bundle.path(),
        &[
            (
                "uncharged",
                &format!("{busy}for i in 0..40 {{ org.count(\"kpis\"); }}\npass()").replace("OPS_LOOP", OPS_LOOP),
            ),
            (
                "filtered",
                &format!("{busy}for i in 0..40 {{ org.count(\"kpis\", #{{ audience: \"x\" }}); }}\npass()")
                    .replace("OPS_LOOP", OPS_LOOP),
            ),
            (
                "grouped",
                &format!("{busy}for i in 0..40 {{ org.group_count(\"kpis\", \"audience\"); }}\npass()")
                    .replace("OPS_LOOP", OPS_LOOP),
            ),
        ],
    );
    assert_eq!(runs[0].1, Status::Pass, "{}", runs[0].2);
    for (id, status, reason) in &runs[1..] {
        assert_eq!(*status, Status::Error, "{id}");
        assert!(reason.contains("exceeded 5000000 operations"), "{id}: {reason}");
    }
}

/// Iterations of `x = i` (3 operations each) that stay 350,000 operations
/// under the limit; 40 filtered counts of 50,000 rows are charged 500,000.
const OPS_LOOP: &str = "1550000";

#[test]
fn a_whole_run_has_a_memory_budget() {
    let bundle = big_bundle(10);
    // 100 variables of 4 MB each: every value is within its own limit.
    let mut script = String::from("let s = \"x\";\ns.pad(4000000, \"x\");\n");
    for i in 0..100 {
        script.push_str(&format!("let v{i} = s + \"{i}\";\n"));
    }
    script.push_str("pass()");
    expect_error(bundle.path(), &[("memory-hog", &script, "held more than 256 MiB")]);
}

#[test]
fn an_error_in_a_sort_comparer_ends_the_rule() {
    let bundle = big_bundle(10);
    expect_error(
        bundle.path(),
        &[
            (
                "throwing-comparer",
                "let a = [3, 1, 2];\na.sort(|x, y| { throw \"comparer broke\"; });\npass()",
                "comparer broke",
            ),
            (
                "unknown-in-comparer",
                "let a = [3, 1, 2];\na.sort(|x, y| nope(x));\npass()",
                "nope",
            ),
            (
                "text-comparer",
                "let a = [3, 1, 2];\na.sort(|x, y| \"x\");\npass()",
                "must return a number or a boolean",
            ),
        ],
    );
    let sorted = run(
        bundle.path(),
        &[(
            "sorts",
            "let a = [5, 3, 9, 1, 3, 7];\na.sort(|x, y| x - y);\nlet b = [\"b\", \"c\", \"a\"];\nb.sort(|x, y| x < y);\nlet c = [2, 1];\nc.sort();\nif a == [1, 3, 3, 5, 7, 9] && b == [\"a\", \"b\", \"c\"] && c == [1, 2] { pass() } else { fail(`${a} ${b} ${c}`) }",
        )],
    );
    assert_eq!(sorted[0].1, Status::Pass, "{}", sorted[0].2);
}

#[test]
fn charged_string_functions_keep_their_meaning() {
    let bundle = big_bundle(10);
    let r = run(
        bundle.path(),
        &[(
            "strings",
            "let s = \"héllo wörld\";\nlet p = [];\n\
             if !s.contains(\"wör\") || s.contains(\"xyz\") || !s.contains('h') { p.push(\"contains\"); }\n\
             if s.index_of(\"wör\") != 6 || s.index_of('z') != -1 { p.push(`index_of ${s.index_of(\"wör\")}`); }\n\
             let t = s; t.replace(\"l\", \"L\"); if t != \"héLLo wörLd\" { p.push(t); }\n\
             if s.to_upper() != \"HÉLLO WÖRLD\" || \"AB\".to_lower() != \"ab\" { p.push(\"case\"); }\n\
             if s.len() != 11 || s.len != 11 { p.push(`len ${s.len()}`); }\n\
             if s.split(\" \") != [\"héllo\", \"wörld\"] { p.push(\"split\"); }\n\
             let u = \"a\" + \"b\"; u += \"c\"; u += 'd'; if u != \"abcd\" || \"n\" + 1 != \"n1\" { p.push(u); }\n\
             if p.is_empty() { pass() } else { fail(p.reduce(|a, b| a + \"; \" + b, \"\")) }",
        )],
    );
    assert_eq!(r[0].1, Status::Pass, "{}", r[0].2);
}
