use super::*;

#[test]
fn several_files_land_together_keep_permissions_and_clean_stale_temps() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("report.json"), dir.path().join("report.html"));
    std::fs::write(&a, "old a").unwrap();
    std::fs::set_permissions(&a, std::fs::Permissions::from_mode(0o640)).unwrap();
    // A temp file of a killed run (no such process) and a live one of ours.
    let stale = dir.path().join(format!(".report.json{TEMP_MARK}4294967.tmp"));
    std::fs::write(&stale, "half").unwrap();
    write_all_atomic(&[(&a, b"new a"), (&b, b"new b")]).unwrap();
    assert_eq!(std::fs::read_to_string(&a).unwrap(), "new a");
    assert_eq!(std::fs::read_to_string(&b).unwrap(), "new b");
    assert_eq!(std::fs::metadata(&a).unwrap().permissions().mode() & 0o777, 0o640);
    assert!(!stale.exists(), "the killed run's temp file is gone");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");

    // One target cannot be written (a folder stands there): none is.
    let c = dir.path().join("report.md");
    std::fs::create_dir(&c).unwrap();
    std::fs::write(c.join("x"), "").unwrap();
    assert!(write_all_atomic(&[(&a, b"newer a"), (&c, b"c")]).is_err());
    assert_eq!(std::fs::read_to_string(&a).unwrap(), "new a", "put back");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 3, "no temporary file is left: {left:?}");

    // A read-only target is refused, and nothing is written.
    std::fs::set_permissions(&b, std::fs::Permissions::from_mode(0o444)).unwrap();
    let e = write_all_atomic(&[(&a, b"newest a"), (&b, b"b")]).unwrap_err();
    assert!(e.to_string().contains("read-only"), "{e}");
    assert_eq!(std::fs::read_to_string(&a).unwrap(), "new a");
}

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
        mapped.release(&whole[from..to]);
        assert_eq!(&*mapped, text.as_str(), "after releasing bytes {from}..{to}");
    }
    // Text that is not the mapping's is left alone.
    mapped.release("lead_id");
    assert_eq!(&*mapped, text.as_str());
}
