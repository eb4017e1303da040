//! SushiSched's tile plans on the shipped SuperNet and the default config: the tile model
//! against SushiAbs, and Belady's bound against every policy's own selections.

use sushi_host::compile::tiles::TileSet;
use sushi_host::net::supernet::SuperNet;
use sushi_host::sched::front::{AccuracyTable, accuracy_table_path, measured_points, pareto_front};
use sushi_host::sched::tile_plan::PlanScratch;
use sushi_host::sched::{
    Candidate, LatencyTable, Mode, PolicyName, TilePricer, build_table, make_policy, serve_table,
    summarize,
};
use sushi_host::serve::AbsPricer;
use sushi_host::workload::trace::{Arrivals, Locality, Query, Target, TraceSpec, generate};
use sushi_hw::HwConfig;

fn setup(locality: Locality) -> (SuperNet, HwConfig, LatencyTable, Vec<Query>) {
    let path = sushi_host::net::supernet::shipped_path();
    let net = SuperNet::load(&path).unwrap();
    let acc = AccuracyTable::load(&accuracy_table_path(&path), &net).unwrap();
    let cfg = HwConfig::builtin("zynq7020").unwrap();
    let front = pareto_front(&measured_points(&net, &cfg, &acc));
    let candidates = front
        .iter()
        .map(|p| Candidate {
            subnet: p.subnet,
            accuracy: p.accuracy,
        })
        .collect();
    let table = build_table(&net, &cfg, candidates).unwrap();
    let points: Vec<Target> = front
        .iter()
        .map(|p| Target {
            accuracy: p.accuracy,
            cycles: p.cycles,
        })
        .collect();
    let mean = points.iter().map(|p| p.cycles).sum::<u64>() / points.len() as u64;
    let trace = generate(
        &TraceSpec {
            queries: 240,
            seed: 11,
            mean_interarrival_cycles: mean * 2,
            arrivals: Arrivals::Poisson,
            locality,
            latency_slack: 1.5,
            images: 10_000,
        },
        &points,
    );
    (net, cfg, table, trace)
}

#[test]
fn the_tile_model_predicts_sushiabs_on_the_contents_it_plans() {
    let (net, cfg, table, _) = setup(Locality::Iid);
    let model = table
        .tile_model
        .clone()
        .expect("build_table measures the tile model");
    let mut pricer = AbsPricer::new(&net, &cfg);
    let n = table.candidates.len();
    let (mut sum, mut worst, mut count) = (0.0f64, 0.0f64, 0);
    for a in (0..n).step_by(3) {
        let b = (a * 7 + 5) % n;
        let plan = model
            .plan(
                &mut PlanScratch::default(),
                &[(a, 3), (b, 2)],
                &[],
                &model.bitmap(&[]),
                u64::MAX / 4,
                1,
            )
            .expect("an empty PB always gains from a free refill");
        let held = model.bitmap(&plan.tiles);
        let set = TileSet::new(plan.tiles);
        for c in [a, b, (a + 3) % n] {
            let predicted = pricer.price(&table, c, &set).cycles as f64;
            let error = (model.cycles(c, &held) as f64 - predicted).abs() / predicted;
            sum += error;
            worst = worst.max(error);
            count += 1;
        }
    }
    let mean = sum / f64::from(count);
    println!(
        "tile model vs SushiAbs: mean error {:.2}%, worst {:.2}%",
        100.0 * mean,
        100.0 * worst
    );
    assert!(mean < 0.01, "mean error {:.2}%", 100.0 * mean);
    assert!(worst < 0.06, "worst error {:.2}%", 100.0 * worst);
}

#[test]
fn no_policy_reads_fewer_weight_bytes_than_belady_on_its_own_selections() {
    for locality in [Locality::Phases { phase_queries: 40 }, Locality::Iid] {
        let (net, cfg, table, trace) = setup(locality);
        for mode in [Mode::LatencyStrict, Mode::AccuracyStrict] {
            for name in PolicyName::ALL {
                let mut policy = make_policy(name, mode, 4, 16, &table, &net, &cfg).unwrap();
                let mut pricer = AbsPricer::new(&net, &cfg);
                let served = serve_table(&table, &trace, policy.as_mut(), Some(&mut pricer));
                let s = summarize(&table, &served, policy.name(), &cfg);
                let bound = s.dram_weight_bytes_bound_per_query.expect("a tile model");
                assert!(
                    bound <= s.dram_weight_bytes_per_query,
                    "{locality:?} {mode:?} {}: {} weight bytes per query, under the bound {bound}",
                    s.policy,
                    s.dram_weight_bytes_per_query
                );
            }
        }
    }
}
