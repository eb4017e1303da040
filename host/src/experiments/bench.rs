//! Cache-policy benchmarking (`sushi bench`): a sweep over hw configs x Persistent Buffer
//! sizes x traces x offered loads x update periods and windows x policies, every point served by
//! the table-driven loop (SushiAbs's costs), in parallel across cores, written as CSV, JSON and
//! SVG plots.
//!
//! Points are numbered in one fixed order, so `--shard I/N` (the points whose number is `I` modulo
//! `N`) splits a sweep deterministically and [`merge`] puts shards back together into exactly the
//! tables and plots a single run writes. Nothing in the outputs depends on timing or thread
//! count: the same sweep and seed give byte-identical files.
//!
//! PB sizes other than a config's own are what-ifs of the cycle model (the RTL is built with the
//! config's PB and its block RAM budget is not re-checked); points carry `pb_bytes` so that
//! readers can tell.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use sushi_hw::HwConfig;

use crate::net::supernet::SuperNet;
use crate::reports::plot::{Chart, Series, Style};
use crate::sched::front::{AccuracyTable, SubNetPoint, measured_points, pareto_front};
use crate::sched::{
    Candidate, LatencyTable, Mode, PolicyName, ServeSummary, build_table, make_policy, serve_table,
    summarize,
};
use crate::serve::AbsPricer;
use crate::workload::trace::{Arrivals, Locality, Query, TraceSpec, generate};

/// Trace kinds a sweep can name.
pub const TRACE_KINDS: [&str; 4] = ["phases", "steps", "iid", "bursty"];

/// A trace kind and, for `bursty:CV2`, its own CV^2 (None: invalid).
fn trace_kind(name: &str) -> Option<(&str, Option<f64>)> {
    if let Some(cv2) = name.strip_prefix("bursty:") {
        let cv2: f64 = cv2.parse().ok()?;
        return (cv2 > 0.0 && cv2.is_finite()).then_some(("bursty", Some(cv2)));
    }
    TRACE_KINDS.contains(&name).then_some((name, None))
}

/// What a sweep covers: every combination of its lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepSpec {
    /// Hw config names or paths.
    pub configs: Vec<String>,
    /// PB sizes in bytes; empty: each config's own.
    pub pb_bytes: Vec<u64>,
    /// Trace kinds ([`TRACE_KINDS`], or `bursty:CV2`).
    pub traces: Vec<String>,
    /// Offered loads (mean service cycles of the front over mean inter-arrival cycles).
    pub loads: Vec<f64>,
    /// Queries between cache plans.
    pub periods: Vec<usize>,
    /// Queries a plan looks at.
    pub windows: Vec<usize>,
    /// Policies, by name ([`PolicyName`]).
    pub policies: Vec<String>,
    /// Queries per trace.
    pub queries: u64,
    /// Seed of every trace.
    pub seed: u64,
    /// Latency targets as a multiple of the aimed SubNet's cycles (one trace each).
    pub latency_slacks: Vec<f64>,
    /// Queries per phase or step.
    pub phase_queries: u64,
    /// CV^2 of the bursty trace's gamma inter-arrival times.
    pub cv2: f64,
    /// Selection modes: `latency` (latency-strict) and/or `accuracy` (accuracy-strict).
    pub modes: Vec<String>,
}

/// Why a sweep cannot run or merge.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The sweep is malformed.
    #[error("{0}")]
    Spec(String),
    /// A config did not load.
    #[error(transparent)]
    Config(#[from] sushi_hw::ConfigError),
    /// A latency table could not be built.
    #[error(transparent)]
    Table(#[from] crate::sched::TableBuildError),
    /// Reading or writing outputs failed.
    #[error("{path}: {message}")]
    Io {
        /// File.
        path: String,
        /// What.
        message: String,
    },
}

/// One point of a sweep: its coordinates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointKey {
    /// Position in the sweep's fixed order.
    pub index: usize,
    /// Config name.
    pub config: String,
    /// PB size, bytes.
    pub pb_bytes: u64,
    /// Trace kind.
    pub trace: String,
    /// Offered load.
    pub load: f64,
    /// Latency targets as a multiple of the aimed SubNet's cycles.
    pub latency_slack: f64,
    /// Selection mode: `latency` or `accuracy`.
    pub mode: String,
    /// Queries between plans.
    pub period: usize,
    /// Queries a plan looks at.
    pub window: usize,
    /// Policy.
    pub policy: String,
}

/// One point's results (DESIGN.md section 8's metrics, costs from SushiAbs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Coordinates.
    #[serde(flatten)]
    pub key: PointKey,
    /// Queries served.
    pub queries: usize,
    /// Mean measured test accuracy of the SubNets served, percent.
    pub served_accuracy: f64,
    /// Fraction of queries meeting both targets.
    pub slo_attainment: f64,
    /// Fraction of queries meeting their latency target, whatever the accuracy.
    pub latency_slo_attainment: f64,
    /// End-to-end latency, mean, cycles.
    pub latency_mean_cycles: f64,
    /// End-to-end latency, 99th percentile, cycles.
    pub latency_p99_cycles: u64,
    /// DRAM bytes per query (runs and refills).
    pub dram_bytes_per_query: f64,
    /// DRAM weight bytes per query (streamed and refilled).
    pub dram_weight_bytes_per_query: f64,
    /// Belady's lower bound on the DRAM weight bytes per query of this point's own selections
    /// (None when its tile request stream is too long to hold: see `sched::timeline`).
    pub dram_weight_bytes_bound_per_query: Option<f64>,
    /// Weight bytes from the PB over all weight bytes used.
    pub pb_hit_ratio: f64,
    /// Bytes moved into the PB over the run.
    pub refill_bytes: u64,
    /// Off-chip energy over the run, µJ.
    pub offchip_energy_uj: f64,
}

impl Point {
    fn new(key: PointKey, s: &ServeSummary) -> Self {
        Point {
            key,
            queries: s.queries,
            served_accuracy: s.served_accuracy,
            slo_attainment: s.slo_attainment,
            latency_slo_attainment: s.latency_slo_attainment,
            latency_mean_cycles: s.latency_mean_cycles,
            latency_p99_cycles: s.latency_p99_cycles,
            dram_bytes_per_query: s.dram_bytes_per_query,
            dram_weight_bytes_per_query: s.dram_weight_bytes_per_query,
            dram_weight_bytes_bound_per_query: s.dram_weight_bytes_bound_per_query,
            pb_hit_ratio: s.pb_hit_ratio,
            refill_bytes: s.refill_bytes,
            offchip_energy_uj: s.offchip_energy_uj,
        }
    }
}

/// `I/N`: this run computes the points whose index is `I` modulo `N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// This shard, `0..count`.
    pub index: usize,
    /// Shards in all.
    pub count: usize,
}

impl Shard {
    /// The whole sweep.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Parses `I/N`.
    pub fn parse(s: &str) -> Result<Shard, BenchError> {
        let bad = || BenchError::Spec(format!("--shard {s}: write I/N with 0 <= I < N, e.g. 0/4"));
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Whether point `index` is this shard's.
    pub fn owns(&self, index: usize) -> bool {
        index % self.count == self.index
    }
}

/// The outputs of a sweep or of a merge: what `points.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepResult {
    /// The sweep.
    pub sweep: SweepSpec,
    /// Which shard these points are (`0/1` for a whole sweep or a merge).
    pub shard: Shard,
    /// Points in index order.
    pub points: Vec<Point>,
}

/// Timing of a run (kept out of [`SweepResult`], which must not depend on timing).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Timing {
    /// Wall seconds of the whole run (tables, traces, points).
    pub wall_seconds: f64,
    /// Seconds spent serving points, summed over worker threads.
    pub serve_seconds: f64,
    /// Queries served.
    pub queries: u64,
    /// Queries per wall second of serving (all cores).
    pub queries_per_second: f64,
    /// Queries per second of one core.
    pub queries_per_second_per_core: f64,
    /// Worker threads.
    pub jobs: usize,
}

impl SweepSpec {
    /// Checks the lists before any work.
    pub fn validate(&self) -> Result<(), BenchError> {
        let err = |m: String| Err(BenchError::Spec(m));
        for (name, empty) in [
            ("--configs", self.configs.is_empty()),
            ("--traces", self.traces.is_empty()),
            ("--loads", self.loads.is_empty()),
            ("--latency-slack", self.latency_slacks.is_empty()),
            ("--mode", self.modes.is_empty()),
            ("--periods", self.periods.is_empty()),
            ("--windows", self.windows.is_empty()),
            ("--policies", self.policies.is_empty()),
        ] {
            if empty {
                return err(format!("{name}: give at least one value"));
            }
        }
        if let Some(t) = self.traces.iter().find(|t| trace_kind(t).is_none()) {
            return err(format!(
                "--traces {t}: use {}, or bursty:CV2 for another squared coefficient of variation (e.g. bursty:8)",
                TRACE_KINDS.join(", ")
            ));
        }
        if let Some((p, e)) = self
            .policies
            .iter()
            .find_map(|p| p.parse::<PolicyName>().err().map(|e| (p, e)))
        {
            return err(format!("--policies {p}: {e}"));
        }
        if let Some(l) = self.loads.iter().find(|l| !(**l > 0.0 && l.is_finite())) {
            return err(format!("--loads {l}: offered loads are positive numbers"));
        }
        if let Some(s) = self
            .latency_slacks
            .iter()
            .find(|s| !(**s > 0.0 && s.is_finite()))
        {
            return err(format!(
                "--latency-slack {s}: a latency slack is a positive multiple of the aimed SubNet's cycles"
            ));
        }
        if let Some(m) = self.modes.iter().find(|m| parse_mode(m).is_none()) {
            return err(format!("--mode {m}: use latency or accuracy"));
        }
        if self.periods.contains(&0) || self.windows.contains(&0) || self.phase_queries == 0 {
            return err("--periods, --windows and --phase-queries are at least 1".into());
        }
        if self.queries == 0 {
            return err("--queries must be at least 1".into());
        }
        if !(self.cv2 > 0.0 && self.cv2.is_finite()) {
            return err(format!("--cv2 {}: a positive number", self.cv2));
        }
        Ok(())
    }

    /// Every point's coordinates, in the fixed order (configs, PB sizes, traces, loads, latency
    /// slacks, modes, periods, windows, policies, the last varying fastest). `configs` are the loaded configs.
    pub fn points(&self, configs: &[HwConfig]) -> Vec<PointKey> {
        let mut out = Vec::new();
        for cfg in configs {
            let pbs = if self.pb_bytes.is_empty() {
                vec![cfg.spec.buffers.pb_bytes]
            } else {
                self.pb_bytes.clone()
            };
            for &pb_bytes in &pbs {
                for trace in &self.traces {
                    for &load in &self.loads {
                        for &latency_slack in &self.latency_slacks {
                            for mode in &self.modes {
                                for &period in &self.periods {
                                    for &window in &self.windows {
                                        for policy in &self.policies {
                                            out.push(PointKey {
                                                index: out.len(),
                                                config: cfg.name.clone(),
                                                pb_bytes,
                                                trace: trace.clone(),
                                                load,
                                                latency_slack,
                                                mode: mode.clone(),
                                                period,
                                                window,
                                                policy: policy.clone(),
                                            });
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// The trace of `kind` at `load` and `latency_slack` aimed at `front`.
    pub fn trace(
        &self,
        kind: &str,
        load: f64,
        latency_slack: f64,
        front: &[SubNetPoint],
    ) -> Vec<Query> {
        let (points, mean) = crate::sched::front::targets(front);
        let phases = Locality::Phases {
            phase_queries: self.phase_queries,
        };
        let (kind, cv2) = trace_kind(kind).unwrap_or(("phases", None));
        let (locality, arrivals) = match kind {
            "steps" => (
                Locality::Steps {
                    step_queries: self.phase_queries,
                },
                Arrivals::Poisson,
            ),
            "iid" => (Locality::Iid, Arrivals::Poisson),
            "bursty" => (
                phases,
                Arrivals::Gamma {
                    cv2: cv2.unwrap_or(self.cv2),
                },
            ),
            _ => (phases, Arrivals::Poisson),
        };
        generate(
            &TraceSpec {
                queries: self.queries,
                seed: self.seed,
                mean_interarrival_cycles: (mean / load).max(1.0) as u64,
                arrivals,
                locality,
                latency_slack,
                images: 10_000,
            },
            &points,
        )
    }
}

/// Runs `f` on every item with `jobs` threads; results in item order. `done()` after each.
fn par_map<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    f: impl Fn(&T) -> R + Sync,
    done: impl Fn() + Sync,
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let out: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, items.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    out.lock().expect("no worker panicked")[i] = Some(r);
                    done();
                }
            });
        }
    });
    out.into_inner()
        .expect("no worker panicked")
        .into_iter()
        .map(|r| r.expect("every item ran"))
        .collect()
}

/// Runs this shard of `sweep` on `jobs` threads; `progress(done, total)` as points finish.
pub fn run(
    sweep: &SweepSpec,
    net: &SuperNet,
    acc: &AccuracyTable,
    shard: Shard,
    jobs: usize,
    progress: impl Fn(usize, usize) + Sync,
) -> Result<(SweepResult, Timing), BenchError> {
    let wall = Instant::now();
    sweep.validate()?;
    let configs = sweep
        .configs
        .iter()
        .map(|c| HwConfig::load(c))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(&pb) = sweep.pb_bytes.iter().find(|&&b| b < 1024) {
        return Err(BenchError::Spec(format!(
            "--pb-kib: {pb} bytes is below 1 KiB; give PB sizes in KiB"
        )));
    }
    // A PB what-if must be addressable: commands name PB words in a field of `PB_ADDR`'s width.
    let pb_addr_bits = sushi_hw::commands::COPY_FIELDS
        .iter()
        .find(|f| f.name == "PB_ADDR")
        .map_or(24, |f| f.bits);
    for cfg in &configs {
        let word_bytes = crate::compile::layout::Array::of(cfg).word_bytes() as u64;
        let max_bytes = (1u64 << pb_addr_bits) * word_bytes;
        if let Some(&pb) = sweep.pb_bytes.iter().find(|&&b| b > max_bytes) {
            return Err(BenchError::Spec(format!(
                "--pb-kib {}: beyond what {}'s commands can address ({} words of {word_bytes} bytes: at most {} KiB)",
                pb / 1024,
                cfg.name,
                1u64 << pb_addr_bits,
                max_bytes / 1024
            )));
        }
    }
    let keys: Vec<PointKey> = sweep
        .points(&configs)
        .into_iter()
        .filter(|k| shard.owns(k.index))
        .collect();
    let by_name: HashMap<&str, &HwConfig> = configs.iter().map(|c| (c.name.as_str(), c)).collect();
    // Fronts per config, tables per (config, PB size), traces per (config, kind, load): only
    // what this shard's points need, each built once.
    let fronts: HashMap<String, Vec<SubNetPoint>> = par_map(
        &configs,
        jobs,
        |c| (c.name.clone(), pareto_front(&measured_points(net, c, acc))),
        || {},
    )
    .into_iter()
    .collect();
    if let Some((name, _)) = fronts.iter().find(|(_, f)| f.is_empty()) {
        return Err(BenchError::Spec(format!(
            "config {name}: no measured SubNet compiles for it (measure some with `sushi supernet eval`)"
        )));
    }
    let mut table_keys: Vec<(String, u64)> = keys
        .iter()
        .map(|k| (k.config.clone(), k.pb_bytes))
        .collect();
    table_keys.sort();
    table_keys.dedup();
    let with_pb = |name: &str, pb: u64| {
        let mut c = by_name[name].clone();
        c.spec.buffers.pb_bytes = pb;
        c
    };
    let tables: Vec<Result<LatencyTable, BenchError>> = par_map(
        &table_keys,
        jobs,
        |(name, pb)| {
            let candidates = fronts[name]
                .iter()
                .map(|p| Candidate {
                    subnet: p.subnet,
                    accuracy: p.accuracy,
                })
                .collect();
            Ok(build_table(net, &with_pb(name, *pb), candidates)?)
        },
        || {},
    );
    let mut table_of: HashMap<(String, u64), LatencyTable> = HashMap::new();
    for (k, t) in table_keys.iter().zip(tables) {
        table_of.insert(k.clone(), t?);
    }
    type TraceKey = (String, String, u64, u64);
    let trace_key = |k: &PointKey| -> TraceKey {
        (
            k.config.clone(),
            k.trace.clone(),
            k.load.to_bits(),
            k.latency_slack.to_bits(),
        )
    };
    let mut trace_keys: Vec<TraceKey> = keys.iter().map(trace_key).collect();
    trace_keys.sort();
    trace_keys.dedup();
    let traces: HashMap<TraceKey, Vec<Query>> = trace_keys
        .iter()
        .map(|k| {
            let t = sweep.trace(
                &k.1,
                f64::from_bits(k.2),
                f64::from_bits(k.3),
                &fronts[&k.0],
            );
            (k.clone(), t)
        })
        .collect();
    let done = AtomicUsize::new(0);
    let total = keys.len();
    let results = par_map(
        &keys,
        jobs,
        |k| -> Result<(Point, f64), BenchError> {
            let cfg = with_pb(&k.config, k.pb_bytes);
            let table = &table_of[&(k.config.clone(), k.pb_bytes)];
            let trace = &traces[&trace_key(k)];
            let mode = parse_mode(&k.mode).expect("validated");
            let name: PolicyName = k
                .policy
                .parse()
                .map_err(|e: crate::sched::UnknownPolicy| BenchError::Spec(e.to_string()))?;
            let mut policy = make_policy(name, mode, k.period, k.window, table, net, &cfg)
                .map_err(|e| BenchError::Spec(e.to_string()))?;
            let t = Instant::now();
            let mut pricer = AbsPricer::new(net, &cfg);
            let served = serve_table(table, trace, policy.as_mut(), Some(&mut pricer));
            let seconds = t.elapsed().as_secs_f64();
            let summary = summarize(table, &served, &k.policy, &cfg);
            Ok((Point::new(k.clone(), &summary), seconds))
        },
        || progress(done.fetch_add(1, Ordering::Relaxed) + 1, total),
    );
    let mut points = Vec::with_capacity(results.len());
    let mut serve_seconds = 0.0;
    for r in results {
        let (p, s) = r?;
        serve_seconds += s;
        points.push(p);
    }
    let queries = points.iter().map(|p| p.queries as u64).sum::<u64>();
    let wall_seconds = wall.elapsed().as_secs_f64();
    let jobs = jobs.clamp(1, keys.len().max(1));
    Ok((
        SweepResult {
            sweep: sweep.clone(),
            shard,
            points,
        },
        Timing {
            wall_seconds,
            serve_seconds,
            queries,
            queries_per_second: queries as f64 / (serve_seconds / jobs as f64).max(1e-9),
            queries_per_second_per_core: queries as f64 / serve_seconds.max(1e-9),
            jobs,
        },
    ))
}

/// Puts shards back together: the same sweep, every shard of `N` exactly once.
pub fn merge(parts: Vec<SweepResult>) -> Result<SweepResult, BenchError> {
    let first = parts
        .first()
        .ok_or_else(|| BenchError::Spec("bench merge: give at least one shard directory".into()))?;
    let (sweep, count) = (first.sweep.clone(), first.shard.count);
    let mut seen = vec![false; count];
    for p in &parts {
        if p.sweep != sweep {
            return Err(BenchError::Spec(format!(
                "shard {}/{} is of another sweep than shard {}/{} (its options or seed differ); merge shards of one `sushi bench` command",
                p.shard.index, p.shard.count, first.shard.index, first.shard.count
            )));
        }
        if p.shard.count != count {
            return Err(BenchError::Spec(format!(
                "shard {}/{} and shard {}/{} split the sweep differently",
                p.shard.index, p.shard.count, first.shard.index, count
            )));
        }
        if std::mem::replace(&mut seen[p.shard.index], true) {
            return Err(BenchError::Spec(format!(
                "shard {}/{count} is given twice",
                p.shard.index
            )));
        }
    }
    if let Some(missing) = seen.iter().position(|s| !s) {
        return Err(BenchError::Spec(format!(
            "shard {missing}/{count} is missing; run `sushi bench ... --shard {missing}/{count}` and merge it too"
        )));
    }
    let mut points: Vec<Point> = parts.into_iter().flat_map(|p| p.points).collect();
    points.sort_by_key(|p| p.key.index);
    Ok(SweepResult {
        sweep,
        shard: Shard::ALL,
        points,
    })
}

/// A `--mode` value.
pub fn parse_mode(name: &str) -> Option<Mode> {
    match name {
        "latency" => Some(Mode::LatencyStrict),
        "accuracy" => Some(Mode::AccuracyStrict),
        _ => None,
    }
}

/// The CSV header of `points.csv` (the bound is empty where it was not computed).
pub const CSV_HEADER: &str = "index,config,pb_bytes,trace,load,period,window,policy,queries,served_accuracy,slo_attainment,latency_slo_attainment,latency_mean_cycles,latency_p99_cycles,dram_bytes_per_query,dram_weight_bytes_per_query,pb_hit_ratio,refill_bytes,offchip_energy_uj,latency_slack,mode,dram_weight_bytes_bound_per_query";

/// `points.csv`.
pub fn to_csv(points: &[Point]) -> String {
    let mut s = String::from(CSV_HEADER);
    s.push('\n');
    for p in points {
        let k = &p.key;
        s.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            k.index,
            k.config,
            k.pb_bytes,
            k.trace,
            k.load,
            k.period,
            k.window,
            k.policy,
            p.queries,
            p.served_accuracy,
            p.slo_attainment,
            p.latency_slo_attainment,
            p.latency_mean_cycles,
            p.latency_p99_cycles,
            p.dram_bytes_per_query,
            p.dram_weight_bytes_per_query,
            p.pb_hit_ratio,
            p.refill_bytes,
            p.offchip_energy_uj,
            k.latency_slack,
            k.mode,
            p.dram_weight_bytes_bound_per_query
                .map(|b| b.to_string())
                .unwrap_or_default()
        ));
    }
    s
}

/// Mean of `y` per (policy, x) over every other coordinate, as one series per policy in the
/// sweep's policy order, x ascending.
fn series_by(
    result: &SweepResult,
    x: impl Fn(&Point) -> f64,
    y: impl Fn(&Point) -> f64,
) -> Vec<Series> {
    result
        .sweep
        .policies
        .iter()
        .map(|policy| {
            let mut sums: Vec<(f64, f64, usize)> = Vec::new();
            for p in result.points.iter().filter(|p| &p.key.policy == policy) {
                let (xv, yv) = (x(p), y(p));
                match sums.iter_mut().find(|(sx, _, _)| *sx == xv) {
                    Some(e) => {
                        e.1 += yv;
                        e.2 += 1;
                    }
                    None => sums.push((xv, yv, 1)),
                }
            }
            sums.sort_by(|a, b| a.0.total_cmp(&b.0));
            Series {
                label: policy.clone(),
                points: sums
                    .into_iter()
                    .map(|(x, s, n)| (x, s / n as f64))
                    .collect(),
            }
        })
        .collect()
}

/// The plots of a sweep: file name and chart.
pub fn charts(result: &SweepResult) -> Vec<(String, Chart)> {
    let mut out = vec![(
        "latency-accuracy.svg".to_string(),
        Chart {
            title: "Latency and accuracy, every point".into(),
            x_label: "end-to-end latency, mean (cycles)".into(),
            y_label: "served accuracy (%)".into(),
            x_log2: false,
            style: Style::Scatter,
            series: result
                .sweep
                .policies
                .iter()
                .map(|policy| Series {
                    label: policy.clone(),
                    points: result
                        .points
                        .iter()
                        .filter(|p| &p.key.policy == policy)
                        .map(|p| (p.latency_mean_cycles, p.served_accuracy))
                        .collect(),
                })
                .collect(),
        },
    )];
    let pb_kib = |p: &Point| p.key.pb_bytes as f64 / 1024.0;
    // A chart against a coordinate the sweep does not vary would be one point per policy.
    let varies = |f: fn(&Point) -> u64| {
        let first = result.points.first().map(f);
        result.points.iter().any(|p| Some(f(p)) != first)
    };
    if varies(|p| p.key.pb_bytes) {
        out.push((
            "pb-hit-ratio.svg".to_string(),
            Chart {
                title: "PB hit ratio against PB size".into(),
                x_label: "Persistent Buffer (KiB)".into(),
                y_label: "PB hit ratio (bytes)".into(),
                x_log2: true,
                style: Style::Lines,
                series: series_by(result, pb_kib, |p| p.pb_hit_ratio),
            },
        ));
        out.push((
            "pb-dram-bytes.svg".to_string(),
            Chart {
                title: "DRAM bytes per query against PB size".into(),
                x_label: "Persistent Buffer (KiB)".into(),
                y_label: "DRAM bytes per query".into(),
                x_log2: true,
                style: Style::Lines,
                series: series_by(result, pb_kib, |p| p.dram_bytes_per_query),
            },
        ));
        out.push((
            "pb-latency.svg".to_string(),
            Chart {
                title: "Mean latency against PB size".into(),
                x_label: "Persistent Buffer (KiB)".into(),
                y_label: "end-to-end latency, mean (cycles)".into(),
                x_log2: true,
                style: Style::Lines,
                series: series_by(result, pb_kib, |p| p.latency_mean_cycles),
            },
        ));
    }
    if varies(|p| p.key.latency_slack.to_bits()) {
        // The paper's trade-off view: one curve per policy through its (latency, accuracy) at
        // each latency slack, per config and mode; a curve up and to the left dominates.
        let mut groups: Vec<(String, String)> = result
            .points
            .iter()
            .map(|p| (p.key.config.clone(), p.key.mode.clone()))
            .collect();
        groups.dedup();
        groups.sort();
        groups.dedup();
        for (config, mode) in groups {
            let series = result
                .sweep
                .policies
                .iter()
                .map(|policy| {
                    let mut by_slack: Vec<(f64, f64, f64, usize)> = Vec::new();
                    for p in result.points.iter().filter(|p| {
                        p.key.config == config && p.key.mode == mode && &p.key.policy == policy
                    }) {
                        let s = p.key.latency_slack;
                        match by_slack.iter_mut().find(|e| e.0 == s) {
                            Some(e) => {
                                e.1 += p.latency_mean_cycles;
                                e.2 += p.served_accuracy;
                                e.3 += 1;
                            }
                            None => by_slack.push((s, p.latency_mean_cycles, p.served_accuracy, 1)),
                        }
                    }
                    by_slack.sort_by(|a, b| a.0.total_cmp(&b.0));
                    Series {
                        label: policy.clone(),
                        points: by_slack
                            .into_iter()
                            .map(|(_, l, a, n)| (l / n as f64, a / n as f64))
                            .collect(),
                    }
                })
                .collect();
            out.push((
                format!("accuracy-latency-{config}-{mode}.svg"),
                Chart {
                    title: format!(
                        "Served accuracy against mean latency over latency slack ({config}, {mode}-strict)"
                    ),
                    x_label: "end-to-end latency, mean (cycles)".into(),
                    y_label: "served accuracy (%)".into(),
                    x_log2: false,
                    style: Style::Lines,
                    series,
                },
            ));
        }
    }
    if varies(|p| p.key.period as u64) {
        out.push((
            "slo-period.svg".to_string(),
            Chart {
                title: "SLO attainment against update period".into(),
                x_label: "queries between cache plans".into(),
                y_label: "SLO attainment".into(),
                x_log2: true,
                style: Style::Lines,
                series: series_by(result, |p| p.key.period as f64, |p| p.slo_attainment),
            },
        ));
    }
    if varies(|p| p.key.load.to_bits()) {
        out.push((
            "slo-load.svg".to_string(),
            Chart {
                title: "SLO attainment against offered load".into(),
                x_label: "offered load".into(),
                y_label: "SLO attainment".into(),
                x_log2: false,
                style: Style::Lines,
                series: series_by(result, |p| p.key.load, |p| p.slo_attainment),
            },
        ));
        out.push((
            "latency-slo-load.svg".to_string(),
            Chart {
                title: "Latency SLO attainment against offered load".into(),
                x_label: "offered load".into(),
                y_label: "queries within their latency target".into(),
                x_log2: false,
                style: Style::Lines,
                series: series_by(result, |p| p.key.load, |p| p.latency_slo_attainment),
            },
        ));
        out.push((
            "accuracy-load.svg".to_string(),
            Chart {
                title: "Served accuracy against offered load".into(),
                x_label: "offered load".into(),
                y_label: "served accuracy (%)".into(),
                x_log2: false,
                style: Style::Lines,
                series: series_by(result, |p| p.key.load, |p| p.served_accuracy),
            },
        ));
    }
    out
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> BenchError {
    BenchError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Writes `points.json`, `points.csv` and the plots into `dir` (created if missing).
pub fn write_outputs(dir: &Path, result: &SweepResult) -> Result<Vec<String>, BenchError> {
    std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    let mut files = vec![
        (
            "points.json".to_string(),
            serde_json::to_string_pretty(result).expect("results serialise") + "\n",
        ),
        ("points.csv".to_string(), to_csv(&result.points)),
    ];
    for (name, chart) in charts(result) {
        files.push((name, chart.to_svg()));
    }
    let mut written = Vec::new();
    for (name, text) in files {
        let path = dir.join(&name);
        std::fs::write(&path, text).map_err(|e| io_err(&path, e))?;
        written.push(name);
    }
    Ok(written)
}

/// Reads the `points.json` a run wrote into `dir`.
pub fn read_result(dir: &Path) -> Result<SweepResult, BenchError> {
    let path = dir.join("points.json");
    let text = std::fs::read_to_string(&path).map_err(|e| io_err(&path, e))?;
    serde_json::from_str(&text).map_err(|e| {
        io_err(
            &path,
            format!("{e}; expected the points.json of a `sushi bench --out` run"),
        )
    })
}
