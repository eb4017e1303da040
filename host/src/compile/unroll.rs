//! Input unrolling: a first convolution on a thin input becomes a pointwise one.
//!
//! A stem convolution on a grey (or RGB) image uses one array column per input channel: on a
//! `C`-column array it reduces `k*k` taps of `ceil(in_c / C)` mostly empty vectors per position.
//! Unrolled ("im2col" of the network input), each position of its input holds its whole
//! `k x k` window, `k*k*in_c` channels with taps in ring order (the weight layout's order, so a
//! smaller centred kernel is a channel prefix), and the layer is a pointwise convolution of
//! `ceil(k*k*in_c / C)` steps per position. The output is the same bit for bit: positions outside
//! the input read 0 either way (`host/docs/int8-semantics.md`). The host unrolls the input when it
//! writes it ([`crate::compile::program::Program::set_input`]); the accelerator sees an ordinary network.

use crate::compile::layout::{Array, ring_taps};
use crate::net::int8::{Act, out_size};
use crate::net::network::{Layer, Network, Shape};

/// How the input of an unrolled network is formed from the network's own input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unroll {
    /// Kernel size of the unrolled convolution.
    pub k: usize,
    /// Its stride.
    pub stride: usize,
    /// Shape of the network's own input.
    pub input: Shape,
}

/// Whether unrolling a `k x k` convolution of `in_c` input channels pays on `array`: it must at
/// least halve the steps per position, because the unrolled input is up to `k*k` times larger in
/// DRAM (channels are padded to `R` either way, so a thin input costs little more at first).
pub fn pays(k: usize, in_c: usize, array: Array) -> bool {
    let direct = k * k * in_c.div_ceil(array.cols);
    let unrolled = (k * k * in_c).div_ceil(array.cols);
    k > 1 && 2 * unrolled <= direct
}

impl Unroll {
    /// Channels of the unrolled input.
    pub fn channels(&self) -> usize {
        self.k * self.k * self.input.2
    }

    /// Shape of the unrolled input.
    pub fn shape(&self) -> Shape {
        let (h, w, _) = self.input;
        (
            out_size(h, self.k, self.stride),
            out_size(w, self.k, self.stride),
            self.channels(),
        )
    }

    /// The unrolled input: position `(y, x)`, channel `t * in_c + i` holds input channel `i` at
    /// tap `t` (ring order) of output position `(y, x)`'s window, 0 outside the input.
    pub fn apply(&self, input: &Act) -> Act {
        assert_eq!((input.h, input.w, input.c), self.input, "input shape");
        let (oh, ow, ch) = self.shape();
        let in_c = input.c;
        let mut out = Act::zeros(oh, ow, ch);
        for (t, &(dy, dx)) in ring_taps()[..self.k * self.k].iter().enumerate() {
            for oy in 0..oh {
                let iy = (oy * self.stride) as isize + dy;
                if iy < 0 || iy >= input.h as isize {
                    continue;
                }
                for ox in 0..ow {
                    let ix = (ox * self.stride) as isize + dx;
                    if ix < 0 || ix >= input.w as isize {
                        continue;
                    }
                    let src = (iy as usize * input.w + ix as usize) * in_c;
                    let dst = (oy * ow + ox) * ch + t * in_c;
                    out.data[dst..dst + in_c].copy_from_slice(&input.data[src..src + in_c]);
                }
            }
        }
        out
    }
}

/// Weights `w[o][ky][kx][i]` of a `k x k` convolution as the pointwise weights `w[o][t*in_c + i]`
/// of its unrolled form (taps `t` in ring order).
pub fn unrolled_weights(w: &[i8], out_c: usize, in_c: usize, k: usize) -> Vec<i8> {
    assert_eq!(w.len(), out_c * k * k * in_c, "weights of the layer");
    let half = (k / 2) as isize;
    let taps = &ring_taps()[..k * k];
    let mut out = Vec::with_capacity(w.len());
    for o in 0..out_c {
        for &(dy, dx) in taps {
            let (ky, kx) = ((dy + half) as usize, (dx + half) as usize);
            let at = ((o * k + ky) * k + kx) * in_c;
            out.extend_from_slice(&w[at..at + in_c]);
        }
    }
    out
}

/// `net` with its first layer unrolled, when that layer is a `k x k` convolution (`k > 1`) of the
/// network input, the input has no other reader, and unrolling [`pays`] on `array`; None otherwise.
pub fn unroll_first_layer(net: &Network, array: Array) -> Option<(Network, Unroll)> {
    let Some(Layer::Conv {
        input: 0,
        k,
        stride,
        out_c,
        weights,
        epi,
    }) = net.layers.first()
    else {
        return None;
    };
    let in_c = net.input.2;
    let other_reader = net.layers[1..].iter().any(|l| l.inputs().contains(&0));
    if other_reader || !pays(*k, in_c, array) {
        return None;
    }
    let unroll = Unroll {
        k: *k,
        stride: *stride,
        input: net.input,
    };
    let mut layers = net.layers.clone();
    layers[0] = Layer::Conv {
        input: 0,
        k: 1,
        stride: 1,
        out_c: *out_c,
        weights: unrolled_weights(weights, *out_c, in_c, *k),
        epi: epi.clone(),
    };
    Some((
        Network {
            input: unroll.shape(),
            layers,
        },
        unroll,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::network::{RandomSpec, random_network};
    use crate::rng::SplitMix64;

    const ZYNQ: Array = Array { rows: 16, cols: 8 };

    #[test]
    fn a_grey_stem_pays_on_wide_arrays_and_not_on_two_columns() {
        assert!(pays(3, 1, ZYNQ), "9 steps become 2");
        assert!(pays(3, 3, ZYNQ), "RGB: 9 steps become 4");
        assert!(!pays(3, 16, ZYNQ), "16 channels fill the columns already");
        assert!(!pays(1, 1, ZYNQ), "a pointwise layer has nothing to unroll");
        assert!(
            !pays(3, 1, Array { rows: 4, cols: 2 }),
            "9 steps would become 5"
        );
    }

    #[test]
    fn an_unrolled_network_computes_what_the_network_computes() {
        let mut rng = SplitMix64::new(7);
        let mut unrolled = 0;
        for _ in 0..200 {
            let (net, input) = random_network(
                &mut rng,
                RandomSpec {
                    max_hw: 9,
                    max_c: 3,
                    body_layers: 2,
                },
            );
            let Some((lowered, u)) = unroll_first_layer(&net, ZYNQ) else {
                continue;
            };
            unrolled += 1;
            let want = net.run_reference(&input);
            let got = lowered.run_reference(&u.apply(&input));
            assert_eq!(&got[1..], &want[1..], "every layer's output");
        }
        assert!(
            unrolled >= 20,
            "only {unrolled} random networks were unrolled"
        );
    }
}
