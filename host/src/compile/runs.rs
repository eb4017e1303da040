//! The run merger: word moves `(src, dst)` turned into the fewest 2-D runs the DMA commands
//! (`LOAD_W`, `LOAD_PB`, `COPY_PB`) can express, within their row and count limits, and moves
//! `(src, dst, pb)` with a second destination into the runs of deposits (`LOAD_W_PB`).

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

/// One 2-D deposit (`LOAD_W_PB`): the [`Run`] from DRAM to WMEM, each row also written to the PB
/// from `pb + i * pb_stride`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DepositRun {
    /// The move from DRAM (`src`, tiles) to WMEM (`dst`, words).
    pub run: Run,
    /// First PB word.
    pub pb: u64,
    /// PB words between row starts (0 when `rows == 1`).
    pub pb_stride: u64,
}

impl DepositRun {
    /// The `(src, dst, pb)` triples the run moves, in order.
    pub fn triples(&self) -> impl Iterator<Item = (u64, u64, u64)> + '_ {
        let r = self.run;
        (0..r.rows).flat_map(move |i| {
            (0..r.count).map(move |j| {
                (
                    r.src + i * r.src_stride + j,
                    r.dst + i * r.dst_stride + j,
                    self.pb + i * self.pb_stride + j,
                )
            })
        })
    }
}

/// `LOAD_W_PB`'s `PB_STRIDE` field: 16 bits.
pub const DEPOSIT_PB_STRIDE_MAX: u64 = u16::MAX as u64;

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
    let points: Vec<[u64; 2]> = pairs.iter().map(|&(s, d)| [s, d]).collect();
    merge_sides(
        &points,
        limits.count,
        limits.rows,
        [limits.src_stride, limits.dst_stride],
    )
    .into_iter()
    .map(|m| Run {
        src: m.start[0],
        dst: m.start[1],
        count: m.count,
        rows: m.rows,
        src_stride: m.stride[0],
        dst_stride: m.stride[1],
    })
    .collect()
}

/// [`merge_runs`] for deposits: every side (DRAM tiles, WMEM words, PB words) advances by one
/// along a row and by its own constant stride from row to row; the PB stride stays within
/// `pb_stride_limit`. Expanding the result ([`DepositRun::triples`]) gives back `triples`
/// exactly, in order.
pub fn merge_deposit_runs(
    triples: &[(u64, u64, u64)],
    limits: RunLimits,
    pb_stride_limit: u64,
) -> Vec<DepositRun> {
    let points: Vec<[u64; 3]> = triples.iter().map(|&(s, d, p)| [s, d, p]).collect();
    merge_sides(
        &points,
        limits.count,
        limits.rows,
        [limits.src_stride, limits.dst_stride, pb_stride_limit],
    )
    .into_iter()
    .map(|m| DepositRun {
        run: Run {
            src: m.start[0],
            dst: m.start[1],
            count: m.count,
            rows: m.rows,
            src_stride: m.stride[0],
            dst_stride: m.stride[1],
        },
        pb: m.start[2],
        pb_stride: m.stride[2],
    })
    .collect()
}

/// A 2-D move with `N` sides: `rows` rows of `count` units, side `k` of row `i` from
/// `start[k] + i * stride[k]`.
struct SideRun<const N: usize> {
    start: [u64; N],
    count: u64,
    rows: u64,
    stride: [u64; N],
}

/// The greedy merge behind [`merge_runs`] and [`merge_deposit_runs`], for any number of sides.
fn merge_sides<const N: usize>(
    points: &[[u64; N]],
    count_limit: u64,
    rows_limit: u64,
    stride_limit: [u64; N],
) -> Vec<SideRun<N>> {
    assert!(count_limit >= 1 && rows_limit >= 1);
    // Rows: runs of points where every side advances by one.
    let mut rows: Vec<([u64; N], u64)> = Vec::new();
    for p in points {
        match rows.last_mut() {
            Some((start, n))
                if *n < count_limit && (0..N).all(|k| start[k].checked_add(*n) == Some(p[k])) =>
            {
                *n += 1
            }
            _ => rows.push((*p, 1)),
        }
    }
    let mut out: Vec<SideRun<N>> = Vec::new();
    for (start, n) in rows {
        if let Some(cur) = out.last_mut()
            && cur.count == n
            && cur.rows < rows_limit
        {
            let last: [u64; N] =
                std::array::from_fn(|k| cur.start[k] + (cur.rows - 1) * cur.stride[k]);
            if (0..N).all(|k| start[k] >= last[k]) {
                let step: [u64; N] = std::array::from_fn(|k| start[k] - last[k]);
                let fits = (0..N).all(|k| step[k] <= stride_limit[k]);
                if (cur.rows == 1 && fits) || step == cur.stride {
                    cur.stride = step;
                    cur.rows += 1;
                    continue;
                }
            }
        }
        out.push(SideRun {
            start,
            count: n,
            rows: 1,
            stride: [0; N],
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

    /// Deposit triples: pairs with a PB side that follows them in boxes, jumps on its own, or
    /// needs a stride beyond its field.
    #[test]
    fn merged_deposit_runs_expand_to_exactly_the_triples_within_every_limit() {
        let mut rng = SplitMix64::new(43);
        for _ in 0..3000 {
            let pairs = random_pairs(&mut rng);
            let mut pb = rng.below(100);
            let triples: Vec<(u64, u64, u64)> = pairs
                .iter()
                .map(|&(s, d)| {
                    pb = match rng.below(8) {
                        0 => rng.below(200),
                        1 => pb + 70_000,
                        2 => pb + 2 + rng.below(3),
                        _ => pb + 1,
                    };
                    (s, d, pb)
                })
                .collect();
            for (limits, pb_limit) in [
                (RunLimits::load(128), DEPOSIT_PB_STRIDE_MAX),
                (RunLimits::load(8), 3),
            ] {
                let runs = merge_deposit_runs(&triples, limits, pb_limit);
                let back: Vec<_> = runs.iter().flat_map(DepositRun::triples).collect();
                assert_eq!(back, triples);
                for r in &runs {
                    assert!(r.run.rows >= 1 && r.run.rows <= limits.rows);
                    assert!(r.run.count >= 1 && r.run.count <= limits.count);
                    assert!(r.pb_stride <= pb_limit, "{r:?}");
                    if r.run.rows == 1 {
                        assert_eq!(r.pb_stride, 0);
                    }
                }
            }
        }
    }

    #[test]
    fn a_deposit_whose_pb_words_follow_its_wmem_words_merges_like_the_load() {
        // Three rows of four tiles, 6 apart in the image; WMEM and PB contiguous.
        let triples: Vec<(u64, u64, u64)> = (0..3u64)
            .flat_map(|i| (0..4u64).map(move |j| (100 + 6 * i + j, 4 * i + j, 500 + 4 * i + j)))
            .collect();
        let runs = merge_deposit_runs(&triples, RunLimits::load(128), DEPOSIT_PB_STRIDE_MAX);
        assert_eq!(runs.len(), 1, "{runs:?}");
        assert_eq!(
            (
                runs[0].run.rows,
                runs[0].run.count,
                runs[0].pb,
                runs[0].pb_stride
            ),
            (3, 4, 500, 4)
        );
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
