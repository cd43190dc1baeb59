//! Renders the HTML and Markdown reports through minijinja templates.
//!
//! Escaping is decided by the output format, not by the template's file
//! name, so a user template cannot turn it off by being called `x.txt`:
//! HTML gets HTML escaping, Markdown a Markdown escape that keeps data from
//! becoming links, emphasis, raw HTML or extra table cells. Charts are the
//! only values passed as already safe, and they escape their own text.
//!
//! A user template (`--template FILE`) may include or extend other files of
//! its own folder only: no absolute paths, no `..`, no symlink out of it.

use crate::error::ErrorCode;
use crate::error::{Problem, Problems, SourceFile};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior, Value};
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    Html,
    Markdown,
}

const MARKDOWN: AutoEscape = AutoEscape::Custom("markdown");

/// The built-in templates, compiled into the binary so an installed mktaudit needs no files.
pub(crate) const BUILT_IN: &[(&str, &str)] = &[
    ("report.html", include_str!("../../reports/templates/report.html")),
    ("report.md", include_str!("../../reports/templates/report.md")),
    ("trend.html", include_str!("../../reports/templates/trend.html")),
    ("trend.md", include_str!("../../reports/templates/trend.md")),
];

/// Instructions a template may run. The built-in report of a large pack
/// uses well under a million; a loop nested to run for hours runs out.
pub const TEMPLATE_FUEL: u64 = 20_000_000;
/// Most text a template may write: a real report is well under a megabyte.
pub const MAX_TEMPLATE_OUTPUT: usize = 64 * 1024 * 1024;

/// The policy every HTML report carries: no script, no request, images only
/// as `data:` URIs. A user template gets it first thing in its output.
pub const CSP_META: &str = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">";

/// Template name -> (file name shown in diagnostics, source), for every template loaded.
type Sources = Arc<Mutex<BTreeMap<String, (String, String)>>>;

/// Renders `built_in` (e.g. `report.html`), or the user's template file in its place.
pub fn render(built_in: &str, user: Option<&Path>, escape: Escape, ctx: Value) -> Result<String, Problems> {
    let sources: Sources = Arc::default();
    let mut env = Environment::new();
    env.set_fuel(Some(TEMPLATE_FUEL));
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    let mode = match escape {
        Escape::Html => AutoEscape::Html,
        Escape::Markdown => MARKDOWN,
    };
    env.set_auto_escape_callback(move |_| mode);
    env.set_formatter(|out, state, value| {
        if state.auto_escape() != MARKDOWN {
            return minijinja::escape_formatter(out, state, value);
        }
        let text = if value.is_safe() {
            value.to_string()
        } else if value.is_none() || value.is_undefined() {
            String::new()
        } else {
            crate::template::markdown_escape(&value.to_string())
        };
        out.write_str(&text)
            .map_err(|_| Error::new(ErrorKind::WriteFailure, "cannot write the report"))
    });
    env.add_filter("md_url", md_url);
    let (name, display, text) = match user {
        None => {
            let text = BUILT_IN
                .iter()
                .find(|(n, _)| *n == built_in)
                .map(|(_, t)| *t)
                .expect("every built-in template is listed");
            (
                built_in.to_string(),
                format!("reports/templates/{built_in} (built in)"),
                text.to_string(),
            )
        }
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Problems(vec![
                    Problem::new(
                        ErrorCode::ReportTemplate,
                        format!("cannot read template `{}`: {e}", path.display()),
                    )
                    .help("--template takes a template file; `mktaudit templates export DIR` writes the built-in ones to start from"),
                ])
            })?;
            let root = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            set_folder_loader(&mut env, root.to_path_buf(), sources.clone());
            let name = path
                .file_name()
                .map_or_else(|| "template".to_string(), |n| n.to_string_lossy().into_owned());
            (name, path.display().to_string(), text)
        }
    };
    sources
        .lock()
        .expect("not poisoned")
        .insert(name.clone(), (display, text.clone()));
    let mut out = CappedOutput::default();
    let result = env
        .add_template_owned(name.clone(), text)
        .and_then(|()| env.get_template(&name)?.render_captured_to(ctx, &mut out).map(|_| ()));
    if let Err(e) = result {
        let mut p = problem(&e, &sources, &name);
        if out.over {
            p.message = format!(
                "{}: the report grew past {} MiB and was stopped",
                p.message,
                MAX_TEMPLATE_OUTPUT >> 20
            );
        } else if e.kind() == ErrorKind::OutOfFuel {
            p.message = format!(
                "{}: the template ran more than {TEMPLATE_FUEL} instructions (an endless or huge loop?) and was stopped",
                p.message
            );
        }
        return Err(Problems(vec![p]));
    }
    let text = String::from_utf8(out.bytes).expect("templates write text");
    Ok(match (user, escape) {
        (Some(_), Escape::Html) => with_csp(&text),
        _ => text,
    })
}

/// Template output, refused past [`MAX_TEMPLATE_OUTPUT`] bytes so a loop of
/// huge strings stops with a diagnostic instead of exhausting memory.
#[derive(Default)]
struct CappedOutput {
    bytes: Vec<u8>,
    over: bool,
}

impl std::io::Write for CappedOutput {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > MAX_TEMPLATE_OUTPUT {
            self.over = true;
            return Err(std::io::Error::other("the report is too large"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `html` with [`CSP_META`] first (after a doctype): a browser puts a meta
/// tag that comes before `<html>` into the head, and the policy then covers
/// everything after it, so no script or beacon of the template can run.
fn with_csp(html: &str) -> String {
    let trimmed = html.trim_start();
    let lead = html.len() - trimmed.len();
    let doctype_end = trimmed
        .get(..9)
        .filter(|s| s.eq_ignore_ascii_case("<!doctype"))
        .and_then(|_| trimmed.find('>'))
        .map_or(0, |i| lead + i + 1);
    if doctype_end == 0 {
        return format!("{CSP_META}\n{html}");
    }
    format!("{}\n{CSP_META}\n{}", &html[..doctype_end], &html[doctype_end..])
}

/// A link target for Markdown: every character that could end the link or
/// start markup is percent-encoded, so a URL from a rule pack stays one link.
fn md_url(url: String) -> Value {
    let mut out = String::with_capacity(url.len());
    for b in url.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:/?#@!$&'*+,;=%".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Value::from_safe_string(out)
}

/// Lets a template include files of `root` and nothing else.
fn set_folder_loader(env: &mut Environment<'_>, root: PathBuf, sources: Sources) {
    env.set_loader(move |name| {
        let rel = Path::new(name);
        let plain =
            !name.contains('\\') && !name.contains(':') && rel.components().all(|c| matches!(c, Component::Normal(_)));
        if !plain {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "`{name}` is outside the template's folder: a template may include only files of its own folder"
                ),
            ));
        }
        let path = root.join(rel);
        let (Ok(real), Ok(real_root)) = (path.canonicalize(), root.canonicalize()) else {
            return Ok(None);
        };
        if !real.starts_with(&real_root) {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("`{name}` links outside the template's folder"),
            ));
        }
        let text = std::fs::read_to_string(&real)
            .map_err(|e| Error::new(ErrorKind::InvalidOperation, format!("cannot read `{name}`: {e}")))?;
        sources
            .lock()
            .expect("not poisoned")
            .insert(name.to_string(), (path.display().to_string(), text.clone()));
        Ok(Some(text))
    });
}

/// A template error as a diagnostic at the template's file, line and column.
/// `top` names the template rendered, for errors (a failed write) that name none.
fn problem(e: &Error, sources: &Sources, top: &str) -> Problem {
    // An error from an included template names it; one from a filter or
    // the loader may be wrapped in the error of the including template.
    let mut detail = e.detail().map(str::to_string);
    let mut cause: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(c) = cause {
        detail = Some(match detail {
            Some(d) => format!("{d}: {c}"),
            None => c.to_string(),
        });
        cause = c.source();
    }
    let label = detail.unwrap_or_else(|| e.kind().to_string());
    let sources = sources.lock().expect("not poisoned");
    let found = sources.get(e.name().unwrap_or(top));
    let name = found.map_or_else(|| e.name().unwrap_or(top).to_string(), |(d, _)| d.clone());
    let p = Problem::new(ErrorCode::ReportTemplate, format!("template `{name}`: {}", e.kind()))
        .help("`mktaudit docs reports` lists the fields and filters a template can use");
    match (found, e.range(), e.line()) {
        (Some((display, text)), Some(range), _) => {
            let src = SourceFile::new(display.clone(), text.clone());
            p.at(&src, range.start, range.len().max(1), label)
        }
        (Some((display, text)), None, Some(line)) => {
            let src = SourceFile::new(display.clone(), text.clone());
            p.at_line(&src, line, 1, label)
        }
        _ => {
            let mut p = p;
            p.message = format!("{}: {label}", p.message);
            p
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render_str(source: &str, escape: Escape, ctx: Value) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.txt");
        std::fs::write(&path, source).unwrap();
        let out = render("report.md", Some(&path), escape, ctx).unwrap();
        out.strip_prefix(&format!("{CSP_META}\n"))
            .map_or(out.clone(), str::to_string)
    }

    #[test]
    fn escaping_follows_the_format_not_the_file_name() {
        let ctx = minijinja::context! { v => "<b>x</b> | *y*", safe => Value::from_safe_string("<svg/>".into()) };
        assert_eq!(
            render_str("{{ v }} {{ safe }}", Escape::Html, ctx.clone()),
            "&lt;b&gt;x&lt;&#x2f;b&gt; | *y* <svg/>"
        );
        assert_eq!(
            render_str("{{ v }} {{ safe }}", Escape::Markdown, ctx),
            "&lt;b&gt;x&lt;/b&gt; \\| \\*y\\* <svg/>"
        );
    }

    fn render_err(source: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.html");
        std::fs::write(&path, source).unwrap();
        let e = render("report.html", Some(&path), Escape::Html, Value::UNDEFINED).unwrap_err();
        e.render(false)
    }

    #[test]
    fn an_endless_template_runs_out_of_fuel() {
        let err = render_err("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}");
        assert!(err.contains("instructions") && err.contains("t.html"), "{err}");
    }

    #[test]
    fn a_huge_report_is_stopped_at_the_output_limit() {
        let err = render_err("{% for i in range(100) %}{{ 'x' * 100000000 }}{% endfor %}");
        assert!(err.contains("grew past 64 MiB"), "{err}");
    }

    #[test]
    fn a_user_html_template_gets_the_policy_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.html");
        std::fs::write(
            &path,
            "<!DOCTYPE html><html><head><script src=https://x.example/b.js></script>",
        )
        .unwrap();
        let out = render("report.html", Some(&path), Escape::Html, Value::UNDEFINED).unwrap();
        let csp = out.find("Content-Security-Policy").expect("a policy");
        assert!(out.starts_with("<!DOCTYPE html>\n<meta"), "{out}");
        assert!(csp < out.find("<script").unwrap());
        assert!(with_csp("<p>x").starts_with("<meta http-equiv"));
    }

    #[test]
    fn markdown_link_targets_cannot_end_the_link() {
        assert_eq!(
            md_url("https://x.example/a b)(c)<d>".into()).to_string(),
            "https://x.example/a%20b%29%28c%29%3Cd%3E"
        );
    }
}
