//! How the loader words what it found: a type, a column's letters, a YAML
//! key for a header, a date format to suggest, a capped list of names.

use crate::bundle::Note;
use crate::value::FieldType;

/// Date formats exports write, tried on a cell the ISO reader refused. Month
/// first comes before day first (Salesforce and Google Ads in the US write
/// `2/26/2018`); when both read a cell, the help says which was chosen.
const DATE_FORMATS: &[&str] = &[
    "%m/%d/%Y", "%d/%m/%Y", "%m/%d/%y", "%d/%m/%y", "%d.%m.%Y", "%d-%m-%Y", "%m-%d-%Y", "%Y%m%d", "%d-%b-%Y",
    "%Y.%m.%d",
];

/// The `date_format:` that reads a cell as the loader applies it (to the
/// first word of the cell, so `2/26/2018 19:58` reads with `%m/%d/%Y`), and
/// another that reads it too (`3/4/2025`: month or day first).
pub(crate) fn date_format_for(cell: &str) -> Option<(&'static str, Option<&'static str>)> {
    let head = cell.split_whitespace().next()?;
    let mut fits = DATE_FORMATS
        .iter()
        .copied()
        .filter(|f| !f.contains(' ') && chrono::NaiveDate::parse_from_str(head, f).is_ok());
    let first = fits.next()?;
    Some((first, fits.next()))
}

/// A header as a YAML key: quoted when YAML would read it otherwise.
pub(crate) fn yaml_key(header: &str) -> String {
    let plain = header
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '_' | '-' | '.' | '(' | ')'))
        && !header.starts_with([' ', '-'])
        && !header.ends_with(' ');
    if plain {
        header.to_string()
    } else {
        format!("\"{}\"", header.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

pub(crate) fn note(file: &str, message: &str) -> Note {
    Note {
        file: file.to_string(),
        message: message.to_string(),
    }
}

pub(crate) fn type_word(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Number => "a number",
        FieldType::Percent => "a percentage",
        FieldType::Date => "a date (YYYY-MM-DD)",
        FieldType::Bool => "true or false",
        FieldType::Text => "text",
        FieldType::List => "a list",
    }
}

/// `A`, `B`, … `Z`, `AA`… for a 0-based column.
pub fn column_letters(mut col: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + u8::try_from(col % 26).unwrap_or(0));
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Most names, and characters of a name, a note lists: an export with a
/// million columns (or one huge header) must not make a megabyte note.
const NOTE_NAMES: usize = 20;
const NOTE_NAME_CHARS: usize = 80;

/// `names` joined for a note: the first [`NOTE_NAMES`], each cut at
/// [`NOTE_NAME_CHARS`] characters, and how many more there are.
pub(crate) fn capped_list(names: &[String]) -> String {
    let mut shown: Vec<String> = names
        .iter()
        .take(NOTE_NAMES)
        .map(|n| match n.char_indices().nth(NOTE_NAME_CHARS) {
            Some((at, _)) => format!("{}…", &n[..at]),
            None => n.clone(),
        })
        .collect();
    if names.len() > NOTE_NAMES {
        shown.push(format!("and {} more", names.len() - NOTE_NAMES));
    }
    shown.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(2), "C");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
    }
}
