//! A budget and an org profile as finance and the CEO's office write them:
//! one `Category` column in GL words, the deal size as "Avg Deal Size", and a
//! config written for the vocabulary names of the older pack.

mod common;
use common::*;

fn write_bundle(dir: &std::path::Path) {
    let files = [
        (
            "bundle.yaml",
            "org: Ledger Co\nperiod: { start: 2025-01-01, end: 2025-12-31 }\ncurrency: USD\n",
        ),
        (
            "org.yaml",
            "name: Ledger Co\nsales_motion: mid_market\naddressable_market: 3000\nAvg Deal Size: 25000\n",
        ),
        (
            "people.csv",
            "id,name,role\np-cmo,Dana Whitfield,VP Marketing\np-ceo,Sam Ortiz,CEO\n",
        ),
        (
            "budget.csv",
            // One category column, as a finance export writes it.
            "Line,Category,Amount\n\
             Google Ads,Paid Search,120000\n\
             ProMat booth,Trade Shows,80000\n\
             Press office,PR,300000\n\
             Field marketing fund,Field Marketing Fund,100000\n\
             Team,Salaries,900000\n\
             HubSpot,Martech,60000\n",
        ),
        (
            "targets.csv",
            "id,metric,value,baseline,period_start,period_end\n\
             T-1,leads,1000,,2025-01-01,2025-12-31\n\
             T-2,revenue,40000000,20000000,2025-01-01,2025-12-31\n",
        ),
    ];
    write_files(dir, &files);
}

#[test]
fn one_category_column_is_read_alike_by_every_budget_rule() {
    let dir = tempfile::tempdir().unwrap();
    write_bundle(dir.path());
    let r = audit_report(dir.path(), &[]);

    // Lead budget: paid search and the trade show (200,000 for 1,000 leads).
    let comp3 = rule_result(&r, "COMP-003");
    assert_eq!(comp3["status"], "pass", "{comp3}");
    assert!(
        comp3["message"]
            .as_str()
            .unwrap()
            .contains("$200,000 of budget lines for Paid Search, Trade Shows"),
        "{comp3}"
    );
    // Programs: 500,000 of 1,560,000 (the fund's word is not known yet, so
    // it is neither program nor overhead).
    let comp4 = rule_result(&r, "COMP-004");
    assert_eq!(comp4["status"], "pass", "{comp4}");
    assert!(
        comp4["message"]
            .as_str()
            .unwrap()
            .contains("programs get $500,000 of a $1,560,000"),
        "{comp4}"
    );
    // PR (300,000) outweighs paid search (120,000); salaries and martech are left out.
    let strat5 = rule_result(&r, "STRAT-005");
    assert_eq!(strat5["status"], "fail", "{strat5}");
    assert!(
        strat5["message"]
            .as_str()
            .unwrap()
            .contains("($960,000 of headcount, technology and other overhead left out)"),
        "{strat5}"
    );
    // The unknown category is named, so the user can teach it.
    let notes = r["bundle"]["notes"].to_string();
    assert!(
        notes.contains("`budget.category` matched none of the words") && notes.contains("Field Marketing Fund"),
        "{notes}"
    );

    // The revenue growth (20M) at the profile's "Avg Deal Size" (25,000) is
    // 800 new customers, more than the 600 of 3,000 accounts in market in a year.
    let strat4 = rule_result(&r, "STRAT-004");
    assert_eq!(strat4["status"], "fail", "{strat4}");
    assert!(
        strat4["message"]
            .as_str()
            .unwrap()
            .contains("800 new customers at the average deal size of $25,000 (org profile)"),
        "{strat4}"
    );
}

#[test]
fn a_config_written_for_the_older_vocabulary_names_still_teaches_its_words() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    std::fs::create_dir(&bundle).unwrap();
    write_bundle(&bundle);
    let config = dir.path().join("mktaudit.yaml");
    std::fs::write(
        &config,
        "vocabularies:\n  program_budget_category: [Field Marketing Fund]\n",
    )
    .unwrap();
    let r = audit_report(&bundle, &["--config", config.to_str().unwrap()]);
    let comp4 = rule_result(&r, "COMP-004");
    assert!(
        comp4["message"]
            .as_str()
            .unwrap()
            .contains("programs get $600,000 of a $1,560,000"),
        "{comp4}"
    );
    let notes = r["methodology"]["notes"].to_string();
    assert!(
        notes.contains("vocabulary program_budget_category (asked by")
            && notes.contains("is called program_budget in this rule pack"),
        "{notes}"
    );

    // A name no pack ever had is still an error with a suggestion.
    std::fs::write(&config, "vocabularies:\n  program_budget_categry: [Fund]\n").unwrap();
    let o = mktaudit(&["audit", bundle.to_str().unwrap(), "--config", config.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
