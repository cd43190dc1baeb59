//! Load errors: problems in what the user gave us (bundle files, rule packs,
//! config), rendered by miette with the file, line and column at fault.
//!
//! Findings about the organisation are *not* errors; they live in the report.
//! Every loader pushes `Problem`s into a list and keeps going, so the user sees
//! all problems of a run at once instead of fixing them one by one.

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode, SourceSpan};
use std::fmt;
use std::path::Path;
use std::sync::Arc;

pub use crate::fsutil::FileText;

mod code;
pub use code::ErrorCode;

/// A file's text kept for diagnostics, with the name the user knows it by.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    /// Shared, never copied: a data file's text can be a hundred megabytes
    /// (and is then mapped, not read; see [`FileText`]).
    pub text: Arc<FileText>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<FileText>) -> Self {
        Self {
            name: name.into(),
            text: Arc::new(text.into()),
        }
    }

    /// Byte offset of a 1-based line and column (columns count characters).
    pub fn offset(&self, line: usize, column: usize) -> usize {
        line_col_to_offset(&self.text, line, column)
    }

    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..floor_char_boundary(&self.text, offset)];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Converts a 1-based line/column to a byte offset, clamped to the text.
pub fn line_col_to_offset(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let col_bytes: usize = l.chars().take(column.saturating_sub(1)).map(char::len_utf8).sum();
            return offset + col_bytes;
        }
        offset += l.len();
    }
    text.len()
}

/// Lines longer than this are not shown in a diagnostic's snippet.
const MAX_SNIPPET_LINE: usize = 2000;

/// One problem with the user's input.
#[derive(Debug, Clone)]
pub struct Problem {
    pub code: ErrorCode,
    pub message: String,
    pub help: Option<String>,
    pub source: Option<SourceFile>,
    pub span: Option<(usize, usize)>,
    pub label: Option<String>,
    /// A file named without showing its text (e.g. a binary or unreadable file).
    pub path: Option<String>,
}

impl Problem {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            help: None,
            source: None,
            span: None,
            label: None,
            path: None,
        }
    }

    /// Points at `len` bytes from `offset` in `source`, with a label. On a
    /// very long line the snippet is left out and only the location is named.
    pub fn at(mut self, source: &SourceFile, offset: usize, len: usize, label: impl Into<String>) -> Self {
        let offset = floor_char_boundary(&source.text, offset.min(source.text.len()));
        let len = len.min(source.text.len() - offset);
        let line_start = source.text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let line_len = source.text[line_start..]
            .find('\n')
            .unwrap_or(source.text.len() - line_start);
        if line_len > MAX_SNIPPET_LINE {
            let (line, col) = source.line_col(offset);
            self.path = Some(format!("{}:{line}:{col}", source.name));
            self.message = format!("{} ({})", self.message, label.into());
            return self;
        }
        self.source = Some(source.clone());
        self.span = Some((offset, len));
        self.label = Some(label.into());
        self
    }

    /// Points at a whole line (1-based) of `source`.
    pub fn at_line(self, source: &SourceFile, line: usize, column: usize, label: impl Into<String>) -> Self {
        let offset = source.offset(line, column);
        let rest = &source.text[offset..];
        let len = rest.find('\n').unwrap_or(rest.len()).max(1);
        self.at(source, offset, len, label)
    }

    pub fn in_file(mut self, path: &Path) -> Self {
        self.path = Some(path.display().to_string());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// One line for a summary that names the file elsewhere (a portfolio's
    /// table): what is wrong, why when the label says more than where, and
    /// the line and column.
    pub fn brief(&self) -> String {
        let mut out = self.message.clone();
        if let Some(why) = self.label.as_deref().filter(|l| !l.is_empty() && *l != "here") {
            out.push_str(": ");
            out.push_str(why);
        }
        if let (Some(src), Some((offset, _))) = (&self.source, self.span) {
            let (line, col) = src.line_col(offset);
            out.push_str(&format!(" (line {line}, column {col})"));
        }
        out
    }

    /// `file:line:column` of the problem, when it has a location.
    pub fn location(&self) -> Option<String> {
        match (&self.source, self.span) {
            (Some(src), Some((offset, _))) => {
                let (line, col) = src.line_col(offset);
                Some(format!("{}:{line}:{col}", src.name))
            }
            _ => self.path.clone(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location() {
            Some(loc) => write!(f, "{loc}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Problem {}

impl Diagnostic for Problem {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| &s.text as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let (offset, len) = self.span?;
        let span = SourceSpan::from((offset, len));
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            self.label.clone(),
            span,
        ))))
    }
}

/// All problems found while loading, reported together (exit code 2).
#[derive(Debug, Default)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn push(&mut self, p: Problem) {
        self.0.push(p);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn extend(&mut self, other: Problems) {
        self.0.extend(other.0);
    }
    /// The process exit code: the highest of the problems' codes'.
    pub fn exit_code(&self) -> u8 {
        self.0.iter().map(|p| p.code.exit_code()).max().unwrap_or(2)
    }
    /// Ok(value) when nothing went wrong, the problems otherwise.
    pub fn into_result<T>(self, value: T) -> Result<T, Problems> {
        if self.0.is_empty() { Ok(value) } else { Err(self) }
    }

    /// Renders every problem as miette does, with source snippets. Colour is
    /// off for files and tests, on for terminals that allow it.
    pub fn render(&self, color: bool) -> String {
        let n = self.0.len();
        format!(
            "{}{n} problem{} found; nothing was audited or written.\n",
            self.render_items(color),
            if n == 1 { "" } else { "s" }
        )
    }

    /// The problems alone, without the closing line: a portfolio says
    /// itself what a bad bundle means for the others.
    pub fn render_items(&self, color: bool) -> String {
        let theme = if color {
            miette::GraphicalTheme::unicode()
        } else {
            miette::GraphicalTheme::unicode_nocolor()
        };
        let handler = miette::GraphicalReportHandler::new_themed(theme)
            .with_width(100)
            .with_links(false);
        let mut out = String::new();
        for p in &self.0 {
            // Named so that miette prints the file name in the snippet header.
            let named = p.source.as_ref().map(|s| NamedSource::new(&s.name, s.text.clone()));
            let wrapped = Named { problem: p, named };
            if handler.render_report(&mut out, &wrapped).is_err() {
                out.push_str(&p.to_string());
            }
            out.push('\n');
        }
        // Messages and snippets quote the user's files, which may hold
        // terminal control sequences, or lines of megabytes.
        crate::safe_text::for_terminal(&cut_long_lines(&out), color).into_owned()
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.0 {
            writeln!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

/// Longest line a rendered diagnostic shows: a snippet of a file with a
/// megabyte-long line (a million-column header) would otherwise print it all.
const MAX_RENDERED_LINE: usize = 1_000;

fn cut_long_lines(text: &str) -> std::borrow::Cow<'_, str> {
    if text.lines().all(|l| l.len() <= MAX_RENDERED_LINE) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len().min(1 << 20));
    for line in text.split_inclusive('\n') {
        if line.len() <= MAX_RENDERED_LINE {
            out.push_str(line);
        } else {
            let cut = floor_char_boundary(line, MAX_RENDERED_LINE);
            out.push_str(&format!("{}… ({} more bytes)\n", &line[..cut], line.len() - cut));
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A `Problem` whose source carries its file name (for miette's header).
#[derive(Debug)]
struct Named<'a> {
    problem: &'a Problem,
    named: Option<NamedSource<Arc<FileText>>>,
}

impl fmt::Display for Named<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.problem.path, &self.problem.source) {
            (Some(path), None) => write!(f, "{path}: {}", self.problem.message),
            _ => f.write_str(&self.problem.message),
        }
    }
}

impl std::error::Error for Named<'_> {}

impl Diagnostic for Named<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.problem.code()
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.problem.help()
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.named.as_ref().map(|n| n as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.problem.labels()
    }
}

/// serde's "unknown field `x`, expected one of `a`, `b`" as a did-you-mean
/// help listing the allowed keys.
pub fn unknown_key_help(message: &str) -> Option<String> {
    let unknown = message.split("unknown field `").nth(1)?.split('`').next()?;
    let list = message.split("expected ").nth(1)?;
    let list = list.split(" at line ").next().unwrap_or(list);
    let list = list.strip_prefix("one of ").unwrap_or(list);
    let expected: Vec<&str> = list
        .split(", ")
        .flat_map(|part| part.split(" or "))
        .map(|name| name.trim().trim_matches('`'))
        .filter(|name| !name.is_empty())
        .collect();
    if unknown.is_empty() || expected.is_empty() {
        return None;
    }
    let allowed = format!("allowed here: {}", expected.join(", "));
    let suggestion = suggest(unknown, &expected);
    Some(if suggestion.starts_with("did you mean") {
        format!("{suggestion} ({allowed})")
    } else {
        allowed
    })
}

/// A serde error message without its position (the snippet shows it) and,
/// for unknown keys, without the list of allowed keys (the help has it).
pub fn short_serde_reason(message: &str) -> String {
    let reason = message.split(" at line ").next().unwrap_or(message);
    match reason.split_once(", expected one of") {
        Some((head, _)) if head.starts_with("unknown field") => head.to_string(),
        _ => reason.to_string(),
    }
}

/// "did you mean `x`?" for a misspelt name, or the list of known names.
pub fn suggest(unknown: &str, known: &[&str]) -> String {
    let best = known
        .iter()
        .map(|k| (strsim::jaro_winkler(unknown, k), *k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, k)) => format!("did you mean `{k}`?"),
        None => format!("expected one of: {}", known.join(", ")),
    }
}

#[cfg(test)]
mod tests;
