//! The reference integer kernels: `host/docs/int8-semantics.md` written as plain loops.
//!
//! These are the definition the golden model, the RTL and the training script's int8 evaluation
//! are held to, so they are written for obviousness, not speed: one loop nest per operator, the
//! arithmetic exactly as the document states it, no tiling and no padding tricks.

use serde::{Deserialize, Serialize};

/// An int8 activation tensor, height x width x channels, channels innermost (HWC), batch 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Act {
    /// Rows.
    pub h: usize,
    /// Columns.
    pub w: usize,
    /// Channels.
    pub c: usize,
    /// `h * w * c` values, index `(y * w + x) * c + ch`.
    pub data: Vec<i8>,
}

impl Act {
    /// A tensor of zeros.
    pub fn zeros(h: usize, w: usize, c: usize) -> Self {
        Act {
            h,
            w,
            c,
            data: vec![0; h * w * c],
        }
    }

    /// Wraps `data` (length `h * w * c`).
    pub fn from_vec(h: usize, w: usize, c: usize, data: Vec<i8>) -> Self {
        assert_eq!(data.len(), h * w * c, "tensor data length must be h*w*c");
        Act { h, w, c, data }
    }

    /// Value at (y, x, ch); positions outside the tensor read as 0, the zero point (padding).
    pub fn at(&self, y: isize, x: isize, ch: usize) -> i8 {
        if y < 0 || x < 0 || y as usize >= self.h || x as usize >= self.w {
            0
        } else {
            self.data[(y as usize * self.w + x as usize) * self.c + ch]
        }
    }

    fn set(&mut self, y: usize, x: usize, ch: usize, v: i8) {
        let i = (y * self.w + x) * self.c + ch;
        self.data[i] = v;
    }
}

/// A requantisation multiplier and shift: the real factor `m / 2^s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requant {
    /// Signed multiplier.
    pub m: i32,
    /// Right shift, 1..=62.
    pub s: u8,
}

impl Requant {
    /// The nearest `m / 2^s` to `real` with `|m|` in `[2^30, 2^31)` (full precision), or `m = 0`
    /// for a zero factor. Factors too large or too small for a shift in 1..=62 saturate the shift.
    pub fn from_real(real: f64) -> Self {
        if real == 0.0 || !real.is_finite() {
            return Requant { m: 0, s: 1 };
        }
        // 2^(e-1) <= |real| < 2^e, so m = real * 2^(31-e) has |m| in [2^30, 2^31).
        let e = real.abs().log2().floor() as i32 + 1;
        let limit = 2f64.powi(31) - 1.0;
        let mut s = (31 - e).clamp(1, 62);
        let mut m = (real * 2f64.powi(s)).round();
        if m.abs() > limit && s > 1 {
            s -= 1; // rounding carried into bit 31
            m = (real * 2f64.powi(s)).round();
        }
        let m = m.clamp(-limit, limit);
        Requant {
            m: m as i32,
            s: s as u8,
        }
    }

    /// The real factor this represents.
    pub fn real(self) -> f64 {
        f64::from(self.m) / 2f64.powi(i32::from(self.s))
    }
}

/// The activation clamp of a layer's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clamp {
    /// Lowest value.
    pub lo: i8,
    /// Highest value.
    pub hi: i8,
}

impl Clamp {
    /// No activation: the full int8 range.
    pub const NONE: Clamp = Clamp { lo: -128, hi: 127 };
    /// ReLU.
    pub const RELU: Clamp = Clamp { lo: 0, hi: 127 };
}

/// `clamp((acc * m + 2^(s-1)) >> s, lo, hi)`: single rounding, half up (TFLite's single-rounding
/// mode), in 64-bit arithmetic.
pub fn requant(acc: i32, r: Requant, clamp: Clamp) -> i8 {
    debug_assert!((1..=62).contains(&r.s), "shift {} outside 1..=62", r.s);
    let v = (i64::from(acc) * i64::from(r.m) + (1i64 << (r.s - 1))) >> r.s;
    v.clamp(i64::from(clamp.lo), i64::from(clamp.hi)) as i8
}

/// Per-output-channel epilogue of a convolution or fully connected layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Epilogue {
    /// Bias per output channel, in accumulator units.
    pub bias: Vec<i32>,
    /// Requantisation per output channel.
    pub requant: Vec<Requant>,
    /// Activation clamp.
    pub clamp: Clamp,
}

impl Epilogue {
    fn apply(&self, o: usize, acc: i32) -> i8 {
        requant(acc, self.requant[o], self.clamp)
    }
}

/// Output size of a "same"-padded window: `(n + 2 * (k / 2) - k) / stride + 1`.
pub fn out_size(n: usize, k: usize, stride: usize) -> usize {
    (n + 2 * (k / 2) - k) / stride + 1
}

/// Standard convolution, `weights[o][ky][kx][i]` (length `out * k * k * in`).
pub fn conv(
    input: &Act,
    weights: &[i8],
    out_c: usize,
    k: usize,
    stride: usize,
    epi: &Epilogue,
) -> Act {
    assert_eq!(
        weights.len(),
        out_c * k * k * input.c,
        "conv weights must be out*k*k*in"
    );
    let pad = (k / 2) as isize;
    let (oh, ow) = (out_size(input.h, k, stride), out_size(input.w, k, stride));
    let mut out = Act::zeros(oh, ow, out_c);
    for y in 0..oh {
        for x in 0..ow {
            for o in 0..out_c {
                let mut acc = epi.bias[o];
                for ky in 0..k {
                    for kx in 0..k {
                        let iy = (y * stride + ky) as isize - pad;
                        let ix = (x * stride + kx) as isize - pad;
                        for i in 0..input.c {
                            let w = weights[((o * k + ky) * k + kx) * input.c + i];
                            acc += i32::from(input.at(iy, ix, i)) * i32::from(w);
                        }
                    }
                }
                out.set(y, x, o, epi.apply(o, acc));
            }
        }
    }
    out
}

/// Depthwise convolution, `weights[ch][ky][kx]` (length `c * k * k`).
pub fn dwconv(input: &Act, weights: &[i8], k: usize, stride: usize, epi: &Epilogue) -> Act {
    assert_eq!(
        weights.len(),
        input.c * k * k,
        "depthwise weights must be c*k*k"
    );
    let pad = (k / 2) as isize;
    let (oh, ow) = (out_size(input.h, k, stride), out_size(input.w, k, stride));
    let mut out = Act::zeros(oh, ow, input.c);
    for y in 0..oh {
        for x in 0..ow {
            for ch in 0..input.c {
                let mut acc = epi.bias[ch];
                for ky in 0..k {
                    for kx in 0..k {
                        let iy = (y * stride + ky) as isize - pad;
                        let ix = (x * stride + kx) as isize - pad;
                        acc += i32::from(input.at(iy, ix, ch))
                            * i32::from(weights[(ch * k + ky) * k + kx]);
                    }
                }
                out.set(y, x, ch, epi.apply(ch, acc));
            }
        }
    }
    out
}

/// Pointwise (1 x 1, stride 1) convolution, `weights[o][i]`.
pub fn pwconv(input: &Act, weights: &[i8], out_c: usize, epi: &Epilogue) -> Act {
    conv(input, weights, out_c, 1, 1, epi)
}

/// Fully connected layer over a 1 x 1 x C input, `weights[o][i]`.
pub fn fc(input: &Act, weights: &[i8], out_c: usize, epi: &Epilogue) -> Act {
    assert!(
        input.h == 1 && input.w == 1,
        "fc takes a 1 x 1 x C input (after gap)"
    );
    conv(input, weights, out_c, 1, 1, epi)
}

/// Global average pool: the per-channel sum over all positions, requantised per channel.
pub fn gap(input: &Act, requant_per_channel: &[Requant], clamp: Clamp) -> Act {
    assert_eq!(requant_per_channel.len(), input.c);
    let mut out = Act::zeros(1, 1, input.c);
    for (ch, &rq) in requant_per_channel.iter().enumerate() {
        let mut acc = 0i32;
        for y in 0..input.h {
            for x in 0..input.w {
                acc += i32::from(input.at(y as isize, x as isize, ch));
            }
        }
        out.set(0, 0, ch, requant(acc, rq, clamp));
    }
    out
}

/// Residual add: `clamp((a * ma + b * mb + 2^(s-1)) >> s, lo, hi)`.
pub fn add(a: &Act, b: &Act, ma: i32, mb: i32, s: u8, clamp: Clamp) -> Act {
    assert!(
        a.h == b.h && a.w == b.w && a.c == b.c,
        "add needs equal shapes"
    );
    debug_assert!((1..=62).contains(&s));
    let data = a
        .data
        .iter()
        .zip(&b.data)
        .map(|(&x, &y)| {
            let v =
                (i64::from(x) * i64::from(ma) + i64::from(y) * i64::from(mb) + (1i64 << (s - 1)))
                    >> s;
            v.clamp(i64::from(clamp.lo), i64::from(clamp.hi)) as i8
        })
        .collect();
    Act {
        h: a.h,
        w: a.w,
        c: a.c,
        data,
    }
}

/// The predicted class: the index of the largest logit, the first one on ties.
pub fn argmax(logits: &Act) -> usize {
    let mut best = 0;
    for (i, &v) in logits.data.iter().enumerate() {
        if v > logits.data[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(seed: &mut u64) -> u64 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *seed >> 33
    }
    fn rand_i8(seed: &mut u64) -> i8 {
        (lcg(seed) % 256) as i64 as i8
    }
    fn rand_act(seed: &mut u64, h: usize, w: usize, c: usize) -> Act {
        Act::from_vec(h, w, c, (0..h * w * c).map(|_| rand_i8(seed)).collect())
    }
    fn rand_weights(seed: &mut u64, n: usize) -> Vec<i8> {
        (0..n)
            .map(|_| (lcg(seed) % 255) as i8 as i16 as i8)
            .map(|v| v.max(-127))
            .collect()
    }
    fn epi(seed: &mut u64, n: usize, clamp: Clamp) -> Epilogue {
        Epilogue {
            bias: (0..n).map(|_| (lcg(seed) % 2001) as i32 - 1000).collect(),
            requant: (0..n)
                .map(|_| Requant::from_real(0.0005 + (lcg(seed) % 100) as f64 * 0.0002))
                .collect(),
            clamp,
        }
    }

    #[test]
    fn requant_rounds_half_up_and_saturates() {
        let half = Requant { m: 1, s: 1 }; // x / 2
        assert_eq!(requant(3, half, Clamp::NONE), 2); // 1.5 -> 2
        assert_eq!(requant(-3, half, Clamp::NONE), -1); // -1.5 -> -1 (half up, toward +inf)
        assert_eq!(requant(-5, half, Clamp::NONE), -2); // -2.5 -> -2
        assert_eq!(requant(1000, half, Clamp::NONE), 127);
        assert_eq!(requant(-1000, half, Clamp::NONE), -128);
        assert_eq!(requant(-10, half, Clamp::RELU), 0);
        assert_eq!(requant(20, half, Clamp { lo: 0, hi: 6 }), 6);
        // The full 64-bit product: i32::MAX * i32::MAX >> 62 is just under 1.
        let big = Requant { m: i32::MAX, s: 62 };
        assert_eq!(requant(i32::MAX, big, Clamp::NONE), 1);
        assert_eq!(requant(i32::MIN, big, Clamp::NONE), -1);
    }

    #[test]
    fn requant_from_real_is_accurate_and_normalised() {
        for real in [1.0, 0.5, 0.123456, 3.5e-5, 7.9, -0.25, -1e-3] {
            let r = Requant::from_real(real);
            assert!(
                (r.real() - real).abs() <= real.abs() * 1e-9,
                "{real} -> {r:?}"
            );
            assert!(
                r.m.unsigned_abs() >= 1 << 30,
                "{real} -> {r:?} not normalised"
            );
        }
        assert_eq!(Requant::from_real(0.0).m, 0);
    }

    #[test]
    fn a_hand_computed_3x3_convolution() {
        // 3x3 input 1..9, one channel; an all-ones 3x3 kernel; identity requant (x * 2 / 2).
        let input = Act::from_vec(3, 3, 1, (1..=9).collect());
        let e = Epilogue {
            bias: vec![0],
            requant: vec![Requant { m: 2, s: 1 }],
            clamp: Clamp::NONE,
        };
        let out = conv(&input, &[1; 9], 1, 3, 1, &e);
        // Corners see 4 values, edges 6, the centre all 9 (sum 45).
        assert_eq!(out.data, vec![12, 21, 16, 27, 45, 33, 24, 39, 28]);
        let strided = conv(&input, &[1; 9], 1, 3, 2, &e);
        assert_eq!((strided.h, strided.w), (2, 2));
        assert_eq!(strided.data, vec![12, 16, 24, 28]);
    }

    #[test]
    fn stride_two_is_the_even_positions_of_stride_one() {
        let mut seed = 7;
        for &k in &[3, 5, 7] {
            for &(h, w) in &[(7, 9), (8, 8), (5, 3)] {
                let input = rand_act(&mut seed, h, w, 3);
                let e = epi(&mut seed, 4, Clamp::NONE);
                let wts = rand_weights(&mut seed, 4 * k * k * 3);
                let s1 = conv(&input, &wts, 4, k, 1, &e);
                let s2 = conv(&input, &wts, 4, k, 2, &e);
                assert_eq!((s2.h, s2.w), (h.div_ceil(2), w.div_ceil(2)));
                for y in 0..s2.h {
                    for x in 0..s2.w {
                        for o in 0..4 {
                            assert_eq!(
                                s2.at(y as isize, x as isize, o),
                                s1.at(2 * y as isize, 2 * x as isize, o)
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn depthwise_is_a_convolution_with_block_diagonal_weights() {
        let mut seed = 11;
        let (c, k) = (5, 3);
        let input = rand_act(&mut seed, 6, 5, c);
        let e = epi(&mut seed, c, Clamp::RELU);
        let dw = rand_weights(&mut seed, c * k * k);
        let mut full = vec![0i8; c * k * k * c];
        for o in 0..c {
            for t in 0..k * k {
                full[(o * k * k + t) * c + o] = dw[o * k * k + t];
            }
        }
        assert_eq!(
            dwconv(&input, &dw, k, 2, &e),
            conv(&input, &full, c, k, 2, &e)
        );
    }

    #[test]
    fn fully_connected_is_a_pointwise_convolution_on_one_pixel() {
        let mut seed = 3;
        let input = rand_act(&mut seed, 1, 1, 17);
        let e = epi(&mut seed, 10, Clamp::NONE);
        let w = rand_weights(&mut seed, 10 * 17);
        let out = fc(&input, &w, 10, &e);
        for o in 0..10 {
            let acc: i32 = e.bias[o]
                + (0..17)
                    .map(|i| i32::from(input.data[i]) * i32::from(w[o * 17 + i]))
                    .sum::<i32>();
            assert_eq!(out.data[o], requant(acc, e.requant[o], Clamp::NONE));
        }
    }

    #[test]
    fn gap_of_a_constant_tensor_is_that_constant() {
        let input = Act::from_vec(4, 4, 2, [10i8, -3].repeat(16));
        let per_position = Requant::from_real(1.0 / 16.0);
        let out = gap(&input, &[per_position; 2], Clamp::NONE);
        assert_eq!(out.data, vec![10, -3]);
    }

    #[test]
    fn add_rescales_both_inputs_and_clamps() {
        let a = Act::from_vec(1, 1, 3, vec![100, -100, 7]);
        let b = Act::from_vec(1, 1, 3, vec![100, -100, 8]);
        // y = (a + b) / 2 with m = 1, s = 1; then (a + 2b) with a clamp.
        assert_eq!(add(&a, &b, 1, 1, 1, Clamp::NONE).data, vec![100, -100, 8]);
        assert_eq!(add(&a, &b, 2, 4, 1, Clamp::NONE).data, vec![127, -128, 23]);
        assert_eq!(add(&a, &b, 2, 4, 1, Clamp::RELU).data, vec![127, 0, 23]);
    }

    #[test]
    fn argmax_takes_the_first_of_equal_maxima() {
        assert_eq!(argmax(&Act::from_vec(1, 1, 4, vec![3, 9, 9, -1])), 1);
    }
}
