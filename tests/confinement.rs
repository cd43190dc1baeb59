//! A bundle reads only its own files: paths in bundle.yaml stay inside it,
//! links are never followed, and no diagnostic quotes a file outside it.

mod common;
use common::*;

const KPIS: &str = "id,name,audience\nK1,Email click rate,board\n";

fn bundle(manifest: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("b");
    std::fs::create_dir_all(b.join("exports")).unwrap();
    std::fs::write(b.join("exports/kpi-list.csv"), KPIS).unwrap();
    std::fs::write(b.join("bundle.yaml"), manifest).unwrap();
    std::fs::write(dir.path().join("outside.csv"), "id,name\nSECRET-ROW,x\n").unwrap();
    dir
}

#[test]
fn a_dot_slash_path_names_the_same_file() {
    for file in [
        "./exports/kpi-list.csv",
        "exports//kpi-list.csv",
        ".\\exports\\kpi-list.csv",
    ] {
        let dir = bundle(&format!("org: Acme\ndatasets:\n  kpis:\n    file: '{file}'\n"));
        let o = audit_core(&dir.path().join("b"));
        assert_eq!(o.status.code(), Some(0), "{file}: {}", stderr(&o));
        let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(report["bundle"]["datasets"][0]["name"], "kpis", "{file}");
        assert_eq!(
            report["bundle"]["datasets"][0]["file"], "exports/kpi-list.csv",
            "{file}"
        );
    }
}

#[test]
fn a_path_out_of_the_bundle_is_an_error_at_its_line() {
    for file in ["../outside.csv", "exports/../../outside.csv", "/etc/hostname"] {
        let dir = bundle(&format!("org: Acme\ndatasets:\n  kpis:\n    file: {file}\n"));
        let o = audit_core(&dir.path().join("b"));
        assert_eq!(o.status.code(), Some(2), "{file}");
        let err = stderr(&o);
        assert!(err.contains("is not a path inside the bundle"), "{file}: {err}");
        assert!(err.contains("bundle.yaml:4:11"), "{file}: {err}");
        assert!(!err.contains("SECRET"), "{err}");
    }
}

#[cfg(unix)]
#[test]
fn a_linked_manifest_is_refused_unread() {
    let dir = bundle("");
    let b = dir.path().join("b");
    std::fs::remove_file(b.join("bundle.yaml")).unwrap();
    std::fs::write(dir.path().join("secret.yaml"), "password: SECRET-VALUE\nnot: [valid\n").unwrap();
    std::os::unix::fs::symlink(dir.path().join("secret.yaml"), b.join("bundle.yaml")).unwrap();
    let o = audit_core(&b);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("`bundle.yaml` is a symbolic link"), "{err}");
    assert!(!err.contains("SECRET"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_path_through_a_linked_folder_is_an_error_not_a_silent_drop() {
    let dir = bundle("org: Acme\ndatasets:\n  kpis:\n    file: elsewhere/outside.csv\n");
    std::os::unix::fs::symlink(dir.path(), dir.path().join("b/elsewhere")).unwrap();
    let o = audit_core(&dir.path().join("b"));
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("`elsewhere` is a symbolic link"), "{err}");
    assert!(!err.contains("SECRET"), "{err}");
}
