//! `sushi serve`: a query trace under one or all policies, priced by SushiAbs or executed on a
//! backend.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use sushi_host::device::backend::{BackendKind, OpenOptions, RtlOptions, parse_faults};
use sushi_host::net::dataset::{DEBIAN_DIR, test_split};
use sushi_host::reports::progress::Progress;
use sushi_host::sched::{
    Candidate, Mode, PolicyName, build_table, make_policy, serve_table, summarize,
};
use sushi_host::serve::{AbsPricer, ServeJob};

use crate::common::{BoardArgs, ModeArg, PlanArgs, PolicyChoice, any_backend, front_of, policy};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The trace: `.csv` (header `id,arrival_cycle,accuracy_target,latency_target_cycles,input`)
    /// or JSON Lines (any other extension); `sushi trace gen` writes either.
    #[arg(long)]
    trace: PathBuf,
    /// Where costs come from: `abs` (SushiAbs's latency table, nothing executed).
    #[arg(long, default_value = "abs", value_parser = any_backend)]
    backend: BackendKind,
    /// A policy (sushi, sushi-subgraph, no-cache, static-cache, static-subnet[:P],
    /// cache-unaware, lru, arc, sieve, w-tinylfu, slack, model-switching, oracle) or all.
    #[arg(long, default_value = "all", value_parser = policy)]
    policy: PolicyChoice,
    /// latency (latency-strict selection) or accuracy (accuracy-strict).
    #[arg(long, value_enum, default_value = "latency")]
    mode: ModeArg,
    /// Queries between cache plans.
    #[arg(long, default_value_t = 16)]
    period: usize,
    /// Queries a plan looks at.
    #[arg(long, default_value_t = 32)]
    window: usize,
    #[command(flatten)]
    plan: PlanArgs,
    /// Also write every query's decision and latencies here (JSON Lines: `policy`, `id`,
    /// `subnet`, `candidate`, `subgraph`, `start_cycle`, `service_cycles`, `refill_cycles`,
    /// `end_to_end_cycles`, `slo_met`, `latency_met`, `failed`).
    #[arg(long)]
    log: Option<PathBuf>,
    /// Inject a fault into the simulated memory bus (rtl backend; repeatable, one per channel):
    /// CHANNEL:KIND:AFTER[:CYCLES], channel ar|r|aw|w|b, kind slverr|decerr|hang|delay, AFTER
    /// the transfers on the channel that pass first, CYCLES a delay's length. The query it hits
    /// fails; the device is recovered and serving goes on (`device_faults` in the report).
    #[arg(long = "fault", value_name = "SPEC")]
    faults: Vec<String>,
    #[command(flatten)]
    board: BoardArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &ServeArgs) -> Result<()> {
    let mode = Mode::from(args.mode);
    if args.period == 0 || args.window == 0 {
        bail!("--period and --window must be at least 1");
    }
    if !args.faults.is_empty() && args.backend != BackendKind::Rtl {
        bail!("--fault needs --backend rtl: faults are injected into the simulated memory bus");
    }
    // Refuse a malformed fault before any work.
    let faults = parse_faults(&args.faults)?;
    let trace = sushi_host::workload::trace::read(&args.trace)?;
    let (net, cfg, front) = front_of(&args.plan)?;
    let wall = std::time::Instant::now();
    let candidates: Vec<Candidate> = front
        .iter()
        .map(|p| Candidate {
            subnet: p.subnet,
            accuracy: p.accuracy,
        })
        .collect();
    let table = build_table(&net, &cfg, candidates)?;
    let table_seconds = wall.elapsed().as_secs_f64();
    let names: Vec<PolicyName> = PolicyChoice::expand(&[args.policy]);
    let mut all = Vec::new();
    for name in names {
        all.push(make_policy(
            name,
            mode,
            args.period,
            args.window,
            &table,
            &net,
            &cfg,
        )?);
    }
    let split = match args.backend {
        BackendKind::Abs => None,
        _ => Some(test_split(Path::new(DEBIAN_DIR))?),
    };
    let mut rows = Vec::new();
    let mut log = Vec::new();
    for p in &mut all {
        let name = p.name().to_string();
        let (row, served) = match &split {
            None => {
                // Tile sets (LRU) have no column in the table: SushiAbs prices them, memoised.
                let mut pricer = AbsPricer::new(&net, &cfg);
                let served = serve_table(&table, &trace, p.as_mut(), Some(&mut pricer));
                (summarize(&table, &served, &name, &cfg), served)
            }
            Some(split) => {
                let job = ServeJob {
                    backend: args.backend,
                    open: OpenOptions {
                        rtl: RtlOptions {
                            faults: faults.clone(),
                            ..RtlOptions::default()
                        },
                        board: args.board.options(),
                    },
                    net: &net,
                    config: &cfg,
                    table: &table,
                    split,
                    trace: &trace,
                };
                let mut bar = Progress::new(
                    format!("{name:<16} on {}", args.backend),
                    trace.len(),
                    !args.json,
                );
                let run = job.run(p.as_mut(), |i| bar.update(i))?;
                for (id, fault) in run.faults() {
                    eprintln!("warning: {name}: query {id} failed: {fault}");
                }
                (run.summary, run.served)
            }
        };
        if args.log.is_some() {
            for s in &served {
                let mut line = serde_json::to_value(s)?;
                line["policy"] = serde_json::json!(name);
                line["subnet"] = serde_json::json!(table.candidates[s.candidate].subnet);
                log.push(serde_json::to_string(&line)?);
            }
        }
        rows.push(row);
    }
    if let Some(path) = &args.log {
        std::fs::write(path, log.join("\n") + "\n")
            .with_context(|| format!("writing the serving log {}", path.display()))?;
    }
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "config": cfg.name,
                "trace": args.trace.display().to_string(),
                "candidates": table.candidates.len(),
                "subgraphs": table.subgraphs.len(),
                "table_seconds": table_seconds,
                "policies": rows,
            }))?
        );
        return Ok(());
    }
    outln!(
        "{} queries on {} ({} Pareto SubNets x {} SubGraphs, latency table from SushiAbs in {:.1} s)",
        trace.len(),
        cfg.name,
        table.candidates.len(),
        table.subgraphs.len(),
        table_seconds
    );
    outln!(
        "policy                  accuracy  latency mean / p99 (µs)   SLO    DRAM B/query  PB hit  energy µJ"
    );
    for r in &rows {
        outln!(
            "{:<22}  {:>7.2}%  {:>9.1} / {:>9.1}    {:>5.1}%  {:>12.0}  {:>5.1}%  {:>9.1}",
            r.policy,
            r.served_accuracy,
            r.latency_mean_us,
            r.latency_p99_us,
            100.0 * r.slo_attainment,
            r.dram_bytes_per_query,
            100.0 * r.pb_hit_ratio,
            r.offchip_energy_uj
        );
    }
    if args.backend == BackendKind::Abs {
        outln!(
            "costs from SushiAbs (no query executed); served accuracy = mean test accuracy of the SubNets served"
        );
    } else {
        outln!(
            "executed on the {} backend: served accuracy = queries classified correctly; every output checked bit for bit",
            args.backend
        );
    }
    Ok(())
}
