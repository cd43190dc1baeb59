//! JUnit XML, for CI test dashboards: one test suite per category, one test
//! case per rule. A rule that fails or warns is a `<failure>` (its findings
//! with their evidence in the text), one that errs an `<error>`, one not
//! assessed or not applicable `<skipped>` with the reason: missing data is
//! never shown as a pass.

use super::Report;
use crate::eval::Status;
use crate::rules::Category;
use std::fmt::Write as _;

/// Text as XML character data or attribute value: markup escaped, and the
/// characters XML 1.0 cannot hold at all (most control characters) dropped.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || ('\u{fffe}'..='\u{ffff}').contains(&c) => {}
            c => out.push(c),
        }
    }
    out
}

pub fn render(report: &Report) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let count = |s: &[Status]| report.results.iter().filter(|r| s.contains(&r.status)).count();
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
        xml(&format!("mktaudit {} as of {}", report.audit.org, report.audit.as_of)),
        report.results.len(),
        count(&[Status::Fail, Status::Warn]),
        count(&[Status::Error]),
        count(&[Status::NotAssessed, Status::NotApplicable]),
    );
    for category in Category::ALL {
        let rules: Vec<_> = report.results.iter().filter(|r| r.category == category).collect();
        if rules.is_empty() {
            continue;
        }
        let in_cat = |s: &[Status]| rules.iter().filter(|r| s.contains(&r.status)).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
            category.title(),
            rules.len(),
            in_cat(&[Status::Fail, Status::Warn]),
            in_cat(&[Status::Error]),
            in_cat(&[Status::NotAssessed, Status::NotApplicable, Status::Waived]),
        );
        for r in rules {
            let name = xml(&format!("{} {}", r.id, r.title));
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{name}\"",
                xml(&format!("mktaudit.{}", category.as_str()))
            );
            match r.status {
                Status::Pass => out.push_str("/>\n"),
                Status::Fail | Status::Warn => {
                    let mut text = String::new();
                    let stake = super::view::at_stake_text(r, &report.audit.currency);
                    if !stake.is_empty() {
                        let _ = writeln!(text, "At stake: {stake}");
                    }
                    for f in &r.findings {
                        let _ = write!(text, "{}", f.message);
                        for e in &f.evidence {
                            match e.line {
                                Some(line) => {
                                    let _ = write!(text, " [{}:{line}]", e.file);
                                }
                                None => {
                                    let _ = write!(text, " [{}]", e.file);
                                }
                            }
                        }
                        text.push('\n');
                    }
                    let _ = writeln!(
                        out,
                        ">\n      <failure type=\"{} {}\" message=\"{}\">{}</failure>\n    </testcase>",
                        r.status.as_str(),
                        r.severity.as_str(),
                        xml(&r.message),
                        xml(&text)
                    );
                }
                Status::Error => {
                    let _ = writeln!(
                        out,
                        ">\n      <error message=\"{}\"/>\n    </testcase>",
                        xml(&r.message)
                    );
                }
                // A waived rule is judged elsewhere (its waiver), never a pass.
                Status::NotAssessed | Status::NotApplicable | Status::Waived => {
                    let why = r.reason.as_deref().unwrap_or(&r.message);
                    let _ = writeln!(
                        out,
                        ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                        xml(&format!("{}: {why}", r.status.as_str()))
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
