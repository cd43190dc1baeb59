//! An org that writes its exports in its own and its CRM's words
//! (tests/fixtures/bundles/real-words): the rules read them as meant, a
//! profile value no band knows is refused with a suggestion, and the
//! bundle's own mktaudit.yaml may teach its words.

mod common;
use common::*;

const BUNDLE: &str = "tests/fixtures/bundles/real-words";

#[test]
fn a_board_written_board_of_directors_is_leadership() {
    let r = audit_report(BUNDLE, &[]);
    let cred1 = rule_result(&r, "CRED-001");
    assert_eq!(cred1["status"], "fail", "{cred1}");
    // Board of Directors, ELT, Exec Team, and the bundle's own word Verwaltungsrat.
    assert_eq!(cred1["findings_total"], 4, "{cred1}");
    let notes = r["methodology"]["notes"].to_string();
    assert!(
        notes.contains("vocabulary leadership_audience extended with Verwaltungsrat by mktaudit.yaml (in the bundle)"),
        "{notes}"
    );
}

#[test]
fn hubspot_sources_count_as_the_orgs_definition_and_the_motion_is_enterprise() {
    let r = audit_report(BUNDLE, &[]);
    let acct4 = rule_result(&r, "ACCT-004");
    // Everything but Offline Sources: 49,000 of 100,000.
    assert_eq!(acct4["value"], 0.49, "{acct4}");
    // "Enterprise (named accounts)" picks the enterprise band (5% floor, 30% ceiling).
    assert_eq!(acct4["params"]["min_share"]["value"], 0.05, "{acct4}");
    assert_eq!(acct4["params"]["min_share"]["origin"], "profile");
    assert_eq!(acct4["status"], "warn", "49% is far above the enterprise band: {acct4}");
}

#[test]
fn an_unknown_sales_motion_is_an_error_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(BUNDLE).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), dir.path().join(f.file_name())).unwrap();
    }
    std::fs::write(
        dir.path().join("org.yaml"),
        "name: Wordsmith GmbH\nsales_motion: Enterprize\n",
    )
    .unwrap();
    let o = mktaudit(&["audit", dir.path().to_str().unwrap(), "--as-of", "2025-12-31"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("`sales_motion` is \"Enterprize\""), "{err}");
    assert!(err.contains("did you mean `enterprise`?"), "{err}");
    assert!(err.contains("org.yaml:2:15"), "{err}");
    assert!(o.stdout.is_empty(), "nothing audited");
    // `inspect` says the same, where a user checks a bundle before auditing it.
    let o = mktaudit(&["inspect", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("did you mean `enterprise`?") && err.contains("org.yaml:2:15"),
        "{err}"
    );
}

fn copy_bundle(to: &std::path::Path) {
    for f in std::fs::read_dir(BUNDLE).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), to.join(f.file_name())).unwrap();
    }
}

#[test]
fn an_org_narrows_what_counts_as_marketing_sourced_and_a_bundles_config_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    std::fs::create_dir(&bundle).unwrap();
    copy_bundle(&bundle);
    // The org's definition leaves out HubSpot's Referrals (other websites) and Direct Traffic.
    let config = dir.path().join("mktaudit.yaml");
    std::fs::write(
        &config,
        "vocabularies:\n  marketing_source: { remove: [Referrals, direct_traffic] }\n",
    )
    .unwrap();
    let r = audit_report(&bundle, &["--config", config.to_str().unwrap()]);
    let acct4 = rule_result(&r, "ACCT-004");
    // 49,000 less Direct Traffic (10,000) and Referrals (8,000).
    assert_eq!(acct4["value"], 0.31, "{acct4}");
    let notes = r["methodology"]["notes"].to_string();
    assert!(
        notes.contains("vocabulary marketing_source: Referrals, direct_traffic removed by"),
        "{notes}"
    );

    // The bundle's own config may not remove words, neither the pack's nor
    // those the user's config adds: a client could hide findings so.
    std::fs::write(
        bundle.join("mktaudit.yaml"),
        "vocabularies:\n  marketing_source: { remove: [Offline Sources, Organic Search] }\n",
    )
    .unwrap();
    std::fs::write(&config, "vocabularies:\n  marketing_source: [Offline Sources]\n").unwrap();
    let r = audit_report(&bundle, &["--config", config.to_str().unwrap()]);
    let acct4 = rule_result(&r, "ACCT-004");
    // Everything (100,000): Offline Sources added by the user, Organic Search kept.
    assert_eq!(acct4["value"], 1.0, "{acct4}");
    let notes = r["methodology"]["notes"].to_string();
    assert!(
        notes.contains("removing Offline Sources, Organic Search asked by"),
        "{notes}"
    );
    assert!(
        notes.contains("was ignored: only your own mktaudit.yaml may remove words"),
        "{notes}"
    );
}

/// A pack with one rule reading deal stages through its own vocabulary.
fn stage_pack(dir: &std::path::Path, optional: &str) -> std::path::PathBuf {
    let pack = dir.join("pack");
    std::fs::create_dir_all(pack.join("competent")).unwrap();
    std::fs::write(
        pack.join("vocabularies.yaml"),
        "known_deal_stage:\n  description: Stages this org's pipeline uses.\n  terms: [prospecting, qualification, needs analysis, closed won, closed lost]\n",
    )
    .unwrap();
    std::fs::write(
        pack.join("competent/TEST-STAGE.yaml"),
        format!(
            "id: TEST-STAGE\ntitle: Deals sit in stages the pipeline does not define\nseverity: low\n\
             rationale: A stage outside the process hides where deals are.\nremediation: Map each stage to the process.\n\
             references: [{{ convention: \"test\" }}]\n{optional}check:\n  plan:\n    let:\n      \
             odd: {{ rows: {{ from: opportunities, where: {{ field: stage, not_in_vocab: known_deal_stage }} }} }}\n    \
             value: odd\n    warn_above: 0\n    message: \"{{odd}} deals in stages the process does not define\"\n"
        ),
    )
    .unwrap();
    pack
}

#[test]
fn a_column_read_through_a_vocabulary_that_is_absent_is_not_assessed_unless_the_rule_says_it_copes() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    std::fs::create_dir(&bundle).unwrap();
    copy_bundle(&bundle);
    let pack = stage_pack(dir.path(), "");
    let rules = pack.to_str().unwrap();
    let args = ["--no-default-rules", "--rules", rules];
    // With its stages, the rule judges them (two stages of the fixture are not in the process).
    let r = audit_report(&bundle, &args);
    let with_stage = rule_result(&r, "TEST-STAGE");
    assert_eq!(with_stage["status"], "warn", "{with_stage}");

    // Without the stage column, "none of these" would be every deal: not assessed, saying what is missing.
    let csv = std::fs::read_to_string(bundle.join("opportunities.csv")).unwrap();
    let no_stage: String = csv
        .lines()
        .map(|l| l.rsplit_once(',').unwrap().0.to_string() + "\n")
        .collect();
    std::fs::write(bundle.join("opportunities.csv"), no_stage).unwrap();
    let r = audit_report(&bundle, &args);
    let without = rule_result(&r, "TEST-STAGE");
    assert_eq!(without["status"], "not_assessed", "{without}");
    assert_eq!(
        without["missing"],
        serde_json::json!(["opportunities.stage"]),
        "{without}"
    );

    // A rule that declares the field optional handles its absence itself.
    let pack = stage_pack(&dir.path().join("declared"), "optional:\n  opportunities: [stage]\n");
    let r = audit_report(&bundle, &["--no-default-rules", "--rules", pack.to_str().unwrap()]);
    let declared = rule_result(&r, "TEST-STAGE");
    assert_eq!(declared["status"], "warn", "{declared}");
}

#[test]
fn in_vocab_in_an_older_check_kind_is_refused_at_its_line_not_read_as_never() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack");
    std::fs::create_dir_all(pack.join("competent")).unwrap();
    std::fs::write(
        pack.join("competent/TEST-ROWS.yaml"),
        "id: TEST-ROWS\ntitle: Lost deals\nseverity: low\nrationale: r\nremediation: m\n\
         references: [{ convention: \"test\" }]\ncheck:\n  rows:\n    dataset: opportunities\n    \
         flag: { field: stage, in_vocab: closed_stage }\n    message: \"{id} is closed\"\n",
    )
    .unwrap();
    let o = mktaudit(&["rules", "check", pack.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("`in_vocab` works in `plan:` checks"), "{err}");
    assert!(err.contains("TEST-ROWS.yaml:10:27"), "{err}");
}
