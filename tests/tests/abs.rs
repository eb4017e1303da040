//! SushiAbs (`host/src/cycle_model/abs.rs`) against the RTL: whole programs, predicted cycles and engine busy
//! cycles against the RTL's counters, SubNets that deposit what they stream (`LOAD_W_PB`) included.

use sushi_host::compile::layout::Array;
use sushi_host::compile::pb_map::PbMap;
use sushi_host::compile::program::{
    Outputs, Program, compile, compile_refill, compile_subnet, compile_subnet_depositing,
};
use sushi_host::compile::tiles::TileImage;
use sushi_host::compile::tiles::best_subgraph;
use sushi_host::cycle_model::abs::predict;
use sushi_host::device::driver::Accel;
use sushi_host::net::int8::{Act, Clamp, Epilogue, Requant};
use sushi_host::net::network::{Layer, Network};
use sushi_host::net::network::{RandomSpec, random_network};
use sushi_host::net::supernet::SuperNet;
use sushi_hw::HwConfig;
use sushi_hw::bus::read_counter;
use sushi_hw::commands::{Command, Engine};
use sushi_hw::regs;
use sushi_sim::{RtlSim, Stalls};
use sushi_tests::{TestRng, config, rtl, seed};

fn engine(c: &Command) -> Option<Engine> {
    c.op().map(|op| op.engine())
}

fn supernet() -> &'static SuperNet {
    sushi_tests::shipped_supernet()
}

struct Row {
    what: String,
    rtl: u64,
    model: u64,
    rtl_comp: u64,
    model_comp: u64,
    rtl_dma: u64,
    model_dma: u64,
}

fn measure(accel: &mut Accel<RtlSim>, cfg: &HwConfig, p: &Program, what: String) -> Row {
    let r = accel.run_program(p, 1 << 34).expect("runs");
    let m = predict(p, cfg);
    assert_eq!(
        m.dram_bytes,
        r.counters.dram_read_bytes + r.counters.dram_write_bytes,
        "{what}: SushiAbs counts DRAM bytes as the RTL does"
    );
    let comp = read_counter(accel.bus(), regs::COMPUTE_BUSY_CYCLES_LO).unwrap();
    let dma = read_counter(accel.bus(), regs::DMA_BUSY_CYCLES_LO).unwrap();
    let n_comp = p
        .commands
        .iter()
        .filter(|c| engine(c) == Some(Engine::Compute))
        .count();
    let n_dma = p
        .commands
        .iter()
        .filter(|c| engine(c) == Some(Engine::Dma))
        .count();
    Row {
        what: format!("{what} [{n_comp}c {n_dma}d]"),
        rtl: r.counters.busy_cycles,
        model: m.cycles,
        rtl_comp: comp,
        model_comp: m.compute_busy_cycles,
        rtl_dma: dma,
        model_dma: m.dma_busy_cycles,
    }
}

fn err(a: u64, b: u64) -> f64 {
    (b as f64 - a as f64) / a.max(1) as f64 * 100.0
}

#[test]
fn the_cycle_model_tracks_the_rtl() {
    let seed = seed("abs", 3);
    let mut rng = TestRng::new(seed);
    let net = supernet();
    let mut rows = Vec::new();
    for name in ["zynq7020", "tiny", "tangnano9k"] {
        let cfg = config(name);
        let mut accel = Accel::open(rtl(&cfg, Stalls::none(), seed), &cfg).unwrap();
        for case in 0..6 {
            let (n, input) = random_network(
                &mut rng,
                RandomSpec {
                    max_hw: 12,
                    max_c: 24,
                    body_layers: 3,
                },
            );
            let Ok(mut p) = compile(&n, &cfg, Outputs::Last) else {
                continue;
            };
            p.set_input(&input);
            rows.push(measure(
                &mut accel,
                &cfg,
                &p,
                format!("{name} random {case}"),
            ));
        }
        let image = TileImage::build(net, Array::of(&cfg));
        accel.upload_tile_image(&image).unwrap();
        let subnets: Vec<usize> = if name == "tiny" {
            vec![0, 40, 100]
        } else {
            vec![0, 200, 512, 800, 1023]
        };
        let mut map = PbMap::for_config(&cfg);
        for &s in &subnets {
            // Three cache states: empty, the smallest SubNet's SubGraph, and the best SubGraph
            // for this SubNet that fits (itself when it does).
            let best = best_subgraph(net, &image, s, cfg.spec.buffers.pb_bytes as usize)
                .unwrap()
                .map(|c| c.config);
            let deposit_target = best.clone();
            for (cache, g) in [
                ("empty", None),
                ("SubNet 0", Some(net.subnets[0].config.clone())),
                ("best", best),
            ] {
                if let Some(g) = &g {
                    let Ok(refill) = map.refill(&image, g) else {
                        continue;
                    };
                    let p = compile_refill(&refill, &image, &cfg).unwrap();
                    rows.push(measure(
                        &mut accel,
                        &cfg,
                        &p,
                        format!("{name} refill for {s}"),
                    ));
                } else {
                    map.invalidate();
                }
                let mut p = match compile_subnet(net, s, &image, &map, &cfg, Outputs::Last) {
                    Ok(p) => p,
                    Err(_) => continue,
                };
                let nw = net.network(s).unwrap();
                let (h, w, c) = nw.input;
                p.set_input(&Act {
                    h,
                    w,
                    c,
                    data: vec![3; h * w * c],
                });
                rows.push(measure(
                    &mut accel,
                    &cfg,
                    &p,
                    format!("{name} SubNet {s} PB {cache}"),
                ));
            }
            // A fourth state: from an empty PB, the SubNet deposits the tiles of its best
            // SubGraph as it streams them (then the refill of the rest keeps the PB coherent).
            let Some(g) = deposit_target else {
                continue;
            };
            map.invalidate();
            let before = map.clone();
            let tiles = image.tiles(&net.subnets[s].config).unwrap();
            let plan = map
                .plan_subgraph_deposits(&image, &tiles, &g)
                .expect("the best SubGraph fits");
            let Ok(mut p) = compile_subnet_depositing(
                net,
                s,
                &image,
                &before,
                &plan.deposit,
                &cfg,
                Outputs::Last,
            ) else {
                continue;
            };
            assert!(
                p.deposited_bytes > 0,
                "{name} SubNet {s}: something is deposited"
            );
            let nw = net.network(s).unwrap();
            let (h, w, c) = nw.input;
            p.set_input(&Act {
                h,
                w,
                c,
                data: vec![3; h * w * c],
            });
            rows.push(measure(
                &mut accel,
                &cfg,
                &p,
                format!("{name} SubNet {s} PB deposit"),
            ));
            let refill = compile_refill(&plan.refill, &image, &cfg).unwrap();
            accel.run_program(&refill, 1 << 34).expect("runs");
        }
    }
    let mut worst: f64 = 0.0;
    for r in &rows {
        let e = err(r.rtl, r.model);
        worst = worst.max(e.abs());
        eprintln!(
            "{:<46} rtl {:>8} model {:>8} ({:+6.2}%)  compute {:>8} vs {:>8} ({:+6.2}%)  dma {:>8} vs {:>8} ({:+6.2}%)",
            r.what,
            r.rtl,
            r.model,
            e,
            r.rtl_comp,
            r.model_comp,
            err(r.rtl_comp, r.model_comp),
            r.rtl_dma,
            r.model_dma,
            err(r.rtl_dma, r.model_dma)
        );
    }
    eprintln!("worst {worst:.2}% (programs of every size)");
    let deposit_rows: Vec<&Row> = rows.iter().filter(|r| r.what.contains("deposit")).collect();
    assert!(
        deposit_rows.len() >= 6,
        "deposit programs on every config: {}",
        deposit_rows.len()
    );
    let worst_deposit = deposit_rows
        .iter()
        .map(|r| err(r.rtl, r.model).abs())
        .fold(0.0, f64::max);
    eprintln!(
        "worst {worst_deposit:.2}% on {} deposit programs",
        deposit_rows.len()
    );
    // The PB write of a deposit is free: a depositing program with as many commands as the same
    // SubNet streaming from an empty PB (same runs, each LOAD_W_PB in place of a LOAD_W) takes
    // exactly its cycles on the RTL, and SushiAbs predicts exactly the same.
    let mut same_shape = 0;
    for d in &deposit_rows {
        let plain = d.what.replace("PB deposit", "PB empty");
        if let Some(e) = rows.iter().find(|r| r.what == plain) {
            assert_eq!(
                (d.rtl, d.model),
                (e.rtl, e.model),
                "{}: a deposit costs cycles",
                d.what
            );
            same_shape += 1;
        }
    }
    assert!(
        same_shape >= 3,
        "only {same_shape} deposit programs of the plain shape"
    );
    // The published bound: whole SubNets and refills (programs of more than 1,000 cycles) within 2%.
    // Known gap: on tangnano9k (HyperRAM, one burst at a time) programs of many short rows are
    // underestimated: refills by up to 11%, SubNet 0 by 3.4% (the model misses a per-burst cost
    // of that memory); held to 12% and 4% so that it cannot grow unnoticed.
    for r in rows
        .iter()
        .filter(|r| r.rtl > 1000 && !r.what.contains("random"))
    {
        let e = err(r.rtl, r.model);
        let bound = if r.what.starts_with("tangnano9k refill") {
            12.0
        } else if r.what.starts_with("tangnano9k") {
            4.0
        } else {
            2.0
        };
        assert!(e.abs() <= bound, "{}: {e:+.2}%", r.what);
    }
}

fn epi(c: usize) -> Epilogue {
    Epilogue {
        bias: vec![0; c],
        requant: vec![Requant { m: 1 << 30, s: 31 }; c],
        clamp: Clamp { lo: -128, hi: 127 },
    }
}

/// Every operator's compute time is its loop nest (rtl/README.md "Compute") plus a fixed cost,
/// and the wait for the first group's epilogue parameters: within 3 cycles per command.
#[test]
fn each_operator_takes_its_loop_nest_plus_a_fixed_cost() {
    let cfg = config("zynq7020");
    let mut accel = Accel::open(rtl(&cfg, Stalls::none(), 1), &cfg).unwrap();
    // One-layer networks: (h, w, c_in) in, then the layer.
    let conv = |(h, w, c): (usize, usize, usize), k: usize, stride: usize, out_c: usize| Network {
        input: (h, w, c),
        layers: vec![Layer::Conv {
            input: 0,
            k,
            stride,
            out_c,
            weights: vec![1; out_c * k * k * c],
            epi: epi(out_c),
        }],
    };
    let dw = |(h, w, c): (usize, usize, usize), k: usize, stride: usize| Network {
        input: (h, w, c),
        layers: vec![Layer::DwConv {
            input: 0,
            k,
            stride,
            weights: vec![1; c * k * k],
            epi: epi(c),
        }],
    };
    let cases: Vec<(&str, Network)> = vec![
        ("pw 14x14 32->64", conv((14, 14, 32), 1, 1, 64)),
        ("pw 14x14 32->16", conv((14, 14, 32), 1, 1, 16)),
        ("pw 2x2 160->960", conv((2, 2, 160), 1, 1, 960)),
        ("pw 7x7 64->64", conv((7, 7, 64), 1, 1, 64)),
        ("conv3 28x28 1->16 s2", conv((28, 28, 1), 3, 2, 16)),
        ("dw3 14x14 64", dw((14, 14, 64), 3, 1)),
        ("dw7 7x7 64", dw((7, 7, 64), 7, 1)),
        ("dw3 14x14 64 s2", dw((14, 14, 64), 3, 2)),
        ("dw5 2x2 480", dw((2, 2, 480), 5, 1)),
        // Folded depthwise (two taps a step) and the stride-2 single phase.
        ("dw5 4x4 192 (folded)", dw((4, 4, 192), 5, 1)),
        ("dw3 7x7 144 s2 (folded)", dw((7, 7, 144), 3, 2)),
        ("dw5 7x7 96 (folded)", dw((7, 7, 96), 5, 1)),
        ("dw3 28x28 32 s2", dw((28, 28, 32), 3, 2)),
        // IN_VECTORS: 24 channels padded to 32, three vectors reduced.
        ("conv3 9x9 24->32", conv((9, 9, 24), 3, 1, 32)),
        (
            "add 14x14 24 (blocks)",
            Network {
                input: (14, 14, 24),
                layers: vec![Layer::Add {
                    a: 0,
                    b: 0,
                    ma: 1 << 14,
                    mb: 1 << 14,
                    s: 15,
                    clamp: Clamp { lo: -128, hi: 127 },
                }],
            },
        ),
        (
            "gap 4x4 256",
            Network {
                input: (4, 4, 256),
                layers: vec![Layer::Gap {
                    input: 0,
                    requant: vec![Requant { m: 1 << 30, s: 31 }; 256],
                    clamp: Clamp { lo: -128, hi: 127 },
                }],
            },
        ),
    ];
    for (name, net) in cases {
        let mut p = compile(&net, &cfg, Outputs::None).unwrap();
        let (h, w, c) = net.input;
        p.set_input(&Act {
            h,
            w,
            c,
            data: vec![1; h * w * c],
        });
        let r = accel.run_program(&p, 1 << 30).unwrap();
        let comp = read_counter(accel.bus(), regs::COMPUTE_BUSY_CYCLES_LO).unwrap();
        let m = predict(&p, &cfg);
        let ncomp = p
            .commands
            .iter()
            .filter(|c| engine(c) == Some(Engine::Compute))
            .count();
        eprintln!(
            "{name:<24} cmds {ncomp:>3} rtl comp {comp:>7} model {:>7} total rtl {} model {}",
            m.compute_busy_cycles, r.counters.busy_cycles, m.cycles
        );
        assert!(
            comp.abs_diff(m.compute_busy_cycles) <= 3 * ncomp as u64,
            "{name}: compute {comp} on the RTL, {} predicted",
            m.compute_busy_cycles
        );
        assert!(
            r.counters.busy_cycles.abs_diff(m.cycles) as f64
                <= 0.01 * r.counters.busy_cycles as f64,
            "{name}: {} cycles on the RTL, {} predicted",
            r.counters.busy_cycles,
            m.cycles
        );
    }
}

/// The published bound: SushiAbs within 2% of the RTL on every measured Pareto SubNet of `tiny` under
/// three cache states (`sushi abs check` runs the same on any config).
#[test]
fn sushiabs_is_within_two_percent_on_the_pareto_front_of_tiny() {
    let cfg = config("tiny");
    let net = supernet();
    let front: Vec<usize> = sushi_tests::measured_front(&cfg)
        .iter()
        .map(|p| p.subnet)
        .collect();
    let r = sushi_host::cycle_model::check::check(
        rtl(&cfg, Stalls::none(), 1),
        &cfg,
        net,
        &front,
        |_| {},
    )
    .unwrap();
    eprintln!(
        "tiny: {} programs, max |error| {:.2}% at {:?}",
        r.cases.len(),
        r.max_abs_error_percent,
        r.worst
    );
    assert!(
        r.cases.len() >= front.len() * 2,
        "at least two cache states per SubNet"
    );
    assert!(r.max_abs_error_percent <= 2.0, "{:?}", r.worst);
}
