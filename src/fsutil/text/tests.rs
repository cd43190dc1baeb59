use super::*;

proptest::proptest! {
    /// Checked a part at a time, text is UTF-8 exactly when it is as a
    /// whole, wherever a part's end cuts a character; every byte checked
    /// is handed back once.
    #[test]
    fn utf8_checked_in_parts_is_utf8(text in "[a\u{e9}\u{20ac}\u{1f600}]{0,40}", bad in proptest::option::of(0usize..40)) {
        let mut bytes = text.into_bytes();
        if let Some(at) = bad.filter(|b| *b < bytes.len()) {
            bytes[at] = 0xff;
        }
        for part in [1usize, 2, 3, 5, 7] {
            // Where each released part starts in `bytes`, and its length.
            let released = std::sync::Mutex::new(Vec::new());
            let base = bytes.as_ptr() as usize;
            let ok = is_utf8_releasing_by(&bytes, part, |p| released.lock().unwrap().push((p.as_ptr() as usize - base, p.len())));
            proptest::prop_assert_eq!(ok, std::str::from_utf8(&bytes).is_ok());
            if ok {
                let mut parts = released.into_inner().unwrap();
                parts.sort_unstable();
                let mut end = 0;
                for (start, len) in parts {
                    proptest::prop_assert_eq!(start, end, "parts follow each other, none twice");
                    end += len;
                }
                proptest::prop_assert_eq!(end, bytes.len());
            }
        }
    }
}

#[test]
fn a_run_of_continuation_bytes_is_not_utf8_wherever_the_parts_fall() {
    let mut bytes = b"ab".to_vec();
    bytes.extend([0x80; 5]);
    bytes.extend(b"cd");
    for part in 1..=bytes.len() {
        assert!(!is_utf8_releasing_by(&bytes, part, |_| {}), "parts of {part}");
    }
    let text = "x\u{1f600}\u{1f600}y".as_bytes();
    assert!((1..=text.len()).all(|part| is_utf8_releasing_by(text, part, |_| {})));
}

/// A big file is mapped; releasing parts of it (unaligned, overlapping
/// pages, the whole) must leave its text readable and unchanged.
#[test]
fn released_parts_of_a_mapped_file_read_back_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    let line = "lead_id,créé,source\n";
    let text: String = (0..2 * MAP_FROM_BYTES as usize / line.len())
        .map(|i| format!("{i},{line}"))
        .collect();
    std::fs::write(&path, &text).unwrap();

    let FileBytes::Mapped(map) = FileText::bytes_of(&path).unwrap() else {
        panic!("a file of {} bytes should be mapped", text.len())
    };
    let Ok(mapped) = FileText::from_map(map, 0) else {
        panic!("the text is UTF-8")
    };
    let whole: &str = &mapped;
    for (from, to) in [(5, 70_000), (4096, 8192), (100_001, 1_500_003), (0, whole.len())] {
        mapped.release(&whole.as_bytes()[from..to]);
        assert_eq!(&*mapped, text.as_str(), "after releasing bytes {from}..{to}");
    }
    // Text that is not the mapping's is left alone.
    mapped.release(b"lead_id");
    assert_eq!(&*mapped, text.as_str());
}

/// A mapping checked part by part knows what it has checked: the whole is
/// UTF-8 exactly when the parts and the gaps between them are, whatever
/// order the parts were checked in.
#[test]
fn a_mapping_checked_in_parts_checks_the_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let line = "lead_id,créé,source\n";
    let text: String = (0..2 * MAP_FROM_BYTES as usize / line.len())
        .map(|i| format!("{i},{line}"))
        .collect();
    let map_of = |bytes: &[u8]| {
        let path = dir.path().join("big.csv");
        std::fs::write(&path, bytes).unwrap();
        let FileBytes::Mapped(map) = FileText::bytes_of(&path).unwrap() else {
            panic!("a file of {} bytes should be mapped", bytes.len())
        };
        FileText::from_map_unchecked(map, 0)
    };
    let cut = |at: usize| text[..at].rfind('\n').unwrap() + 1;
    let (a, b, c) = (cut(1000), cut(500_000), cut(1_500_000));

    let mapped = map_of(text.as_bytes());
    assert_eq!(mapped.part(b..c), Some(&text[b..c]));
    assert_eq!(mapped.part(0..a), Some(&text[..a]));
    assert!(mapped.is_utf8(), "the gaps are checked");
    assert_eq!(&*mapped, text.as_str());
    // A range that cuts a character is not text.
    let e = text.find('é').unwrap();
    assert_eq!(mapped.part(e + 1..e + 5), None);

    // One byte that is not UTF-8, in a gap: the checked parts are text, the
    // whole is not.
    let mut bad = text.clone().into_bytes();
    bad[cut(800_000) + 3] = 0xff;
    let mapped = map_of(&bad);
    assert_eq!(mapped.part(b..c), None, "the bad byte is in this part");
    assert_eq!(mapped.part(0..a), Some(&text[..a]));
    assert!(!mapped.is_utf8());
    assert!(text.starts_with(&*mapped), "read whole, it gives its UTF-8 start");
    let mapped = map_of(&bad);
    assert!(mapped.part(0..a).is_some() && mapped.part(c..bad.len()).is_some());
    assert!(!mapped.is_utf8(), "the bad byte between the parts is found");
}
