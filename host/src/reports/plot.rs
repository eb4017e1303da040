//! Plots as standalone SVG files: line and scatter charts with axes, ticks, a legend and one colour
//! per series. Written by hand rather than through a plotting crate: the charts are simple, the
//! output must be byte-identical for the same data (no timestamps, fixed number formatting), and
//! the toolkit stays free of native font and image dependencies.

use std::fmt::Write as _;

/// One series of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// Points `(x, y)`; lines join them in the given order.
    pub points: Vec<(f64, f64)>,
}

/// How series are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Markers joined by lines.
    Lines,
    /// Markers only.
    Scatter,
}

/// A chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// Title above the plot.
    pub title: String,
    /// Label of the x axis (with its unit).
    pub x_label: String,
    /// Label of the y axis (with its unit).
    pub y_label: String,
    /// Logarithmic x axis (base 2), for sizes.
    pub x_log2: bool,
    /// Drawing style.
    pub style: Style,
    /// The series.
    pub series: Vec<Series>,
}

/// Colour-blind-safe palette (Okabe and Ito), cycled.
const COLOURS: [&str; 8] = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#f0e442",
];

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 440.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 180.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 60.0;

/// "Nice" tick positions covering `lo..=hi`, about `n` of them.
fn ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let span = (hi - lo).max(f64::EPSILON);
    let raw = span / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() * step;
    (0..)
        .map(|i| first + i as f64 * step)
        .take_while(|t| *t <= hi + step * 1e-9)
        .collect()
}

/// A short label for a tick value.
fn label(v: f64) -> String {
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e6).contains(&a) {
        format!("{v:.2e}")
    } else if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// XML-escapes text.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl Chart {
    /// The chart as an SVG document.
    pub fn to_svg(&self) -> String {
        let tx = |x: f64| if self.x_log2 { x.max(1e-12).log2() } else { x };
        let pts = self
            .series
            .iter()
            .flat_map(|s| s.points.iter())
            .filter(|(x, y)| x.is_finite() && y.is_finite());
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(x, y) in pts {
            x0 = x0.min(tx(x));
            x1 = x1.max(tx(x));
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
        if x0 > x1 {
            (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
        }
        // A margin around the data, and a non-empty range.
        let pad = |lo: f64, hi: f64| {
            let d = if hi > lo {
                (hi - lo) * 0.05
            } else {
                lo.abs().max(1.0) * 0.05
            };
            (lo - d, hi + d)
        };
        let (x0, x1) = pad(x0, x1);
        let (y0, y1) = pad(y0, y1);
        let pw = WIDTH - LEFT - RIGHT;
        let ph = HEIGHT - TOP - BOTTOM;
        let px = |x: f64| LEFT + (tx(x) - x0) / (x1 - x0) * pw;
        let py = |y: f64| TOP + (1.0 - (y - y0) / (y1 - y0)) * ph;
        let mut svg = String::new();
        let _ = writeln!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
        );
        let _ = writeln!(
            svg,
            r#"<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>"#
        );
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="22" text-anchor="middle" font-size="15">{}</text>"#,
            LEFT + pw / 2.0,
            esc(&self.title)
        );
        // Grid and ticks.
        let xt: Vec<f64> = if self.x_log2 {
            ticks(x0, x1, 6)
                .into_iter()
                .filter(|t| (t - t.round()).abs() < 1e-9)
                .map(|t| 2f64.powf(t))
                .collect()
        } else {
            ticks(x0, x1, 6)
        };
        for t in xt {
            let x = px(t);
            let _ = writeln!(
                svg,
                "<line x1=\"{x:.1}\" y1=\"{TOP}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#e5e5e5\"/>",
                TOP + ph
            );
            let _ = writeln!(
                svg,
                r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                TOP + ph + 18.0,
                label(t)
            );
        }
        for t in ticks(y0, y1, 6) {
            let y = py(t);
            let _ = writeln!(
                svg,
                "<line x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#e5e5e5\"/>",
                LEFT + pw
            );
            let _ = writeln!(
                svg,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
                LEFT - 6.0,
                y + 4.0,
                label(t)
            );
        }
        let _ = writeln!(
            svg,
            r#"<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="black"/>"#
        );
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            LEFT + pw / 2.0,
            HEIGHT - 16.0,
            esc(&self.x_label)
        );
        let _ = writeln!(
            svg,
            r#"<text x="18" y="{:.1}" text-anchor="middle" transform="rotate(-90 18 {:.1})">{}</text>"#,
            TOP + ph / 2.0,
            TOP + ph / 2.0,
            esc(&self.y_label)
        );
        for (i, s) in self.series.iter().enumerate() {
            let c = COLOURS[i % COLOURS.len()];
            let pts: Vec<(f64, f64)> = s
                .points
                .iter()
                .filter(|(x, y)| x.is_finite() && y.is_finite())
                .map(|&(x, y)| (px(x), py(y)))
                .collect();
            if self.style == Style::Lines && pts.len() > 1 {
                let path: Vec<String> = pts.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
                let _ = writeln!(
                    svg,
                    r#"<polyline points="{}" fill="none" stroke="{c}" stroke-width="2"/>"#,
                    path.join(" ")
                );
            }
            for (x, y) in &pts {
                let _ = writeln!(
                    svg,
                    r#"<circle cx="{x:.1}" cy="{y:.1}" r="3.5" fill="{c}" fill-opacity="0.8"/>"#
                );
            }
            let ly = TOP + 10.0 + i as f64 * 18.0;
            let lx = LEFT + pw + 14.0;
            let _ = writeln!(
                svg,
                r#"<circle cx="{lx:.1}" cy="{ly:.1}" r="5" fill="{c}"/><text x="{:.1}" y="{:.1}">{}</text>"#,
                lx + 10.0,
                ly + 4.0,
                esc(&s.label)
            );
        }
        svg.push_str("</svg>\n");
        svg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(ticks(0.0, 10.0, 5), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        let t = ticks(83.2, 89.7, 6);
        assert!(t.first().unwrap() >= &83.2 && t.last().unwrap() <= &89.7);
        assert_eq!(label(1_500_000.0), "1.50e6");
        assert_eq!(label(2.5), "2.5");
        assert_eq!(label(64.0), "64");
    }

    #[test]
    fn an_svg_has_every_series_and_is_deterministic() {
        let chart = Chart {
            title: "PB hit ratio <by size>".into(),
            x_label: "PB KiB".into(),
            y_label: "ratio".into(),
            x_log2: true,
            style: Style::Lines,
            series: vec![
                Series {
                    label: "sushi".into(),
                    points: vec![(64.0, 0.1), (256.0, 0.4), (1024.0, 0.9)],
                },
                Series {
                    label: "lru".into(),
                    points: vec![(64.0, 0.2), (256.0, f64::NAN)],
                },
            ],
        };
        let svg = chart.to_svg();
        assert_eq!(svg, chart.to_svg());
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert!(svg.contains("&lt;by size&gt;"), "text is escaped");
        assert_eq!(
            svg.matches("<polyline").count(),
            1,
            "one line per series of 2+ points"
        );
        assert!(svg.contains(">sushi<") && svg.contains(">lru<"));
        assert!(!svg.contains("NaN"), "non-finite points are left out");
    }
}
