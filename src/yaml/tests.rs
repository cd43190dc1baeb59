use super::*;

#[test]
fn values_keep_their_types() {
    let v = value_from_str("a: 1\nb: 1.5\nc: x\nd: true\ne: null\nf: 2025-01-01\ng: [1, two]\nh: {k: v}\n").unwrap();
    assert_eq!(v["a"], serde_json::json!(1));
    assert_eq!(v["b"], serde_json::json!(1.5));
    assert_eq!(v["c"], serde_json::json!("x"));
    assert_eq!(v["d"], serde_json::json!(true));
    assert_eq!(v["e"], Value::Null);
    assert_eq!(v["f"], serde_json::json!("2025-01-01"));
    let w = value_from_str("a: yes\nb: no\nc: on\nd: 007\ne: 1_000\nf: True\ng: 0x1F\n").unwrap();
    assert_eq!(
        w,
        serde_json::json!({"a": "yes", "b": "no", "c": "on", "d": "007", "e": "1_000", "f": true, "g": 31})
    );
    let e = value_from_str("a: 1\na: 2\n").unwrap_err();
    assert_eq!((e.message.as_str(), e.line), ("duplicate mapping key: a", 2));
    assert_eq!(scalar_text(&v["g"]), "[1, two]");
    assert_eq!(scalar_text(&v["h"]), "{k: v}");
}

#[test]
fn errors_have_a_position() {
    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct S {
        id: String,
        n: u32,
    }
    let e = from_str::<S>("id: x\nnn: 3\n").unwrap_err();
    eprintln!("{e:?}");
    assert_eq!((e.line, e.column), (2, 1));
    let e = from_str::<S>("id: x\nn: three\n").unwrap_err();
    eprintln!("{e:?}");
    assert_eq!(e.line, 2);
    let e = from_str::<S>("id: [x\nn: 3\n").unwrap_err();
    eprintln!("{e:?}");
    assert!(e.line > 0);
}

#[test]
fn bombs_and_depth_are_refused() {
    let mut yaml = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for n in b'b'..=b'z' {
        let prev = (n - 1) as char;
        let n = n as char;
        yaml.push_str(&format!("{n}: &{n} [{}]\n", vec![format!("*{prev}"); 9].join(",")));
    }
    let e = value_from_str(&yaml).unwrap_err();
    assert!(e.message.contains("alias"), "{e}");
    let deep = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let e = value_from_str(&deep).unwrap_err();
    assert!(
        e.message.contains("nesting") || e.message.contains("recursion limit"),
        "{e}"
    );
}

/// Texts with no anchor skip the walk of [`check_bounds`]: an alias then
/// names nothing, which the parser refuses, and a `*` in a text is text.
#[test]
fn an_alias_without_an_anchor_is_an_error_and_a_star_in_text_is_text() {
    let e = value_from_str(
        "a: *lol
b: [*lol, *lol]
",
    )
    .unwrap_err();
    assert!(e.line > 0, "{e}");
    let v = value_from_str(
        "expr: share * deal_amount
b: '*x'
",
    )
    .unwrap();
    assert_eq!(v["expr"], "share * deal_amount");
    assert_eq!(v["b"], "*x");
}

#[test]
fn the_deepest_document_accepted_parses_on_a_small_stack() {
    let n = MAX_DEPTH;
    let flow = format!("{}{}", "[".repeat(n), "]".repeat(n));
    let block: String = (0..n).map(|i| format!("{}k:\n", "  ".repeat(i))).collect();
    let maps = format!("{}1{}", "{k: ".repeat(n), "}".repeat(n - 1) + "}");
    for text in [flow, block, maps] {
        let parsed = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || value_from_str(&text).map(|_| ()))
            .unwrap()
            .join();
        assert!(matches!(parsed, Ok(Ok(()))), "{parsed:?}");
    }
    let deeper: String = (0..=n).map(|i| format!("{}k:\n", "  ".repeat(i))).collect();
    let e = value_from_str(&deeper).unwrap_err();
    assert_eq!(e.message, format!("nesting deeper than {MAX_DEPTH} levels"));
    let deeper = format!("{}{}", "[".repeat(n + 1), "]".repeat(n + 1));
    let e = value_from_str(&deeper).unwrap_err();
    assert!(e.message.starts_with("nesting deeper than 64 levels"), "{e}");
    assert_eq!((e.line, e.column), (1, n + 1));
}

#[test]
fn each_limit_holds_at_its_edge() {
    let two_mib = format!("a: {}\n", "x".repeat(2 << 20));
    let e = check_bounds_within(&two_mib, 1 << 20, 8, 1 << 20).unwrap_err();
    assert_eq!(e.message, "3 MiB of YAML; the limit is 1 MiB");
    assert_eq!(e.offset(&two_mib), 0);
    assert!(check_bounds_within(&two_mib, 4 << 20, 8, 1 << 20).is_ok());
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    assert!(check_bounds_within(&deep(8), 1 << 20, 8, 1 << 20).is_ok());
    let e = check_bounds_within(&deep(9), 1 << 20, 8, 1 << 20).unwrap_err();
    assert_eq!((e.line, e.column), (1, 9));
    // One alias of a 100-item list grows the document by about 100 nodes.
    let list = format!("a: &a [{}]\nb: *a\n", vec!["1"; 100].join(","));
    assert!(check_bounds_within(&list, 1 << 20, 8, 100 * (NODE_WEIGHT + 1) + 2 * NODE_WEIGHT).is_ok());
    let e = check_bounds_within(&list, 1 << 20, 8, 100 * NODE_WEIGHT).unwrap_err();
    assert_eq!((e.line, e.column), (2, 4));
    // Nested aliases count what they repeat, expanded.
    let nested = format!("{list}c: [*a, *a]\nd: [*c, *c]\n").replace("c: [", "c: &c [");
    let one = 100 * (NODE_WEIGHT + 1) + NODE_WEIGHT;
    // b: one; c: two; d: twice c (two and its own node).
    let total = one + 2 * one + 2 * (2 * one + NODE_WEIGHT);
    assert!(check_bounds_within(&nested, 1 << 20, 8, total).is_ok());
    assert!(check_bounds_within(&nested, 1 << 20, 8, total - 1).is_err());
}

#[test]
fn value_spans_follow_keys_and_indices() {
    let text = "title: a\ncheck:\n  plan:\n    let:\n      dated: { rows: { from: x } }\n      n: count(dated)\n    findings:\n      - from: dated\n        message: hi\n";
    let at = |p: &[&str]| value_span(text, p).map(|r| &text[r]);
    assert_eq!(at(&["title"]), Some("a"));
    assert_eq!(at(&["check", "plan", "let", "dated"]), Some("{ rows: { from: x } }"));
    assert_eq!(at(&["check", "plan", "let", "dated", "rows", "from"]), Some("x"));
    assert_eq!(at(&["check", "plan", "let", "n"]), Some("count(dated)"));
    assert_eq!(at(&["check", "plan", "findings", "0", "message"]), Some("hi"));
    assert!(
        at(&["check", "plan", "findings", "0"])
            .unwrap()
            .starts_with("from: dated")
    );
    assert_eq!(at(&["check", "plan", "let", "missing"]), None);
    assert_eq!(at(&["title", "x"]), None);
}

#[test]
fn sections_span_the_top_level_values() {
    let text = "id: X\nreferences:\n  - weight: no\ncheck:\n  rows: { weight: 1 }\n\"quoted\": [1]\n";
    let s = sections(text);
    let keys: Vec<&str> = s.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(keys, ["id", "references", "check", "quoted"]);
    assert_eq!(&text[s[0].key_at..s[0].key_at + 2], "id");
    assert_eq!(&text[s[0].value.clone()], "X\n");
    assert!(text[s[2].value.clone()].starts_with("rows: { weight: 1 }"));
    assert_eq!(&text[s[3].key_at..s[3].key_at + 8], "\"quoted\"");
    assert!(sections("[1, 2]").is_empty());
    assert!(sections("").is_empty());
}
