use super::*;

fn text(values: &[&str]) -> Column {
    let mut c = Column::new(FieldType::Text);
    for v in values {
        c.push_text(v).unwrap();
    }
    c
}

fn cells(c: &Column) -> Vec<&str> {
    (0..c.len()).map(|r| c.text(r).unwrap()).collect()
}

fn join() -> KeyedJoin {
    KeyedJoin {
        dataset: "opportunities".into(),
        field: "lead_id".into(),
        target: "leads".into(),
        on: "email".into(),
        from: "lead_id".into(),
        linked: 0,
        matched: 0,
        ambiguous: 0,
        unmatched: Vec::new(),
    }
}

#[test]
fn keys_become_ids_ignoring_case_and_spaces_and_misses_stay_as_written() {
    let keys = text(&["ana@globex.com", "bo@initech.com", "", "cy@umbrella.com"]);
    let ids = text(&["L1", "L2", "L3", ""]);
    let values = text(&[
        " Ana@Globex.COM",
        "",
        "zed@nowhere.com",
        "bo@initech.com",
        "cy@umbrella.com",
    ]);
    let (col, j) = link(&values, &keys, &ids, None, join());
    // The lead with no id cannot be named: its email finds no record.
    assert_eq!(cells(&col), ["L1", "", "zed@nowhere.com", "L2", "cy@umbrella.com"]);
    assert_eq!((j.linked, j.matched, j.ambiguous), (4, 2, 0));
    assert_eq!(j.unmatched, ["zed@nowhere.com", "cy@umbrella.com"]);
}

#[test]
fn a_shared_key_links_to_the_earliest_dated_record_then_the_first() {
    let keys = text(&["Globex", "globex", "Globex", "Initech", "Initech"]);
    let ids = text(&["O1", "O2", "O3", "O4", "O5"]);
    let mut dates = Column::new(FieldType::Date);
    for d in ["2025-03-01", "2025-01-15", "", "", ""] {
        dates.push_text(d).unwrap();
    }
    let values = text(&["globex", "INITECH", "Hooli"]);
    let mut j = join();
    j.from = "account".into();
    let (col, j) = link(&values, &keys, &ids, Some(&dates), j);
    assert_eq!(
        cells(&col),
        ["O2", "O4", ""],
        "a miss read from another field is no link"
    );
    assert_eq!((j.linked, j.matched, j.ambiguous), (3, 2, 2));
}

#[test]
fn labels_and_notes_name_the_key() {
    let mut j = join();
    (j.linked, j.matched, j.unmatched) = (842, 812, vec!["x@y.z".into()]);
    assert_eq!(j.label(), "opportunities.lead_id -> leads.email");
    let n = j.note("deals.csv");
    assert!(
        n.message
            .starts_with("opportunities.lead_id -> leads.email (join_on in bundle.yaml): 812 of 842 find their record; 30 match no leads email (e.g. x@y.z)"),
        "{}",
        n.message
    );
    j.from = "account".into();
    assert_eq!(
        j.label(),
        "opportunities.account -> leads.email (as opportunities.lead_id)"
    );
}

#[test]
fn key_folds_case_and_spaces() {
    assert_eq!(key("  Globex   Corp "), "globex corp");
}
