//! Which separator a text table uses, guessed from its first lines.

use std::collections::BTreeMap;

/// The separator of a text table: the one of `,` `;` tab whose count
/// (outside quotes) is the same on most of the first lines. Titles above the
/// header and `;` inside cells (attendee lists) do not fool it.
pub(in crate::bundle) fn sniff_delimiter(text: &[u8]) -> u8 {
    // Lines as `str::lines` gives them (a CR before the LF left out), read
    // as bytes: the text may be a mapping not yet checked to be UTF-8.
    let lines: Vec<&[u8]> = text
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !String::from_utf8_lossy(l).trim().is_empty())
        .take(20)
        .collect();
    let mut best = (0usize, 0usize, b',');
    for d in [b',', b';', b'\t'] {
        let counts: Vec<usize> = lines.iter().map(|l| count_outside_quotes(l, d)).collect();
        let mut freq: BTreeMap<usize, usize> = BTreeMap::new();
        for c in counts.iter().filter(|c| **c > 0) {
            *freq.entry(*c).or_default() += 1;
        }
        // The most common non-zero count, the larger on a tie.
        let Some((&count, &lines_with_it)) = freq.iter().max_by_key(|(c, n)| (**n, **c)) else {
            continue;
        };
        if (lines_with_it, count) > (best.0, best.1) {
            best = (lines_with_it, count, d);
        }
    }
    best.2
}

fn count_outside_quotes(line: &[u8], d: u8) -> usize {
    let mut quoted = false;
    let mut n = 0;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if b == d && !quoted {
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters() {
        assert_eq!(sniff_delimiter("a;b;c\n1;2;3".as_bytes()), b';');
        assert_eq!(sniff_delimiter("a,b\n".as_bytes()), b',');
        assert_eq!(sniff_delimiter("a\tb\tc".as_bytes()), b'\t');
        // Attendee lists with `;` inside a comma-separated file.
        let meetings = "id,date,attendees\nM1,2025-01-01,a;b;c;d;e;f\nM2,2025-01-02,a;b;c;d;e;f;g\n";
        assert_eq!(sniff_delimiter(meetings.as_bytes()), b',');
        // A title and a quoted date range above a tab-separated header.
        let ads = "Campaign report\n\"July 1, 2025 - September 30, 2025\"\nCampaign\tCost\tClicks\nA\t1,234.00\t5\n";
        assert_eq!(sniff_delimiter(ads.as_bytes()), b'\t');
        // Decimal commas in a `;` file.
        assert_eq!(sniff_delimiter("id;amount;x\n1;1,5;2\n2;2,5;3\n".as_bytes()), b';');
    }
}
