//! Command-line habits (issue 19): exit reasons, nothing-to-audit, formats
//! from -o's extension, --quiet/--verbose/--color, --select/--ignore,
//! --no-config, --fail-on-new, completions, man page, templates, --version.

mod common;
use common::*;
use std::process::Command;

fn run_env(args: &[&str], env: &[(&str, &str)], remove: &[&str]) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mktaudit"));
    c.args(args).env_remove("CI").env_remove("NO_COLOR");
    for k in ["CLICOLOR_FORCE", "FORCE_COLOR", "CLICOLOR", "TERM"] {
        c.env_remove(k);
    }
    for k in remove {
        c.env_remove(k);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("the binary runs")
}

#[test]
fn a_tripped_gate_says_why_on_stderr_also_with_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let o = audit_mini(&["--fail-on", "high", "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("mktaudit: exit 1: --fail-on high:"), "{err}");
    assert!(err.contains("vanity-kpi"), "the rule that tripped it is named: {err}");
    let o = audit_mini(&["--fail-under", "90"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--fail-under 90: the score"), "{}", stderr(&o));
    let o = audit_mini(&["--fail-under", "A"]);
    assert!(stderr(&o).contains("the grade F is worse than A"), "{}", stderr(&o));
    // No gate tripped: nothing said about exit 1.
    let o = audit_mini(&["--fail-under", "0", "--ignore", "broken-script"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("exit 1"), "{}", stderr(&o));
}

#[test]
fn rule_errors_have_a_documented_exit_policy() {
    // Without a gate: exit 0, and a note names the rule in error.
    let o = audit_mini(&[]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains("1 rule(s) ended as an error (broken-script)"),
        "{}",
        stderr(&o)
    );
    // --fail-on error gates on errors alone.
    let o = audit_mini(&["--fail-on", "error"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("--fail-on error: 1 rule(s) ended as an error"),
        "{}",
        stderr(&o)
    );
    let o = audit_mini(&["--fail-on", "error", "--ignore", "broken-script"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // And --help says so.
    let help = stdout(&mktaudit(&["audit", "--help"]));
    assert!(help.contains("--fail-on error"), "{help}");
    assert!(help.contains("Exit codes"), "{help}");
}

#[test]
fn nothing_to_audit_is_exit_two_with_a_message() {
    let empty = tempfile::tempdir().unwrap();
    let o = mktaudit(&["audit", empty.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nothing to audit"), "{}", stderr(&o));
    assert!(stdout(&o).is_empty(), "no report: {}", stdout(&o));
    // A folder of unrelated files is no better.
    std::fs::write(empty.path().join("notes.txt"), "hello").unwrap();
    std::fs::write(empty.path().join("config.json"), "{\"a\": 1}").unwrap();
    let o = mktaudit(&["audit", empty.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("nothing to audit"), "{}", stderr(&o));
    // A file given as the bundle.
    let o = mktaudit(&["audit", "tests/fixtures/bundles/mini/kpis.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is a file"), "{}", stderr(&o));
    assert!(stderr(&o).contains("tests/fixtures/bundles/mini"), "{}", stderr(&o));
    // A build folder (CACHEDIR.TAG) among client folders is skipped.
    let root = tempfile::tempdir().unwrap();
    let target = root.path().join("target");
    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(
        target.join("CACHEDIR.TAG"),
        "Signature: 8a477f597d28d172789f06886806bc55",
    )
    .unwrap();
    std::fs::write(target.join(".rustc_info.json"), "{}").unwrap();
    std::fs::write(target.join("x.json"), "{}").unwrap();
    let o = mktaudit(&["audit", root.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nothing to audit"), "{}", stderr(&o));
    assert!(!stdout(&o).contains("Portfolio"), "{}", stdout(&o));
}

#[test]
fn the_format_follows_the_output_extension_and_folders_are_created() {
    let dir = tempfile::tempdir().unwrap();
    for (name, starts) in [
        ("a/b/r.html", "<!DOCTYPE html>"),
        ("r.md", "# "),
        ("r.json", "{"),
        ("r.txt", "mktaudit ·"),
    ] {
        let path = dir.path().join(name);
        let o = audit_mini(&["-o", path.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.trim_start().starts_with(starts),
            "{name}: {}",
            &text[..80.min(text.len())]
        );
    }
    // An explicit --format wins over the extension.
    let path = dir.path().join("x.html");
    audit_mini(&["--format", "json", "-o", path.to_str().unwrap()]);
    assert!(std::fs::read_to_string(&path).unwrap().starts_with('{'));
    // An extension mktaudit does not write is a usage error, and nothing is written.
    let pdf = dir.path().join("r.pdf");
    let o = audit_mini(&["-o", pdf.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot tell the report format"), "{}", stderr(&o));
    assert!(!pdf.exists());
}

#[test]
fn one_set_of_format_names_across_commands() {
    for args in [
        vec!["inspect", MINI, "--format", "terminal"],
        vec!["inspect", MINI, "--format", "text"],
        vec!["rules", "list", "--format", "terminal"],
        vec!["rules", "list", "--format", "table"],
    ] {
        let o = mktaudit(&args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    }
    let o = mktaudit(&["rules", "list", "--format", "html"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("use terminal, json"), "{}", stderr(&o));
    let o = mktaudit(&["inspect", MINI, "-f", "md"]);
    assert!(stderr(&o).contains("not a format of `inspect`"), "{}", stderr(&o));
}

#[test]
fn a_portfolio_honours_format_json_on_stdout() {
    let root = tempfile::tempdir().unwrap();
    for name in ["a", "b"] {
        let dst = root.path().join(name);
        std::fs::create_dir_all(&dst).unwrap();
        for f in std::fs::read_dir(MINI).unwrap() {
            let f = f.unwrap().path();
            std::fs::copy(&f, dst.join(f.file_name().unwrap())).unwrap();
        }
    }
    let o = audit_core(root.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    assert_eq!(rows.as_array().unwrap().len(), 2);
    assert_eq!(rows[0]["name"], "a");
}

#[test]
fn color_follows_the_flag_and_the_environment() {
    let has_color = |o: &std::process::Output| o.stdout.contains(&0x1b);
    let args = [
        "audit",
        MINI,
        "--no-default-rules",
        "--rules",
        CORE_PACK,
        "--as-of",
        "2025-12-31",
    ];
    // Not a terminal: no colour, unless forced.
    assert!(!has_color(&run_env(&args, &[], &[])));
    assert!(has_color(&run_env(&args, &[("CLICOLOR_FORCE", "1")], &[])));
    assert!(has_color(&run_env(&args, &[("FORCE_COLOR", "1")], &[])));
    assert!(!has_color(&run_env(
        &args,
        &[("FORCE_COLOR", "1"), ("NO_COLOR", "1")],
        &[]
    )));
    let mut always = args.to_vec();
    always.extend(["--color", "always"]);
    assert!(has_color(&run_env(&always, &[("NO_COLOR", "1")], &[])));
    let mut never = args.to_vec();
    never.extend(["--color", "never"]);
    assert!(!has_color(&run_env(&never, &[("CLICOLOR_FORCE", "1")], &[])));
}

#[test]
fn quiet_and_verbose_say_less_and_more() {
    let o = audit_mini(&["--quiet"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    assert!(stdout(&o).contains("grade F"), "the report is still the output");
    // The reason for exit 1 is not a note: it stays.
    let o = audit_mini(&["-q", "--fail-on", "high"]);
    assert!(stderr(&o).contains("exit 1"), "{}", stderr(&o));
    let o = audit_mini(&["--verbose"]);
    let err = stderr(&o);
    assert!(err.contains("config: none"), "{err}");
    assert!(err.contains("data: kpis from kpis.csv"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("mine.yaml");
    std::fs::write(&config, "disable: [cmo-absent]\n").unwrap();
    let o = audit_mini(&["-v", "--config", config.to_str().unwrap()]);
    assert!(
        stderr(&o).contains("config: your config") && stderr(&o).contains("mine.yaml: applied disable"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn no_config_reads_no_config_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mktaudit.yaml"), "disable: [cmo-absent]\n").unwrap();
    let root = std::env::current_dir().unwrap();
    let run = |extra: &[&str]| {
        let mini = root.join(MINI);
        let pack = root.join(CORE_PACK);
        let mut args = vec![
            "audit",
            mini.to_str().unwrap(),
            "--no-default-rules",
            "--rules",
            pack.to_str().unwrap(),
            "--as-of",
            "2025-12-31",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let o = Command::new(env!("CARGO_BIN_EXE_mktaudit"))
            .args(&args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        serde_json::from_slice::<serde_json::Value>(&o.stdout).expect("a JSON report")
    };
    let ids = |r: &serde_json::Value| -> Vec<String> {
        r["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(
        !ids(&run(&[])).contains(&"cmo-absent".to_string()),
        "the working folder's config applies"
    );
    let r = run(&["--no-config"]);
    assert!(ids(&r).contains(&"cmo-absent".to_string()), "--no-config ignores it");
    assert_eq!(r["methodology"]["configs"], serde_json::json!([]));
    let o = audit_mini(&["--no-config", "--config", "x.yaml"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn select_and_ignore_pick_rules_by_id_prefix_and_category() {
    let ids = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["--format", "json"];
        args.extend_from_slice(extra);
        let o = audit_mini(&args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let mut ids: Vec<String> = r["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&["--select", "credible"]), ["vanity-kpi"]);
    assert_eq!(ids(&["--select", "VANITY"]), ["vanity-kpi"]);
    assert_eq!(
        ids(&["--select", "vanity-kpi,cmo-absent"]),
        ["cmo-absent", "vanity-kpi"]
    );
    let all = ids(&[]);
    let ignored = ids(&["--ignore", "strategic", "--ignore", "broken-script"]);
    assert_eq!(ignored.len(), all.len() - 2, "{ignored:?}");
    assert!(!ignored.contains(&"cmo-absent".to_string()));
    // The methodology says why a rule did not run.
    let o = audit_mini(&["--format", "json", "--ignore", "cmo-absent"]);
    assert!(stdout(&o).contains("rule cmo-absent not run: --ignore"));
    // A selector that matches nothing is a usage error, with a suggestion.
    let o = audit_mini(&["--select", "vanity-kpj"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("matches no rule"), "{}", stderr(&o));
    assert!(stderr(&o).contains("vanity-kpi"), "{}", stderr(&o));
}

#[test]
fn fail_on_new_trips_only_on_findings_the_baseline_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.json");
    // The baseline lacks vanity-kpi's findings (the rule was ignored then).
    let o = audit_mini(&["--ignore", "vanity-kpi", "-o", base.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = audit_mini(&["--baseline", base.to_str().unwrap(), "--fail-on-new"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("--fail-on-new:"), "{}", stderr(&o));
    assert!(stderr(&o).contains("vanity-kpi"), "{}", stderr(&o));
    // Against itself, nothing is new.
    let same = dir.path().join("same.json");
    audit_mini(&["-o", same.to_str().unwrap()]);
    let o = audit_mini(&["--baseline", same.to_str().unwrap(), "--fail-on-new"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Without a baseline the flag is a usage error.
    assert_eq!(audit_mini(&["--fail-on-new"]).status.code(), Some(2));
}

#[test]
fn version_names_the_pack_and_the_methodology() {
    let o = mktaudit(&["--version"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(
        out.starts_with(&format!("mktaudit {}", env!("CARGO_PKG_VERSION"))),
        "{out}"
    );
    assert!(out.contains("default rule pack ") && out.contains(" rules)"), "{out}");
    // The same pack hash the reports carry.
    let report = mktaudit(&[
        "audit",
        "examples/acme-vanity",
        "--format",
        "json",
        "--as-of",
        "2025-12-31",
    ]);
    let r: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    let hash = r["methodology"]["rule_pack_hash"].as_str().unwrap();
    assert!(out.contains(&hash[..12]), "{out} vs {hash}");
    let rules = r["results"].as_array().unwrap().len();
    assert!(out.contains(&format!("({rules} rules)")), "{out} vs {rules} rules");
    // And the scoring method the reports are graded with.
    let method = r["methodology"]["scoring_method_version"].as_str().unwrap();
    assert!(out.contains(&format!("scoring method v{method}")), "{out} vs {method}");
}

#[test]
fn completions_and_man_page_come_from_the_cli_definition() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = mktaudit(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let out = stdout(&o);
        assert!(out.contains("fail-on-new") && out.contains("inspect"), "{shell}: {out}");
    }
    assert_eq!(mktaudit(&["completions", "tcsh"]).status.code(), Some(2));
    let man = stdout(&mktaudit(&["man"]));
    assert!(
        man.starts_with(".ie") || man.contains(".TH mktaudit"),
        "{}",
        &man[..200.min(man.len())]
    );
    assert!(man.contains("audit"), "subcommands listed");
}

#[test]
fn help_has_examples_exit_codes_and_described_arguments() {
    let help = stdout(&mktaudit(&["--help"]));
    assert!(help.contains("Examples:") && help.contains("Exit codes:"), "{help}");
    for (cmd, arg) in [
        ("diff", "The earlier JSON report"),
        ("trend", "JSON reports of the same org"),
    ] {
        let help = stdout(&mktaudit(&[cmd, "--help"]));
        assert!(help.contains(arg), "{cmd}: {help}");
    }
}

#[test]
fn templates_export_writes_the_built_ins_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tpl");
    let o = mktaudit(&["templates", "export", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for name in ["report.html", "report.md", "trend.html", "trend.md"] {
        let exported = std::fs::read_to_string(out.join(name)).unwrap();
        let source = std::fs::read_to_string(format!("reports/templates/{name}")).unwrap();
        assert_eq!(exported, source, "{name}");
    }
    // A customised template is never replaced.
    std::fs::write(out.join("report.md"), "mine").unwrap();
    let o = mktaudit(&["templates", "export", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("never overwrites"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(out.join("report.md")).unwrap(), "mine");
    // An exported template renders as the built-in one does.
    let custom = dir.path().join("r.html");
    let builtin = dir.path().join("b.html");
    audit_mini(&[
        "-o",
        custom.to_str().unwrap(),
        "--template",
        out.join("report.html").to_str().unwrap(),
    ]);
    audit_mini(&["-o", builtin.to_str().unwrap()]);
    // (A user template gets a Content-Security-Policy ahead of its own head.)
    let body = |p: &std::path::Path| {
        let text = std::fs::read_to_string(p).unwrap();
        text[text.find("<html lang=").unwrap()..].to_string()
    };
    assert_eq!(body(&custom), body(&builtin));
}

#[test]
fn gen_and_init_print_what_they_wrote_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let g = dir.path().join("g");
    let o = mktaudit(&["gen", "--rows", "10", "--out", g.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("wrote "), "{}", stdout(&o));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    let i = dir.path().join("i");
    let o = mktaudit(&["init", i.to_str().unwrap()]);
    assert!(stdout(&o).starts_with("wrote "), "{}", stdout(&o));
    let o = mktaudit(&["-q", "init", dir.path().join("j").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).is_empty());
}

#[test]
fn rules_new_does_not_write_into_the_built_in_pack_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_mktaudit"))
        .args(["rules", "new", "ACME-001", "--category", "credible"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        dir.path().join("my-rules/credible/ACME-001.yaml").is_file(),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("--rules my-rules"), "{}", stdout(&o));
}

#[test]
fn years_at_the_calendars_ends_are_a_diagnostic_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bundle.yaml"),
        "org: Far Future\nperiod:\n  start: +262142-01-01\n  end: +262142-12-31\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("campaigns.csv"),
        "id,name,start_date\nC1,Launch,2025-01-10\n",
    )
    .unwrap();
    // A pack with a month-by-month check, which once panicked on such a period.
    let o = mktaudit(&[
        "audit",
        dir.path().to_str().unwrap(),
        "--rules",
        "tests/fixtures/packs/per-month",
        "--as-of",
        "2025-12-31",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("bundle::manifest_period"), "{err}");
    assert!(err.contains("outside the years 1000 to 9999"), "{err}");
    assert!(err.contains("bundle.yaml:2"), "names the line: {err}");
    assert!(!err.contains("panicked"), "{err}");
    let o = mktaudit(&["audit", MINI, "--as-of", "+262142-12-31"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("the year must be from 1000 to 9999"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn help_and_errors_point_at_installed_commands_not_source_files() {
    // The pages help points at are in the binary.
    let list = stdout(&mktaudit(&["docs"]));
    for topic in ["rules", "bundle", "sources", "reports", "rhai-api", "cli"] {
        assert!(list.contains(topic), "{list}");
    }
    let page = mktaudit(&["docs", "rules"]);
    assert_eq!(page.status.code(), Some(0));
    assert_eq!(stdout(&page), std::fs::read_to_string("docs/rules.md").unwrap());
    let o = mktaudit(&["docs", "rulez"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("rules"), "a suggestion: {}", stderr(&o));
    // No string the binary shows names a docs/*.md file (comments may).
    let literal = regex::Regex::new(r#""[^"\n]*docs/[a-z-]+\.md[^"\n]*""#).unwrap();
    let mut found = Vec::new();
    let mut stack = vec![std::path::PathBuf::from("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                for line in std::fs::read_to_string(&path).unwrap().lines() {
                    let code = line.split("//").next().unwrap_or_default();
                    if literal.is_match(code) && !code.contains("include_str!") {
                        found.push(format!("{}: {}", path.display(), line.trim()));
                    }
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "help or errors naming source files:\n{}",
        found.join("\n")
    );
    // A nonexistent bundle points at `init`, not at the source tree's examples.
    let o = mktaudit(&["audit", "no/such/folder"]);
    assert!(stderr(&o).contains("mktaudit init DIR"), "{}", stderr(&o));
}
