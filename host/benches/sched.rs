//! Scheduler overhead: SushiSched's decision per query with the full Pareto set of the
//! shipped SuperNet on the default config, and its cache planning per window.
//!
//! Criterion's "elements" are queries, so the throughput line of `serve` reads queries/s and its
//! time per iteration over the trace divides into a time per query.
//!
//! `cargo bench -p sushi-host --bench sched`

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use sushi_host::net::supernet::SuperNet;
use sushi_host::sched::front::{AccuracyTable, accuracy_table_path, measured_points, pareto_front};
use sushi_host::sched::policies::{
    AdaptiveReplacement, CacheUnaware, Lru, NoCache, Sieve, StaticCache, StaticSubNet, Sushi,
    TileCache, WTinyLfu,
};
use sushi_host::sched::tile_plan::PlanScratch;
use sushi_host::sched::{
    Candidate, LatencyTable, Mode, Policy, build_table, plan, select, serve_table,
};
use sushi_host::serve::AbsPricer;
use sushi_host::workload::trace::{Arrivals, Locality, Query, TraceSpec, generate};
use sushi_hw::HwConfig;

/// The latency table of the default config over the measured Pareto front, and a trace with
/// locality aimed at it.
fn setup(queries: u64) -> (SuperNet, HwConfig, LatencyTable, Vec<Query>) {
    let path = sushi_host::net::supernet::shipped_path();
    let net = SuperNet::load(&path).expect("shipped SuperNet");
    let acc = AccuracyTable::load(&accuracy_table_path(&path), &net).expect("accuracy table");
    let cfg = HwConfig::builtin("zynq7020").expect("default config");
    let front = pareto_front(&measured_points(&net, &cfg, &acc));
    let (points, mean) = sushi_host::sched::front::targets(&front);
    let mean = mean as u64;
    let trace = generate(
        &TraceSpec {
            queries,
            seed: 1,
            mean_interarrival_cycles: mean * 2,
            arrivals: Arrivals::Poisson,
            locality: Locality::Phases { phase_queries: 40 },
            latency_slack: 1.5,
            images: 10_000,
        },
        &points,
    );
    let candidates = front
        .iter()
        .map(|p| Candidate {
            subnet: p.subnet,
            accuracy: p.accuracy,
        })
        .collect();
    let table = build_table(&net, &cfg, candidates).expect("table");
    (net, cfg, table, trace)
}

/// Builds a fresh policy for each pass over the trace.
type MakePolicy<'a> = Box<dyn Fn() -> Box<dyn Policy> + 'a>;

fn decisions(c: &mut Criterion) {
    let (net, cfg, table, trace) = setup(10_000);
    let n = trace.len() as u64;
    let last = table.shared_by_all;

    // One selection (DESIGN.md section 7, steps 1-4) over the whole front, per query.
    let mut group = c.benchmark_group("select");
    group.throughput(Throughput::Elements(n));
    let label = format!("{}_candidates", table.candidates.len());
    group.bench_function(BenchmarkId::new("latency_strict", &label), |b| {
        b.iter(|| {
            trace
                .iter()
                .enumerate()
                .map(|(i, q)| {
                    select(
                        &table,
                        q,
                        last,
                        Mode::LatencyStrict,
                        (i as u64 * 7919) % 50_000,
                    )
                })
                .sum::<usize>()
        })
    });
    group.finish();

    // The whole per-query work of a serving loop (cache step, selection, costs, timeline),
    // planning included every `period` queries: what a query costs the host, per policy. LRU's
    // pricer and memo live across iterations, as they do across a long trace: the first pass
    // compiles each new (tile set, SubNet) once, later passes measure the steady state.
    let mut group = c.benchmark_group("serve");
    group.throughput(Throughput::Elements(n));
    let sushi = Sushi::subgraphs(Mode::LatencyStrict, 16, 32);
    let mode = Mode::LatencyStrict;
    let mid = table.candidates.len() / 2;
    let policies: Vec<(&str, MakePolicy<'_>)> = vec![
        ("sushi-subgraph", Box::new(|| Box::new(sushi.clone()))),
        ("no-cache", Box::new(|| Box::new(NoCache { mode }))),
        (
            "static-cache",
            Box::new(|| {
                Box::new(StaticCache {
                    mode,
                    subgraph: table.shared_by_all,
                })
            }),
        ),
        (
            "static-subnet",
            Box::new(|| {
                Box::new(StaticSubNet {
                    candidate: mid,
                    subgraph: 0,
                })
            }),
        ),
        (
            "cache-unaware",
            Box::new(|| {
                Box::new(CacheUnaware {
                    inner: sushi.clone(),
                })
            }),
        ),
    ];
    for (name, make) in &policies {
        group.bench_function(*name, |b| {
            b.iter_batched_ref(
                make,
                |p| serve_table(&table, black_box(&trace), p.as_mut(), None).len(),
                criterion::BatchSize::LargeInput,
            )
        });
    }
    let layout = sushi_host::compile::tiles::TileLayout::new(
        &net,
        sushi_host::compile::layout::Array::of(&cfg),
    );
    let words = cfg.spec.buffers.pb_bytes as usize / layout.array().word_bytes();
    let lru = Lru::new(mode, &table, &net, &layout, words).expect("LRU");
    let mut pricer = AbsPricer::new(&net, &cfg);
    // SushiSched planning over tiles: its plans are tile sets, priced like LRU's.
    let model = table
        .tile_model
        .clone()
        .expect("build_table measures the tile model");
    let sushi_tiles = Sushi::tiles(mode, 16, 32, model.clone());
    group.bench_function("sushi", |b| {
        b.iter_batched_ref(
            || sushi_tiles.clone(),
            |p| serve_table(&table, black_box(&trace), p, Some(&mut pricer)).len(),
            criterion::BatchSize::LargeInput,
        )
    });
    group.bench_function("lru", |b| {
        b.iter_batched_ref(
            || lru.clone(),
            |p| serve_table(&table, black_box(&trace), p, Some(&mut pricer)).len(),
            criterion::BatchSize::LargeInput,
        )
    });
    // The other tile caches start empty on every pass (their state, unlike LRU's memo, is the
    // trace's history); the pricer's memo lives across passes, so later passes measure the
    // algorithms' per-tile work.
    let tile_caches: Vec<(&str, MakePolicy<'_>)> = vec![
        (
            "arc",
            Box::new(|| {
                let arc = AdaptiveReplacement::new(words);
                Box::new(TileCache::new(mode, &table, &net, &layout, arc).expect("ARC"))
            }),
        ),
        (
            "sieve",
            Box::new(|| {
                let sieve = Sieve::new(words);
                Box::new(TileCache::new(mode, &table, &net, &layout, sieve).expect("SIEVE"))
            }),
        ),
        (
            "w-tinylfu",
            Box::new(|| {
                let lfu = WTinyLfu::new(words);
                Box::new(TileCache::new(mode, &table, &net, &layout, lfu).expect("W-TinyLFU"))
            }),
        ),
    ];
    for (name, make) in &tile_caches {
        group.bench_function(*name, |b| {
            b.iter_batched_ref(
                make,
                |p| serve_table(&table, black_box(&trace), p.as_mut(), Some(&mut pricer)).len(),
                criterion::BatchSize::LargeInput,
            )
        });
    }
    group.finish();

    // One cache plan over a window: the window's demand, then every candidate SubGraph
    // (`subgraphs`), or the best tile set from a PB holding the previous window's plan (`tiles`).
    let mut group = c.benchmark_group("plan");
    for window in [16usize, 32, 128] {
        group.bench_function(BenchmarkId::new("subgraphs", window), |b| {
            b.iter(|| plan(&table, black_box(&trace[..window]), 0, Mode::LatencyStrict))
        });
        let demand = |qs: &[Query]| {
            let mut counts = vec![0u32; table.candidates.len()];
            for q in qs {
                counts[select(&table, q, 0, Mode::LatencyStrict, 0)] += 1;
            }
            counts
                .iter()
                .enumerate()
                .filter(|&(_, &n)| n > 0)
                .map(|(c, &n)| (c, n))
                .collect::<Vec<_>>()
        };
        let mut scratch = PlanScratch::default();
        let before = model
            .plan(
                &mut scratch,
                &demand(&trace[..window]),
                &[],
                &model.bitmap(&[]),
                0,
                1,
            )
            .map(|p| p.tiles)
            .unwrap_or_default();
        let before_bits = model.bitmap(&before);
        let next = demand(&trace[window..2 * window]);
        group.bench_function(BenchmarkId::new("tiles", window), |b| {
            b.iter(|| model.plan(&mut scratch, black_box(&next), &before, &before_bits, 0, 1))
        });
    }
    group.finish();
}

criterion_group!(benches, decisions);
criterion_main!(benches);
