//! `sushi trace`: seeded query traces, and traces from Azure Functions invocation counts.

use std::path::PathBuf;

use anyhow::{Result, anyhow, bail};
use clap::{Args, Subcommand};
use sushi_host::sched::front::targets;
use sushi_host::workload::azure::{self, FunctionCounts};
use sushi_host::workload::trace::{Arrivals, Locality, TraceSpec, generate, write};

use crate::common::{PlanArgs, front_of};

#[derive(Debug, Subcommand)]
pub enum TraceCommand {
    /// Generate a seeded trace aimed at the Pareto front of a SuperNet on a config.
    Gen(TraceGenArgs),
    /// Turn an Azure Functions invocation trace (per-minute counts per function) into a query
    /// trace: seeded arrival times rescaled to an offered load, targets as `trace gen` draws them.
    ImportAzure(ImportAzureArgs),
}

#[derive(Debug, Args)]
pub struct ImportAzureArgs {
    /// An `invocations_per_function_md.anon.dNN.csv` file of the Azure Functions 2019 trace.
    #[arg(long)]
    file: PathBuf,
    /// The function (its `HashFunction`); default: the busiest `--top` functions together.
    #[arg(long)]
    function: Option<String>,
    /// How many of the busiest functions to merge when no `--function` is given.
    #[arg(long, default_value_t = 1)]
    top: usize,
    /// Minutes of the day to use, `A-B` (1-based, inclusive); default: all.
    #[arg(long)]
    minutes: Option<String>,
    /// Output file: `.csv` for CSV, anything else for JSON Lines.
    #[arg(long)]
    out: PathBuf,
    /// Seed of arrival instants, targets and inputs.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Offered load the time axis is rescaled to (mean service cycles of the front over mean
    /// inter-arrival cycles).
    #[arg(long, default_value_t = 0.9)]
    load: f64,
    /// phases (temporal locality), steps or iid targets.
    #[arg(long, default_value = "phases")]
    locality: String,
    /// Queries per phase or step.
    #[arg(long, default_value_t = 40)]
    phase_queries: u64,
    /// Latency target as a multiple of the aimed SubNet's cycles.
    #[arg(long, default_value_t = 1.5)]
    latency_slack: f64,
    #[command(flatten)]
    plan: PlanArgs,
}

#[derive(Debug, Args)]
pub struct TraceGenArgs {
    /// Output file: `.csv` for CSV, anything else for JSON Lines.
    #[arg(long)]
    out: PathBuf,
    /// Queries.
    #[arg(long, default_value_t = 1000)]
    queries: u64,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// phases (temporal locality), steps (step changes) or iid (none).
    #[arg(long, default_value = "phases")]
    locality: String,
    /// Queries per phase or step.
    #[arg(long, default_value_t = 100)]
    phase_queries: u64,
    /// poisson, or gamma (bursty: gamma inter-arrival times of squared coefficient of variation
    /// --cv2).
    #[arg(long, default_value = "poisson")]
    arrivals: String,
    /// CV^2 of gamma inter-arrival times (above 1: bursty).
    #[arg(long, default_value_t = 4.0)]
    cv2: f64,
    /// Offered load: mean service cycles over mean inter-arrival cycles.
    #[arg(long, default_value_t = 0.7)]
    load: f64,
    /// Latency target as a multiple of the aimed SubNet's cycles.
    #[arg(long, default_value_t = 2.0)]
    latency_slack: f64,
    #[command(flatten)]
    plan: PlanArgs,
}

/// Queries a trace may have before it is taken for a mistake (an importer would otherwise allocate
/// whatever a file declares).
const MAX_TRACE_QUERIES: u64 = 50_000_000;

pub fn run(cmd: TraceCommand) -> Result<()> {
    match cmd {
        TraceCommand::Gen(args) => gen_trace(&args),
        TraceCommand::ImportAzure(args) => import_azure(&args),
    }
}

fn gen_trace(args: &TraceGenArgs) -> Result<()> {
    let locality = Locality::parse(&args.locality, args.phase_queries).map_err(|e| anyhow!(e))?;
    let arrivals = match args.arrivals.as_str() {
        "poisson" => Arrivals::Poisson,
        "gamma" if args.cv2 > 0.0 && args.cv2.is_finite() => Arrivals::Gamma { cv2: args.cv2 },
        "gamma" => bail!(
            "--cv2 {}: a positive number (1 = Poisson, above 1 = bursty)",
            args.cv2
        ),
        other => bail!("--arrivals {other}: use poisson or gamma"),
    };
    let load = args.load;
    if !(load > 0.0 && load.is_finite()) {
        bail!("--load {load}: a positive number (1.0 = the accelerator busy all the time)");
    }
    if args.phase_queries == 0 {
        bail!("--phase-queries must be at least 1");
    }
    let (_, _, front) = front_of(&args.plan)?;
    let (points, mean_service) = targets(&front);
    let spec = TraceSpec {
        queries: args.queries,
        seed: args.seed,
        mean_interarrival_cycles: (mean_service / load) as u64,
        arrivals,
        locality,
        latency_slack: args.latency_slack,
        images: 10_000,
    };
    let trace = generate(&spec, &points);
    write(&args.out, &trace)?;
    eprintln!(
        "wrote {} queries to {} ({} Pareto SubNets aimed at, mean inter-arrival {} cycles)",
        trace.len(),
        args.out.display(),
        points.len(),
        spec.mean_interarrival_cycles
    );
    Ok(())
}

/// `--minutes A-B` of a day of `minutes` minutes (default: all of them).
fn minute_range(arg: Option<&str>, minutes: usize) -> Result<(usize, usize)> {
    let Some(r) = arg else {
        return Ok((1, minutes));
    };
    let bad = || anyhow!("--minutes {r}: write A-B with 1 <= A <= B <= {minutes}, e.g. 601-660");
    let (a, b) = r.split_once('-').ok_or_else(bad)?;
    let (a, b): (usize, usize) = (
        a.trim().parse().map_err(|_| bad())?,
        b.trim().parse().map_err(|_| bad())?,
    );
    if a == 0 || a > b || b > minutes {
        return Err(bad());
    }
    Ok((a, b))
}

fn import_azure(args: &ImportAzureArgs) -> Result<()> {
    let rows = azure::read(&args.file)?;
    if rows.is_empty() {
        bail!("{}: no function rows after the header", args.file.display());
    }
    let (lo, hi) = minute_range(args.minutes.as_deref(), rows[0].per_minute.len())?;
    let chosen: Vec<&FunctionCounts> = match &args.function {
        Some(f) => vec![rows.iter().find(|r| &r.function == f).ok_or_else(|| {
            anyhow!(
                "--function {f}: {} has no such HashFunction ({} functions; omit --function for the busiest)",
                args.file.display(),
                rows.len()
            )
        })?],
        None => {
            if args.top == 0 {
                bail!("--top must be at least 1");
            }
            let mut by_total: Vec<&FunctionCounts> = rows.iter().collect();
            by_total.sort_by(|a, b| b.total().cmp(&a.total()).then(a.function.cmp(&b.function)));
            by_total.truncate(args.top);
            by_total
        }
    };
    let per_minute: Vec<u64> = (lo - 1..hi)
        .map(|m| chosen.iter().map(|r| r.per_minute[m]).sum())
        .collect();
    let n: u64 = per_minute.iter().sum();
    if n == 0 {
        bail!(
            "{}: the chosen functions have no invocations in minutes {lo}-{hi}",
            args.file.display()
        );
    }
    if n > MAX_TRACE_QUERIES {
        bail!(
            "{}: {n} invocations in minutes {lo}-{hi}, more than the {MAX_TRACE_QUERIES} queries a trace may have; choose fewer --minutes or functions",
            args.file.display()
        );
    }
    if !(args.load > 0.0 && args.load.is_finite()) {
        bail!("--load {}: a positive number", args.load);
    }
    let locality = Locality::parse(&args.locality, args.phase_queries).map_err(|e| anyhow!(e))?;
    let (_, _, front) = front_of(&args.plan)?;
    let (points, mean_service) = targets(&front);
    // Mean inter-arrival over the window = mean service / load.
    let cycles_per_minute = mean_service / args.load * n as f64 / per_minute.len() as f64;
    let times = azure::arrivals(&per_minute, cycles_per_minute, args.seed);
    let mut trace = generate(
        &TraceSpec {
            queries: n,
            seed: args.seed,
            mean_interarrival_cycles: 1,
            arrivals: Arrivals::Poisson,
            locality,
            latency_slack: args.latency_slack,
            images: 10_000,
        },
        &points,
    );
    for (q, t) in trace.iter_mut().zip(times) {
        q.arrival_cycle = t;
    }
    write(&args.out, &trace)?;
    eprintln!(
        "wrote {} queries to {} ({} function(s), minutes {lo}-{hi}, a minute = {:.0} cycles for load {:.2})",
        trace.len(),
        args.out.display(),
        chosen.len(),
        cycles_per_minute,
        args.load
    );
    Ok(())
}
