//! Serving on the RTL: every query of a trace runs on the simulated RTL with its
//! real test image, checked bit for bit against the golden model, and the RTL and model backends
//! make the same decisions on the same trace.

use sushi_host::net::dataset::Split;
use sushi_host::sched::policies::{Lru, Sushi};
use sushi_host::sched::{Candidate, LatencyTable, Mode, Served, build_table};
use sushi_host::serve::{Executed, Executor, serve_exec};
use sushi_host::workload::trace::{Arrivals, Locality, Query, Target, TraceSpec, generate};
use sushi_hw::HwConfig;
use sushi_sim::Stalls;
use sushi_tests::{config, rtl, seed};

/// The fastest few Pareto SubNets of `tiny` (to keep the RTL short), their latency table, a
/// trace with locality aimed at them, and the test split.
fn setup(seed: u64) -> (HwConfig, LatencyTable, Vec<Query>, Split) {
    let cfg = config("tiny");
    let net = sushi_tests::shipped_supernet();
    let front: Vec<_> = sushi_tests::measured_front(&cfg)
        .into_iter()
        .take(4)
        .collect();
    let candidates = front
        .iter()
        .map(|p| Candidate {
            subnet: p.subnet,
            accuracy: p.accuracy,
        })
        .collect();
    let table = build_table(net, &cfg, candidates).unwrap();
    let targets: Vec<Target> = front
        .iter()
        .map(|p| Target {
            accuracy: p.accuracy,
            cycles: p.cycles,
        })
        .collect();
    let trace = generate(
        &TraceSpec {
            queries: 10,
            seed,
            mean_interarrival_cycles: 150_000,
            arrivals: Arrivals::Poisson,
            locality: Locality::Phases { phase_queries: 5 },
            latency_slack: 1.5,
            images: 10_000,
        },
        &targets,
    );
    let split = sushi_host::net::dataset::test_split(std::path::Path::new(
        sushi_host::net::dataset::DEBIAN_DIR,
    ))
    .unwrap();
    (cfg, table, trace, split)
}

/// An executor on the RTL of `cfg` under random stalls (every output checked against the
/// golden model), with the shipped SuperNet's tile image uploaded.
fn on_rtl(cfg: &HwConfig, seed: u64) -> Executor<'_, sushi_sim::RtlSim> {
    Executor::new(
        rtl(cfg, Stalls::random(seed, 200), seed),
        sushi_tests::shipped_supernet(),
        cfg,
        true,
    )
    .unwrap()
}

fn decisions(s: &[Served]) -> Vec<(usize, Option<usize>)> {
    s.iter().map(|x| (x.candidate, x.subgraph)).collect()
}

#[test]
fn a_trace_served_on_the_rtl_is_verified_and_decided_as_on_the_model() {
    let seed = seed("serve on the RTL", 12);
    let (cfg, table, trace, split) = setup(seed);
    let net = sushi_tests::shipped_supernet();
    let sushi = Sushi::tiles(
        Mode::LatencyStrict,
        3,
        4,
        table
            .tile_model
            .clone()
            .expect("build_table measures the tile model"),
    );
    let mut on_rtl = on_rtl(&cfg, seed);
    let (rtl_served, rtl_runs) = serve_exec(
        &mut on_rtl,
        &table,
        &split,
        &trace,
        &mut sushi.clone(),
        |_| {},
    )
    .unwrap();
    let mut on_model = Executor::new(
        sushi_host::device::model::ModelAccel::new(&cfg),
        net,
        &cfg,
        false,
    )
    .unwrap();
    let (model_served, model_runs) = serve_exec(
        &mut on_model,
        &table,
        &split,
        &trace,
        &mut sushi.clone(),
        |_| {},
    )
    .unwrap();
    assert_eq!(decisions(&rtl_served), decisions(&model_served));
    // Same classes (both were checked bit for bit against their references while serving).
    let classes = |r: &[Executed]| -> Vec<Option<usize>> { r.iter().map(|e| e.class).collect() };
    assert_eq!(classes(&rtl_runs), classes(&model_runs));
    assert_eq!(rtl_runs.len(), trace.len());
    // The model's cycles come from SushiAbs: within 3% of the RTL's, query by query (short
    // queries on `tiny` with a refill of many short rows are the worst, -2.2%).
    for (r, m) in rtl_runs.iter().zip(&model_runs) {
        let e = (m.cycles as f64 - r.cycles as f64).abs() / r.cycles as f64;
        assert!(
            e <= 0.03,
            "RTL {} vs SushiAbs {} cycles",
            r.cycles,
            m.cycles
        );
    }
}

#[test]
fn lru_tile_sets_fill_on_the_stream_on_the_rtl_and_cost_what_sushiabs_predicts() {
    let seed = seed("LRU on the RTL", 13);
    let (cfg, table, trace, split) = setup(seed);
    let net = sushi_tests::shipped_supernet();
    let layout = sushi_host::compile::tiles::TileLayout::new(
        net,
        sushi_host::compile::layout::Array::of(&cfg),
    );
    // A PB a quarter full of the largest candidate's tiles: LRU must evict, so what it holds is
    // a tile set no SubGraph describes.
    let words = layout
        .tiles(&net.subnets[table.candidates.last().unwrap().subnet].config)
        .unwrap()
        .len()
        / 4;
    let lru = Lru::new(Mode::LatencyStrict, &table, net, &layout, words).unwrap();
    let mut on_rtl = on_rtl(&cfg, seed);
    // Every output is checked against the golden model inside serve_exec.
    let (rtl_served, rtl_runs) = serve_exec(
        &mut on_rtl,
        &table,
        &split,
        &trace,
        &mut lru.clone(),
        |_| {},
    )
    .unwrap();
    let mut costs = Executor::costs_only(net, &cfg);
    let (abs_served, abs_runs) =
        serve_exec(&mut costs, &table, &split, &trace, &mut lru.clone(), |_| {}).unwrap();
    assert_eq!(decisions(&rtl_served), decisions(&abs_served));
    assert!(
        rtl_served.iter().all(|s| s.subgraph.is_none()),
        "LRU holds tile sets"
    );
    // What LRU keeps rides on the loads that stream it (LOAD_W_PB): no refill reads it again.
    let deposited: u64 = rtl_runs.iter().map(|r| r.deposited_bytes).sum();
    let refilled: u64 = rtl_runs
        .iter()
        .map(|r| r.refill_bytes + r.after_refill.bytes)
        .sum();
    let hits: u64 = rtl_runs.iter().map(|r| r.pb_read_bytes).sum();
    assert!(
        deposited > 0 && hits > 0 && refilled == 0,
        "deposited {deposited} B, refilled {refilled} B, read {hits} B from the PB"
    );
    for (r, a) in rtl_runs.iter().zip(&abs_runs) {
        // Bytes are exact; cycles within SushiAbs's 2%.
        assert_eq!(
            (
                r.refill_bytes,
                r.deposited_bytes,
                r.pb_read_bytes,
                r.dram_weight_bytes,
                r.dram_bytes
            ),
            (
                a.refill_bytes,
                a.deposited_bytes,
                a.pb_read_bytes,
                a.dram_weight_bytes,
                a.dram_bytes
            )
        );
        let e = (a.cycles as f64 - r.cycles as f64).abs() / r.cycles as f64;
        assert!(
            e <= 0.02,
            "RTL {} vs SushiAbs {} cycles",
            r.cycles,
            a.cycles
        );
        assert_eq!(a.class, None, "the costs-only executor runs nothing");
    }
}

#[test]
fn slack_aware_and_model_switching_run_on_the_rtl_as_on_the_costs_only_executor() {
    let seed = seed("slack and model switching on the RTL", 14);
    let (cfg, table, mut trace, split) = setup(seed);
    let net = sushi_tests::shipped_supernet();
    // Squeeze arrivals into a burst so that queues form and the slack rule has work to do.
    for q in trace.iter_mut() {
        q.arrival_cycle /= 20;
    }
    for name in ["slack", "model-switching"] {
        let make = || {
            sushi_host::sched::make_policy(
                name.parse().unwrap(),
                Mode::LatencyStrict,
                3,
                4,
                &table,
                net,
                &cfg,
            )
            .unwrap()
        };
        let mut on_rtl = on_rtl(&cfg, seed);
        // Every output is checked against the golden model inside serve_exec.
        let (rtl_served, rtl_runs) =
            serve_exec(&mut on_rtl, &table, &split, &trace, make().as_mut(), |_| {}).unwrap();
        let mut costs = Executor::costs_only(net, &cfg);
        let (abs_served, abs_runs) =
            serve_exec(&mut costs, &table, &split, &trace, make().as_mut(), |_| {}).unwrap();
        assert_eq!(decisions(&rtl_served), decisions(&abs_served), "{name}");
        for (r, a) in rtl_runs.iter().zip(&abs_runs) {
            assert_eq!(
                (r.refill_bytes, r.dram_weight_bytes, r.pb_read_bytes),
                (a.refill_bytes, a.dram_weight_bytes, a.pb_read_bytes),
                "{name}"
            );
        }
        if name == "model-switching" {
            // No weight sharing: every refill moves a whole model.
            assert!(
                rtl_runs.iter().any(|r| r.refill_bytes > 0),
                "a model was loaded"
            );
            for (s, r) in rtl_served.iter().zip(&rtl_runs) {
                if r.refill_bytes > 0 {
                    let g = s.subgraph.unwrap();
                    assert_eq!(r.refill_bytes, table.subgraph_bytes[g], "{name}");
                }
            }
        }
    }
}

/// Serves the setup's trace on the RTL with `fault` armed `at` (0..1) of the way through the
/// channel's transfers of a clean run; returns what was served and run.
fn serve_with_fault(
    seed: u64,
    channel: sushi_sim::Channel,
    kind: sushi_sim::FaultKind,
    at: f64,
) -> (Vec<Served>, Vec<Executed>, usize) {
    let (cfg, table, trace, split) = setup(seed);
    let sushi = Sushi::tiles(
        Mode::LatencyStrict,
        3,
        4,
        table
            .tile_model
            .clone()
            .expect("build_table measures the tile model"),
    );
    let transfers = |s: &sushi_sim::SimStats| match channel {
        sushi_sim::Channel::Ar => s.ar_bursts,
        sushi_sim::Channel::R => s.r_beats,
        sushi_sim::Channel::Aw => s.aw_bursts,
        sushi_sim::Channel::W => s.w_beats,
        sushi_sim::Channel::B => s.b_responses,
    };
    let mut clean = on_rtl(&cfg, seed);
    serve_exec(
        &mut clean,
        &table,
        &split,
        &trace,
        &mut sushi.clone(),
        |_| {},
    )
    .unwrap();
    let total = transfers(&clean.bus().unwrap().stats());
    let mut faulty = on_rtl(&cfg, seed);
    faulty
        .bus()
        .unwrap()
        .inject_fault(sushi_sim::Fault {
            channel,
            kind,
            after: (total as f64 * at) as u64,
        })
        .unwrap();
    // Every output that is produced is checked against the golden model inside serve_exec.
    let (served, runs) = serve_exec(
        &mut faulty,
        &table,
        &split,
        &trace,
        &mut sushi.clone(),
        |_| {},
    )
    .unwrap();
    let stats = faulty.bus().unwrap().stats();
    assert_eq!(stats.faults_hit, 1, "the fault hit");
    assert_eq!(stats.violations, 0, "{:?}", stats.first_violation);
    (served, runs, trace.len())
}

#[test]
fn a_device_fault_fails_one_query_and_serving_goes_on_exactly_after_recovery() {
    let seed = seed("serve through faults", 14);
    for (channel, kind, recovery) in [
        (
            sushi_sim::Channel::R,
            sushi_sim::FaultKind::SlvErr,
            "SoftReset",
        ),
        (
            sushi_sim::Channel::W,
            sushi_sim::FaultKind::Hang,
            "HardReset",
        ),
    ] {
        let (served, runs, queries) = serve_with_fault(seed, channel, kind, 0.5);
        let what = format!("{} on {}", kind.name(), channel.name());
        assert_eq!(
            served.len(),
            queries,
            "{what}: every query was answered or failed"
        );
        let failed: Vec<_> = served.iter().filter(|s| s.failed).collect();
        assert_eq!(failed.len(), 1, "{what}: one query failed");
        assert!(!failed[0].slo_met && !failed[0].latency_met, "{what}");
        let fault = runs
            .iter()
            .find_map(|r| r.fault.as_deref())
            .expect("the failed run says why");
        assert!(fault.contains(recovery), "{what}: {fault}");
        // Every other query ran on the recovered device and was verified.
        assert_eq!(
            runs.iter().filter(|r| r.class.is_some()).count(),
            queries - 1,
            "{what}"
        );
    }
}
