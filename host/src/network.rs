//! A quantised layer graph: what the compiler takes and what the reference kernels run.
//!
//! Tensor 0 is the network input; layer `i` produces tensor `i + 1`. A layer reads earlier
//! tensors only, so the list is already in execution order.

use serde::{Deserialize, Serialize};

use crate::int8::{self, Act, Clamp, Epilogue, Requant};

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
