use crate::rules::plan::testing;
use crate::rules::vocab::normalize;

/// Lookups of credits into deals: three on the same key (one probe per
/// row), one on a key computed in the step, one on another field; a
/// related count and an expression over the found values.
const PLAN: &str = r#"
let:
  credits:
    rows:
      from: campaign_influence
      with:
        deal: { lookup: { from: opportunities, on: { id: opportunity_id }, field: name } }
        deal_stage: { lookup: { from: opportunities, on: { id: opportunity_id }, field: stage } }
        key: "join('', contact_id, opportunity_id)"
        again: { lookup: { from: opportunities, on: { id: key }, field: name } }
        deal_amount: { lookup: { from: opportunities, on: { id: opportunity_id }, field: amount } }
        by_campaign: { lookup: { from: opportunities, on: { id: campaign_id }, field: name } }
        credits: { count: { from: campaign_influence, on: { opportunity_id: opportunity_id } } }
        shown: "join('/', deal, deal_stage, again, by_campaign, deal_amount * 2, credits)"
  shown: { list: { from: credits, show: '[{shown}]', sep: ';' } }
outcome:
  - pass: '{shown}'
"#;

type Credit = (Option<String>, Option<String>, Option<String>);

fn run(credits: &[Credit], deals: &[String]) -> String {
    let field = |name: &str, v: &Option<String>| v.as_ref().map(|v| format!(", {name}: '{v}'")).unwrap_or_default();
    let credit_rows: Vec<String> = credits
        .iter()
        .enumerate()
        .map(|(i, (o, c, k))| {
            format!(
                "{{ id: I{i}{}{}{} }}",
                field("opportunity_id", o),
                field("campaign_id", c),
                field("contact_id", k)
            )
        })
        .collect();
    let deal_rows: Vec<String> = deals
        .iter()
        .enumerate()
        .map(|(i, d)| format!("{{ id: '{d}', name: N{i}, stage: S{}, amount: {i} }}", i % 3))
        .collect();
    let data = format!(
        "campaign_influence: [{}]\nopportunities: [{}]\n",
        credit_rows.join(", "),
        deal_rows.join(", ")
    );
    testing::outcome(PLAN, &data).message
}

/// The same values worked out directly: the first deal whose id is the
/// key as words.
fn expected(credits: &[Credit], deals: &[String]) -> String {
    let first = |key: &str| {
        let key = normalize(key);
        (!key.is_empty())
            .then(|| deals.iter().position(|d| normalize(d) == key))
            .flatten()
    };
    let rows: Vec<String> = credits
        .iter()
        .map(|(o, c, k)| {
            let opp = o.as_deref().unwrap_or("");
            let key = format!("{}{opp}", k.as_deref().unwrap_or(""));
            let deal = first(opp);
            let same = credits
                .iter()
                .filter(|(x, ..)| {
                    let x = normalize(x.as_deref().unwrap_or(""));
                    !x.is_empty() && x == normalize(opp)
                })
                .count();
            let parts = [
                deal.map(|i| format!("N{i}")),
                deal.map(|i| format!("S{}", i % 3)),
                first(&key).map(|i| format!("N{i}")),
                first(c.as_deref().unwrap_or("")).map(|i| format!("N{i}")),
                deal.map(|i| (i * 2).to_string()),
                (!normalize(opp).is_empty()).then(|| same.to_string()),
            ];
            let shown: Vec<String> = parts.into_iter().flatten().collect();
            // A template shows a missing value so.
            if shown.is_empty() {
                "[(none)]".into()
            } else {
                format!("[{}]", shown.join("/"))
            }
        })
        .collect();
    if rows.is_empty() {
        "(none)".into()
    } else {
        rows.join(";")
    }
}

#[test]
fn lookups_find_the_first_deal_of_each_key() {
    let deals: Vec<String> = ["O-1", "o 1", "O-2", "C-9", "X O-2"].map(String::from).to_vec();
    let s = |t: &str| Some(t.to_string());
    let credits = vec![
        (s("O-1"), s("C-9"), None),
        (s("o1"), None, s("X")),
        (None, s("c 9"), s("O-2")),
        (s("O-7"), s("O-2"), None),
    ];
    let got = run(&credits, &deals);
    assert_eq!(got, expected(&credits, &deals));
    assert!(got.starts_with("[N0/S0/N0/N3/0/1]"), "{got}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Shared probes, computed keys and missing keys give each credit the
    /// deal a direct search finds.
    #[test]
    fn shared_lookups_find_what_a_search_finds(
        credits in proptest::collection::vec((
            proptest::option::of("[oO][- ]?[0-9]"),
            proptest::option::of("[oOcC]-?[0-9]"),
            proptest::option::of("[xX ]?"),
        ), 0..12),
        deals in proptest::collection::vec("[xX ]?[oOcC][- ]?[0-9]", 0..12),
    ) {
        proptest::prop_assert_eq!(run(&credits, &deals), expected(&credits, &deals));
    }
}

/// A lookup's keys are numbered alike whether its key column is numbered
/// (a few values: each normalised once) or not (past the numbered columns'
/// limit: each row's): as normalised texts numbered in order of appearance.
#[test]
fn lookup_keys_number_normalised_keys_in_order_numbered_or_not() {
    use crate::bundle::Column;
    use crate::value::FieldType;
    for distinct in [7, 5000] {
        // Each key in two spellings, and some rows with none.
        let values: Vec<String> = (0..6000)
            .map(|i| match i % 4 {
                0 | 2 => format!("o-{}", (i / 2) % distinct),
                1 => format!("O {}", (i / 2) % distinct),
                _ => String::new(),
            })
            .collect();
        let mut col = Column::new(FieldType::Text);
        for v in &values {
            col.push_text(v).unwrap();
        }
        assert_eq!(col.codes().is_some(), distinct < 100, "{distinct}");
        let rows: Vec<u32> = (0..6000u32).rev().filter(|r| r % 3 != 1).collect();
        let (keys, of_row) = super::lookup_keys(&col, &rows);
        let mut seen: Vec<String> = Vec::new();
        let want: Vec<Option<u32>> = rows
            .iter()
            .map(|&r| {
                let k = normalize(&values[r as usize]);
                if k.is_empty() {
                    return None;
                }
                let n = seen.iter().position(|s| *s == k).unwrap_or_else(|| {
                    seen.push(k);
                    seen.len() - 1
                });
                Some(n as u32)
            })
            .collect();
        assert_eq!(of_row, want, "{distinct}");
        assert_eq!(keys.len(), seen.len());
    }
}
