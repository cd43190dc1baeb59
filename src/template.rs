//! Message templates: `{name}` is replaced by a value, `{name:pct}` shows a
//! fraction as a percentage, `{name:money}` with thousands separators,
//! `{name:int}` rounded, `{name:n year}` a count with its noun ("1 year",
//! "3 years"; `{name:n person/people}` names the plural). `{{` and `}}` are
//! literal braces.

use crate::value::{Value, format_number};

/// Names used in a template, in order of appearance.
pub fn placeholders(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    walk(template, |piece| {
        if let Piece::Placeholder(name, _) = piece {
            out.push(name.to_string());
        }
        if let Piece::Section(_, name, inner) = piece {
            out.push(name.to_string());
            out.extend(placeholders(inner));
        }
    });
    out
}

/// Fills a template; unknown names are left as written, missing values show as "(none)".
pub fn render(template: &str, lookup: &dyn Fn(&str) -> Option<Value>) -> String {
    render_in(template, lookup, None)
}

/// [`render`], with amounts (`{x:money}`) in `currency`. `{a|b}` shows the
/// first of `a`, `b` that has a value; `{a|"text"}` falls back to the text.
pub fn render_in(template: &str, lookup: &dyn Fn(&str) -> Option<Value>, currency: Option<&str>) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    walk(template, |piece| match piece {
        Piece::Text(t) => out.push_str(t),
        Piece::Section(shown_if, name, inner) => {
            if lookup(name).is_some_and(|v| truthy(&v)) == shown_if {
                out.push_str(&render_in(inner, lookup, currency));
            }
        }
        Piece::Placeholder(name, format) => {
            let mut known = false;
            let mut shown = None;
            for alt in name.split('|').map(str::trim) {
                if let Some(text) = alt.strip_prefix('"').and_then(|a| a.strip_suffix('"')) {
                    shown = Some(text.to_string());
                    break;
                }
                if let Some(v) = lookup(alt) {
                    known = true;
                    let empty =
                        matches!(&v, Value::Null) || v == Value::Text(String::new()) || v == Value::List(Vec::new());
                    if !empty {
                        shown = Some(match (format, currency, &v) {
                            (Some("money"), Some(cur), Value::Number(n)) => format_currency(*n, cur),
                            // A count in a sentence reads as a client expects it: 1,546 leads.
                            (None, _, Value::Number(n)) if is_whole(*n) && n.abs() >= 1000.0 => format_whole(*n),
                            _ => format_value(&v, format),
                        });
                        break;
                    }
                }
            }
            match shown {
                Some(s) => out.push_str(&s),
                None if known => out.push_str("(none)"),
                None => {
                    out.push('{');
                    out.push_str(name);
                    out.push('}');
                }
            }
        }
    });
    out
}

/// An amount with its currency: `$1,200`, `€1,200`, `£1,200`, `CHF 1,200`.
pub fn format_currency(n: f64, currency: &str) -> String {
    let amount = format_money(n.abs());
    let sign = if n.round() < 0.0 { "-" } else { "" };
    match currency.to_ascii_uppercase().as_str() {
        "USD" => format!("{sign}${amount}"),
        "EUR" => format!("{sign}€{amount}"),
        "GBP" => format!("{sign}£{amount}"),
        other => format!("{sign}{other} {amount}"),
    }
}

/// `n` with `noun` after it, in the plural unless `n` is 1: `noun` is
/// `year` (plural `years`) or `person/people`.
fn counted(n: f64, noun: &str) -> String {
    let (one, many) = match noun.split_once('/') {
        Some((one, many)) => (one.trim().to_string(), many.trim().to_string()),
        None => (noun.to_string(), format!("{noun}s")),
    };
    format!("{} {}", format_whole(n), if n == 1.0 { one } else { many })
}

fn is_whole(n: f64) -> bool {
    n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15
}

/// A whole number with thousands separators (1,546); anything else as
/// `format_number` writes it.
fn format_whole(n: f64) -> String {
    if !is_whole(n) {
        return format_number(n);
    }
    let sign = if n < 0.0 { "-" } else { "" };
    format!("{sign}{}", format_money(n.abs()))
}

pub fn format_value(v: &Value, format: Option<&str>) -> String {
    if let Some(noun) = format.and_then(|f| f.strip_prefix("n "))
        && let Some(n) = match v {
            Value::Number(n) => Some(*n),
            Value::List(items) => Some(items.len() as f64),
            _ => None,
        }
    {
        return counted(n, noun.trim());
    }
    match (v, format) {
        (Value::Null, _) => "(none)".to_string(),
        (Value::Number(n), Some("pct")) => format_percent(*n),
        (Value::Number(n), Some("pct0")) => format!("{}%", format_whole((n * 100.0).round())),
        // Always one decimal, rounded half away from zero: 0.05 -> "5.0%".
        (Value::Number(n), Some("pct1")) => format!("{:.1}%", (n * 1000.0).round() / 10.0 + 0.0),
        (Value::Number(n), Some("money")) => format_money(*n),
        (Value::Number(n), Some("int")) => format_whole(n.round()),
        (Value::Number(n), Some("num")) => format_money(*n),
        (Value::List(items), Some("count")) => format_number(items.len() as f64),
        (Value::List(items), _) => items.join(", "),
        _ => v.to_text(),
    }
}

/// 0.1234 -> "12.3%".
pub fn format_percent(n: f64) -> String {
    let pct = n * 100.0;
    if (pct - pct.round()).abs() < 0.05 {
        format!("{}%", format_number(pct.round()))
    } else {
        format!("{pct:.1}%")
    }
}

/// 1234567.8 -> "1,234,568".
pub fn format_money(n: f64) -> String {
    let rounded = n.round();
    let digits = format!("{:.0}", rounded.abs());
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if rounded < 0.0 { format!("-{grouped}") } else { grouped }
}

/// Escapes text for a Markdown table cell or paragraph: markup characters
/// become literal, HTML is neutralised and line breaks cannot end a table row.
pub fn markdown_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

enum Piece<'a> {
    Text(&'a str),
    Placeholder(&'a str, Option<&'a str>),
    /// `{?name:text}` (shown when `name` has a value that is not 0, false or
    /// empty) or `{!name:text}` (shown when it has not); the text may hold
    /// placeholders.
    Section(bool, &'a str, &'a str),
}

/// Whether a value shows a `{?name:…}` section.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => *n != 0.0,
        Value::Text(t) => !t.is_empty(),
        Value::List(l) => !l.is_empty(),
        Value::Date(_) => true,
    }
}

/// `name:text}…` after `{?` -> (name, text, bytes up to and including the closing brace).
fn section(rest: &str) -> Option<(&str, &str, usize)> {
    let mut depth = 0usize;
    for (i, c) in rest.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                let (name, inner) = rest[..i].split_once(':')?;
                let name = name.trim();
                let simple = !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '.'));
                return simple.then_some((name, inner, i + 1));
            }
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

fn walk<'a>(template: &'a str, mut f: impl FnMut(Piece<'a>)) {
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        let (before, after) = rest.split_at(open);
        if !before.is_empty() {
            f(Piece::Text(before));
        }
        if after.starts_with("{{") || after.starts_with("}}") {
            f(Piece::Text(&after[..1]));
            rest = &after[2..];
            continue;
        }
        if let Some(stripped) = after.strip_prefix('}') {
            f(Piece::Text("}"));
            rest = stripped;
            continue;
        }
        if let Some(shown_if) = [("{?", true), ("{!", false)]
            .into_iter()
            .find_map(|(p, shown_if)| after.starts_with(p).then_some(shown_if))
            && let Some((name, inner, len)) = section(&after[2..])
        {
            f(Piece::Section(shown_if, name, inner));
            rest = &after[2 + len..];
            continue;
        }
        match after.find('}') {
            Some(close) => {
                let inner = &after[1..close];
                let (name, format) = match inner.split_once(':') {
                    Some((n, fmt)) => (n.trim(), Some(fmt.trim())),
                    None => (inner.trim(), None),
                };
                f(Piece::Placeholder(name, format));
                rest = &after[close + 1..];
            }
            None => {
                f(Piece::Text(after));
                rest = "";
            }
        }
    }
    if !rest.is_empty() {
        f(Piece::Text(rest));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_take_the_plural_unless_one() {
        let lookup = |n: &str| match n {
            "one" => Some(Value::Number(1.0)),
            "three" => Some(Value::Number(3.0)),
            "people" => Some(Value::List(vec!["a".into(), "b".into()])),
            _ => None,
        };
        assert_eq!(render("{one:n year}, {three:n year}", &lookup), "1 year, 3 years");
        assert_eq!(render("{people:n person/people}", &lookup), "2 people");
        assert_eq!(render("{one:n person/people}", &lookup), "1 person");
    }

    #[test]
    fn whole_numbers_in_a_sentence_take_thousands_separators() {
        let lookup = |n: &str| match n {
            "leads" => Some(Value::Number(1546.0)),
            "small" => Some(Value::Number(999.0)),
            "gap" => Some(Value::Number(-25_000.0)),
            "days" => Some(Value::Number(1234.6)),
            "share" => Some(Value::Number(1234.5)),
            _ => None,
        };
        assert_eq!(
            render(
                "{leads} of {small}; {gap}; {leads:n lead}; {days:int} days; {share}",
                &lookup
            ),
            "1,546 of 999; -25,000; 1,546 leads; 1,235 days; 1234.5"
        );
        assert_eq!(
            format_value(&Value::Number(13.04), Some("pct0")),
            "1,304%",
            "a forecast off by thirteen times"
        );
    }

    #[test]
    fn renders_placeholders_and_formats() {
        let lookup = |n: &str| match n {
            "name" => Some(Value::Text("Click rate".into())),
            "value" => Some(Value::Number(0.1234)),
            "cost" => Some(Value::Number(1_234_567.8)),
            "none" => Some(Value::Null),
            _ => None,
        };
        assert_eq!(render("KPI {name} at {value:pct}", &lookup), "KPI Click rate at 12.3%");
        assert_eq!(
            render("{cost:money} {{literal}} {none} {other}", &lookup),
            "1,234,568 {literal} (none) {other}"
        );
        assert_eq!(placeholders("a {x} b {y:pct} {{z}}"), vec!["x", "y"]);
        assert_eq!(
            render(
                "KPI{?name: {name} ({value:pct})}{!none:, none}{?none:!}{!name:?}",
                &lookup
            ),
            "KPI Click rate (12.3%), none"
        );
        assert_eq!(
            render("{?other:x}{!other:y}{?cost:{{{cost:money}}}}", &lookup),
            "y{1,234,568}"
        );
        assert_eq!(placeholders("{?name:{value} of {cost}}"), vec!["name", "value", "cost"]);
        // Not a section: left as written.
        assert_eq!(render("{?name} {?}", &lookup), "{?name} {?}");
        assert_eq!(format_percent(0.5), "50%");
        let pct1 = |n: f64| format_value(&Value::Number(n), Some("pct1"));
        assert_eq!(
            (pct1(0.05), pct1(1.0 / 60.0), pct1(0.0), pct1(1.0 / 24.0)),
            ("5.0%".into(), "1.7%".into(), "0.0%".into(), "4.2%".into())
        );
        assert_eq!(format_money(-1000.0), "-1,000");
    }
}
