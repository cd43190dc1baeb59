//! Bundles built to break a parser get a clear error with file and line, or
//! a documented handling, in bounded time and memory, and never a panic.

mod common;
use common::*;

fn bundle_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    dir
}

fn expect_error(files: &[(&str, &[u8])], needle: &str) {
    let dir = bundle_with(files);
    let o = audit_core(dir.path());
    assert_eq!(o.status.code(), Some(2), "stdout: {}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains(needle), "expected `{needle}` in:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn yaml_alias_bomb_is_refused() {
    let mut yaml = String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    let mut prev = 'a';
    for n in "bcdefghij".chars() {
        yaml.push_str(&format!("{n}: &{n} [{}]\n", vec![format!("*{prev}"); 9].join(",")));
        prev = n;
    }
    expect_error(&[("org.yaml", yaml.as_bytes())], "org.yaml");
}

#[test]
fn deep_nesting_is_refused() {
    let yaml = format!("name: {}{}\n", "[".repeat(5000), "]".repeat(5000));
    expect_error(&[("org.yaml", yaml.as_bytes())], "recursion limit");
    let json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    expect_error(&[("meetings.json", json.as_bytes())], "recursion limit");
}

#[test]
fn a_100_mb_line_is_refused_without_showing_it() {
    let mut csv = b"id,name\nK1,".to_vec();
    csv.resize(csv.len() + 100 * 1024 * 1024, b'x');
    csv.push(b'\n');
    let dir = bundle_with(&[("kpis.csv", &csv)]);
    let o = audit_core(dir.path());
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("kpis.csv:2: a line of 100 MiB; the limit is 4 MiB"),
        "{err}"
    );
    assert!(
        err.len() < 4000,
        "the diagnostic does not echo the line ({} bytes)",
        err.len()
    );
}

#[test]
fn numbers_and_dates_that_cannot_be_true_are_errors() {
    let csv =
        b"id,created_date,amount,source\nO1,2025-02-30,100,Sales\nO2,2025-03-01,NaN,Sales\nO3,2025-03-01,1e999,Sales\n";
    let dir = bundle_with(&[("opportunities.csv", csv)]);
    let o = audit_core(dir.path());
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("opportunities.csv:2:4"), "impossible date located:\n{err}");
    assert!(err.contains("`NaN`"), "{err}");
    assert!(err.contains("`1e999`"), "{err}");
    assert!(err.contains("3 problems found"), "{err}");
}

#[test]
fn documented_handlings_bom_crlf_semicolons_latin1_huge_numbers() {
    // UTF-8 BOM, CRLF line endings, `;` separators, a huge but finite number.
    let kpis = "\u{feff}id;name;audience;actual\r\nK1;Email click rate;board;1e300\r\n"
        .as_bytes()
        .to_vec();
    // Windows-1252 text (é as 0xE9): read as Latin-1, with a note.
    let people = b"id,name,role\np-cmo,Ren\xe9e,cmo\n".to_vec();
    let dir = bundle_with(&[("kpis.csv", &kpis), ("people.csv", &people)]);
    let o = audit_core(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let vanity = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "vanity-kpi")
        .unwrap();
    assert_eq!(
        vanity["status"], "fail",
        "the BOM did not hide the `id` column and `;` was detected"
    );
    assert_eq!(vanity["findings"][0]["evidence"][0]["record"], "K1");
    let notes = report["bundle"]["notes"].to_string();
    assert!(
        notes.contains("not valid UTF-8") && notes.contains("Latin-1"),
        "{notes}"
    );
}

/// A big list (500,000 items, under every count a parser limits) repeated
/// 99 times by aliases: 50 million values once expanded.
fn repeated_big_list() -> String {
    let mut yaml = String::from("items: &big [");
    yaml.push_str(&vec!["1"; 500_000].join(","));
    yaml.push_str("]\nrepeats: [");
    yaml.push_str(&vec!["*big"; 99].join(", "));
    yaml.push_str("]\n");
    yaml
}

/// How long a run took: the refusals below come before anything is built.
fn timed<T>(run: impl FnOnce() -> T) -> (T, std::time::Duration) {
    let start = std::time::Instant::now();
    let out = run();
    (out, start.elapsed())
}

#[test]
fn a_big_list_repeated_by_aliases_is_refused_at_once() {
    let yaml = repeated_big_list();
    let ((), took) = timed(|| expect_error(&[("kpis.yaml", yaml.as_bytes())], "kpis.yaml:2:"));
    assert!(took.as_secs() < 10, "took {took:?}");
    let dir = bundle_with(&[("kpis.yaml", yaml.as_bytes())]);
    assert!(stderr(&audit_core(dir.path())).contains("alias bomb"));
}

#[test]
fn a_long_scalar_repeated_by_aliases_is_refused() {
    let yaml = format!(
        "note: &long \"{}\"\nrepeats: [{}]\n",
        "x".repeat(1 << 20),
        vec!["*long"; 1000].join(", ")
    );
    expect_error(&[("org.yaml", yaml.as_bytes())], "alias bomb");
}

#[test]
fn very_deep_nesting_is_refused_in_linear_time() {
    // 128k `[` in a 256 KB file took 65 s with the old parser.
    let yaml = format!("name: {}{}\n", "[".repeat(128 << 10), "]".repeat(128 << 10));
    let ((), took) = timed(|| expect_error(&[("org.yaml", yaml.as_bytes())], "org.yaml:1:"));
    assert!(took.as_secs() < 10, "took {took:?}");
    let yaml: String = (0..200).map(|i| format!("{}k:\n", "  ".repeat(i))).collect();
    expect_error(&[("org.yaml", yaml.as_bytes())], "nesting deeper than 64 levels");
}

#[test]
fn a_rule_whose_params_repeat_a_big_list_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cat = dir.path().join("credible");
    std::fs::create_dir_all(&cat).unwrap();
    let yaml = repeated_big_list().replace("items:", "params:\n  big:\n    default:");
    std::fs::write(cat.join("big-params.yaml"), yaml).unwrap();
    let (o, took) = timed(|| mktaudit(&["rules", "check", dir.path().to_str().unwrap()]));
    assert!(took.as_secs() < 10, "took {took:?}");
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("big-params.yaml") && err.contains("alias bomb"), "{err}");
}

#[test]
fn hostile_rule_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cat = dir.path().join("credible");
    std::fs::create_dir_all(&cat).unwrap();
    let mut yaml = String::from("title: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n");
    let mut prev = 'a';
    for n in "bcdefghij".chars() {
        yaml.push_str(&format!("{n}: &{n} [{}]\n", vec![format!("*{prev}"); 9].join(",")));
        prev = n;
    }
    std::fs::write(cat.join("bomb.yaml"), yaml).unwrap();
    let o = mktaudit(&["rules", "check", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bomb.yaml"), "{}", stderr(&o));
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_bundle_are_not_followed() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.csv"),
        "id,name,audience\nK1,Email click rate,board\n",
    )
    .unwrap();
    // org.yaml: a bundle with only the link would be nothing to audit (exit 2).
    let dir = bundle_with(&[("org.yaml", b"name: Linked Corp\n")]);
    std::os::unix::fs::symlink(outside.path().join("secret.csv"), dir.path().join("kpis.csv")).unwrap();
    let o = audit_core(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let datasets = report["bundle"]["datasets"].as_array().unwrap();
    assert!(
        datasets.iter().all(|d| d["name"] != "kpis"),
        "the link was not read: {datasets:?}"
    );
    assert!(
        report["bundle"]["notes"]
            .to_string()
            .contains("symbolic link not followed")
    );
}

#[test]
fn a_workbook_that_would_explode_is_refused_before_it_is_inflated() {
    let bomb = std::fs::read("tests/fixtures/broken/zip-bomb.xlsx").unwrap();
    assert!(bomb.len() < 100_000, "the fixture stays small");
    expect_error(&[("kpis.xlsx", &bomb)], "would expand from");
}

/// A workbook whose zip directory understates its sizes: the declared sizes
/// pass, and the bytes actually inflated are counted and stopped.
#[test]
fn a_workbook_that_understates_its_size_is_stopped_while_inflating() {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("xl/worksheets/sheet1.xml", deflated).unwrap();
    // 50 MB of XML whitespace deflates about 1000 to 1, past the 200x limit.
    let spaces = vec![b' '; 1 << 20];
    for _ in 0..50 {
        zip.write_all(&spaces).unwrap();
    }
    let mut bytes = zip.finish().unwrap().into_inner();
    // Declare 1,000 bytes in the local header (offset 22) and the central
    // directory (offset 24): what a crafted bomb does to pass a size check.
    let understate = |bytes: &mut Vec<u8>, signature: &[u8], offset: usize| {
        let at = bytes.windows(4).position(|w| w == signature).unwrap();
        bytes[at + offset..at + offset + 4].copy_from_slice(&1000u32.to_le_bytes());
    };
    understate(&mut bytes, b"PK\x03\x04", 22);
    understate(&mut bytes, b"PK\x01\x02", 24);
    assert!(bytes.len() < 1_000_000, "{} bytes packed", bytes.len());
    expect_error(&[("kpis.xlsx", &bytes)], "or more MiB");
}

/// Clear screen, window title and OSC 8 link sequences in the data reach the
/// terminal report, `inspect` and diagnostics escaped, never raw.
#[test]
fn control_characters_from_data_are_shown_escaped() {
    let hostile = "Email click rate\x1b[2J\x1b]0;pwned\x07\x1b]8;;https://x.example\x1b\\";
    let kpis = format!("id,name,audience,extra{hostile}\nK1,{hostile},board,x\n");
    let dir = bundle_with(&[("kpis.csv", kpis.as_bytes())]);
    let d = dir.path().to_str().unwrap();
    let terminal = mktaudit(&[
        "audit",
        d,
        "--no-default-rules",
        "--rules",
        CORE_PACK,
        "--as-of",
        "2025-12-31",
    ]);
    let inspect = mktaudit(&["inspect", d, "--no-default-rules", "--rules", CORE_PACK]);
    for (what, o) in [("audit", &terminal), ("inspect", &inspect)] {
        let out = stdout(o);
        assert!(
            !out.contains('\x1b') && !out.contains('\x07'),
            "{what}: raw control characters"
        );
        assert!(out.contains("\\u{1b}[2J"), "{what}: {out}");
    }
    let bad = format!("id,created_date,amount,source\nO1,2025-13-01{hostile},100,Sales\n");
    let dir = bundle_with(&[("opportunities.csv", bad.as_bytes())]);
    let o = audit_core(dir.path());
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(!err.contains('\x1b') && !err.contains('\x07'), "{err}");
    assert!(err.contains("\\u{1b}]0;pwned\\u{7}"), "{err}");
}

#[test]
fn utf16_without_a_byte_order_mark_is_decoded_with_a_note() {
    let text = "id,name,audience\nK1,Email click rate,board\n";
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for (endian, bytes) in [("little", le), ("big", be)] {
        let dir = bundle_with(&[("kpis.csv", &bytes)]);
        let o = audit_core(dir.path());
        assert_eq!(o.status.code(), Some(0), "{endian}: {}", stderr(&o));
        let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let vanity = report["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == "vanity-kpi")
            .unwrap();
        assert_eq!(vanity["status"], "fail", "{endian}: the click-rate KPI was read");
        let notes = report["bundle"]["notes"].to_string();
        assert!(
            notes.contains(&format!("UTF-16 ({endian}-endian) without a byte order mark")),
            "{notes}"
        );
    }
}

#[test]
fn the_note_on_ignored_columns_is_capped() {
    let mut header = String::from("id,name,audience");
    for i in 0..50_000 {
        header.push_str(&format!(",extra_column_{i}"));
    }
    let csv = format!("{header}\nK1,Email click rate,board{}\n", ",x".repeat(50_000));
    let dir = bundle_with(&[("kpis.csv", csv.as_bytes())]);
    let o = audit_core(dir.path());
    assert_eq!(o.status.code(), Some(0), "{} bytes on stderr", o.stderr.len());
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let notes = report["bundle"]["notes"].to_string();
    assert!(
        notes.contains("extra_column_19, and 49980 more"),
        "{}",
        &notes[..notes.len().min(2000)]
    );
    assert!(notes.len() < 5_000, "{} bytes of notes", notes.len());

    // A diagnostic quoting that 900 kB header line shows only its start.
    let ragged = format!("{header}\nK1,Email click rate,board\n");
    let dir = bundle_with(&[("kpis.csv", ragged.as_bytes())]);
    let o = audit_core(dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stderr.len() < 20_000, "{} bytes on stderr", o.stderr.len());
    assert!(stderr(&o).contains("more bytes)"), "the cut is shown");
}
