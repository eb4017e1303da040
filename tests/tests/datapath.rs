//! The RTL datapath against the golden model, bit for bit and counter for counter: random
//! networks (every operator, kernels 1/3/5/7, strides 1/2, channel counts that are not multiples
//! of the array, int8 extremes, saturating and negative requantisation) under random stalls on
//! every AXI channel. `SUSHI_LONG=1` runs thousands of layers on `tiny`.

use sushi_host::compile::program::{Outputs, compile};
use sushi_host::device::driver::Accel;
use sushi_host::device::model::ModelAccel;
use sushi_host::net::network::{RandomSpec, random_network};
use sushi_sim::{RtlSim, Stalls};
use sushi_tests::{TestRng, config, long_run, rtl, seed};

fn run_random_networks(name: &str, networks: usize, seed: u64) -> usize {
    let cfg = config(name);
    let mut rng = TestRng::new(seed);
    let mut layers = 0;
    for case in 0..networks {
        let spec = RandomSpec {
            max_hw: 11,
            max_c: 8,
            body_layers: 1 + rng.below(5) as usize,
        };
        let (net, input) = random_network(&mut rng, spec);
        layers += net.layers.len();
        let what = format!("{name} network {case}");
        let mut program =
            compile(&net, &cfg, Outputs::All).unwrap_or_else(|e| panic!("{what}: {e}"));
        program.set_input(&input);
        let stall_seed = rng.next_u64();
        let stalls = if case % 4 == 0 {
            Stalls::none()
        } else {
            Stalls::random(stall_seed, 500)
        };
        let mut hw = Accel::open(rtl(&cfg, stalls, stall_seed), &cfg).expect("opens");
        let got = hw
            .run_program(&program, 50_000_000)
            .unwrap_or_else(|e| panic!("{what} on the RTL: {e}"));
        let want = Accel::open(ModelAccel::new(&cfg), &cfg)
            .expect("opens")
            .run_program(&program, 0)
            .expect("model runs");
        for ((t, g), (_, m)) in got.outputs.iter().zip(&want.outputs) {
            assert_eq!(
                g,
                m,
                "{what}: tensor {t} ({}) differs; `sushi compare --rtl` shows where",
                net.layers[t - 1].op()
            );
        }
        assert_eq!(
            got.traffic, want.traffic,
            "{what}: MACs and DRAM bytes by kind"
        );
        assert_eq!(hw.into_bus().stats().violations, 0, "{what}");
    }
    layers
}

#[test]
fn random_networks_are_bit_exact_on_tiny_under_random_stalls() {
    let seed = seed("datapath tiny", 31);
    let layers = run_random_networks("tiny", if long_run() { 600 } else { 24 }, seed);
    eprintln!("tiny: {layers} layers bit-exact");
}

#[test]
fn random_networks_are_bit_exact_on_every_other_built_config() {
    let seed = seed("datapath other configs", 37);
    for name in RtlSim::built_configs().into_iter().filter(|n| n != "tiny") {
        run_random_networks(&name, if long_run() { 100 } else { 6 }, seed);
    }
}
