//! Reports land whole or not at all, never over a read-only file, and a
//! portfolio neither hides an unreadable client nor lets two clients
//! overwrite each other's reports.

mod common;
use common::*;

fn copy_mini(to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(MINI).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
    }
}

#[cfg(unix)]
#[test]
fn a_read_only_report_is_refused_and_no_format_is_written() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("report.json"), "kept").unwrap();
    std::fs::set_permissions(out.join("report.json"), std::fs::Permissions::from_mode(0o444)).unwrap();
    let o = audit_mini(&["--format", "html,json,md", "--output-dir", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("read-only") && stderr(&o).contains("none was written"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read_to_string(out.join("report.json")).unwrap(), "kept");
    let names: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "no other format and no temporary file: {names:?}");
}

#[test]
fn clients_in_folders_of_the_same_name_get_their_own_reports() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("east/acme"), dir.path().join("west/acme"));
    copy_mini(&a);
    copy_mini(&b);
    std::fs::write(b.join("bundle.yaml"), "org: West Acme\n").unwrap();
    let out = dir.path().join("out");
    let o = audit_mini(&[
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--format",
        "json",
        "--output-dir",
        out.to_str().unwrap(),
    ]);
    // audit_mini puts MINI first: three bundles, two of them named `acme`.
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let org = |name: &str| -> String {
        let r: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join(name).join("report.json")).unwrap()).unwrap();
        r["audit"]["org"].as_str().unwrap().to_string()
    };
    assert_eq!(org("acme"), "Mini Corp");
    assert_eq!(org("acme-2"), "West Acme");
}

#[cfg(unix)]
#[test]
fn an_unreadable_client_folder_is_an_error_not_a_skip() {
    let dir = tempfile::tempdir().unwrap();
    copy_mini(&dir.path().join("acme"));
    // A client folder that cannot be read (root reads any folder, so a link
    // to nowhere stands in for one without permission).
    std::os::unix::fs::symlink(dir.path().join("gone"), dir.path().join("globex")).unwrap();
    let o = mktaudit(&[
        "audit",
        dir.path().to_str().unwrap(),
        "--no-default-rules",
        "--rules",
        CORE_PACK,
        "--as-of",
        "2025-12-31",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let table = stdout(&o);
    assert!(table.contains("Portfolio: 2 bundles"), "{table}");
    assert!(table.contains("globex") && table.contains("error:"), "{table}");
}
