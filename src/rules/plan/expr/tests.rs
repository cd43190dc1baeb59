use super::*;

struct Vars;
impl Env for Vars {
    fn name(&self, name: &str) -> Val {
        match name {
            "a" => Val::Num(3.0),
            "b" => Val::Num(4.0),
            "none" => Val::Null,
            "d" => Val::Date(100),
            "label" => Val::Text("Board of Directors".into()),
            _ => Val::Null,
        }
    }
    fn param(&self, name: &str) -> Val {
        if name == "limit" { Val::Num(0.5) } else { Val::Null }
    }
    fn has(&self, path: &str) -> bool {
        path == "leads.stage"
    }
}

fn ev(src: &str) -> Val {
    parse(src).unwrap_or_else(|e| panic!("{src}: {e}")).eval(&Vars)
}

#[test]
fn if_takes_one_arm() {
    assert_eq!(ev("if(a < b, 'less', 'more')"), Val::Text("less".into()));
    assert_eq!(ev("if(none > 1, 1, 2)"), Val::Num(2.0));
    assert_eq!(ev("if(is_null(none), null, a)"), Val::Null);
    assert_eq!(ev("2 * if(a > b, a, b)"), Val::Num(8.0));
}

#[test]
fn arithmetic_logic_and_precedence() {
    assert_eq!(ev("a + b * 2"), Val::Num(11.0));
    assert_eq!(ev("(a + b) * 2"), Val::Num(14.0));
    assert_eq!(ev("a / b < $limit"), Val::Bool(false));
    assert_eq!(ev("a / b >= $limit and not (a > b)"), Val::Bool(true));
    assert_eq!(ev("a > b or b > a"), Val::Bool(true));
    assert_eq!(ev("-a + 1"), Val::Num(-2.0));
    assert_eq!(ev("min(a, b, none)"), Val::Num(3.0));
    assert_eq!(ev("max(a, b) - 1_000"), Val::Num(-996.0));
    assert_eq!(ev("round(2.5) + floor(1.9) + ceil(0.1)"), Val::Num(5.0));
    assert_eq!(ev("has(leads.stage) && !has(leads.sql_date)"), Val::Bool(true));
    assert_eq!(ev("label == 'board of directors'"), Val::Bool(true));
}

#[test]
fn nulls_propagate_like_sql() {
    assert_eq!(ev("none + 1"), Val::Null);
    assert_eq!(ev("none < 1"), Val::Bool(false));
    assert_eq!(ev("none >= 1"), Val::Bool(false));
    assert_eq!(ev("none == null"), Val::Bool(true));
    assert_eq!(ev("none ?? a"), Val::Num(3.0));
    assert_eq!(ev("a / 0"), Val::Null);
    assert_eq!(ev("is_null(a / 0)"), Val::Bool(true));
}

#[test]
fn dates_add_days_and_subtract_to_days() {
    assert_eq!(ev("d - 30"), Val::Date(70));
    assert_eq!(ev("d + 1 > d"), Val::Bool(true));
    assert_eq!(ev("d - (d - 7)"), Val::Num(7.0));
    assert_eq!(ev("days(d - 7, d)"), Val::Num(7.0));
    assert_eq!(ev("month(d)"), Val::Text("1970-04".into()));
}

#[test]
fn cadences_read_as_times_a_year_and_texts_join() {
    assert_eq!(ev("per_year('Monthly')"), Val::Num(12.0));
    assert_eq!(ev("per_year('bi-weekly')"), Val::Num(26.0));
    assert_eq!(ev("per_year('BiMonthly')"), Val::Num(6.0));
    assert_eq!(ev("per_year('semi_annual')"), Val::Num(2.0));
    assert_eq!(ev("per_year('ad hoc')"), Val::Num(0.0));
    assert_eq!(ev("per_year('whenever')"), Val::Null);
    assert_eq!(ev("per_year(none)"), Val::Null);
    assert_eq!(ev("join('; ', 'a', '', none, 'b')"), Val::Text("a; b".into()));
    assert_eq!(ev("join(', ')"), Val::Text("".into()));
    assert_eq!(
        ev("if(a > b, 'more', join(' ', 'not', 'more'))"),
        Val::Text("not more".into())
    );
    assert_eq!(ev("if(none, 1, 2) + if(a, 10)"), Val::Num(12.0));
    assert_eq!(ev("if(false, 1)"), Val::Null);
}

#[test]
fn if_chooses_one_side() {
    assert_eq!(ev("if(a < b, d, d + 1)"), Val::Date(100));
    assert_eq!(ev("if(none > 1, 'x', 'y')"), Val::Text("y".into()));
    assert_eq!(ev("if(a > b, 1)"), Val::Null);
    assert_eq!(ev("if(a, b / 0, 0) ?? 5"), Val::Num(5.0));
}

#[test]
fn errors_name_the_column() {
    let e = parse("a + * b").unwrap_err();
    assert_eq!((e.message.as_str(), e.at), ("unexpected `*`", 4));
    let e = parse("mni(a, b)").unwrap_err();
    assert!(
        e.message.contains("unknown function `mni`") && e.message.contains("min"),
        "{}",
        e.message
    );
    assert_eq!(
        parse("a < b < 3").unwrap_err().message,
        "comparisons do not chain: write `a < b and b < c`"
    );
    assert_eq!(parse("'open").unwrap_err().at, 0);
    assert_eq!(parse("(a + b").unwrap_err().message, "expected `)`");
    assert_eq!(parse("").unwrap_err().message, "the expression is empty");
}

#[test]
fn names_lists_what_an_expression_reads() {
    let e = parse("share < $fail_below and has(leads.stage) and org.sales_motion == 'smb'").unwrap();
    let (mut names, mut params) = (Vec::new(), Vec::new());
    e.names(&mut names, &mut params);
    assert_eq!(names, ["share", "org.sales_motion"]);
    assert_eq!(params, ["fail_below"]);
}
