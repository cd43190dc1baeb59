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
