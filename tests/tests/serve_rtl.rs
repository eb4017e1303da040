//! Serving on the RTL (issue 6, item 4): every query of a trace runs on the simulated RTL with its
//! real test image, checked bit for bit against the golden model, and the RTL and model backends
//! make the same decisions on the same trace.

use sushi_host::sched::{Candidate, Mode, Sushi, build_table};
use sushi_host::serve::{Executor, serve_exec};
use sushi_host::trace::{Locality, Target, TraceSpec, generate};
use sushi_sim::Stalls;
use sushi_tests::{config, rtl, seed};

#[test]
fn a_trace_served_on_the_rtl_is_verified_and_decided_as_on_the_model() {
    let seed = seed("serve on the RTL", 12);
    let cfg = config("tiny");
    let net = sushi_tests::shipped_supernet();
    // The fastest few Pareto SubNets keep the RTL run short.
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
            locality: Locality::Phases { phase_queries: 5 },
            latency_slack: 1.5,
            images: 10_000,
        },
        &targets,
    );
    let split =
        sushi_host::dataset::test_split(std::path::Path::new(sushi_host::dataset::DEBIAN_DIR))
            .unwrap();
    let sushi = Sushi {
        mode: Mode::LatencyStrict,
        period: 3,
        window: 4,
    };
    let mut on_rtl =
        Executor::new(rtl(&cfg, Stalls::random(seed, 200), seed), net, &cfg, true).unwrap();
    let (rtl_served, rtl_runs) = serve_exec(
        &mut on_rtl,
        &table,
        &split,
        &trace,
        &mut sushi.clone(),
        |_| {},
    )
    .unwrap();
    let mut on_model =
        Executor::new(sushi_host::model::ModelAccel::new(&cfg), net, &cfg, false).unwrap();
    let (model_served, model_runs) = serve_exec(
        &mut on_model,
        &table,
        &split,
        &trace,
        &mut sushi.clone(),
        |_| {},
    )
    .unwrap();
    let decisions = |s: &[sushi_host::sched::Served]| -> Vec<(usize, usize)> {
        s.iter().map(|x| (x.candidate, x.subgraph)).collect()
    };
    assert_eq!(decisions(&rtl_served), decisions(&model_served));
    // Same classes (both were checked bit for bit against their references while serving).
    let classes =
        |r: &[sushi_host::serve::Executed]| -> Vec<usize> { r.iter().map(|e| e.class).collect() };
    assert_eq!(classes(&rtl_runs), classes(&model_runs));
    assert_eq!(rtl_runs.len(), trace.len());
    // The model's cycles come from SushiAbs: within 2% of the RTL's, query by query.
    for (r, m) in rtl_runs.iter().zip(&model_runs) {
        let e = (m.cycles as f64 - r.cycles as f64).abs() / r.cycles as f64;
        assert!(
            e <= 0.02,
            "RTL {} vs SushiAbs {} cycles",
            r.cycles,
            m.cycles
        );
    }
}
