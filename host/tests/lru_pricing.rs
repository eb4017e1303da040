//! LRU's fast pricing (`serve::AbsPricer`: each tile set placed afresh, memoised) against the
//! costs-only executor (the PB map refilled in place, as on a device), on the default config.

use std::path::Path;

use sushi_host::net::supernet::SuperNet;
use sushi_host::sched::front::{AccuracyTable, accuracy_table_path, measured_points, pareto_front};
use sushi_host::sched::policies::Lru;
use sushi_host::sched::{Candidate, Mode, build_table, serve_table};
use sushi_host::serve::{AbsPricer, Executor, serve_exec};
use sushi_host::workload::trace::{Arrivals, Locality, Target, TraceSpec, generate};
use sushi_hw::HwConfig;

#[test]
fn lru_priced_fast_moves_the_same_bytes_and_predicts_cycles_within_3_percent() {
    let path = sushi_host::net::supernet::shipped_path();
    let net = SuperNet::load(&path).unwrap();
    let acc = AccuracyTable::load(&accuracy_table_path(&path), &net).unwrap();
    let cfg = HwConfig::builtin("zynq7020").unwrap();
    let front = pareto_front(&measured_points(&net, &cfg, &acc));
    let table = build_table(
        &net,
        &cfg,
        front
            .iter()
            .map(|p| Candidate {
                subnet: p.subnet,
                accuracy: p.accuracy,
            })
            .collect(),
    )
    .unwrap();
    let points: Vec<Target> = front
        .iter()
        .map(|p| Target {
            accuracy: p.accuracy,
            cycles: p.cycles,
        })
        .collect();
    // A light load keeps queueing out of the budgets, so both make the same selections.
    let trace = generate(
        &TraceSpec {
            queries: 200,
            seed: 3,
            mean_interarrival_cycles: 10_000_000,
            arrivals: Arrivals::Poisson,
            locality: Locality::Phases { phase_queries: 20 },
            latency_slack: 1.5,
            images: 10_000,
        },
        &points,
    );
    let layout = sushi_host::compile::tiles::TileLayout::new(
        &net,
        sushi_host::compile::layout::Array::of(&cfg),
    );
    let words = cfg.spec.buffers.pb_bytes as usize / layout.array().word_bytes();
    let lru = Lru::new(Mode::LatencyStrict, &table, &net, &layout, words).unwrap();
    let mut pricer = AbsPricer::new(&net, &cfg);
    let fast = serve_table(&table, &trace, &mut lru.clone(), Some(&mut pricer));
    let split =
        sushi_host::net::dataset::test_split(Path::new(sushi_host::net::dataset::DEBIAN_DIR))
            .unwrap();
    let mut exec = Executor::costs_only(&net, &cfg);
    let (slow, _) =
        serve_exec(&mut exec, &table, &split, &trace, &mut lru.clone(), |_| {}).unwrap();
    let (mut fast_cycles, mut slow_cycles) = (0u64, 0u64);
    for (f, s) in fast.iter().zip(&slow) {
        assert_eq!(f.candidate, s.candidate, "query {}", f.id);
        // What moves depends on the tile sets only, not on where the tiles sit.
        assert_eq!(
            (f.refill_bytes, f.dram_weight_bytes, f.pb_read_bytes),
            (s.refill_bytes, s.dram_weight_bytes, s.pb_read_bytes),
            "query {}",
            f.id
        );
        fast_cycles += f.service_cycles + f.refill_cycles;
        slow_cycles += s.service_cycles + s.refill_cycles;
    }
    let gap = fast_cycles as f64 / slow_cycles as f64 - 1.0;
    eprintln!(
        "LRU fast pricing vs in-place executor: {:+.2}% cycles",
        100.0 * gap
    );
    assert!(gap.abs() <= 0.03, "{:+.2}%", 100.0 * gap);
}
