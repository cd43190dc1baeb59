use super::*;

#[test]
fn offsets_and_positions_round_trip() {
    let src = SourceFile::new("a.csv", "ab\ncdé\nfg");
    assert_eq!(src.offset(2, 3), 5);
    assert_eq!(src.line_col(5), (2, 3));
    assert_eq!(src.offset(3, 1), 8);
    assert_eq!(src.offset(9, 1), src.text.len());
}

#[test]
fn unknown_keys_get_a_suggestion() {
    let msg = "unknown field `sevrity`, expected one of `id`, `title`, `severity` at line 3 column 1";
    assert_eq!(
        unknown_key_help(msg).unwrap(),
        "did you mean `severity`? (allowed here: id, title, severity)"
    );
    assert_eq!(short_serde_reason(msg), "unknown field `sevrity`");
    assert_eq!(
        short_serde_reason("invalid type: string at line 2 column 3"),
        "invalid type: string"
    );
}

#[test]
fn suggestions() {
    assert_eq!(suggest("severty", &["severity", "weight"]), "did you mean `severity`?");
    assert_eq!(suggest("zzz", &["a", "b"]), "expected one of: a, b");
}

#[test]
fn render_names_file_line_and_help() {
    let src = SourceFile::new("bundle/leads.csv", "id,amount\nL1,lots\n");
    let p = Problem::new(ErrorCode::BundleCell, "bad number")
        .at(&src, 13, 4, "not a number")
        .help("write a number");
    assert_eq!(p.location().as_deref(), Some("bundle/leads.csv:2:4"));
    let out = Problems(vec![p]).render(false);
    assert!(out.contains("bundle/leads.csv:2:4"), "{out}");
    assert!(out.contains("not a number"), "{out}");
    assert!(out.contains("write a number"), "{out}");
}

#[test]
fn a_brief_says_why_and_where_but_not_here() {
    let src = SourceFile::new("bundle/leads.csv", "id,amount\nL1,lots\n");
    let p = Problem::new(ErrorCode::BundleCell, "bad number").at(&src, 13, 4, "not a number");
    assert_eq!(p.brief(), "bad number: not a number (line 2, column 4)");
    let p = Problem::new(ErrorCode::BundleCell, "bad number").at(&src, 13, 4, "here");
    assert_eq!(p.brief(), "bad number (line 2, column 4)");
    assert_eq!(Problem::new(ErrorCode::BundleCell, "no file").brief(), "no file");
}
