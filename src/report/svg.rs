//! Hand-written SVG charts, inlined in the HTML report: the five category
//! scores as bars, and scores over time as lines. Every chart carries its
//! numbers and grades as text, so it reads without colour and in print.

use crate::value::format_number;
use std::fmt::Write;

/// Escapes text for SVG/XML content and attribute values.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Fill colour of a grade; the grade letter is always printed beside it.
/// No text sits on these fills (the grade card in report.html, which puts
/// white text on its grade colour, uses darker shades for 4.5:1 contrast).
pub fn grade_colour(grade: Option<&str>) -> &'static str {
    match grade {
        Some("A") => "#2e7d32",
        Some("B") => "#558b2f",
        Some("C") => "#b08800",
        Some("D") => "#d35400",
        Some("F") => "#c0392b",
        _ => "#9e9e9e",
    }
}

pub struct Bar<'a> {
    pub label: &'a str,
    pub score: Option<f64>,
    pub grade: Option<&'a str>,
}

/// Horizontal bars, one per category, with the grade band thresholds marked.
pub fn category_bars(bars: &[Bar<'_>], bands: &[(String, f64)]) -> String {
    const LEFT: f64 = 120.0;
    const WIDTH: f64 = 380.0;
    const ROW: f64 = 40.0;
    const TOP: f64 = 24.0;
    let height = TOP + ROW * bars.len() as f64 + 28.0;
    let x = |score: f64| LEFT + WIDTH * score.clamp(0.0, 100.0) / 100.0;
    let summary: Vec<String> = bars
        .iter()
        .map(|b| match (b.score, b.grade) {
            (Some(s), Some(g)) => format!("{} {} ({g})", b.label, format_number(s)),
            _ => format!("{} not assessed", b.label),
        })
        .collect();
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 600 {height}\" width=\"600\" height=\"{height}\" \
         role=\"img\" aria-label=\"Category scores: {}\" class=\"chart\">\n<title>Category scores out of 100</title>\n",
        xml_escape(&summary.join("; "))
    );
    let bottom = TOP + ROW * bars.len() as f64;
    let _ = writeln!(
        out,
        "<line x1=\"{LEFT}\" y1=\"{}\" x2=\"{LEFT}\" y2=\"{bottom}\" stroke=\"#333\"/>",
        TOP - 6.0
    );
    for (i, b) in bars.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        let mid = y + ROW / 2.0 + 5.0;
        let _ = writeln!(
            out,
            "<text class=\"lbl\" x=\"{}\" y=\"{mid}\" font-size=\"14\" text-anchor=\"end\" fill=\"#222\">{}</text>\
             <rect x=\"{LEFT}\" y=\"{}\" width=\"{WIDTH}\" height=\"{}\" fill=\"#eef0f3\"/>",
            LEFT - 10.0,
            xml_escape(b.label),
            y + 8.0,
            ROW - 16.0
        );
        match (b.score, b.grade) {
            (Some(score), grade) => {
                let w = x(score) - LEFT;
                let _ = writeln!(
                    out,
                    "<rect x=\"{LEFT}\" y=\"{}\" width=\"{w:.1}\" height=\"{}\" fill=\"{}\"/>\
                     <text class=\"lbl\" x=\"{:.1}\" y=\"{mid}\" font-size=\"14\" font-weight=\"bold\" fill=\"#222\">{} · {}</text>",
                    y + 8.0,
                    ROW - 16.0,
                    grade_colour(grade),
                    x(score) + 6.0,
                    format_number(score),
                    xml_escape(grade.unwrap_or("-"))
                );
            }
            (None, _) => {
                let _ = writeln!(
                    out,
                    "<text class=\"lbl\" x=\"{}\" y=\"{mid}\" font-size=\"13\" font-style=\"italic\" fill=\"#666\">not assessed</text>",
                    LEFT + 6.0
                );
            }
        }
    }
    // Band marks go over the bars so the thresholds stay visible. The score
    // a band starts at is a tspan a narrow screen may hide: at phone type
    // sizes "D 60" and "C 70" would run into each other.
    for (grade, threshold) in bands {
        let gx = x(*threshold);
        let _ = writeln!(
            out,
            "<line x1=\"{gx}\" y1=\"{}\" x2=\"{gx}\" y2=\"{bottom}\" stroke=\"#bbb\" stroke-dasharray=\"3 3\"/>\
             <text x=\"{gx}\" y=\"{}\" class=\"tick\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">{}<tspan class=\"band-from\"> {}</tspan></text>",
            TOP - 14.0,
            TOP - 4.0,
            xml_escape(grade),
            format_number(*threshold)
        );
    }
    for tick in [0.0, 50.0, 100.0] {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" class=\"tick\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">{}</text>",
            x(tick),
            bottom + 16.0,
            format_number(tick)
        );
    }
    out.push_str("</svg>");
    out
}

pub struct Series<'a> {
    pub label: &'a str,
    pub values: Vec<Option<f64>>,
    pub colour: &'a str,
    pub width: f64,
    pub dash: &'a str,
}

/// Scores over time: one line per series, with a legend under the plot
/// (line sample, name, last score); a missing value breaks the line instead
/// of dropping it to zero. Drawn 450 units wide and shown at most 560 px
/// wide, so on a 390 px phone it scales by about 0.8 and its type stays
/// near 12 px (labels at the line ends would need a wider drawing and so
/// shrink to 8 px there).
pub fn line_chart(x_labels: &[String], series: &[Series<'_>]) -> String {
    const LEFT: f64 = 34.0;
    const TOP: f64 = 12.0;
    const PLOT_W: f64 = 400.0;
    const PLOT_H: f64 = 200.0;
    const VIEW_W: f64 = 450.0;
    const LEGEND_ROW: f64 = 20.0;
    const LEGEND_COL: f64 = 210.0;
    // A date is about 85 units wide at the phone's type size, and the first
    // one is anchored at its start: dates closer than this would touch.
    const LABEL_GAP: f64 = 130.0;
    let n = x_labels.len().max(1);
    let x = |i: usize| {
        if n == 1 {
            LEFT + PLOT_W / 2.0
        } else {
            LEFT + PLOT_W * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: f64| TOP + PLOT_H * (1.0 - v.clamp(0.0, 100.0) / 100.0);
    let legend_top = TOP + PLOT_H + 34.0;
    let rows = series.len().div_ceil(2);
    let height = legend_top + LEGEND_ROW * rows as f64 + 4.0;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {VIEW_W} {height}\" width=\"560\" height=\"{:.0}\" role=\"img\" \
         aria-label=\"Scores over time\" class=\"chart\">\n<title>Overall and category scores over time</title>\n",
        height * 560.0 / VIEW_W
    );
    for tick in [0.0, 20.0, 40.0, 60.0, 80.0, 100.0] {
        let _ = writeln!(
            out,
            "<line x1=\"{LEFT}\" y1=\"{ty}\" x2=\"{}\" y2=\"{ty}\" stroke=\"#ddd\"/>\
             <text x=\"{}\" y=\"{}\" class=\"tick\" font-size=\"11\" text-anchor=\"end\" fill=\"#555\">{}</text>",
            LEFT + PLOT_W,
            LEFT - 6.0,
            y(tick) + 4.0,
            format_number(tick),
            ty = y(tick)
        );
    }
    let spacing = if n > 1 { PLOT_W / (n - 1) as f64 } else { PLOT_W };
    let step = ((LABEL_GAP / spacing).ceil() as usize).max(1);
    for (i, label) in x_labels.iter().enumerate() {
        // The first and last dates always show; between them every step-th one
        // that stays clear of the last.
        let shown = i == 0 || i + 1 == n || (i % step == 0 && (n - 1 - i) as f64 * spacing >= LABEL_GAP);
        if !shown {
            continue;
        }
        // The outer dates align inwards so they stay inside the drawing.
        let anchor = match i {
            _ if n == 1 => "middle",
            0 => "start",
            i if i + 1 == n => "end",
            _ => "middle",
        };
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" class=\"tick\" font-size=\"11\" text-anchor=\"{anchor}\" fill=\"#555\">{}</text>",
            x(i),
            TOP + PLOT_H + 18.0,
            xml_escape(label)
        );
    }
    for s in series {
        let mut d = String::new();
        let mut pen_down = false;
        for (i, v) in s.values.iter().enumerate() {
            match v {
                Some(v) => {
                    let _ = write!(d, "{}{:.1},{:.1} ", if pen_down { "L" } else { "M" }, x(i), y(*v));
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        let _ = writeln!(
            out,
            "<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"{}/>",
            d.trim_end(),
            s.colour,
            s.width,
            dash_attr(s.dash)
        );
        for (i, v) in s.values.iter().enumerate() {
            if let Some(v) = v {
                let _ = writeln!(
                    out,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{}\" fill=\"{}\"><title>{} {}: {}</title></circle>",
                    x(i),
                    y(*v),
                    s.width + 1.0,
                    s.colour,
                    xml_escape(s.label),
                    xml_escape(&x_labels[i]),
                    format_number(*v)
                );
            }
        }
    }
    // The legend, two columns: each line's style, name and last score.
    for (k, s) in series.iter().enumerate() {
        let lx = LEFT + LEGEND_COL * (k % 2) as f64;
        let ly = legend_top + LEGEND_ROW * (k / 2) as f64;
        let last_value = s
            .values
            .iter()
            .rev()
            .find_map(|v| *v)
            .map_or_else(|| "not scored".to_string(), format_number);
        let _ = writeln!(
            out,
            "<line x1=\"{lx}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"{}\"{}/>\
             <text class=\"lbl\" x=\"{}\" y=\"{ly}\" font-size=\"12\" fill=\"#222\" font-weight=\"{}\">{} {}</text>",
            ly - 4.0,
            lx + 24.0,
            ly - 4.0,
            s.colour,
            s.width.max(2.0),
            dash_attr(s.dash),
            lx + 30.0,
            if s.width > 2.0 { "bold" } else { "normal" },
            xml_escape(s.label),
            last_value
        );
    }
    out.push_str("</svg>");
    out
}

fn dash_attr(dash: &str) -> String {
    if dash.is_empty() {
        String::new()
    } else {
        format!(" stroke-dasharray=\"{dash}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_in_charts_is_escaped() {
        let svg = category_bars(
            &[Bar {
                label: "<script>x</script>",
                score: Some(40.0),
                grade: Some("F"),
            }],
            &[],
        );
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains("&lt;script&gt;"), "{svg}");
        let line = line_chart(
            &["2025-<b>".to_string()],
            &[Series {
                label: "a\"b",
                values: vec![Some(1.0)],
                colour: "#000",
                width: 1.0,
                dash: "",
            }],
        );
        assert!(!line.contains("<b>") && !line.contains("a\"b"), "{line}");
    }

    #[test]
    fn dates_on_a_long_trend_are_thinned_so_they_never_overlap() {
        let labels: Vec<String> = (1..=12).map(|m| format!("2025-{m:02}-28")).collect();
        let svg = line_chart(
            &labels,
            &[Series {
                label: "x",
                values: vec![Some(50.0); 12],
                colour: "#000",
                width: 1.0,
                dash: "",
            }],
        );
        let xs: Vec<f64> = svg
            .lines()
            .filter(|l| l.contains(">2025-"))
            .map(|l| {
                l.split("x=\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect();
        assert!(svg.contains(">2025-01-28<") && svg.contains(">2025-12-28<"), "{svg}");
        assert!(xs.len() < 12, "{xs:?}");
        assert!(xs.windows(2).all(|w| w[1] - w[0] >= 130.0), "{xs:?}");
    }

    #[test]
    fn missing_values_break_the_line() {
        let svg = line_chart(
            &["a".into(), "b".into(), "c".into()],
            &[Series {
                label: "x",
                values: vec![Some(10.0), None, Some(30.0)],
                colour: "#000",
                width: 1.0,
                dash: "",
            }],
        );
        assert_eq!(svg.matches('M').count(), 2, "{svg}");
    }
}
