//! Fast int8 kernels for measuring accuracy over data sets: the same integer semantics as
//! [`crate::net::int8`], with the loops ordered so that the innermost one runs over contiguous
//! channels (which the compiler vectorises) and padding handled by clipping the kernel window
//! instead of testing every tap. Held bit-exact to the reference kernels by the tests below.

use crate::net::int8::{self, Act};
use crate::net::network::{Layer, Network};

fn dot(a: &[i8], b: &[i8]) -> i32 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| i32::from(x) * i32::from(y))
        .sum()
}

/// The valid kernel offsets `[lo, hi)` for output position `o` on an axis of length `n`.
fn window(o: usize, stride: usize, k: usize, n: usize) -> (usize, usize) {
    let pad = k / 2;
    let start = (o * stride) as isize - pad as isize;
    let lo = (-start).max(0) as usize;
    let hi = (n as isize - start).clamp(0, k as isize) as usize;
    (lo, hi.max(lo))
}

fn conv(
    input: &Act,
    weights: &[i8],
    out_c: usize,
    k: usize,
    stride: usize,
    epi: &int8::Epilogue,
) -> Act {
    let (oh, ow) = (
        int8::out_size(input.h, k, stride),
        int8::out_size(input.w, k, stride),
    );
    let cin = input.c;
    let pad = k / 2;
    let mut out = Act::zeros(oh, ow, out_c);
    let mut acc = vec![0i32; out_c];
    for y in 0..oh {
        let (ky0, ky1) = window(y, stride, k, input.h);
        for x in 0..ow {
            let (kx0, kx1) = window(x, stride, k, input.w);
            acc.copy_from_slice(&epi.bias);
            for ky in ky0..ky1 {
                let iy = y * stride + ky - pad;
                for kx in kx0..kx1 {
                    let ix = x * stride + kx - pad;
                    let px = &input.data[(iy * input.w + ix) * cin..][..cin];
                    for (o, a) in acc.iter_mut().enumerate() {
                        *a += dot(px, &weights[((o * k + ky) * k + kx) * cin..][..cin]);
                    }
                }
            }
            let dst = &mut out.data[(y * ow + x) * out_c..][..out_c];
            for (o, d) in dst.iter_mut().enumerate() {
                *d = int8::requant(acc[o], epi.requant[o], epi.clamp);
            }
        }
    }
    out
}

fn dwconv(input: &Act, weights: &[i8], k: usize, stride: usize, epi: &int8::Epilogue) -> Act {
    let c = input.c;
    let (oh, ow) = (
        int8::out_size(input.h, k, stride),
        int8::out_size(input.w, k, stride),
    );
    let pad = k / 2;
    // Weights as [ky][kx][c], so the inner loop runs over contiguous channels.
    let mut wt = vec![0i8; k * k * c];
    for ch in 0..c {
        for t in 0..k * k {
            wt[t * c + ch] = weights[ch * k * k + t];
        }
    }
    let mut out = Act::zeros(oh, ow, c);
    let mut acc = vec![0i32; c];
    for y in 0..oh {
        let (ky0, ky1) = window(y, stride, k, input.h);
        for x in 0..ow {
            let (kx0, kx1) = window(x, stride, k, input.w);
            acc.copy_from_slice(&epi.bias);
            for ky in ky0..ky1 {
                let iy = y * stride + ky - pad;
                for kx in kx0..kx1 {
                    let ix = x * stride + kx - pad;
                    let px = &input.data[(iy * input.w + ix) * c..][..c];
                    let w = &wt[(ky * k + kx) * c..][..c];
                    for ((a, &p), &q) in acc.iter_mut().zip(px).zip(w) {
                        *a += i32::from(p) * i32::from(q);
                    }
                }
            }
            let dst = &mut out.data[(y * ow + x) * c..][..c];
            for (ch, d) in dst.iter_mut().enumerate() {
                *d = int8::requant(acc[ch], epi.requant[ch], epi.clamp);
            }
        }
    }
    out
}

/// Runs one layer with the fast kernels on the tensors computed so far (`t[0]` is the input).
fn run_layer(layer: &Layer, t: &[Act]) -> Act {
    match layer {
        Layer::Conv {
            input,
            k,
            stride,
            out_c,
            weights,
            epi,
        } => conv(&t[*input], weights, *out_c, *k, *stride, epi),
        Layer::DwConv {
            input,
            k,
            stride,
            weights,
            epi,
        } => dwconv(&t[*input], weights, *k, *stride, epi),
        Layer::Gap {
            input,
            requant,
            clamp,
        } => int8::gap(&t[*input], requant, *clamp),
        Layer::Add {
            a,
            b,
            ma,
            mb,
            s,
            clamp,
        } => int8::add(&t[*a], &t[*b], *ma, *mb, *s, *clamp),
    }
}

/// Runs `net` with the fast kernels and returns the last tensor.
pub fn run_last(net: &Network, input: &Act) -> Act {
    let mut t: Vec<Act> = vec![input.clone()];
    for layer in &net.layers {
        let out = run_layer(layer, &t);
        t.push(out);
    }
    t.pop().expect("the input at least")
}

/// The predicted class of `input`.
pub fn classify(net: &Network, input: &Act) -> usize {
    int8::argmax(&run_last(net, input))
}

/// Test images among the first `n` of `split` that `net` classifies correctly, on `threads`
/// threads (image `i` goes to thread `i mod threads`).
pub fn count_correct(
    net: &Network,
    split: &crate::net::dataset::Split,
    n: usize,
    threads: usize,
) -> usize {
    count_correct_many(std::slice::from_ref(net), split, n, threads)[0]
}

/// For each network, how many leading layers it shares with the one before it (0 for the
/// first). Layers name their inputs by tensor id, so equal leading layers compute equal tensors.
pub fn shared_prefixes(nets: &[Network]) -> Vec<usize> {
    let mut shared = vec![0; nets.len()];
    for j in 1..nets.len() {
        let (prev, net) = (&nets[j - 1], &nets[j]);
        if prev.input == net.input {
            shared[j] = prev
                .layers
                .iter()
                .zip(&net.layers)
                .take_while(|(a, b)| a == b)
                .count();
        }
    }
    shared
}

/// [`count_correct`] for several networks at once: per image, each network reuses the tensors
/// of the leading layers it shares with the network before it ([`shared_prefixes`]). SubNets
/// listed next to each other in a SuperNet differ in their last layers (the head width varies
/// fastest), so most of the body is computed once per group instead of once per SubNet.
pub fn count_correct_many(
    nets: &[Network],
    split: &crate::net::dataset::Split,
    n: usize,
    threads: usize,
) -> Vec<usize> {
    let threads = threads.max(1);
    let shared = shared_prefixes(nets);
    let shared = &shared;
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|thread| {
                scope.spawn(move || {
                    let mut correct = vec![0usize; nets.len()];
                    let mut t: Vec<Act> = Vec::new();
                    for i in (thread..n.min(split.len())).step_by(threads) {
                        t.clear();
                        t.push(split.input(i));
                        for (j, net) in nets.iter().enumerate() {
                            t.truncate(1 + shared[j]);
                            for layer in &net.layers[shared[j]..] {
                                let out = run_layer(layer, &t);
                                t.push(out);
                            }
                            let last = t.last().expect("the input at least");
                            if int8::argmax(last) == split.labels[i] as usize {
                                correct[j] += 1;
                            }
                        }
                    }
                    correct
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("an evaluation thread panicked"))
            .fold(vec![0usize; nets.len()], |mut sum, part| {
                for (s, p) in sum.iter_mut().zip(part) {
                    *s += p;
                }
                sum
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::network::{RandomSpec, random_network};
    use crate::rng::SplitMix64;

    #[test]
    fn fast_kernels_equal_the_reference_on_random_networks() {
        let mut rng = SplitMix64::new(41);
        for case in 0..300 {
            let spec = RandomSpec {
                max_hw: 13,
                max_c: 12,
                body_layers: 1 + rng.below(6) as usize,
            };
            let (net, input) = random_network(&mut rng, spec);
            let reference = net.run_reference(&input);
            assert_eq!(
                &run_last(&net, &input),
                reference.last().unwrap(),
                "case {case}"
            );
        }
    }

    #[test]
    fn the_window_clips_padding_exactly() {
        // k = 3, stride 1, n = 5: position 0 sees taps 1..3, position 4 taps 0..2.
        assert_eq!(window(0, 1, 3, 5), (1, 3));
        assert_eq!(window(2, 1, 3, 5), (0, 3));
        assert_eq!(window(4, 1, 3, 5), (0, 2));
        // n = 1 with k = 7: only the centre tap.
        assert_eq!(window(0, 1, 7, 1), (3, 4));
    }
}
