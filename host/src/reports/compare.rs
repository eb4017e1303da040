//! Per-layer comparison: "the hardware output differs from my model" answered layer by layer.
//!
//! Every backend's run of a program compiled with [`Outputs::All`](crate::compile::program::Outputs)
//! stores each layer's output; this module lines them up against a reference (the int8 kernels,
//! or a float model's outputs quantised to the same scale) and says where the first difference
//! appears and how large the differences are.

use serde::Serialize;

use crate::net::int8::Act;

/// How one layer's output compares.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerDiff {
    /// Layer index.
    pub layer: usize,
    /// Operator name.
    pub op: String,
    /// Output shape (h, w, c).
    pub shape: (usize, usize, usize),
    /// Elements that differ.
    pub mismatches: usize,
    /// Largest absolute difference.
    pub max_abs_diff: i32,
    /// Mean absolute difference over all elements.
    pub mean_abs_diff: f64,
    /// First differing element: (y, x, channel, expected, got).
    pub first: Option<(usize, usize, usize, i8, i8)>,
}

impl LayerDiff {
    /// Compares `got` with `expected` (same shape).
    pub fn of(layer: usize, op: &str, expected: &Act, got: &Act) -> Self {
        assert_eq!(
            (expected.h, expected.w, expected.c),
            (got.h, got.w, got.c),
            "layer {layer}: shapes differ"
        );
        let mut mismatches = 0;
        let mut max_abs_diff = 0;
        let mut sum = 0u64;
        let mut first = None;
        for (i, (&e, &g)) in expected.data.iter().zip(&got.data).enumerate() {
            let d = (i32::from(e) - i32::from(g)).abs();
            if d != 0 {
                mismatches += 1;
                if first.is_none() {
                    let (pos, ch) = (i / got.c, i % got.c);
                    first = Some((pos / got.w, pos % got.w, ch, e, g));
                }
            }
            max_abs_diff = max_abs_diff.max(d);
            sum += d as u64;
        }
        LayerDiff {
            layer,
            op: op.to_string(),
            shape: (got.h, got.w, got.c),
            mismatches,
            max_abs_diff,
            mean_abs_diff: sum as f64 / got.data.len().max(1) as f64,
            first,
        }
    }

    /// True when the outputs are identical.
    pub fn exact(&self) -> bool {
        self.mismatches == 0
    }
}

/// Renders a table of per-layer differences, marking the first layer that differs (where a
/// difference starts is where to look; later layers inherit it).
pub fn render(title: &str, diffs: &[LayerDiff]) -> String {
    let mut s = format!("{title}\n");
    s.push_str("layer  op       shape            mismatches  max|diff|  mean|diff|  first difference (y, x, ch: expected -> got)\n");
    let first_bad = diffs.iter().position(|d| !d.exact());
    for (i, d) in diffs.iter().enumerate() {
        let shape = format!("{}x{}x{}", d.shape.0, d.shape.1, d.shape.2);
        let first = match d.first {
            Some((y, x, c, e, g)) => format!("({y}, {x}, {c}: {e} -> {g})"),
            None => "-".into(),
        };
        let mark = if Some(i) == first_bad {
            "  <- first difference"
        } else {
            ""
        };
        s.push_str(&format!(
            "{:>5}  {:<7}  {:<15}  {:>10}  {:>9}  {:>10.4}  {first}{mark}\n",
            d.layer, d.op, shape, d.mismatches, d.max_abs_diff, d.mean_abs_diff
        ));
    }
    match first_bad {
        None => s.push_str("all layers bit-exact\n"),
        Some(i) => s.push_str(&format!(
            "outputs first differ at layer {}\n",
            diffs[i].layer
        )),
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_difference_is_located_and_measured() {
        let expected = Act::from_vec(2, 2, 2, vec![0, 1, 2, 3, 4, 5, 6, 7]);
        let mut got = expected.clone();
        got.data[5] = 9; // (y 1, x 0, ch 1): 5 -> 9
        got.data[7] = 6;
        let d = LayerDiff::of(3, "conv", &expected, &got);
        assert_eq!(d.mismatches, 2);
        assert_eq!(d.max_abs_diff, 4);
        assert!((d.mean_abs_diff - 5.0 / 8.0).abs() < 1e-12);
        assert_eq!(d.first, Some((1, 0, 1, 5, 9)));
        let table = render("t", &[LayerDiff::of(2, "dwconv", &expected, &expected), d]);
        assert!(table.contains("<- first difference"));
        assert!(table.contains("outputs first differ at layer 3"));
    }
}
