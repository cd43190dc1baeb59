//! Terminal output: the grade at the top, a category table, the summary in
//! words, the top of the remediation plan, then findings with their
//! evidence, every line wrapped to the terminal's width. Colour only when
//! asked (TTY and no NO_COLOR).

use super::Report;
use crate::eval::Status;
use crate::template::format_percent;
use crate::value::format_number;
use std::fmt::Write;

mod results;

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn bold(&self, t: &str) -> String {
        self.wrap("1", t)
    }
    fn dim(&self, t: &str) -> String {
        self.wrap("2", t)
    }
    fn status(&self, s: Status) -> String {
        let (code, label) = match s {
            Status::Pass => ("32", "✓ PASS"),
            Status::Warn => ("33", "! WARN"),
            Status::Fail => ("31;1", "✗ FAIL"),
            Status::NotAssessed => ("2", "○ N/A "),
            Status::NotApplicable => ("2", "– N/APP"),
            Status::Waived => ("2", "~ WAIVED"),
            Status::Error => ("35", "⚠ ERROR"),
        };
        self.wrap(code, label)
    }
    fn grade(&self, g: &str) -> String {
        let code = match g {
            "A" | "B" => "32;1",
            "C" => "33;1",
            _ => "31;1",
        };
        self.wrap(code, g)
    }
}

/// Columns when neither `COLUMNS` nor the terminal says: a file or a pipe.
pub const DEFAULT_WIDTH: usize = 100;
/// Narrowest wrap: below it, lines are left whole.
const MIN_WIDTH: usize = 40;
/// Plan items the terminal lists; the rest are counted (every one is in the other formats).
const PLAN_SHOWN: usize = 10;

/// The width to wrap stdout to: `COLUMNS`, else the terminal's, else `DEFAULT_WIDTH`.
pub fn stdout_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c > 0)
        .or_else(|| terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| usize::from(w.0)))
        .unwrap_or(DEFAULT_WIDTH)
}

/// Columns a line takes on screen: colour codes take none.
fn visible_width(s: &str) -> usize {
    let mut n = 0;
    let mut in_escape = false;
    for c in s.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, _) => n += 1,
        }
    }
    n
}

/// Wraps each line longer than `width` at spaces; continuation lines are
/// indented two more than the line they continue.
fn wrap(text: &str, width: usize) -> String {
    let width = width.max(MIN_WIDTH);
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for line in text.split_inclusive('\n') {
        let (body, newline) = line.strip_suffix('\n').map_or((line, ""), |b| (b, "\n"));
        if visible_width(body) <= width {
            out.push_str(line);
            continue;
        }
        let indent = body.len() - body.trim_start_matches(' ').len();
        let pad = " ".repeat((indent + 2).min(width / 2));
        let mut current = " ".repeat(indent);
        let mut used = indent;
        let mut first_word = true;
        for word in body.trim_start_matches(' ').split(' ') {
            let w = visible_width(word);
            if !first_word && used + 1 + w > width {
                out.push_str(current.trim_end());
                out.push('\n');
                current = pad.clone();
                used = pad.len();
                first_word = true;
            }
            if !first_word {
                current.push(' ');
                used += 1;
            }
            current.push_str(word);
            used += w;
            first_word = false;
        }
        out.push_str(&current);
        out.push_str(newline);
    }
    out
}

pub fn render(report: &Report, color: bool, width: usize) -> String {
    wrap(&render_lines(report, color), width)
}

fn render_lines(report: &Report, color: bool) -> String {
    let p = Paint { on: color };
    let mut out = String::new();
    let a = &report.audit;
    let _ = writeln!(
        out,
        "{} · {} · as of {} · period {} to {}",
        p.bold("mktaudit"),
        p.bold(&a.org),
        a.as_of,
        a.period_start,
        a.period_end
    );
    out.push('\n');
    let s = &report.summary;
    match (s.score, s.grade) {
        (Some(score), Some(grade)) => {
            let _ = writeln!(
                out,
                "  Overall score {} / 100   grade {}   maturity {}   coverage {}",
                p.bold(&format_number(score)),
                p.grade(grade.as_str()),
                s.maturity.unwrap_or("-"),
                format_percent(s.coverage)
            );
        }
        (Some(score), None) => {
            let _ = writeln!(
                out,
                "  Overall score {} / 100   no grade (below the coverage floor)   coverage {}",
                p.bold(&format_number(score)),
                format_percent(s.coverage)
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "  No rule could be assessed: there is no score. Coverage {}.",
                format_percent(s.coverage)
            );
        }
    }
    let tiers = super::view::tiers_text(&report.bundle.tiers);
    if !tiers.is_empty() {
        let _ = writeln!(out, "  {tiers}.");
    }
    if s.provisional {
        let _ = writeln!(
            out,
            "  {}",
            p.wrap(
                "33",
                &format!(
                    "PROVISIONAL ({}): {}; see \"Not assessed\" for the data to gather.",
                    crate::score::range_text(s.grade_range, s.coverage),
                    super::view::provisional_text(s, report.methodology.coverage_floor)
                )
            )
        );
    }
    let capped = super::view::capped_text(report);
    if !capped.is_empty() {
        let _ = writeln!(out, "  {}", p.wrap("33", &format!("CAPPED: {capped}.")));
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "  {:<12} {:>6} {:>6} {:>9}  {:>4} {:>4} {:>4} {:>4} {:>4}",
        "Category", "Score", "Grade", "Coverage", "pass", "warn", "fail", "n/a", "err"
    );
    for c in &report.categories {
        let score = c.score.map_or_else(|| "-".to_string(), format_number);
        let grade = c.grade.map_or("-", |g| g.as_str());
        let _ = writeln!(
            out,
            "  {:<12} {:>6} {:>6} {:>9}  {:>4} {:>4} {:>4} {:>4} {:>4}",
            c.category.title(),
            score,
            p.grade(grade),
            format_percent(c.coverage),
            c.counts.pass,
            c.counts.warn,
            c.counts.fail,
            c.counts.not_assessed,
            c.counts.error
        );
    }
    out.push('\n');
    for para in super::story::executive_summary(report) {
        let _ = writeln!(out, "  {para}");
    }
    if let Some(c) = &report.baseline {
        out.push('\n');
        out.push_str(&super::changes::render_text(c));
    }
    let plan = report.remediation_plan();
    if !plan.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            p.bold(&format!(
                "Remediation plan ({}): most points first, quick wins first among equals",
                plan.len()
            ))
        );
        for (i, r) in plan.iter().take(PLAN_SHOWN).enumerate() {
            let effort = r.effort.map(|e| format!(", {}", e.label())).unwrap_or_default();
            let _ = writeln!(
                out,
                "  {:>2}. {} {}  {}",
                i + 1,
                p.bold(&format!("+{}", format_number(r.points_recoverable))),
                r.title,
                p.dim(&format!("[{}{effort}]", r.id))
            );
            let stake = super::view::at_stake_text(r, &report.audit.currency);
            if !stake.is_empty() {
                let _ = writeln!(out, "      at stake: {stake}");
            }
        }
        if plan.len() > PLAN_SHOWN {
            let _ = writeln!(
                out,
                "  {}",
                p.dim(&format!(
                    "… and {} more: the HTML and Markdown reports list every one with what to do",
                    plan.len() - PLAN_SHOWN
                ))
            );
        }
    }

    results::write(&mut out, report, &p);
    out
}
