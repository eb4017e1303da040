//! The demo (`sushi demo`): a seeded query trace with temporal locality served on the simulated
//! RTL with SushiSched and with no cache (every output checked against the golden model), the
//! other baselines on the golden model ([`LINEUP`]), with DESIGN.md's metrics for each.

use std::path::Path;
use std::time::Instant;

use serde::Serialize;
use sushi_hw::{ConfigError, DEFAULT_CONFIG, HwConfig};

use crate::compile::tiles::PbError;
use crate::device::backend::{self, BackendError, BackendKind, OpenOptions};
use crate::net::dataset::{DEBIAN_DIR, DatasetError, Split, test_split};
use crate::net::supernet::{SuperNet, SuperNetError, shipped_path};
use crate::sched::front::{
    AccuracyTable, TableError, accuracy_table_path, measured_points, pareto_front, targets,
};
use crate::sched::{
    Candidate, LatencyTable, Mode, Policy, PolicyName, ServeSummary, TableBuildError, build_table,
    make_policy,
};
use crate::serve::{ServeJob, ServeJobError, ServeRun};
use crate::workload::trace::{Arrivals, Locality, Query, TraceSpec, generate};

/// Who serves the demo's trace, in report order: SushiSched and no cache on the RTL, the other
/// baselines on the golden model.
pub const LINEUP: [(BackendKind, PolicyName); 11] = [
    (BackendKind::Rtl, PolicyName::Sushi),
    (BackendKind::Rtl, PolicyName::NoCache),
    (BackendKind::Model, PolicyName::StaticCache),
    (
        BackendKind::Model,
        PolicyName::StaticSubNet { percentile: None },
    ),
    (BackendKind::Model, PolicyName::SushiSubGraph),
    (BackendKind::Model, PolicyName::CacheUnaware),
    (BackendKind::Model, PolicyName::Lru),
    (BackendKind::Model, PolicyName::Arc),
    (BackendKind::Model, PolicyName::Sieve),
    (BackendKind::Model, PolicyName::WTinyLfu),
    (BackendKind::Model, PolicyName::Oracle),
];

/// What the demo serves.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoSpec {
    /// Config name or path to a `.toml` file.
    pub config: String,
    /// Queries in the trace.
    pub queries: u64,
    /// Seed of the trace.
    pub seed: u64,
    /// Offered load: mean service cycles of the Pareto SubNets over mean inter-arrival cycles.
    pub load: f64,
    /// Latency target as a multiple of the aimed SubNet's cycles.
    pub latency_slack: f64,
    /// Queries per phase of the trace (temporal locality).
    pub phase_queries: u64,
    /// Queries between cache plans.
    pub period: usize,
    /// Queries a plan looks at.
    pub window: usize,
    /// Selection mode: latency-strict (accuracy at the same latency targets) or
    /// accuracy-strict (latency at the same accuracy).
    pub mode: Mode,
}

impl Default for DemoSpec {
    fn default() -> Self {
        DemoSpec {
            config: DEFAULT_CONFIG.to_string(),
            queries: 120,
            seed: 1,
            load: 0.5,
            latency_slack: 1.5,
            phase_queries: 40,
            period: 8,
            window: 16,
            mode: Mode::LatencyStrict,
        }
    }
}

impl DemoSpec {
    /// Queries the demo serves at most: each runs on the RTL, at a fraction of a second each.
    pub const MAX_QUERIES: u64 = 100_000;

    /// Checks every value against its range before any work.
    pub fn validate(&self) -> Result<(), DemoError> {
        let bad = |m: String| Err(DemoError::Spec(m));
        if self.queries == 0 {
            return Err(DemoError::NoQueries);
        }
        if self.queries > Self::MAX_QUERIES {
            return bad(format!(
                "--queries {}: the demo serves at most {} (use `sushi serve --backend abs` for long traces)",
                self.queries,
                Self::MAX_QUERIES
            ));
        }
        if !(self.load > 0.0 && self.load.is_finite()) {
            return bad(format!("--load {}: a positive offered load", self.load));
        }
        if !(self.latency_slack > 0.0 && self.latency_slack.is_finite()) {
            return bad(format!(
                "--latency-slack {}: a positive multiple of the aimed SubNet's cycles",
                self.latency_slack
            ));
        }
        if self.phase_queries == 0 {
            return bad("--phase-queries must be at least 1".into());
        }
        if self.period == 0 || self.window == 0 {
            return bad("--period and --window must be at least 1".into());
        }
        if self.window as u64 > Self::MAX_QUERIES || self.period as u64 > Self::MAX_QUERIES {
            return bad(format!(
                "--period and --window: at most {} queries",
                Self::MAX_QUERIES
            ));
        }
        Ok(())
    }
}

/// The demo's result (`sushi demo --json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemoReport {
    /// Config name.
    pub config: String,
    /// Queries served per policy.
    pub queries: usize,
    /// Seed of the trace.
    pub seed: u64,
    /// Selection mode of every policy.
    pub mode: Mode,
    /// Pareto SubNets in the latency table.
    pub candidates: usize,
    /// SubGraphs in the latency table.
    pub subgraphs: usize,
    /// Wall time from the RTL check to the report.
    pub wall_seconds: f64,
    /// One row per policy of [`LINEUP`].
    pub policies: Vec<ServeSummary>,
}

/// Why the demo could not run.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// An empty trace.
    #[error("--queries must be at least 1")]
    NoQueries,
    /// A value out of its range.
    #[error("{0}")]
    Spec(String),
    /// The config did not load.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The RTL did not open.
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// The SuperNet did not load.
    #[error(transparent)]
    SuperNet(#[from] SuperNetError),
    /// The accuracy table did not load.
    #[error(transparent)]
    Accuracy(#[from] TableError),
    /// The test split did not load.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    /// The latency table could not be built.
    #[error(transparent)]
    Table(#[from] TableBuildError),
    /// A policy could not be built.
    #[error(transparent)]
    Policy(#[from] PbError),
    /// Serving failed.
    #[error(transparent)]
    Serve(#[from] ServeJobError),
}

/// The demo, ready to serve: the shipped SuperNet's Pareto front on the config, its latency
/// table, the test split and the trace.
#[derive(Debug)]
pub struct Demo {
    /// What it serves.
    pub spec: DemoSpec,
    /// The shipped SuperNet.
    pub net: SuperNet,
    /// The hw config.
    pub config: HwConfig,
    /// SushiAbs's latency table of the Pareto SubNets.
    pub table: LatencyTable,
    /// The Fashion-MNIST test split.
    pub split: Split,
    /// The trace.
    pub trace: Vec<Query>,
    started: Instant,
}

impl Demo {
    /// Checks that the config's RTL model is built (the likeliest mistake, said before any
    /// work), then builds the front, the latency table and the trace.
    pub fn prepare(spec: DemoSpec) -> Result<Demo, DemoError> {
        if spec.queries == 0 {
            return Err(DemoError::NoQueries);
        }
        spec.validate()?;
        let config = HwConfig::load(&spec.config)?;
        backend::open(BackendKind::Rtl, &config, &OpenOptions::default())?;
        let started = Instant::now();
        let path = shipped_path();
        let net = SuperNet::load(&path)?;
        let acc = AccuracyTable::load(&accuracy_table_path(&path), &net)?;
        let front = pareto_front(&measured_points(&net, &config, &acc));
        let split = test_split(Path::new(DEBIAN_DIR))?;
        let (points, mean_service) = targets(&front);
        let trace = generate(
            &TraceSpec {
                queries: spec.queries,
                seed: spec.seed,
                mean_interarrival_cycles: (mean_service / spec.load) as u64,
                arrivals: Arrivals::Poisson,
                locality: Locality::Phases {
                    phase_queries: spec.phase_queries,
                },
                latency_slack: spec.latency_slack,
                images: split.len(),
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
        let table = build_table(&net, &config, candidates)?;
        Ok(Demo {
            spec,
            net,
            config,
            table,
            split,
            trace,
            started,
        })
    }

    /// The policy `name` of [`LINEUP`], built for the demo's table.
    pub fn policy(&self, name: PolicyName) -> Result<Box<dyn Policy>, DemoError> {
        Ok(make_policy(
            name,
            self.spec.mode,
            self.spec.period,
            self.spec.window,
            &self.table,
            &self.net,
            &self.config,
        )?)
    }

    /// Serves the trace under `policy` on `backend` (a line of [`LINEUP`]); `progress(i)` after
    /// each query.
    pub fn serve(
        &self,
        backend: BackendKind,
        policy: &mut dyn Policy,
        progress: impl FnMut(usize),
    ) -> Result<ServeRun, DemoError> {
        let job = ServeJob {
            backend,
            open: OpenOptions::default(),
            net: &self.net,
            config: &self.config,
            table: &self.table,
            split: &self.split,
            trace: &self.trace,
        };
        Ok(job.run(policy, progress)?)
    }

    /// The report of the rows [`Demo::serve`] gave, in [`LINEUP`] order.
    pub fn report(&self, policies: Vec<ServeSummary>) -> DemoReport {
        DemoReport {
            config: self.config.name.clone(),
            queries: self.trace.len(),
            seed: self.spec.seed,
            mode: self.spec.mode,
            candidates: self.table.candidates.len(),
            subgraphs: self.table.subgraphs.len(),
            wall_seconds: self.started.elapsed().as_secs_f64(),
            policies,
        }
    }
}
