//! A quantised layer graph: what the compiler takes and what the reference kernels run.
//!
//! Tensor 0 is the network input; layer `i` produces tensor `i + 1`. A layer reads earlier
//! tensors only, so the list is already in execution order.

use serde::{Deserialize, Serialize};

use crate::net::int8::{self, Act, Clamp, Epilogue, Requant};

/// Index of a tensor: 0 is the input, `i + 1` the output of layer `i`.
pub type TensorId = usize;

/// One layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Layer {
    /// Standard k x k convolution; pointwise when `k == 1`; fully connected on a 1 x 1 input.
    Conv {
        /// Input tensor.
        input: TensorId,
        /// Kernel size (1, 3, 5, 7).
        k: usize,
        /// Stride (1, 2).
        stride: usize,
        /// Output channels.
        out_c: usize,
        /// `w[o][ky][kx][i]`.
        weights: Vec<i8>,
        /// Bias, requantisation, clamp.
        epi: Epilogue,
    },
    /// Depthwise k x k convolution.
    DwConv {
        /// Input tensor.
        input: TensorId,
        /// Kernel size (3, 5, 7).
        k: usize,
        /// Stride (1, 2).
        stride: usize,
        /// `w[ch][ky][kx]`.
        weights: Vec<i8>,
        /// Bias, requantisation, clamp.
        epi: Epilogue,
    },
    /// Global average pool.
    Gap {
        /// Input tensor.
        input: TensorId,
        /// Requantisation per channel.
        requant: Vec<Requant>,
        /// Clamp.
        clamp: Clamp,
    },
    /// Residual add.
    Add {
        /// First input.
        a: TensorId,
        /// Second input.
        b: TensorId,
        /// Multiplier of `a`.
        ma: i32,
        /// Multiplier of `b`.
        mb: i32,
        /// Shift.
        s: u8,
        /// Clamp.
        clamp: Clamp,
    },
}

impl Layer {
    /// Tensors this layer reads.
    pub fn inputs(&self) -> Vec<TensorId> {
        match self {
            Layer::Conv { input, .. } | Layer::DwConv { input, .. } | Layer::Gap { input, .. } => {
                vec![*input]
            }
            Layer::Add { a, b, .. } => vec![*a, *b],
        }
    }

    /// Short operator name for reports.
    pub fn op(&self) -> &'static str {
        match self {
            Layer::Conv { k: 1, .. } => "pwconv",
            Layer::Conv { .. } => "conv",
            Layer::DwConv { .. } => "dwconv",
            Layer::Gap { .. } => "gap",
            Layer::Add { .. } => "add",
        }
    }
}

/// Height, width, channels.
pub type Shape = (usize, usize, usize);

/// A quantised network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Network {
    /// Shape of tensor 0.
    pub input: Shape,
    /// Layers in execution order.
    pub layers: Vec<Layer>,
}

/// Why a network is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("layer {layer}: {message}")]
pub struct NetworkError {
    /// Layer index.
    pub layer: usize,
    /// What is wrong.
    pub message: String,
}

impl Network {
    /// Shapes of every tensor (input first), checking each layer against its inputs.
    pub fn shapes(&self) -> Result<Vec<Shape>, NetworkError> {
        let mut shapes = vec![self.input];
        for (i, layer) in self.layers.iter().enumerate() {
            let bad = |message: String| NetworkError { layer: i, message };
            for t in layer.inputs() {
                if t > i {
                    return Err(bad(format!(
                        "reads tensor {t}, which is not produced before it"
                    )));
                }
            }
            let shape = match layer {
                Layer::Conv {
                    input,
                    k,
                    stride,
                    out_c,
                    weights,
                    epi,
                } => {
                    let (h, w, c) = shapes[*input];
                    check_window(*k, *stride, &[1, 3, 5, 7]).map_err(bad)?;
                    if weights.len() != out_c * k * k * c {
                        return Err(bad(format!(
                            "conv weights: {} values, expected {out_c}*{k}*{k}*{c}",
                            weights.len()
                        )));
                    }
                    check_epilogue(epi, *out_c).map_err(bad)?;
                    (
                        int8::out_size(h, *k, *stride),
                        int8::out_size(w, *k, *stride),
                        *out_c,
                    )
                }
                Layer::DwConv {
                    input,
                    k,
                    stride,
                    weights,
                    epi,
                } => {
                    let (h, w, c) = shapes[*input];
                    check_window(*k, *stride, &[3, 5, 7]).map_err(bad)?;
                    if weights.len() != c * k * k {
                        return Err(bad(format!(
                            "dwconv weights: {} values, expected {c}*{k}*{k}",
                            weights.len()
                        )));
                    }
                    check_epilogue(epi, c).map_err(bad)?;
                    (
                        int8::out_size(h, *k, *stride),
                        int8::out_size(w, *k, *stride),
                        c,
                    )
                }
                Layer::Gap { input, requant, .. } => {
                    let (_, _, c) = shapes[*input];
                    if requant.len() != c {
                        return Err(bad(format!(
                            "gap has {} requant entries for {c} channels",
                            requant.len()
                        )));
                    }
                    (1, 1, c)
                }
                Layer::Add { a, b, s, .. } => {
                    if shapes[*a] != shapes[*b] {
                        return Err(bad(format!(
                            "add of shapes {:?} and {:?}",
                            shapes[*a], shapes[*b]
                        )));
                    }
                    if !(1..=62).contains(s) {
                        return Err(bad(format!("add shift {s} outside 1..=62")));
                    }
                    shapes[*a]
                }
            };
            shapes.push(shape);
        }
        Ok(shapes)
    }

    /// Runs the reference kernels; returns every tensor (input first).
    pub fn run_reference(&self, input: &Act) -> Vec<Act> {
        let mut t = vec![input.clone()];
        for layer in &self.layers {
            let out = match layer {
                Layer::Conv {
                    input,
                    k,
                    stride,
                    out_c,
                    weights,
                    epi,
                } => int8::conv(&t[*input], weights, *out_c, *k, *stride, epi),
                Layer::DwConv {
                    input,
                    k,
                    stride,
                    weights,
                    epi,
                } => int8::dwconv(&t[*input], weights, *k, *stride, epi),
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
            };
            t.push(out);
        }
        t
    }
}

fn check_window(k: usize, stride: usize, kernels: &[usize]) -> Result<(), String> {
    if !kernels.contains(&k) {
        return Err(format!("kernel {k} is not one of {kernels:?}"));
    }
    if stride != 1 && stride != 2 {
        return Err(format!("stride {stride} is not 1 or 2"));
    }
    Ok(())
}

fn check_epilogue(epi: &Epilogue, channels: usize) -> Result<(), String> {
    if epi.bias.len() != channels || epi.requant.len() != channels {
        return Err(format!(
            "epilogue has {} biases and {} requant entries for {channels} channels",
            epi.bias.len(),
            epi.requant.len()
        ));
    }
    if let Some(r) = epi.requant.iter().find(|r| !(1..=62).contains(&r.s)) {
        return Err(format!("requant shift {} outside 1..=62", r.s));
    }
    if epi.clamp.lo > epi.clamp.hi {
        return Err(format!(
            "clamp [{}, {}] is empty",
            epi.clamp.lo, epi.clamp.hi
        ));
    }
    Ok(())
}

/// Limits of [`random_network`].
#[derive(Debug, Clone, Copy)]
pub struct RandomSpec {
    /// Largest input height and width.
    pub max_hw: usize,
    /// Largest channel count.
    pub max_c: usize,
    /// Layers before the classifier head.
    pub body_layers: usize,
}

/// A random network that uses every operator: a body of random convolutions (kernels 1/3/5/7,
/// strides 1/2), depthwise convolutions and residual adds over odd sizes and channel counts, then
/// global average pool and a fully connected layer. Weights include the int8 extremes;
/// requantisation includes negative multipliers and saturating factors; clamps vary.
pub fn random_network(rng: &mut crate::rng::SplitMix64, spec: RandomSpec) -> (Network, Act) {
    let h = rng.range(1, spec.max_hw as i64) as usize;
    let w = rng.range(1, spec.max_hw as i64) as usize;
    let c = rng.range(1, spec.max_c as i64) as usize;
    let mut net = Network {
        input: (h, w, c),
        layers: Vec::new(),
    };
    let input = Act::from_vec(
        h,
        w,
        c,
        rng.bytes(h * w * c).into_iter().map(|b| b as i8).collect(),
    );
    let mut shapes = vec![(h, w, c)];
    for _ in 0..spec.body_layers {
        let cur = shapes.len() - 1;
        let (ch, cw, cc) = shapes[cur];
        let same: Vec<usize> = (0..cur).filter(|&t| shapes[t] == shapes[cur]).collect();
        let choice = rng.below(if same.is_empty() { 2 } else { 3 });
        let layer = match choice {
            0 => {
                let k = [1, 3, 5, 7][rng.below(4) as usize];
                let stride = if ch > 2 && cw > 2 {
                    1 + rng.below(2) as usize
                } else {
                    1
                };
                let out_c = rng.range(1, spec.max_c as i64) as usize;
                Layer::Conv {
                    input: cur,
                    k,
                    stride,
                    out_c,
                    weights: random_weights(rng, out_c * k * k * cc),
                    epi: random_epilogue(rng, out_c, k * k * cc),
                }
            }
            1 => {
                let k = [3, 5, 7][rng.below(3) as usize];
                let stride = if ch > 2 && cw > 2 {
                    1 + rng.below(2) as usize
                } else {
                    1
                };
                Layer::DwConv {
                    input: cur,
                    k,
                    stride,
                    weights: random_weights(rng, cc * k * k),
                    epi: random_epilogue(rng, cc, k * k),
                }
            }
            _ => {
                let other = same[rng.below(same.len() as u64) as usize];
                let s = rng.range(1, 20) as u8;
                let (ma, mb) = (
                    rng.range(-(1 << 20), 1 << 20) as i32,
                    rng.range(-(1 << 20), 1 << 20) as i32,
                );
                Layer::Add {
                    a: cur,
                    b: other,
                    ma,
                    mb,
                    s,
                    clamp: random_clamp(rng),
                }
            }
        };
        net.layers.push(layer);
        shapes = net.shapes().expect("the generator makes valid layers");
    }
    let cur = shapes.len() - 1;
    let cc = shapes[cur].2;
    let requant = (0..cc)
        .map(|_| random_requant(rng, 1.0 / (shapes[cur].0 * shapes[cur].1) as f64))
        .collect();
    net.layers.push(Layer::Gap {
        input: cur,
        requant,
        clamp: random_clamp(rng),
    });
    let classes = rng.range(2, 12) as usize;
    net.layers.push(Layer::Conv {
        input: cur + 1,
        k: 1,
        stride: 1,
        out_c: classes,
        weights: random_weights(rng, classes * cc),
        epi: random_epilogue(rng, classes, cc),
    });
    (net, input)
}

fn random_weights(rng: &mut crate::rng::SplitMix64, n: usize) -> Vec<i8> {
    (0..n)
        .map(|_| match rng.below(16) {
            0 => 127,
            1 => -127,
            _ => rng.range(-127, 127) as i8,
        })
        .collect()
}

/// A requantisation near `typical` (the factor that keeps outputs in range), sometimes far off
/// (saturating), sometimes negative.
fn random_requant(rng: &mut crate::rng::SplitMix64, typical: f64) -> Requant {
    let scale = match rng.below(8) {
        0 => 64.0,
        1 => 1.0 / 64.0,
        _ => 0.25 + rng.below(1000) as f64 / 250.0,
    };
    let sign = if rng.below(6) == 0 { -1.0 } else { 1.0 };
    let r = Requant::from_real(sign * typical * scale);
    if r.m == 0 { Requant { m: 1, s: 1 } } else { r }
}

fn random_clamp(rng: &mut crate::rng::SplitMix64) -> Clamp {
    match rng.below(3) {
        0 => Clamp::NONE,
        1 => Clamp::RELU,
        _ => Clamp {
            lo: rng.range(-128, 0) as i8,
            hi: rng.range(1, 127) as i8,
        },
    }
}

fn random_epilogue(rng: &mut crate::rng::SplitMix64, channels: usize, fan_in: usize) -> Epilogue {
    // Accumulators reach about 127 * 127 * sqrt(fan_in) for random operands.
    let typical = 100.0 / (127.0 * 127.0 * (fan_in as f64).sqrt());
    Epilogue {
        bias: (0..channels)
            .map(|_| rng.range(-50_000, 50_000) as i32)
            .collect(),
        requant: (0..channels)
            .map(|_| random_requant(rng, typical))
            .collect(),
        clamp: random_clamp(rng),
    }
}

impl Network {
    /// Multiply-accumulates of layer `i` as the literature counts them: every kernel tap of
    /// every output, padding included (`out_h * out_w * out_c * k * k * in_c` for a convolution).
    /// Residual adds and pools count 0.
    pub fn layer_macs(&self, i: usize, shapes: &[Shape]) -> u64 {
        let (oh, ow, oc) = shapes[i + 1];
        match &self.layers[i] {
            Layer::Conv { input, k, .. } => (oh * ow * oc * k * k * shapes[*input].2) as u64,
            Layer::DwConv { k, .. } => (oh * ow * oc * k * k) as u64,
            Layer::Gap { .. } | Layer::Add { .. } => 0,
        }
    }

    /// The first `n` layers as a network of their own (same input).
    pub fn prefix(&self, n: usize) -> Network {
        Network {
            input: self.input,
            layers: self.layers[..n].to_vec(),
        }
    }
}

/// A MobileNetV2-style network for 28 x 28 x 1 inputs with seeded random weights: a stem
/// convolution, inverted-residual blocks (pointwise expand, depthwise 3 x 3 or 5 x 5, pointwise
/// project, residual add), a head, pooling and a classifier. A stand-in workload for
/// performance reports until a trained SuperNet's SubNets take its place.
pub fn benchmark_network(seed: u64) -> (Network, Act) {
    let mut rng = crate::rng::SplitMix64::new(seed);
    let mut layers = Vec::new();
    let mut shapes: Vec<Shape> = vec![(28, 28, 1)];
    let push = |layers: &mut Vec<Layer>, shapes: &mut Vec<Shape>, layer: Layer| {
        layers.push(layer);
        let net = Network {
            input: (28, 28, 1),
            layers: layers.clone(),
        };
        *shapes = net.shapes().expect("the benchmark network is well formed");
    };
    let conv = |rng: &mut crate::rng::SplitMix64,
                input: usize,
                in_c: usize,
                out_c: usize,
                k: usize,
                stride: usize,
                relu: bool| {
        let epi = Epilogue {
            bias: (0..out_c).map(|_| rng.range(-2000, 2000) as i32).collect(),
            requant: (0..out_c)
                .map(|_| Requant::from_real(1.0 / (90.0 * ((k * k * in_c) as f64).sqrt())))
                .collect(),
            clamp: if relu { Clamp::RELU } else { Clamp::NONE },
        };
        let weights = (0..out_c * k * k * in_c)
            .map(|_| rng.range(-127, 127) as i8)
            .collect();
        Layer::Conv {
            input,
            k,
            stride,
            out_c,
            weights,
            epi,
        }
    };
    let dw = |rng: &mut crate::rng::SplitMix64, input: usize, c: usize, k: usize, stride: usize| {
        let epi = Epilogue {
            bias: (0..c).map(|_| rng.range(-500, 500) as i32).collect(),
            requant: (0..c)
                .map(|_| Requant::from_real(1.0 / (90.0 * k as f64)))
                .collect(),
            clamp: Clamp::RELU,
        };
        Layer::DwConv {
            input,
            k,
            stride,
            weights: (0..c * k * k).map(|_| rng.range(-127, 127) as i8).collect(),
            epi,
        }
    };
    // Stem: 28x28x1 -> 14x14x16.
    let l = conv(&mut rng, 0, 1, 16, 3, 2, true);
    push(&mut layers, &mut shapes, l);
    // (expand, out channels, kernel, stride) per block.
    for &(expand, out_c, k, stride) in &[
        (4usize, 16usize, 3usize, 1usize),
        (4, 24, 3, 2),
        (4, 24, 5, 1),
        (6, 32, 3, 2),
        (6, 32, 5, 1),
    ] {
        let input = shapes.len() - 1;
        let in_c = shapes[input].2;
        let hidden = in_c * expand;
        let l = conv(&mut rng, input, in_c, hidden, 1, 1, true);
        push(&mut layers, &mut shapes, l);
        let l = dw(&mut rng, shapes.len() - 1, hidden, k, stride);
        push(&mut layers, &mut shapes, l);
        let l = conv(&mut rng, shapes.len() - 1, hidden, out_c, 1, 1, false);
        push(&mut layers, &mut shapes, l);
        if stride == 1 && in_c == out_c {
            let a = shapes.len() - 1;
            push(
                &mut layers,
                &mut shapes,
                Layer::Add {
                    a,
                    b: input,
                    ma: 1 << 14,
                    mb: 1 << 14,
                    s: 15,
                    clamp: Clamp::NONE,
                },
            );
        }
    }
    // Head: 7x7x32 -> 7x7x128 -> pool -> 10 classes.
    let l = conv(&mut rng, shapes.len() - 1, 32, 128, 1, 1, true);
    push(&mut layers, &mut shapes, l);
    let input = shapes.len() - 1;
    push(
        &mut layers,
        &mut shapes,
        Layer::Gap {
            input,
            requant: vec![Requant::from_real(1.0 / 49.0); 128],
            clamp: Clamp::NONE,
        },
    );
    let l = conv(&mut rng, shapes.len() - 1, 128, 10, 1, 1, false);
    push(&mut layers, &mut shapes, l);
    let input = Act::from_vec(
        28,
        28,
        1,
        (0..784).map(|_| rng.range(0, 127) as i8).collect(),
    );
    (
        Network {
            input: (28, 28, 1),
            layers,
        },
        input,
    )
}
