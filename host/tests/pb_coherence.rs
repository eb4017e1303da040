//! Coherence of the Persistent Buffer on the golden model: after any sequence of
//! refills, every SubNet compiled against the cached SubGraph computes exactly what the int8
//! reference computes, reads from DRAM exactly the weight bytes the compiler planned (zero when
//! the SubNet lies inside the SubGraph), and the refill moved only what was not in place.
//! `SUSHI_LONG=1` runs a long sequence; `SUSHI_TEST_SEED` replays one.

use std::sync::OnceLock;

use sushi_host::compile::layout::Array;
use sushi_host::compile::pb_map::PbMap;
use sushi_host::compile::program::{Outputs, compile, compile_refill, compile_subnet};
use sushi_host::compile::tiles::{TileImage, shared};
use sushi_host::device::driver::Accel;
use sushi_host::device::model::ModelAccel;
use sushi_host::net::int8::Act;
use sushi_host::net::supernet::SuperNet;
use sushi_host::rng::SplitMix64;
use sushi_hw::HwConfig;

fn supernet() -> &'static SuperNet {
    static NET: OnceLock<SuperNet> = OnceLock::new();
    NET.get_or_init(|| SuperNet::load(&sushi_host::net::supernet::shipped_path()).unwrap())
}

fn seed(test: &str, default: u64) -> u64 {
    let seed = std::env::var("SUSHI_TEST_SEED")
        .ok()
        .map_or(default, |s| s.trim().parse().expect("SUSHI_TEST_SEED"));
    eprintln!("{test}: seed {seed} (reproduce with SUSHI_TEST_SEED={seed})");
    seed
}

fn long_run() -> bool {
    std::env::var("SUSHI_LONG").is_ok_and(|v| v != "0")
}

fn random_image(rng: &mut SplitMix64, (h, w, c): (usize, usize, usize)) -> Act {
    Act {
        h,
        w,
        c,
        data: (0..h * w * c).map(|_| rng.next_u64() as i8).collect(),
    }
}

/// A SubGraph to cache: a runnable SubNet's config (and its index), or what two SubNets share.
fn random_subgraph(
    rng: &mut SplitMix64,
    net: &SuperNet,
    runnable: &[usize],
) -> (Vec<u16>, Option<usize>) {
    let i = runnable[rng.below(runnable.len() as u64) as usize];
    let a = &net.subnets[i].config;
    if rng.below(2) == 0 {
        (a.clone(), Some(i))
    } else {
        let n = net.subnets.len() as u64;
        (shared(a, &net.subnets[rng.below(n) as usize].config), None)
    }
}

/// SubNets below `max_subnet` that compile on `cfg` at all (tiny's ACT is too small for some).
pub fn runnable_subnets(cfg: &HwConfig, max_subnet: usize) -> Vec<usize> {
    let net = supernet();
    (0..max_subnet)
        .filter(|&s| {
            net.network(s)
                .ok()
                .is_some_and(|n| compile(&n, cfg, Outputs::Last).is_ok())
        })
        .collect()
}

/// Runs `steps` of (refill to a random SubGraph, run a random SubNet) on the model of `cfg`.
/// Returns (SubNet runs, SubNets wholly inside the cached SubGraph).
pub fn coherence_on_model(
    cfg: &HwConfig,
    steps: usize,
    seed: u64,
    max_subnet: usize,
) -> (usize, usize) {
    let net = supernet();
    let image = TileImage::build(net, Array::of(cfg));
    let mut accel = Accel::open(ModelAccel::new(cfg), cfg).expect("opens");
    accel.upload_tile_image(&image).expect("tile image fits");
    let mut map = PbMap::for_config(cfg);
    let runnable = runnable_subnets(cfg, max_subnet);
    assert!(!runnable.is_empty(), "{}: no SubNet compiles", cfg.name);
    let mut rng = SplitMix64::new(seed);
    let (mut runs, mut inside) = (0, 0);
    for step in 0..steps {
        let what = format!("{} step {step} (seed {seed})", cfg.name);
        let (g, listed_g) = random_subgraph(&mut rng, net, &runnable);
        let before: std::collections::HashSet<(u32, u32)> = map.contents().collect();
        match map.refill(&image, &g) {
            Ok(refill) => {
                // Only what was not in place moves.
                for &(tile, word) in &refill.moves {
                    assert!(
                        !before.contains(&(tile, word)),
                        "{what}: tile {tile} was already at word {word}"
                    );
                }
                let program = compile_refill(&refill, &image, cfg).expect("refill compiles");
                let report = accel.run_program(&program, 0).expect("refill runs");
                assert_eq!(
                    report.traffic.pb_fill_bytes,
                    refill.bytes() as u64,
                    "{what}: fill bytes"
                );
            }
            Err(e) => {
                // Too large for this PB: the map is unchanged and the old SubGraph stays.
                assert_eq!(
                    map.contents().collect::<std::collections::HashSet<_>>(),
                    before,
                    "{what}: a refused refill changed the map: {e}"
                );
            }
        }
        // A third of the time the SubNet whose config was just cached (wholly inside when it fit).
        let s = match listed_g {
            Some(i) if rng.below(3) == 0 => i,
            _ => runnable[rng.below(runnable.len() as u64) as usize],
        };
        let mut program =
            compile_subnet(net, s, &image, &map, cfg, Outputs::Last).expect("SubNet compiles");
        let network = net.network(s).expect("SubNet");
        let input = random_image(&mut rng, network.input);
        program.set_input(&input);
        let report = accel.run_program(&program, 0).expect("SubNet runs");
        let want = network.run_reference(&input).pop().expect("an output");
        let got = &report.outputs.last().expect("stored output").1;
        assert_eq!(got, &want, "{what}: SubNet {s} output");
        assert_eq!(
            report.traffic.dram_read_weight_bytes, program.weight_bytes as u64,
            "{what}: DRAM weight bytes"
        );
        assert_eq!(
            report.traffic.pb_read_bytes, program.pb_bytes as u64,
            "{what}: PB bytes"
        );
        let tiles_s = image.tiles(&net.subnets[s].config).expect("tiles");
        let cached = map.subgraph().map(|g| image.tiles(g).expect("tiles"));
        if cached.is_some_and(|g| tiles_s.iter().all(|t| g.binary_search(t).is_ok())) {
            inside += 1;
            assert_eq!(
                report.traffic.dram_read_weight_bytes, 0,
                "{what}: SubNet {s} lies inside the cached SubGraph"
            );
        }
        runs += 1;
    }
    (runs, inside)
}

#[test]
fn subnets_stay_exact_across_random_refills_on_the_model() {
    let seed = seed("pb coherence (model)", 404);
    let steps = if long_run() { 400 } else { 16 };
    for name in ["zynq7020", "tiny"] {
        let cfg = HwConfig::builtin(name).unwrap();
        let n = supernet().subnets.len();
        // tiny's model runs the big SubNets slowly; its PB holds only small SubGraphs anyway.
        let max_subnet = if name == "tiny" { n / 4 } else { n };
        let (runs, inside) = coherence_on_model(&cfg, steps, seed, max_subnet);
        eprintln!("{name}: {runs} SubNet runs exact, {inside} wholly inside the cached SubGraph");
    }
}

#[test]
fn the_pb_report_on_the_model_counts_a_wholly_cached_subnet_as_zero_dram_weight_bytes() {
    use sushi_host::compile::tiles::best_subgraph;
    use sushi_host::reports::pb_report::measure;
    let cfg = HwConfig::builtin("zynq7020").unwrap();
    let net = supernet();
    let last = net.subnets.len() - 1;
    let r = measure(
        &cfg,
        net,
        &[0, last],
        true,
        1,
        || ModelAccel::new(&cfg),
        0,
        |_| {},
    )
    .expect("measures");
    let image = TileImage::build(net, Array::of(&cfg));
    let small = &r.subnets[0];
    // SubNet 0 fits: it is its own SubGraph, and then streams no weights at all.
    assert_eq!(small.subgraph.as_ref().unwrap().rule, "SubNet 0 itself");
    assert_eq!(small.dram_weight_bytes_cached, Some(0));
    assert_eq!(small.dram_weight_bytes_no_cache, small.weight_bytes as u64);
    assert_eq!(small.pb_read_bytes, Some(small.weight_bytes as u64));
    assert_eq!(small.layers.len(), net.network(0).unwrap().layers.len());
    let per_layer: u64 = small
        .layers
        .iter()
        .map(|l| l.dram_weight_bytes_no_cache)
        .sum();
    assert_eq!(per_layer, small.dram_weight_bytes_no_cache, "layers add up");
    // The largest does not fit: it caches the largest share that does, and streams the rest.
    let big = &r.subnets[1];
    let g = big.subgraph.as_ref().unwrap();
    assert!(g.bytes <= cfg.spec.buffers.pb_bytes as usize);
    assert_eq!(
        Some(g),
        best_subgraph(net, &image, last, cfg.spec.buffers.pb_bytes as usize)
            .unwrap()
            .as_ref()
    );
    assert_eq!(
        big.dram_weight_bytes_cached,
        Some(big.weight_bytes as u64 - g.shared_bytes as u64)
    );
    // The fill moved the larger SubGraph.
    assert_eq!(r.fill.as_ref().unwrap().bytes, g.bytes as u64);
}
