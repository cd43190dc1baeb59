//! Accessibility checks of a report page: a structural reading of the HTML
//! (no browser), and axe-core run in headless Chromium.

use super::Browser;
use std::path::{Path, PathBuf};

/// What a screen reader and a keyboard rely on, read from the HTML itself
/// (no browser): a language, a title, one h1 and no skipped heading level,
/// every image and chart named, every table with header cells, every link
/// with text, no repeated id. axe-core (below) checks more, in a browser;
/// this one runs everywhere, on every page the reports can take.
pub fn structure_problems(html: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let re = |p: &str| regex::Regex::new(p).unwrap();
    if !re(r#"<html lang="[a-z]{2}"#).is_match(html) {
        problems.push("no lang on <html>".to_string());
    }
    if !re(r"<title>[^<\s][^<]*</title>").is_match(html) {
        problems.push("no <title>".to_string());
    }
    // Text inside <style> or an SVG's <title> is not page structure.
    let body = re(r"(?s)<style>.*?</style>").replace_all(html, "");
    let levels: Vec<usize> = re(r"<h([1-6])[\s>]")
        .captures_iter(&body)
        .map(|c| c[1].parse().unwrap())
        .collect();
    if levels.iter().filter(|l| **l == 1).count() != 1 {
        problems.push(format!("{} h1 headings", levels.iter().filter(|l| **l == 1).count()));
    }
    for w in levels.windows(2) {
        if w[1] > w[0] + 1 {
            problems.push(format!("heading h{} follows h{}", w[1], w[0]));
        }
    }
    for img in re(r"<img\b[^>]*>").find_iter(&body) {
        if !re(r#"\balt="[^"]"#).is_match(img.as_str()) {
            problems.push(format!("image without alt text: {}", img.as_str()));
        }
    }
    for svg in re(r"(?s)<svg\b[^>]*>\s*(<title>)?").find_iter(&body) {
        let named = svg.as_str().contains("<title>") || svg.as_str().contains("aria-label=\"");
        if !svg.as_str().contains("role=\"img\"") || !named {
            problems.push(format!("chart without role=img and a name: {}", svg.as_str()));
        }
    }
    for table in re(r"(?s)<table\b.*?</table>").find_iter(&body) {
        if !table.as_str().contains("<th") {
            problems.push("table without header cells".to_string());
        }
    }
    for link in re(r"(?s)<a\b([^>]*)>(.*?)</a>").captures_iter(&body) {
        let text = re(r"<[^>]*>").replace_all(&link[2], "");
        if text.trim().is_empty() && !link[1].contains("aria-label=") {
            problems.push(format!("link without text: {}", &link[0]));
        }
        if link[1].contains("javascript:") {
            problems.push(format!("script link: {}", &link[0]));
        }
    }
    let mut ids: Vec<&str> = re(r#"\sid="([^"]+)""#)
        .captures_iter(&body)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    ids.sort_unstable();
    for w in ids.windows(2).filter(|w| w[0] == w[1]) {
        problems.push(format!("id {} used twice", w[0]));
    }
    problems
}

/// axe-core's `axe.min.js`: `AXE_CORE`, else where `.ci/run` unpacks the
/// npm package (target/axe-core/package/). It is not vendored: half a
/// megabyte of someone else's minified code does not belong in the repo.
pub fn axe_core() -> Option<PathBuf> {
    let from_env = std::env::var_os("AXE_CORE").map(PathBuf::from);
    let unpacked = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/axe-core/package/axe.min.js");
    from_env.into_iter().chain([unpacked]).find(|p| p.is_file())
}

/// The WCAG 2.1 A and AA violations axe-core finds on `page`, as `rule:
/// count (first targets)`. A test copy without the CSP loads axe beside it.
pub fn axe_violations(browser: &Browser, axe: &Path, page: &Path, dir: &Path, name: &str) -> Vec<String> {
    let html = std::fs::read_to_string(page).unwrap();
    let html = match html.find("<meta http-equiv=\"Content-Security-Policy\"") {
        Some(csp) => {
            let end = csp + html[csp..].find('>').unwrap() + 1;
            format!("{}{}", &html[..csp], &html[end..])
        }
        None => html,
    };
    std::fs::copy(axe, dir.join("axe.min.js")).unwrap();
    let probe = html.replace(
        "</body>",
        "<script src=\"axe.min.js\"></script><script>axe.run(document, { runOnly: { type: 'tag', values: \
         ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }).then(r => document.body.setAttribute('data-axe', \
         JSON.stringify(r.violations.map(v => v.id + ': ' + v.nodes.length + ' (' + v.nodes.slice(0, 3).map(n => \
         n.target.join(' ')).join(', ') + ')'))), e => document.body.setAttribute('data-axe', \
         JSON.stringify(['axe failed: ' + e])))</script></body>",
    );
    let path = dir.join(format!("{name}-axe.html"));
    std::fs::write(&path, probe).unwrap();
    let run = browser.run(
        &path,
        &[
            "--window-size=1280,900".into(),
            "--virtual-time-budget=60000".into(),
            "--dump-dom".into(),
        ],
    );
    let re = regex::Regex::new(r#"data-axe="([^"]*)""#).unwrap();
    let json = re
        .captures(&run.stdout)
        .unwrap_or_else(|| panic!("{name}: axe reported nothing\n{}", run.stderr))[1]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{name}: {e}: {json}"))
}
