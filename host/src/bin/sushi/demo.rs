//! `sushi demo`: the demo's line-up (`sushi_host::experiments::demo`) served and printed as one
//! table.

use anyhow::Result;
use clap::Args;
use sushi_host::experiments::demo::{Demo, DemoSpec, LINEUP};
use sushi_host::reports::progress::Progress;
use sushi_hw::DEFAULT_CONFIG;

use crate::common::ModeArg;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Config name or path to a .toml file.
    #[arg(long, default_value = DEFAULT_CONFIG)]
    config: String,
    /// Queries in the trace.
    #[arg(long, default_value_t = 120)]
    queries: u64,
    /// Seed of the trace.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Offered load: mean service cycles of the Pareto SubNets over mean inter-arrival cycles.
    #[arg(long, default_value_t = 0.5)]
    load: f64,
    /// Latency target as a multiple of the aimed SubNet's cycles.
    #[arg(long, default_value_t = 1.5)]
    latency_slack: f64,
    /// Queries per phase of the trace (temporal locality).
    #[arg(long, default_value_t = 40)]
    phase_queries: u64,
    /// Queries between cache plans.
    #[arg(long, default_value_t = 8)]
    period: usize,
    /// Queries a plan looks at.
    #[arg(long, default_value_t = 16)]
    window: usize,
    /// Selection mode: latency-strict (meet the latency target, then be as accurate as
    /// possible) or accuracy-strict (meet the accuracy target, then be as fast as possible).
    #[arg(long, value_enum, default_value_t = ModeArg::Latency)]
    mode: ModeArg,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &DemoArgs) -> Result<()> {
    let demo = Demo::prepare(DemoSpec {
        config: args.config.clone(),
        queries: args.queries,
        seed: args.seed,
        load: args.load,
        latency_slack: args.latency_slack,
        phase_queries: args.phase_queries,
        period: args.period,
        window: args.window,
        mode: args.mode.into(),
    })?;
    if !args.json {
        eprintln!(
            "{} queries (seed {}, phases of {}, load {:.2}) on {}: {} Pareto SubNets x {} SubGraphs in SushiAbs's latency table",
            demo.trace.len(),
            args.seed,
            args.phase_queries,
            args.load,
            demo.config.name,
            demo.table.candidates.len(),
            demo.table.subgraphs.len()
        );
    }
    let mut rows = Vec::new();
    for (backend, name) in LINEUP {
        let mut policy = demo.policy(name)?;
        let name = policy.name().to_string();
        let mut bar = Progress::new(
            format!("{name:<16} on {backend}"),
            demo.trace.len(),
            !args.json,
        );
        let run = demo.serve(backend, policy.as_mut(), |i| bar.update(i))?;
        for (id, fault) in run.faults() {
            eprintln!("warning: {name}: query {id} failed: {fault}");
        }
        rows.push(run.summary);
    }
    let report = demo.report(rows);
    if args.json {
        // Through a JSON value, whose keys print sorted.
        outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::to_value(&report)?)?
        );
        return Ok(());
    }
    let cfg = &demo.config;
    outln!(
        "\nSUSHI on {} ({} MACs/cycle, {} KiB Persistent Buffer, {} MHz): {} queries of Fashion-MNIST test images, {}-strict selection",
        cfg.name,
        cfg.derived().peak_macs_per_cycle,
        cfg.spec.buffers.pb_bytes / 1024,
        cfg.spec.clock.freq_mhz,
        report.queries,
        args.mode.name()
    );
    outln!(
        "policy                  backend  accuracy  latency mean / p99 cycles (µs)            SLO    DRAM B/query  PB hit  energy µJ  verified"
    );
    for r in &report.policies {
        outln!(
            "{:<22}  {:<7}  {:>7.1}%  {:>8.0} / {:>8} ({:>7.1} / {:>7.1})  {:>5.1}%  {:>12.0}  {:>5.1}%  {:>9.1}  {:>8}",
            r.policy,
            r.backend,
            r.served_accuracy,
            r.latency_mean_cycles,
            r.latency_p99_cycles,
            r.latency_mean_us,
            r.latency_p99_us,
            100.0 * r.slo_attainment,
            r.dram_bytes_per_query,
            100.0 * r.pb_hit_ratio,
            r.offchip_energy_uj,
            r.outputs_verified
        );
    }
    outln!(
        "accuracy: queries classified correctly; latency: arrival to completion, queueing included; the oracle plans on the future window (a reference, not a bound)."
    );
    outln!("finished in {:.1} s", report.wall_seconds);
    Ok(())
}
