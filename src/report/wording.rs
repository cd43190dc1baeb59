//! Wording as a client reads it: the rule pack writes for its authors
//! (`field` names in backticks, snake_case values such as `follow_up_sla`);
//! the HTML, Markdown and terminal reports show words instead. The JSON
//! keeps every text as the rule wrote it.

/// Text as a client reads it: a name a rule quoted in backticks gets
/// quotation marks, and a snake_case field or value name becomes words
/// (`follow_up_sla` -> "follow-up SLA"). The JSON keeps the text as the rule wrote it.
pub fn client_text(text: &str) -> String {
    // Rules quote names with backticks or straight quotes: the reader sees
    // one kind, typographic quotes, whichever the rule used. Unpaired marks
    // (an odd count) are left as they are rather than guessed at.
    let mut out = String::with_capacity(text.len());
    let (mut tick_open, mut quote_open) = (false, false);
    let ticks = text.matches('`').count().is_multiple_of(2);
    let quotes = text.matches('"').count().is_multiple_of(2);
    for c in text.chars() {
        match c {
            '`' if ticks => {
                out.push(if tick_open { '\u{201d}' } else { '\u{201c}' });
                tick_open = !tick_open;
            }
            '"' if quotes => {
                out.push(if quote_open { '\u{201d}' } else { '\u{201c}' });
                quote_open = !quote_open;
            }
            _ => out.push(c),
        }
    }
    snake_to_words(&out)
}

/// Words of a snake_case name that a reader knows in capitals.
const ACRONYMS: &[&str] = &[
    "abm", "acv", "arr", "b2b", "b2c", "cac", "ceo", "cfo", "cmo", "coo", "cpl", "crm", "cro", "cto", "icp", "kpi",
    "kpis", "mql", "mqls", "mrr", "okr", "okrs", "ppc", "pr", "qbr", "roi", "sal", "sdr", "sdrs", "seo", "sla", "slas",
    "sql", "sqls", "vp",
];

/// One snake_case name as words: `follow_up_sla` -> `follow-up SLA`,
/// `marketing_sourced_pipeline` -> `marketing sourced pipeline`.
pub fn label(name: &str) -> String {
    let words: Vec<String> = name
        .split('_')
        .map(|w| match ACRONYMS.binary_search(&w) {
            // A plural acronym keeps its s small: "KPIs".
            Ok(_) if w.len() > 3 && w.ends_with('s') => format!("{}s", w[..w.len() - 1].to_ascii_uppercase()),
            Ok(_) => w.to_ascii_uppercase(),
            Err(_) => w.to_string(),
        })
        .collect();
    // "follow up" before a noun is one word; so is "co marketing", "re engagement".
    words
        .join(" ")
        .replace("follow up ", "follow-up ")
        .replace("co marketing", "co-marketing")
}

/// `demand_creation` -> `demand creation`, for whole words of lowercase
/// letters joined by underscores only (never an id such as `K_01`); a lone
/// lowercase acronym (`cmo`, an export's role code) in capitals.
fn snake_to_words(text: &str) -> String {
    map_words(text, |word, out| {
        let snake = word.contains('_')
            && !word.starts_with('_')
            && !word.ends_with('_')
            && word.chars().all(|c| c.is_ascii_lowercase() || c == '_');
        if snake || ACRONYMS.binary_search(&word).is_ok() {
            out.push_str(&label(word));
        } else {
            out.push_str(word);
        }
    })
}

/// The text with each word written by `write` and everything between words
/// kept. A word is letters, digits, `_` and `-`: a hyphen joins a code
/// (`p-cro`, `AG-1`), so its parts are not words.
pub(super) fn map_words(text: &str, write: impl Fn(&str, &mut String)) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' || c == '-' {
            word.push(c);
        } else {
            write(&word, &mut out);
            word.clear();
            out.push(c);
        }
    }
    write(&word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acronyms_are_sorted_for_the_search() {
        assert!(ACRONYMS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn field_names_and_values_read_as_words() {
        assert_eq!(client_text("follow_up_sla AG-1"), "follow-up SLA AG-1");
        assert_eq!(client_text("no `reports` list"), "no \u{201c}reports\u{201d} list");
        // Straight and backtick quotes read the same; an unpaired one is left alone.
        assert_eq!(
            client_text("\"Web\" and `CRM`"),
            "\u{201c}Web\u{201d} and \u{201c}CRM\u{201d}"
        );
        assert_eq!(client_text("a 5\" screen"), "a 5\" screen");
        assert_eq!(client_text("marketing_sourced_pipeline"), "marketing sourced pipeline");
        assert_eq!(
            client_text("board_kpis and vp_marketing"),
            "board KPIs and VP marketing"
        );
        assert_eq!(
            client_text("cmo answered; Cmo and CMO stay"),
            "CMO answered; Cmo and CMO stay"
        );
        // Ids and codes stay as written.
        assert_eq!(client_text("K_01, p-cro, AG_2"), "K_01, p-cro, AG_2");
    }
}
