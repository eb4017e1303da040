//! The run merger: word moves `(src, dst)` turned into the fewest 2-D runs the DMA commands
//! (`LOAD_W`, `LOAD_PB`, `COPY_PB`) can express, within their row and count limits.

/// One 2-D move: `rows` rows of `count` units, row `i` from `src + i * src_stride` to
/// `dst + i * dst_stride` (units: tiles or words; the encoder scales DRAM ones to bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    /// First source unit.
    pub src: u64,
    /// First destination unit.
    pub dst: u64,
    /// Units per row.
    pub count: u64,
    /// Rows, at least 1.
    pub rows: u64,
    /// Source units between row starts (0 when `rows == 1`).
    pub src_stride: u64,
    /// Destination units between row starts (0 when `rows == 1`).
    pub dst_stride: u64,
}

impl Run {
    /// Units moved.
    pub fn units(&self) -> u64 {
        self.count * self.rows
    }

    /// The `(src, dst)` pairs the run moves, in order.
    pub fn pairs(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        (0..self.rows).flat_map(move |i| {
            (0..self.count).map(move |j| {
                (
                    self.src + i * self.src_stride + j,
                    self.dst + i * self.dst_stride + j,
                )
            })
        })
    }
}

/// Largest values the command fields of a 2-D move take, in the merger's units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunLimits {
    /// `COUNT`.
    pub count: u64,
    /// `ROWS`.
    pub rows: u64,
    /// Source stride.
    pub src_stride: u64,
    /// Destination stride.
    pub dst_stride: u64,
}

const FIELD24: u64 = (1 << 24) - 1;

impl RunLimits {
    /// `LOAD_W` / `LOAD_PB` in words: the DRAM stride field counts bytes (32 bits), the on-chip
    /// one words (24 bits).
    pub fn load(word_bytes: usize) -> Self {
        RunLimits {
            count: FIELD24,
            rows: u64::from(u16::MAX),
            src_stride: u64::from(u32::MAX) / word_bytes as u64,
            dst_stride: FIELD24,
        }
    }

    /// `COPY_PB` in words.
    pub fn copy() -> Self {
        RunLimits {
            count: FIELD24,
            rows: u64::from(u16::MAX),
            src_stride: FIELD24,
            dst_stride: FIELD24,
        }
    }
}

/// Merges an ordered list of unit moves into as few 2-D moves as a greedy pass finds:
/// consecutive pairs where both sides advance by one form a row, consecutive rows of equal length
/// whose starts advance by constant strides form one move. Expanding the result
/// ([`Run::pairs`]) gives back `pairs` exactly, in order.
pub fn merge_runs(pairs: &[(u64, u64)], limits: RunLimits) -> Vec<Run> {
    assert!(limits.count >= 1 && limits.rows >= 1);
    let mut rows: Vec<(u64, u64, u64)> = Vec::new();
    for &(s, d) in pairs {
        match rows.last_mut() {
            Some((rs, rd, n))
                if *n < limits.count
                    && rs.checked_add(*n) == Some(s)
                    && rd.checked_add(*n) == Some(d) =>
            {
                *n += 1
            }
            _ => rows.push((s, d, 1)),
        }
    }
    let mut out: Vec<Run> = Vec::new();
    for (s, d, n) in rows {
        if let Some(cur) = out.last_mut()
            && cur.count == n
            && cur.rows < limits.rows
        {
            let last_s = cur.src + (cur.rows - 1) * cur.src_stride;
            let last_d = cur.dst + (cur.rows - 1) * cur.dst_stride;
            if s >= last_s && d >= last_d {
                let (ss, ds) = (s - last_s, d - last_d);
                let fits = ss <= limits.src_stride && ds <= limits.dst_stride;
                if (cur.rows == 1 && fits) || (ss == cur.src_stride && ds == cur.dst_stride) {
                    cur.src_stride = ss;
                    cur.dst_stride = ds;
                    cur.rows += 1;
                    continue;
                }
            }
        }
        out.push(Run {
            src: s,
            dst: d,
            count: n,
            rows: 1,
            src_stride: 0,
            dst_stride: 0,
        });
    }
    out
}

/// Every `(src, dst)` pair of `runs`, in order.
pub fn expand_runs(runs: &[Run]) -> Vec<(u64, u64)> {
    runs.iter().flat_map(Run::pairs).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::tiles::{GridKind, SlotGrid, TileBox};
    use crate::rng::SplitMix64;

    /// Pair lists with the structure refills and chunks produce (strided boxes, contiguous runs)
    /// mixed with random jumps and repeats.
    fn random_pairs(rng: &mut SplitMix64) -> Vec<(u64, u64)> {
        let mut pairs = Vec::new();
        let (mut s, mut d) = (rng.below(1000), rng.below(1000));
        for _ in 0..1 + rng.below(6) {
            match rng.below(4) {
                0 => {
                    // A box: rows of `n` with strides.
                    let (rows, n) = (1 + rng.below(6), 1 + rng.below(5));
                    let (ss, ds) = (n + rng.below(4), n + rng.below(3));
                    for i in 0..rows {
                        for j in 0..n {
                            pairs.push((s + i * ss + j, d + i * ds + j));
                        }
                    }
                    s += rows * ss;
                    d += rows * ds;
                }
                1 => {
                    for j in 0..1 + rng.below(9) {
                        pairs.push((s + j, d + j));
                    }
                    s += 20;
                    d += 10;
                }
                2 => {
                    for _ in 0..1 + rng.below(5) {
                        pairs.push((rng.below(64), rng.below(64)));
                    }
                }
                _ => {
                    // Repeats and backward steps.
                    if let Some(&p) = pairs.last() {
                        pairs.push(p);
                        pairs.push((p.0.saturating_sub(1), p.1 + 1));
                    }
                }
            }
        }
        pairs
    }

    #[test]
    fn merged_runs_expand_to_exactly_the_pairs() {
        let mut rng = SplitMix64::new(41);
        let tight = RunLimits {
            count: 3,
            rows: 2,
            src_stride: 5,
            dst_stride: 4,
        };
        for _ in 0..3000 {
            let pairs = random_pairs(&mut rng);
            for limits in [RunLimits::copy(), RunLimits::load(128), tight] {
                let runs = merge_runs(&pairs, limits);
                assert_eq!(expand_runs(&runs), pairs, "{limits:?}");
                for r in &runs {
                    assert!(r.count >= 1 && r.count <= limits.count);
                    assert!(r.rows >= 1 && r.rows <= limits.rows);
                    assert!(r.src_stride <= limits.src_stride && r.dst_stride <= limits.dst_stride);
                    if r.rows == 1 {
                        assert_eq!((r.src_stride, r.dst_stride), (0, 0));
                    }
                }
                assert!(runs.len() <= pairs.len());
            }
        }
        assert!(merge_runs(&[], RunLimits::copy()).is_empty());
    }

    #[test]
    fn a_box_at_the_origin_of_a_grid_merges_into_one_run_per_outer_row() {
        let grid = SlotGrid {
            slot: 0,
            kind: GridKind::Conv,
            dims: [4, 9, 6],
            first: 100,
        };
        let words = |b: &TileBox| -> Vec<(u64, u64)> {
            b.tiles()
                .enumerate()
                .map(|(i, t)| (u64::from(t), i as u64))
                .collect()
        };
        // Pointwise-like (one tap) box: rows of v strided by the grid's v extent: one run.
        let pw = TileBox {
            grid: SlotGrid {
                dims: [4, 1, 6],
                ..grid
            },
            dims: [3, 1, 4],
        };
        let runs = merge_runs(&words(&pw), RunLimits::copy());
        assert_eq!(runs.len(), 1, "{runs:?}");
        assert_eq!((runs[0].rows, runs[0].count, runs[0].src_stride), (3, 4, 6));
        // Full taps and vectors: contiguous.
        let full = TileBox {
            grid,
            dims: [2, 9, 6],
        };
        assert_eq!(merge_runs(&words(&full), RunLimits::copy()).len(), 1);
        // Every dimension partial: one 2-D run per output group.
        let part = TileBox {
            grid,
            dims: [3, 4, 2],
        };
        assert_eq!(merge_runs(&words(&part), RunLimits::copy()).len(), 3);
    }

    #[test]
    fn the_row_limit_splits_long_strided_moves() {
        let pairs: Vec<(u64, u64)> = (0..70_000u64).map(|i| (2 * i, i)).collect();
        let runs = merge_runs(&pairs, RunLimits::copy());
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].rows, 65_535);
        assert_eq!(expand_runs(&runs), pairs);
    }
}
