//! How tensors, weights and epilogue parameters are laid out in DRAM and on chip
//! (`hw/docs/datapath-design.md` section 2). The compiler packs with these functions and the
//! golden model unpacks with them, so the two cannot disagree on a layout.

use crate::net::int8::{Act, Epilogue};

/// The MAC array shape: `rows` output channels (or positions) by `cols` input channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Array {
    /// Array rows `R`.
    pub rows: usize,
    /// Array cols `C`: channels per activation vector.
    pub cols: usize,
}

impl Array {
    /// The array of a hw config.
    pub fn of(cfg: &sushi_hw::HwConfig) -> Self {
        Array {
            rows: cfg.spec.array.rows as usize,
            cols: cfg.spec.array.cols as usize,
        }
    }

    /// Channel vectors of a tensor with `channels` channels. Channels are padded to a multiple of
    /// `R` (not only `C`), so that a convolution's last group of `R` output channels writes whole
    /// vectors inside the tensor, and every tensor of a channel count has one layout (residual
    /// adds go vector by vector).
    pub fn vectors(self, channels: usize) -> usize {
        channels.div_ceil(self.rows) * (self.rows / self.cols)
    }

    /// Bytes of one weight word (`R * C`).
    pub fn word_bytes(self) -> usize {
        self.rows * self.cols
    }
}

/// Where a tensor's rows `row0..row0 + rows` sit in ACT (or in DRAM, byte for byte the same order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TensorPlace {
    /// Vector address of (row0, x 0, vector 0).
    pub base: usize,
    /// Tensor width.
    pub w: usize,
    /// Channel vectors per position.
    pub cv: usize,
    /// First row held.
    pub row0: usize,
}

impl TensorPlace {
    /// Vector address of `(y, x, v)`; `y` must be a held row.
    pub fn addr(&self, array: Array, y: usize, x: usize, v: usize) -> usize {
        let xb = self.w.div_ceil(array.rows);
        self.base
            + (((y - self.row0) * xb + x / array.rows) * self.cv + v) * array.rows
            + x % array.rows
    }

    /// Vectors occupied by `rows` rows.
    pub fn vectors_for_rows(w: usize, cv: usize, rows: usize, array: Array) -> usize {
        rows * w.div_ceil(array.rows) * cv * array.rows
    }
}

/// Packs a whole tensor into vectors in the banked layout (`C` bytes each, zero-padded channels
/// and x positions), as it is stored in DRAM and ACT.
pub fn pack_act(t: &Act, array: Array) -> Vec<u8> {
    let cv = array.vectors(t.c);
    let n = TensorPlace::vectors_for_rows(t.w, cv, t.h, array);
    let place = TensorPlace {
        base: 0,
        w: t.w,
        cv,
        row0: 0,
    };
    let mut out = vec![0u8; n * array.cols];
    for y in 0..t.h {
        for x in 0..t.w {
            for ch in 0..t.c {
                let a = place.addr(array, y, x, ch / array.cols);
                out[a * array.cols + ch % array.cols] = t.data[(y * t.w + x) * t.c + ch] as u8;
            }
        }
    }
    out
}

/// Unpacks `h x w x c` from vectors in the banked layout.
pub fn unpack_act(bytes: &[u8], h: usize, w: usize, c: usize, array: Array) -> Act {
    let place = TensorPlace {
        base: 0,
        w,
        cv: array.vectors(c),
        row0: 0,
    };
    let mut t = Act::zeros(h, w, c);
    for y in 0..h {
        for x in 0..w {
            for ch in 0..c {
                let a = place.addr(array, y, x, ch / array.cols);
                t.data[(y * w + x) * c + ch] = bytes[a * array.cols + ch % array.cols] as i8;
            }
        }
    }
    t
}

/// Kernel taps in ring order: the centre, then ring 1 (the 3 x 3 border), ring 2, ring 3, each
/// ring in raster order (rows from the top, left to right). `(dy, dx)` are offsets from the centre.
/// The first `k * k` taps form the centred `k x k` kernel, so an elastic kernel is a prefix; the
/// taps of a ring in one row are consecutive, so a folded `DWCONV` step (`rtl/README.md`) takes
/// several of them from one input row.
pub fn ring_taps() -> Vec<(isize, isize)> {
    let mut taps = vec![(0, 0)];
    for ring in 1..=3isize {
        for dy in -ring..=ring {
            for dx in -ring..=ring {
                if dy.abs().max(dx.abs()) == ring {
                    taps.push((dy, dx));
                }
            }
        }
    }
    taps
}

/// Steps of a folded `DWCONV` output row (`rtl/README.md`): the `k x k` taps in ring order, a step
/// taking a run of up to `f` consecutive taps in one row and one `r`-tap weight word.
pub fn dw_fold_steps(k: usize, f: usize, r: usize) -> usize {
    let taps = &ring_taps()[..k * k];
    let mut steps = 0;
    let mut t = 0;
    while t < taps.len() {
        let mut n = 1;
        while n < f && t + n < taps.len() && taps[t + n].0 == taps[t].0 && (t + n) / r == t / r {
            n += 1;
        }
        t += n;
        steps += 1;
    }
    steps
}

/// Words ([`Array::word_bytes`] each) of a convolution's packed weights.
pub fn conv_words(out_c: usize, in_c: usize, k: usize, array: Array) -> usize {
    out_c.div_ceil(array.rows) * k * k * array.vectors(in_c)
}

/// Words of a depthwise convolution's packed weights.
pub fn dw_words(channels: usize, k: usize, array: Array) -> usize {
    array.vectors(channels) * (k * k).div_ceil(array.rows)
}

/// Packs standard convolution weights `w[o][ky][kx][i]` into words `[g][t][v]` of `[r][c]`,
/// taps in ring order, zero-padded to whole groups and vectors ([`conv_words`] words).
pub fn pack_conv_weights(w: &[i8], out_c: usize, in_c: usize, k: usize, array: Array) -> Vec<u8> {
    assert_eq!(w.len(), out_c * k * k * in_c);
    let (r_n, c_n) = (array.rows, array.cols);
    let groups = out_c.div_ceil(r_n);
    let cv = array.vectors(in_c);
    let taps = &ring_taps()[..k * k];
    let half = (k / 2) as isize;
    let mut out = vec![0u8; conv_words(out_c, in_c, k, array) * array.word_bytes()];
    let mut word = 0;
    for g in 0..groups {
        for &(dy, dx) in taps {
            let (ky, kx) = ((dy + half) as usize, (dx + half) as usize);
            for v in 0..cv {
                for r in 0..r_n {
                    for c in 0..c_n {
                        let (o, i) = (g * r_n + r, v * c_n + c);
                        if o < out_c && i < in_c {
                            out[word * r_n * c_n + r * c_n + c] =
                                w[((o * k + ky) * k + kx) * in_c + i] as u8;
                        }
                    }
                }
                word += 1;
            }
        }
    }
    out
}

/// Packs depthwise weights `w[ch][ky][kx]` into words `[v][b]` of `[r][c]` holding
/// `w[v*C + c][tap b*R + r]` (taps in ring order, zero-padded; [`dw_words`] words).
pub fn pack_dw_weights(w: &[i8], channels: usize, k: usize, array: Array) -> Vec<u8> {
    assert_eq!(w.len(), channels * k * k);
    let (r_n, c_n) = (array.rows, array.cols);
    let cv = array.vectors(channels);
    let taps = &ring_taps()[..k * k];
    let blocks = taps.len().div_ceil(r_n);
    let half = (k / 2) as isize;
    let mut out = vec![0u8; dw_words(channels, k, array) * array.word_bytes()];
    for v in 0..cv {
        for b in 0..blocks {
            for r in 0..r_n {
                let t = b * r_n + r;
                if t >= taps.len() {
                    continue;
                }
                let (ky, kx) = ((taps[t].0 + half) as usize, (taps[t].1 + half) as usize);
                for c in 0..c_n {
                    let ch = v * c_n + c;
                    if ch < channels {
                        out[((v * blocks + b) * r_n + r) * c_n + c] =
                            w[(ch * k + ky) * k + kx] as u8;
                    }
                }
            }
        }
    }
    out
}

/// Packs epilogue parameters: per channel, bias (i32), m (i32), s (u8), zeros to 16 bytes.
/// Padding channels get bias 0, m 0, s 1, so they compute 0 and padded lanes stay zero.
pub fn pack_epilogue(epi: &Epilogue, channels_padded: usize) -> Vec<u8> {
    let mut out = vec![0u8; channels_padded * sushi_hw::commands::EPI_ENTRY_BYTES];
    for pad in out.chunks_exact_mut(sushi_hw::commands::EPI_ENTRY_BYTES) {
        pad[8] = 1;
    }
    for (o, (&bias, rq)) in epi.bias.iter().zip(&epi.requant).enumerate() {
        let e = &mut out[o * 16..o * 16 + 16];
        e[0..4].copy_from_slice(&bias.to_le_bytes());
        e[4..8].copy_from_slice(&rq.m.to_le_bytes());
        e[8] = rq.s;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_depthwise_rows_take_runs_of_taps_in_one_row_and_one_word() {
        // 3x3 on 16 rows: (0,0) | three of row -1 | two of row 0 | three of row 1.
        assert_eq!(dw_fold_steps(3, 4, 16), 4);
        assert_eq!(dw_fold_steps(3, 2, 16), 6);
        // 5x5: the word boundary at tap 16 splits ring 2's row 0.
        assert_eq!(dw_fold_steps(5, 2, 16), 15);
        assert_eq!(dw_fold_steps(5, 4, 16), 11);
        // Unfolded, every tap is a step.
        assert_eq!(dw_fold_steps(7, 1, 16), 49);
    }

    #[test]
    fn ring_order_puts_each_centred_kernel_first() {
        let taps = ring_taps();
        assert_eq!(taps.len(), 49);
        for k in [1isize, 3, 5, 7] {
            let n = (k * k) as usize;
            let h = k / 2;
            let mut prefix: Vec<_> = taps[..n].to_vec();
            prefix.sort();
            let mut square: Vec<_> = (-h..=h)
                .flat_map(|dy| (-h..=h).map(move |dx| (dy, dx)))
                .collect();
            square.sort();
            assert_eq!(
                prefix, square,
                "the first {n} taps are the centred {k}x{k} kernel"
            );
        }
        assert_eq!(
            &taps[..4],
            &[(0, 0), (-1, -1), (-1, 0), (-1, 1)],
            "ring 1 starts with its top row"
        );
        // Within a ring, the taps of one row are consecutive.
        for ring in 1..=3isize {
            let start = ((2 * ring - 1) * (2 * ring - 1)) as usize;
            let end = ((2 * ring + 1) * (2 * ring + 1)) as usize;
            let rows: Vec<isize> = taps[start..end].iter().map(|t| t.0).collect();
            assert!(rows.is_sorted(), "ring {ring} goes row by row: {rows:?}");
        }
    }

    #[test]
    fn activations_round_trip_through_the_banked_layout() {
        let array = Array { rows: 4, cols: 2 };
        let t = Act::from_vec(3, 5, 3, (0..45).map(|v| v as i8 - 20).collect());
        let packed = pack_act(&t, array);
        // 3 rows x 2 x-blocks x 2 vectors (3 channels padded to 4) x 4 banks x 2 bytes.
        assert_eq!(packed.len(), 3 * 2 * 2 * 4 * 2);
        assert_eq!(unpack_act(&packed, 3, 5, 3, array), t);
    }

    #[test]
    fn consecutive_positions_fall_in_distinct_banks() {
        let array = Array { rows: 4, cols: 2 };
        let p = TensorPlace {
            base: 8,
            w: 10,
            cv: 2,
            row0: 0,
        };
        let banks: Vec<_> = (3..7)
            .map(|x| p.addr(array, 1, x, 1) % array.rows)
            .collect();
        let mut sorted = banks.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 4, "{banks:?}");
    }

    #[test]
    fn conv_weight_words_hold_rows_of_output_channels() {
        let array = Array { rows: 2, cols: 2 };
        // 3 outputs, 1 input, 1x1: groups of 2 rows, 1 vector.
        let packed = pack_conv_weights(&[5, 6, 7], 3, 1, 1, array);
        assert_eq!(packed, vec![5, 0, 6, 0, 7, 0, 0, 0]);
    }
}
