//! The Markdown and HTML reports: same content as JSON, every value from the
//! data or a rule pack escaped, branding and user templates, baselines and trend.

mod common;
mod hostile;
use common::*;
use hostile::Hostile;
use std::path::Path;

fn out_dir_audit(dir: &Path, extra: &[&str]) -> std::process::Output {
    let out = dir.join("out");
    let mut args = vec!["--format", "html,md,json", "--output-dir", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    audit_mini(&args)
}

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

#[test]
fn markdown_report() {
    insta::with_settings!({ filters => vec![(r"mktaudit \d+\.\d+\.\d+", "mktaudit [version]")] }, {
        insta::assert_snapshot!("mini_markdown", stdout(&audit_mini(&["--format", "md"])));
    });
}

#[test]
fn several_formats_from_one_run_carry_the_same_content() {
    let dir = tempfile::tempdir().unwrap();
    let o = out_dir_audit(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = dir.path().join("out");
    let json: serde_json::Value = serde_json::from_str(&read(out.join("report.json"))).unwrap();
    let html = read(out.join("report.html"));
    let md = read(out.join("report.md"));
    for r in json["results"].as_array().unwrap() {
        let id = r["id"].as_str().unwrap();
        assert!(html.contains(id) && md.contains(id), "rule {id} in every format");
    }
    for text in ["13.6", "72.7%", "Ad hoc", "+27.3", "kpis.csv", "leads"] {
        assert!(html.contains(text), "html lacks {text}");
        assert!(md.contains(text), "md lacks {text}");
    }
    let hash = json["methodology"]["rule_pack_hash"].as_str().unwrap();
    assert!(html.contains(hash) && md.contains(hash));
}

#[test]
fn html_is_self_contained_and_in_reading_order() {
    let o = audit_mini(&["--format", "html"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = stdout(&o);
    assert!(html.contains(
        "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\""
    ));
    assert!(!html.to_lowercase().contains("<script"), "no script");
    assert!(
        !html.contains("src=\"http") && !html.contains("url("),
        "no external resource"
    );
    assert!(
        html.contains("<svg") && html.contains("Credible</text>"),
        "category chart inline"
    );
    let order = [
        "id=\"summary\"",
        "Top risks",
        "id=\"plan\"",
        "id=\"categories\"",
        "id=\"not-assessed\"",
        "id=\"methodology\"",
    ];
    let at: Vec<usize> = order
        .iter()
        .map(|s| html.find(s).unwrap_or_else(|| panic!("{s} missing")))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "sections in order: {at:?}");
    assert!(html.contains("@media print") && html.contains("@page"));
    // The remediation plan is ranked by points recoverable.
    let plan = &html[html.find("id=\"plan\"").unwrap()..html.find("id=\"categories\"").unwrap()];
    let (a, b, c) = (
        plan.find("+27.3").unwrap(),
        plan.find("+18.2").unwrap(),
        plan.find("+13.6").unwrap(),
    );
    assert!(a < b && b < c, "{plan}");
}

#[test]
fn markup_in_the_data_is_text_in_html() {
    let h = Hostile::new();
    let html = read(h.audit("html").join("report.html"));
    let lower = html.to_lowercase();
    for raw in ["<script", "<img src=x", "<b>", "<i>", "<u>", "</style><"] {
        assert!(!lower.contains(raw), "raw `{raw}` in the HTML");
    }
    assert!(!lower.contains("href=\"javascript"), "no script link");
    for shown in [
        "&lt;script&gt;alert(1)&lt;&#x2f;script&gt;",
        "Evil &lt;script&gt;",
        "&lt;b&gt;x&lt;&#x2f;b&gt;",
        "&lt;i&gt;ref&lt;&#x2f;i&gt;",
        "The &lt;b&gt;Board&lt;&#x2f;b&gt;",
        "Confidential | &lt;i&gt;draft&lt;&#x2f;i&gt;",
    ] {
        assert!(html.contains(shown), "`{shown}` shown as text");
    }
    assert!(html.contains("--accent: #aa3300;"), "validated accent");
    assert!(html.contains("src=\"data:image&#x2f;svg+xml;base64,"), "logo embedded");
}

#[test]
fn markup_in_the_data_is_text_in_markdown() {
    let h = Hostile::new();
    let md = read(h.audit("md").join("report.md"));
    let unescaped = md.replace("\\]", "").replace("\\*", "");
    for raw in ["<script", "<img", "<b>", "<i>", "<u>", "](javascript", "**bold**"] {
        assert!(!unescaped.contains(raw), "raw `{raw}` in the Markdown");
    }
    assert!(md.contains("\\[click\\](javascript:alert(3))"), "link shown as text");
    assert!(md.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(md.contains("\\| cell"), "pipe cannot split a table cell");
    // Every row of a table has as many cells as its header.
    let mut header_cells = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            header_cells = None;
            continue;
        }
        let cells = line
            .char_indices()
            .filter(|(i, c)| *c == '|' && (*i == 0 || line.as_bytes()[i - 1] != b'\\'))
            .count();
        match header_cells {
            None => header_cells = Some(cells),
            Some(n) => assert_eq!(n, cells, "row with a different cell count: {line}"),
        }
    }
}

#[test]
fn bad_branding_is_a_diagnostic_at_the_config_line() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("mktaudit.yaml");
    let run = |yaml: &str| {
        std::fs::write(&cfg, yaml).unwrap();
        audit_mini(&["--format", "html", "--config", cfg.to_str().unwrap()])
    };
    let o = run("branding:\n  firm: X\n  accent: \"#12345\"\n");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("#RRGGBB") && stderr(&o).contains("mktaudit.yaml:3:"),
        "{}",
        stderr(&o)
    );
    // A light accent would leave headings and points unreadable: refused, with a darker shade to use.
    let o = run("branding:\n  firm: X\n  accent: \"#f5d90a\"\n");
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("too light") && err.contains("mktaudit.yaml:3:") && err.contains("4.5:1"),
        "{err}"
    );
    let suggested = err
        .split("e.g. accent: \"")
        .nth(1)
        .and_then(|r| r.get(..7))
        .expect("a suggested colour");
    let o = run(&format!("branding:\n  firm: X\n  accent: \"{suggested}\"\n"));
    assert_eq!(o.status.code(), Some(0), "the suggestion is accepted: {}", stderr(&o));
    let o = run("branding:\n  logo: missing.png\n");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read logo"), "{}", stderr(&o));
    std::fs::write(dir.path().join("logo.gif"), "GIF89a").unwrap();
    let o = run("branding:\n  logo: logo.gif\n");
    assert!(stderr(&o).contains("not a PNG, JPEG or SVG"), "{}", stderr(&o));
    std::fs::write(dir.path().join("big.png"), vec![0u8; 300 * 1024]).unwrap();
    let o = run("branding:\n  logo: big.png\n");
    assert!(stderr(&o).contains("over the 262144-byte limit"), "{}", stderr(&o));
    let o = run("branding:\n  accnet: \"#123456\"\n");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did you mean `accent`?"), "{}", stderr(&o));
}

#[test]
fn a_user_template_replaces_the_built_in_one_and_includes_only_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("tpl");
    std::fs::create_dir_all(&t).unwrap();
    std::fs::write(t.join("mine.html"), "<h1>{{ org }}</h1>{% include \"part.html\" %}\n").unwrap();
    std::fs::write(t.join("part.html"), "<p>Grade {{ summary.grade }}</p>").unwrap();
    std::fs::write(t.join("mine.md"), "# {{ org }} scored {{ summary.score }}\n").unwrap();
    let o = audit_mini(&["--format", "html", "--template", t.join("mine.html").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Block tags eat the newline after them (trim_blocks), as in the built-in
    // templates. The policy that forbids script and requests comes first.
    let html = stdout(&o);
    let (csp, rest) = html.split_once('\n').unwrap();
    assert!(
        csp.starts_with("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'"),
        "{csp}"
    );
    assert_eq!(rest, "<h1>Mini Corp</h1><p>Grade F</p>");
    let o = audit_mini(&["--format", "md", "--template", t.join("mine.md").to_str().unwrap()]);
    assert_eq!(stdout(&o), "# Mini Corp scored 13.6\n");

    std::fs::write(dir.path().join("secret.html"), "secret").unwrap();
    for include in ["../secret.html", "/etc/hostname", "sub/../../secret.html"] {
        std::fs::write(t.join("escape.html"), format!("{{% include \"{include}\" %}}")).unwrap();
        let o = audit_mini(&[
            "--format",
            "html",
            "--template",
            t.join("escape.html").to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{include}");
        assert!(!stdout(&o).contains("secret"));
        assert!(stderr(&o).contains("outside the template's folder"), "{}", stderr(&o));
    }

    let mine = t.join("mine.html");
    let o = audit_mini(&[
        "--format",
        "html",
        "--template",
        mine.to_str().unwrap(),
        "-o",
        mine.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is a report template"), "{}", stderr(&o));
    assert!(read(&mine).starts_with("<h1>{{ org }}"), "the template is untouched");

    let o = audit_mini(&["--format", "html", "--template", t.join("mine.txt").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not an .html or .md template"), "{}", stderr(&o));
}

#[test]
fn a_template_error_names_the_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.html");
    std::fs::write(&bad, "<h1>{{ org }}</h1>\n<p>{{ summary.grade }</p>\n").unwrap();
    let out = dir.path().join("out");
    let o = audit_mini(&[
        "--format",
        "html,json",
        "--output-dir",
        out.to_str().unwrap(),
        "--template",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("bad.html:2:"), "{err}");
    assert!(err.contains("syntax error"), "{err}");
    assert!(!out.join("report.json").exists(), "nothing written when a format fails");

    std::fs::write(&bad, "{{ org }}\n{{ summary.no_such_field }}\n").unwrap();
    let o = audit_mini(&["--format", "html", "--template", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bad.html:2:"), "{}", stderr(&o));
}

#[test]
fn a_baseline_shows_deltas_and_findings_in_html_and_markdown() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("mktaudit.yaml");
    std::fs::write(&cfg, "disable: [cmo-absent]\n").unwrap();
    let old = dir.path().join("old.json");
    let o = audit_mini(&[
        "--format",
        "json",
        "-o",
        old.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for format in ["md", "html"] {
        let o = audit_mini(&["--format", format, "--baseline", old.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let out = stdout(&o);
        assert!(out.contains("Change since 2025-12-31"), "{out}");
        assert!(out.contains("Strategic"), "{out}");
        assert!(
            out.contains("rules added: cmo-absent"),
            "methodology change kept apart: {out}"
        );
    }
}

#[test]
fn trend_charts_in_html_and_markdown() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("q3.json"), dir.path().join("q4.json"));
    let o = audit_mini_as_of("2025-09-30", &["--format", "json", "-o", a.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    audit_mini(&["--format", "json", "-o", b.to_str().unwrap()]);
    let md = stdout(&mktaudit(&[
        "trend",
        b.to_str().unwrap(),
        a.to_str().unwrap(),
        "--format",
        "md",
    ]));
    assert!(
        md.contains("```mermaid\n%%{init") && md.contains("xychart-beta"),
        "{md}"
    );
    assert!(md.contains("x-axis [\"2025-09-30\", \"2025-12-31\"]"), "{md}");
    assert!(
        md.contains("| 2025-12-31 | 13.6 | F | 72.7% | - | 0 | 0 | 50 | - |"),
        "{md}"
    );
    let cfg = dir.path().join("mktaudit.yaml");
    std::fs::write(&cfg, "branding: { firm: Northwind <Advisory>, accent: \"#7b2d26\" }\n").unwrap();
    let o = mktaudit(&[
        "trend",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--format",
        "html",
        "--config",
        cfg.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = stdout(&o);
    assert!(html.contains("<svg") && html.contains("<path d=\"M"), "{html}");
    assert!(html.contains("Overall 13.6</text>"), "{html}");
    assert!(
        html.contains("Northwind &lt;Advisory&gt;") && html.contains("#7b2d26"),
        "branded"
    );
    assert!(!html.to_lowercase().contains("<script"));
}
