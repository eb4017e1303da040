//! `sushi pb report`: SubNets with an empty PB and with a cached SubGraph, layer by layer.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use sushi_host::device::backend::{self, BackendKind, OpenOptions};
use sushi_host::net::supernet::{SuperNet, shipped_path};
use sushi_host::reports::pb_report::{PbReport, measure};
use sushi_hw::{DEFAULT_CONFIG, HwConfig};

use crate::common::rtl_or_model;

#[derive(Debug, Subcommand)]
pub enum PbCommand {
    /// Cycles and DRAM weight bytes of SubNets with an empty PB and with a cached SubGraph,
    /// layer by layer (memory-bound layers marked), and the PB fill cost in cycles per KiB.
    Report(PbReportArgs),
}

#[derive(Debug, Args)]
pub struct PbReportArgs {
    /// Config name or path to a .toml file.
    #[arg(long, default_value = DEFAULT_CONFIG)]
    config: String,
    /// The `.sushinet` file (default: the shipped SuperNet).
    #[arg(long)]
    supernet: Option<PathBuf>,
    /// SubNet indices (default: the smallest and the largest).
    #[arg(long, value_delimiter = ',')]
    subnets: Vec<usize>,
    /// Whole SubNets only (no per-layer runs).
    #[arg(long)]
    no_layers: bool,
    /// Backend: rtl or model (the model counts bytes exactly but not cycles).
    #[arg(long, default_value = "rtl", value_parser = rtl_or_model)]
    backend: BackendKind,
    /// Seed of the random input image.
    #[arg(long, default_value_t = 1)]
    input_seed: u64,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(cmd: PbCommand) -> Result<()> {
    match cmd {
        PbCommand::Report(args) => report(&args),
    }
}

fn report(args: &PbReportArgs) -> Result<()> {
    let cfg = HwConfig::load(&args.config)?;
    let path = args.supernet.clone().unwrap_or_else(shipped_path);
    let net = SuperNet::load(&path)?;
    let n = net.subnets.len();
    let subnets = if args.subnets.is_empty() {
        vec![0, n - 1]
    } else {
        args.subnets.clone()
    };
    if let Some(bad) = subnets.iter().find(|&&s| s >= n) {
        bail!(
            "--subnets: there is no SubNet {bad}; {} lists 0..{}",
            path.display(),
            n - 1
        );
    }
    let wall = std::time::Instant::now();
    let progress = |what: &str| {
        if !args.json {
            eprint!("\r\x1b[2K{what}");
        }
    };
    // A missing RTL model is an error here rather than a panic in the factory below.
    let opts = OpenOptions::default();
    backend::open(args.backend, &cfg, &opts)?;
    // The model runs without a watchdog; the RTL with one.
    let budget = if args.backend == BackendKind::Model {
        0
    } else {
        1 << 34
    };
    let report: PbReport = measure(
        &cfg,
        &net,
        &subnets,
        !args.no_layers,
        args.input_seed,
        || backend::open(args.backend, &cfg, &opts).expect("the backend opened above"),
        budget,
        progress,
    )?;
    if !args.json {
        eprintln!();
    }
    let secs = wall.elapsed().as_secs_f64();
    if args.json {
        let mut v = serde_json::to_value(&report)?;
        v["backend"] = serde_json::json!(args.backend.name());
        v["wall_seconds"] = serde_json::json!(secs);
        outln!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    print(&report, &path, &cfg, args.backend);
    outln!(
        "\nsimulated {} cycles in {:.1} s",
        report.simulated_cycles,
        secs
    );
    Ok(())
}

fn print(report: &PbReport, path: &std::path::Path, cfg: &HwConfig, backend: BackendKind) {
    let d = cfg.derived();
    outln!(
        "{} on {} (PB {} KiB, tile image {} KiB), backend {}",
        path.file_name().unwrap_or_default().to_string_lossy(),
        report.config,
        report.pb_bytes / 1024,
        report.tile_image_bytes / 1024,
        backend
    );
    match &report.fill {
        Some(f) => outln!(
            "PB fill: {} KiB in {} cycles = {:.1} cycles/KiB ({:.2} B/cycle; the bus gives {:.2})",
            f.bytes / 1024,
            f.cycles,
            f.cycles_per_kib,
            f.bytes as f64 / f.cycles.max(1) as f64,
            d.dram_bytes_per_cycle
                .min(f64::from(cfg.spec.axi.data_bytes))
        ),
        None => outln!("PB fill: no SubGraph of these SubNets fits the PB"),
    }
    for s in &report.subnets {
        outln!();
        if let Some(why) = &s.skipped {
            outln!("SubNet {}: not measured: {why}", s.subnet);
            continue;
        }
        match &s.subgraph {
            Some(g) => outln!(
                "SubNet {} ({} KiB of weights): cached {} ({} KiB)",
                s.subnet,
                s.weight_bytes / 1024,
                g.rule,
                g.bytes / 1024
            ),
            None => outln!(
                "SubNet {} ({} KiB of weights): no SubGraph of it fits the PB",
                s.subnet,
                s.weight_bytes / 1024
            ),
        }
        outln!(
            "  cycles: {} without the cache, {} with ({}); DRAM weight bytes {} -> {}",
            s.cycles_no_cache,
            s.cycles_cached.map_or("-".into(), |c| c.to_string()),
            s.speedup.map_or("-".into(), |x| format!("{x:.2}x")),
            s.dram_weight_bytes_no_cache,
            s.dram_weight_bytes_cached
                .map_or("-".into(), |c| c.to_string())
        );
        if !s.layers.is_empty() {
            outln!(
                "  layer  op       bound    cycles(no PB)  cycles(PB)   gain  weight bytes (no PB -> PB)"
            );
            for l in &s.layers {
                let gain = l.cycles_no_cache as i64 - l.cycles_cached as i64;
                outln!(
                    "  {:>5}  {:<7}  {:<7}  {:>13}  {:>10}  {:>5}  {} -> {}",
                    l.layer,
                    l.op,
                    if l.memory_bound { "memory" } else { "compute" },
                    l.cycles_no_cache,
                    l.cycles_cached,
                    gain,
                    l.dram_weight_bytes_no_cache,
                    l.dram_weight_bytes_cached
                );
            }
        }
    }
}
