use super::*;

proptest::proptest! {
    /// Comparing without building the compact name answers as comparing the built ones.
    #[test]
    fn compacts_to_agrees_with_compact_name(a in "[A-Za-zÉé0-9 _-]{0,8}", b in "[A-Za-zÉé0-9 _-]{0,8}") {
        proptest::prop_assert_eq!(compacts_to(&a, &compact_name(&b)), compact_name(&a) == compact_name(&b));
        proptest::prop_assert!(compacts_to(&a, &compact_name(&a)));
    }
}

#[test]
fn iso_dates_round_trip() {
    for text in ["2025-01-01", "1999-12-31", "2024-02-29", "0001-01-01"] {
        let d = parse_date(text).unwrap();
        assert_eq!(iso_date(d), text);
        assert_eq!(iso_date(d), d.format("%Y-%m-%d").to_string());
    }
    assert_eq!(parse_date("2025-02-30"), None);
    assert_eq!(parse_date("2025/03/04"), NaiveDate::from_ymd_opt(2025, 3, 4));
}

#[test]
fn numbers_as_exports_write_them() {
    let cases: &[(&str, Option<f64>)] = &[
        ("1234", Some(1234.0)),
        ("1,234.50", Some(1234.5)),
        ("$1,234", Some(1234.0)),
        ("€ 12", Some(12.0)),
        ("-5", Some(-5.0)),
        ("1.2e3", Some(1200.0)),
        ("NaN", None),
        ("inf", None),
        ("12 apples", None),
        ("1e999", None),
    ];
    for (text, expected) in cases {
        assert_eq!(parse_number(text), *expected, "parsing {text:?}");
    }
}

#[test]
fn null_markers_are_missing_not_zero() {
    for t in ["", "--", " n/a ", "NULL"] {
        assert_eq!(parse_cell(t, FieldType::Number), Ok(Value::Null), "{t:?}");
    }
    assert_eq!(parse_cell("--", FieldType::Text), Ok(Value::Text("--".into())));
    assert_eq!(parse_cell("  ", FieldType::Text), Ok(Value::Null));
}

#[test]
fn percentages() {
    assert_eq!(parse_percent("12%"), Some(0.12));
    assert_eq!(parse_percent("0.4"), Some(0.4));
    assert_eq!(parse_percent("40"), Some(0.4));
}

#[test]
fn dates_and_impossible_dates() {
    let d = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
    assert_eq!(parse_date("2025-03-01"), Some(d));
    assert_eq!(parse_date("2025-03-01T10:00:00Z"), Some(d));
    assert_eq!(parse_date("2025/03/01"), Some(d));
    assert_eq!(parse_date("2025-02-30"), None);
    assert_eq!(parse_date("2025-03-011"), None);
    assert_eq!(parse_date("03/01/2025"), None);
}

#[test]
fn cell_error_says_what_was_expected() {
    let e = parse_cell("lots", FieldType::Number).unwrap_err();
    assert_eq!(
        e.to_string(),
        "expected a number (e.g. 1234, 1,234.50 or $1,234), found `lots`"
    );
}

#[test]
fn names_normalise() {
    assert_eq!(normalize_name("Lead Source"), "lead_source");
    assert_eq!(normalize_name(" Close-Date "), "close_date");
    assert_eq!(normalize_name("IsWon"), "iswon");
    assert_eq!(normalize_name("Amount ($)"), "amount");
}

#[test]
fn iso_dates_count_days_like_chrono() {
    use chrono::Datelike;
    let check = |d: NaiveDate| {
        let text = d.format("%Y-%m-%d").to_string();
        assert_eq!(parse_date_days(&text), Some(date_to_days(d)), "{text}");
    };
    // Every day around and across the table's years, and the edges of
    // every other year.
    let mut d = NaiveDate::from_ymd_opt(1880, 1, 1).unwrap();
    while d.year() < 2180 {
        check(d);
        d = d.succ_opt().unwrap();
    }
    for y in 1..=9999 {
        for (m, day) in [(1, 1), (2, 28), (3, 1), (12, 31)] {
            check(NaiveDate::from_ymd_opt(y, m, day).unwrap());
        }
    }
    for bad in [
        "2025-02-29",
        "2025-13-01",
        "2025-00-10",
        "2025-04-31",
        "2025-01-00",
        "2025-1-01",
    ] {
        assert_eq!(parse_date_days(bad), None, "{bad}");
    }
    assert_eq!(
        parse_date_days("2024-02-29"),
        parse_date("2024-02-29").map(date_to_days)
    );
    assert_eq!(
        parse_date_days("2025-03-04T10:00"),
        parse_date("2025-03-04").map(date_to_days)
    );
}

proptest::proptest! {
    /// An ISO date with up to two of its characters replaced by digits,
    /// dashes, the bytes beside them, a letter, a space or a non-ASCII
    /// letter is the date chrono reads, or none: the ten bytes checked at
    /// once reject exactly what [`parse_date`] rejects.
    #[test]
    fn near_iso_dates_read_as_chrono_reads_them(
        (y, m, d) in (0u32..10_000, 0u32..16, 0u32..40),
        changes in proptest::collection::vec((0usize..10, proptest::sample::select(&['0', '5', '9', '-', '/', ':', ',', 'T', ' ', 'é', '\u{7f}'][..])), 0..3),
    ) {
        let mut chars: Vec<char> = format!("{y:04}-{m:02}-{d:02}").chars().collect();
        for (at, c) in changes {
            chars[at] = c;
        }
        let text: String = chars.into_iter().collect();
        // parse_date reads an ISO date's bytes one by one, then chrono's formats.
        proptest::prop_assert_eq!(parse_date_days(&text), parse_date(&text).map(date_to_days), "{}", text);
    }

    /// Byte strings compare as slices do, word by word or not.
    #[test]
    fn compare_bytes_orders_as_slices(
        common in proptest::collection::vec(0u8..4, 0..20),
        a in proptest::collection::vec(0u8..4, 0..12),
        b in proptest::collection::vec(0u8..4, 0..12),
    ) {
        // Ids share most of their bytes: a common start, then their own.
        let (a, b) = ([common.clone(), a].concat(), [common, b].concat());
        proptest::prop_assert_eq!(compare_bytes(&a, &b), a.cmp(&b));
        proptest::prop_assert_eq!(compare_bytes(&b, &a), b.cmp(&a));
        proptest::prop_assert_eq!(compare_bytes(&a, &a), std::cmp::Ordering::Equal);
    }
}
