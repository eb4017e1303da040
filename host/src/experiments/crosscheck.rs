//! A sweep's points re-run on the RTL against SushiAbs's costs (`sushi bench --rtl-sample`): how
//! far the cycle model the sweep priced with is from the cycles the RTL counts.

use std::path::Path;

use serde::Serialize;
use sushi_hw::{ConfigError, HwConfig};

use crate::compile::tiles::PbError;
use crate::device::backend::{BackendError, BackendKind, OpenOptions, built_rtl_configs};
use crate::experiments::bench::{BenchError, Point, SweepResult, SweepSpec};
use crate::net::dataset::{DEBIAN_DIR, DatasetError, test_split};
use crate::net::supernet::SuperNet;
use crate::sched::front::{AccuracyTable, measured_points, pareto_front};
use crate::sched::{
    Candidate, PolicyName, TableBuildError, UnknownPolicy, build_table, make_policy, serve_table,
    summarize,
};
use crate::serve::{AbsPricer, ServeJob, ServeJobError};

/// A sweep point re-run on the RTL against its SushiAbs costs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrossCheck {
    /// The point's index in the sweep.
    pub index: usize,
    /// Its config.
    pub config: String,
    /// Its policy.
    pub policy: String,
    /// Its trace kind.
    pub trace: String,
    /// Queries run on the RTL.
    pub queries: usize,
    /// RTL mean end-to-end latency against SushiAbs's, percent.
    pub latency_gap_percent: f64,
    /// RTL DRAM bytes per query against SushiAbs's, percent.
    pub dram_bytes_gap_percent: f64,
    /// Queries where both chose the same SubNet and PB content.
    pub decisions_agree: usize,
}

/// A point about to run on the RTL (for progress reports).
#[derive(Debug, Clone, Copy)]
pub struct CrossCheckStep<'a> {
    /// Its place among the points re-run, from 1.
    pub number: usize,
    /// Points re-run in all.
    pub of: usize,
    /// The point.
    pub point: &'a Point,
    /// Queries it runs.
    pub queries: usize,
}

/// Why a cross-check could not run.
#[derive(Debug, thiserror::Error)]
pub enum CrossCheckError {
    /// The sweep is malformed.
    #[error(transparent)]
    Bench(#[from] BenchError),
    /// A config did not load.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The RTL is not in this build.
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// The test split did not load.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    /// A latency table could not be built.
    #[error(transparent)]
    Table(#[from] TableBuildError),
    /// A point names an unknown policy.
    #[error(transparent)]
    Policy(#[from] UnknownPolicy),
    /// A policy could not be built.
    #[error(transparent)]
    Pb(#[from] PbError),
    /// Serving on the RTL failed.
    #[error(transparent)]
    Serve(#[from] ServeJobError),
}

/// Re-runs `k` points spread over the sweep `result` of `sweep` (at each config's own PB size, on
/// configs with a built RTL model) on the RTL with the first `queries` queries of their traces,
/// every output checked against the golden model; `progress` before each. Empty when no point
/// runs at a config's own PB size on a built model.
pub fn rtl_crosscheck(
    result: &SweepResult,
    sweep: &SweepSpec,
    net: &SuperNet,
    acc: &AccuracyTable,
    k: usize,
    queries: usize,
    mut progress: impl FnMut(&CrossCheckStep<'_>),
) -> Result<Vec<CrossCheck>, CrossCheckError> {
    sweep.validate()?;
    let built = built_rtl_configs()?;
    let eligible: Vec<&Point> = result
        .points
        .iter()
        .filter(|p| {
            HwConfig::load(&p.key.config)
                .is_ok_and(|c| c.spec.buffers.pb_bytes == p.key.pb_bytes && built.contains(&c.name))
        })
        .collect();
    if eligible.is_empty() {
        return Ok(Vec::new());
    }
    let split = test_split(Path::new(DEBIAN_DIR))?;
    let n = k.min(eligible.len());
    let mut out = Vec::new();
    for j in 0..n {
        let p = eligible[j * eligible.len() / n];
        let cfg = HwConfig::load(&p.key.config)?;
        let front = pareto_front(&measured_points(net, &cfg, acc));
        let candidates = front
            .iter()
            .map(|f| Candidate {
                subnet: f.subnet,
                accuracy: f.accuracy,
            })
            .collect();
        let table = build_table(net, &cfg, candidates)?;
        let trace: Vec<_> = sweep
            .trace(&p.key.trace, p.key.load, p.key.latency_slack, &front)
            .into_iter()
            .take(queries)
            .collect();
        let name: PolicyName = p.key.policy.parse()?;
        let mode = crate::experiments::bench::parse_mode(&p.key.mode).expect("validated");
        let policy = || make_policy(name, mode, p.key.period, p.key.window, &table, net, &cfg);
        let mut pricer = AbsPricer::new(net, &cfg);
        let abs = serve_table(&table, &trace, policy()?.as_mut(), Some(&mut pricer));
        let abs_summary = summarize(&table, &abs, &p.key.policy, &cfg);
        progress(&CrossCheckStep {
            number: j + 1,
            of: n,
            point: p,
            queries: trace.len(),
        });
        let rtl = ServeJob {
            backend: BackendKind::Rtl,
            open: OpenOptions::default(),
            net,
            config: &cfg,
            table: &table,
            split: &split,
            trace: &trace,
        }
        .run(policy()?.as_mut(), |_| {})?;
        let gap = |a: f64, b: f64| 100.0 * (a / b.max(1e-9) - 1.0);
        out.push(CrossCheck {
            index: p.key.index,
            config: cfg.name.clone(),
            policy: p.key.policy.clone(),
            trace: p.key.trace.clone(),
            queries: trace.len(),
            latency_gap_percent: gap(
                rtl.summary.latency_mean_cycles,
                abs_summary.latency_mean_cycles,
            ),
            dram_bytes_gap_percent: gap(
                rtl.summary.dram_bytes_per_query,
                abs_summary.dram_bytes_per_query,
            ),
            decisions_agree: rtl
                .served
                .iter()
                .zip(&abs)
                .filter(|(r, a)| r.candidate == a.candidate && r.subgraph == a.subgraph)
                .count(),
        });
    }
    Ok(out)
}
