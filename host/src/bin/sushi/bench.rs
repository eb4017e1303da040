//! `sushi bench` and `sushi bench merge`: cache-policy sweeps with SushiAbs's costs, their shards,
//! and the RTL cross-check of sampled points.

use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use sushi_host::experiments::bench::{Shard, SweepSpec, merge, read_result, write_outputs};
use sushi_host::experiments::crosscheck::rtl_crosscheck;
use sushi_host::net::supernet::{SuperNet, shipped_path};
use sushi_host::reports::progress::Progress;
use sushi_host::sched::front::{AccuracyTable, accuracy_table_path};
use sushi_hw::DEFAULT_CONFIG;

use crate::common::{ModeArg, PolicyChoice, policies};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchArgs {
    #[command(subcommand)]
    action: Option<BenchAction>,
    /// Config names or paths, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = DEFAULT_CONFIG)]
    configs: Vec<String>,
    /// Policies, comma-separated, or all.
    #[arg(long, value_delimiter = ',', default_value = "all", value_parser = policies)]
    policies: Vec<PolicyChoice>,
    /// Persistent Buffer sizes in KiB, comma-separated (default: each config's own; other sizes
    /// are what-ifs of the cycle model).
    #[arg(long, value_delimiter = ',')]
    pb_kib: Vec<u64>,
    /// Queries between cache plans, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "8")]
    periods: Vec<usize>,
    /// Queries a plan looks at, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "16")]
    windows: Vec<usize>,
    /// Trace kinds, comma-separated: phases, steps, iid, bursty.
    #[arg(long, value_delimiter = ',', default_value = "phases,iid")]
    traces: Vec<String>,
    /// Offered loads, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "0.5")]
    loads: Vec<f64>,
    /// Queries per trace.
    #[arg(long, default_value_t = 100_000)]
    queries: u64,
    /// Seed of every trace.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Latency targets as a multiple of the aimed SubNet's cycles, comma-separated (one trace
    /// each; several draw a served-accuracy-against-latency curve per policy).
    #[arg(long, value_delimiter = ',', default_value = "1.5")]
    latency_slack: Vec<f64>,
    /// Queries per phase or step.
    #[arg(long, default_value_t = 40)]
    phase_queries: u64,
    /// CV^2 of the bursty trace's gamma inter-arrival times.
    #[arg(long, default_value_t = 4.0)]
    cv2: f64,
    /// Selection modes, comma-separated: latency (latency-strict selection), accuracy
    /// (accuracy-strict).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "latency")]
    mode: Vec<ModeArg>,
    /// Worker threads (default: every core).
    #[arg(long)]
    jobs: Option<usize>,
    /// Compute only the points whose index is I modulo N (`sushi bench merge` joins shards).
    #[arg(long)]
    shard: Option<String>,
    /// Output directory for points.json, points.csv and the plots.
    #[arg(long, default_value = "bench-out")]
    out: PathBuf,
    /// Re-run this many points (spread over the sweep, at each config's own PB size) on the RTL
    /// backend and report the gap to SushiAbs's costs.
    #[arg(long, default_value_t = 0)]
    rtl_sample: usize,
    /// Queries of each re-run point's trace run on the RTL.
    #[arg(long, default_value_t = 30)]
    rtl_queries: usize,
    /// The `.sushinet` file (default: the shipped SuperNet).
    #[arg(long)]
    supernet: Option<PathBuf>,
    /// The accuracy table (default: `<artifact>.accuracy.json`).
    #[arg(long)]
    table: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum BenchAction {
    /// Join the outputs of `--shard I/N` runs into the tables and plots one run would write.
    Merge {
        /// Directories written by the shards' `--out`.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Output directory.
        #[arg(long, default_value = "bench-out")]
        out: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: &BenchArgs) -> Result<()> {
    if let Some(BenchAction::Merge { dirs, out, json }) = &args.action {
        return merge_shards(dirs, out, *json);
    }
    let sweep = SweepSpec {
        configs: args.configs.clone(),
        pb_bytes: args
            .pb_kib
            .iter()
            .map(|&k| {
                k.checked_mul(1024)
                    .ok_or_else(|| anyhow::anyhow!("--pb-kib {k}: too large"))
            })
            .collect::<Result<_>>()?,
        traces: args.traces.clone(),
        loads: args.loads.clone(),
        periods: args.periods.clone(),
        windows: args.windows.clone(),
        policies: PolicyChoice::names(&args.policies),
        queries: args.queries,
        seed: args.seed,
        latency_slacks: args.latency_slack.clone(),
        phase_queries: args.phase_queries,
        cv2: args.cv2,
        modes: args.mode.iter().map(|m| m.name().to_string()).collect(),
    };
    sweep.validate()?;
    let shard = match &args.shard {
        Some(s) => Shard::parse(s)?,
        None => Shard::ALL,
    };
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    if jobs == 0 {
        bail!("--jobs must be at least 1");
    }
    let path = args.supernet.clone().unwrap_or_else(shipped_path);
    let net = SuperNet::load(&path)?;
    let table_path = args
        .table
        .clone()
        .unwrap_or_else(|| accuracy_table_path(&path));
    let acc = AccuracyTable::load(&table_path, &net)?;
    let bar = Mutex::new(None::<Progress>);
    let (result, timing) =
        sushi_host::experiments::bench::run(&sweep, &net, &acc, shard, jobs, |done, total| {
            let mut bar = bar.lock().expect("progress");
            bar.get_or_insert_with(|| Progress::new("sweep points", total, !args.json))
                .update(done);
        })?;
    let files = write_outputs(&args.out, &result)?;
    let crosscheck = if args.rtl_sample > 0 {
        let checks = rtl_crosscheck(
            &result,
            &sweep,
            &net,
            &acc,
            args.rtl_sample,
            args.rtl_queries,
            |step| {
                if !args.json {
                    eprintln!(
                        "RTL cross-check {}/{}: point {} ({} on {}, {} queries)...",
                        step.number,
                        step.of,
                        step.point.key.index,
                        step.point.key.policy,
                        step.point.key.config,
                        step.queries
                    );
                }
            },
        )?;
        if checks.is_empty() {
            eprintln!(
                "RTL cross-check: no point runs at a config's own PB size on a built RTL model"
            );
        }
        checks
    } else {
        Vec::new()
    };
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "sweep": result.sweep,
                "shard": result.shard,
                "points": result.points,
                "queries_per_second": timing.queries_per_second,
                "timing": timing,
                "crosscheck": crosscheck,
                "out": args.out.display().to_string(),
            }))?
        );
        return Ok(());
    }
    outln!(
        "{} points ({} queries each) in {:.1} s on {} threads: {:.2} M queries/s ({:.2} M per core); wrote {} in {}",
        result.points.len(),
        sweep.queries,
        timing.wall_seconds,
        timing.jobs,
        timing.queries_per_second / 1e6,
        timing.queries_per_second_per_core / 1e6,
        files.join(", "),
        args.out.display()
    );
    outln!(
        "{:<9} {:>7} {:<7} {:>5} {:>4} {:>4} {:<14} {:>8} {:>6} {:>12} {:>12} {:>6}",
        "config",
        "PB KiB",
        "trace",
        "load",
        "per",
        "win",
        "policy",
        "accuracy",
        "SLO",
        "latency mean",
        "DRAM B/q",
        "PB hit"
    );
    for p in &result.points {
        let k = &p.key;
        outln!(
            "{:<9} {:>7} {:<7} {:>5.2} {:>4} {:>4} {:<14} {:>7.2}% {:>5.1}% {:>12.0} {:>12.0} {:>5.1}%",
            k.config,
            k.pb_bytes / 1024,
            k.trace,
            k.load,
            k.period,
            k.window,
            k.policy,
            p.served_accuracy,
            100.0 * p.slo_attainment,
            p.latency_mean_cycles,
            p.dram_bytes_per_query,
            100.0 * p.pb_hit_ratio
        );
    }
    for c in &crosscheck {
        outln!(
            "RTL cross-check, point {} ({} on {}, {} queries): latency mean {:+.2}%, DRAM bytes {:+.2}%, decisions agree {}/{}",
            c.index,
            c.policy,
            c.config,
            c.queries,
            c.latency_gap_percent,
            c.dram_bytes_gap_percent,
            c.decisions_agree,
            c.queries
        );
    }
    Ok(())
}

fn merge_shards(dirs: &[PathBuf], out: &std::path::Path, json: bool) -> Result<()> {
    let parts = dirs
        .iter()
        .map(|d| read_result(d))
        .collect::<Result<Vec<_>, _>>()?;
    let merged = merge(parts)?;
    let files = write_outputs(out, &merged)?;
    if json {
        outln!("{}", serde_json::to_string_pretty(&merged)?);
    } else {
        outln!(
            "merged {} shards: {} points into {} ({})",
            dirs.len(),
            merged.points.len(),
            out.display(),
            files.join(", ")
        );
    }
    Ok(())
}
