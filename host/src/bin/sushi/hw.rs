//! `sushi hw`: the built-in configs, one config shown, the benchmark network's performance on the
//! RTL, synthesis, and the generated files.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use serde::Serialize;
use sushi_host::device::backend::{self, BackendKind, OpenOptions};
use sushi_hw::{DEFAULT_CONFIG, HwConfig};

#[derive(Debug, Subcommand)]
pub enum HwCommand {
    /// List the built-in configs.
    List,
    /// Show one config with its derived values.
    Show {
        /// Config name or path to a .toml file.
        #[arg(long, default_value = DEFAULT_CONFIG)]
        config: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Performance of the benchmark network on the RTL, layer by layer against the roofline, the
    /// simulation speed, and (with Yosys) the resources.
    Report {
        /// Config name or path to a .toml file.
        #[arg(long, default_value = DEFAULT_CONFIG)]
        config: String,
        /// Skip synthesis (resources are then null).
        #[arg(long)]
        no_synth: bool,
        /// The repository root (holding rtl/ and hw/gen/), for synthesis.
        #[arg(long, default_value_os_t = default_repo_dir())]
        repo_dir: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Synthesise sushi_top with Yosys for a config's FPGA family and report its resources.
    Synth {
        /// Config name or path to a .toml file.
        #[arg(long, default_value = DEFAULT_CONFIG)]
        config: String,
        /// The repository root (holding rtl/ and hw/gen/).
        #[arg(long, default_value_os_t = default_repo_dir())]
        repo_dir: PathBuf,
        /// Fail (exit 1) when the design does not fit the config's device (for CI).
        #[arg(long)]
        check: bool,
        /// Keep the hierarchy and report each module's own resources instead (not optimised
        /// across module boundaries, so the total is above the flattened one).
        #[arg(long, conflicts_with = "check")]
        per_module: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Regenerate the derived files (hw/gen/, and the typed command formats in hw/src/commands/) from the configs, the register map and the command tables.
    Gen {
        /// The hw/ directory of the repository.
        #[arg(long, default_value_os_t = default_hw_dir())]
        hw_dir: PathBuf,
        /// Only check; exit with an error when a file is stale.
        #[arg(long)]
        check: bool,
    },
}

fn default_repo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn default_hw_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../hw")
}

pub fn run(cmd: HwCommand) -> Result<()> {
    match cmd {
        HwCommand::List => list(),
        HwCommand::Show { config, json } => show(&config, json),
        HwCommand::Report {
            config,
            no_synth,
            repo_dir,
            json,
        } => report(&config, no_synth, &repo_dir, json),
        HwCommand::Synth {
            config,
            repo_dir,
            check,
            per_module,
            json,
        } => {
            if per_module {
                synth_per_module(&config, &repo_dir, json)
            } else {
                synth(&config, &repo_dir, check, json)
            }
        }
        HwCommand::Gen { hw_dir, check } => gen_files(&hw_dir, check),
    }
}

fn list() -> Result<()> {
    for name in HwConfig::builtin_names() {
        let cfg = HwConfig::builtin(name)?;
        let marker = if name == DEFAULT_CONFIG {
            " (default)"
        } else {
            ""
        };
        outln!("{name:<12} {}{marker}", cfg.spec.device.description);
    }
    Ok(())
}

fn show(config: &str, json: bool) -> Result<()> {
    let cfg = HwConfig::load(config)?;
    #[derive(Serialize)]
    struct Shown<'a> {
        name: &'a str,
        source: &'a str,
        spec: &'a sushi_hw::HwSpec,
        derived: sushi_hw::Derived,
    }
    let shown = Shown {
        name: &cfg.name,
        source: &cfg.source,
        spec: &cfg.spec,
        derived: cfg.derived(),
    };
    if json {
        outln!("{}", serde_json::to_string_pretty(&shown)?);
    } else {
        outln!(
            "{}",
            toml::to_string_pretty(&shown).context("render config")?
        );
    }
    Ok(())
}

fn report(config: &str, no_synth: bool, repo_dir: &Path, json: bool) -> Result<()> {
    let cfg = HwConfig::load(config)?;
    let opts = OpenOptions::default();
    // A missing model (or a build without the RTL) is an error before any work.
    backend::open(BackendKind::Rtl, &cfg, &opts)?;
    let (net, input) = sushi_host::net::network::benchmark_network(1);
    let wall = std::time::Instant::now();
    let perf = sushi_host::reports::roofline::measure(
        &cfg,
        &net,
        &input,
        || backend::open(BackendKind::Rtl, &cfg, &opts).expect("the RTL opened above"),
        1 << 34,
    )?;
    // The simulator's speed (time in the running programs), and the report's own pace (building a
    // model and compiling a prefix per layer included).
    let sim_cycles_per_second = perf.simulated_cycles as f64 / perf.simulation_seconds.max(1e-9);
    let end_to_end_cycles_per_second =
        perf.simulated_cycles as f64 / wall.elapsed().as_secs_f64().max(1e-9);
    let synth = if no_synth {
        None
    } else {
        match sushi_host::reports::synth::synthesize(
            &cfg,
            &repo_dir.join("rtl"),
            &repo_dir.join("hw/gen"),
        ) {
            Ok(r) => Some(r),
            Err(e) => {
                eprintln!("resources unavailable: {e}");
                None
            }
        }
    };
    let report = serde_json::json!({
        "config": cfg.name,
        "network": "benchmark_network(1): MobileNetV2-style, 28x28x1",
        "peak_macs_per_cycle": perf.peak_macs_per_cycle,
        "layers": perf.layers,
        "network_cycles": perf.network_cycles,
        "network_roofline_cycles": perf.network_roofline_cycles,
        "network_roofline_ratio": perf.network_roofline_ratio,
        "sim_cycles_per_second": sim_cycles_per_second,
        "end_to_end_cycles_per_second": end_to_end_cycles_per_second,
        "resources": synth.as_ref().map(|r| serde_json::json!({
            "lut": r.resources.lut, "ff": r.resources.ff, "dsp": r.resources.dsp,
            "bram": r.resources.bram, "bram_bytes": r.resources.bram_bytes, "fits": r.fits,
        })),
    });
    if json {
        outln!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    outln!(
        "{} ({} MACs/cycle peak), benchmark network",
        cfg.name,
        perf.peak_macs_per_cycle
    );
    outln!("layer  op       MACs        cycles   roofline  utilization");
    for l in &perf.layers {
        outln!(
            "{:>5}  {:<7}  {:>9}  {:>9}  {:>9.0}  {:>10.1}%",
            l.layer,
            l.op,
            l.macs,
            l.cycles,
            l.roofline_cycles,
            100.0 * l.utilization
        );
    }
    outln!(
        "network: {} cycles, roofline {:.0}, ratio {:.3}; simulated {:.0} cycles/s ({:.0} end to end)",
        perf.network_cycles,
        perf.network_roofline_cycles,
        perf.network_roofline_ratio,
        sim_cycles_per_second,
        end_to_end_cycles_per_second
    );
    if let Some(r) = synth {
        outln!(
            "resources: {} LUT, {} FF, {} DSP, {:.1} BRAM ({})",
            r.resources.lut,
            r.resources.ff,
            r.resources.dsp,
            r.resources.bram,
            if r.fits { "fits" } else { "does NOT fit" }
        );
    }
    Ok(())
}

fn synth(config: &str, repo_dir: &Path, check: bool, json: bool) -> Result<()> {
    let cfg = HwConfig::load(config)?;
    let rtl = repo_dir.join("rtl");
    if !rtl.is_dir() {
        bail!(
            "{} has no rtl/ directory; pass --repo-dir with a SUSHI checkout",
            repo_dir.display()
        );
    }
    eprintln!(
        "synthesising sushi_top for `{}` ({}), this takes a minute...",
        cfg.name, cfg.spec.device.fpga_part
    );
    let r = sushi_host::reports::synth::synthesize(&cfg, &rtl, &repo_dir.join("hw/gen"))?;
    if json {
        outln!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        let x = &r.resources;
        outln!(
            "{} on {} ({}):",
            r.config,
            cfg.spec.device.fpga_part,
            r.pass
        );
        outln!("  LUT  {:>8}  {:>6.1}%", x.lut, 100.0 * r.lut_fraction);
        outln!("  FF   {:>8}  {:>6.1}%", x.ff, 100.0 * r.ff_fraction);
        outln!("  DSP  {:>8}  {:>6.1}%", x.dsp, 100.0 * r.dsp_fraction);
        outln!(
            "  BRAM {:>8.1}  {:>6.1}%  ({} bytes)",
            x.bram,
            100.0 * r.bram_fraction,
            x.bram_bytes
        );
        outln!(
            "  {}",
            if r.fits {
                "fits the device"
            } else {
                "does NOT fit the device"
            }
        );
    }
    if check && !r.fits {
        bail!(
            "sushi_top for `{}` does not fit {}: LUT {:.0}%, FF {:.0}%, DSP {:.0}%, BRAM {:.0}%",
            cfg.name,
            cfg.spec.device.fpga_part,
            100.0 * r.lut_fraction,
            100.0 * r.ff_fraction,
            100.0 * r.dsp_fraction,
            100.0 * r.bram_fraction
        );
    }
    Ok(())
}

fn gen_files(hw_dir: &Path, check: bool) -> Result<()> {
    if !hw_dir.join("configs").is_dir() {
        bail!(
            "{} is not the hw/ directory of a SUSHI checkout (no configs/ in it); pass --hw-dir",
            hw_dir.display()
        );
    }
    let stale = sushi_hw::generate::check(hw_dir, !check)
        .with_context(|| format!("writing generated files under {}", hw_dir.display()))?;
    match (stale.is_empty(), check) {
        (true, _) => outln!("hw/gen is up to date"),
        (false, true) => bail!("stale generated files (run `sushi hw gen`): {stale:?}"),
        (false, false) => outln!("regenerated: {stale:?}"),
    }
    Ok(())
}

/// `hw synth --per-module`: each module's own cells with the hierarchy kept.
fn synth_per_module(config: &str, repo_dir: &Path, json: bool) -> Result<()> {
    let cfg = HwConfig::load(config)?;
    let rtl = repo_dir.join("rtl");
    if !rtl.is_dir() {
        bail!(
            "{} has no rtl/ directory; pass --repo-dir with a SUSHI checkout",
            repo_dir.display()
        );
    }
    eprintln!(
        "synthesising sushi_top for `{}` ({}) with the hierarchy kept, this takes a minute...",
        cfg.name, cfg.spec.device.fpga_part
    );
    let modules =
        sushi_host::reports::synth::synthesize_per_module(&cfg, &rtl, &repo_dir.join("hw/gen"))?;
    if json {
        outln!("{}", serde_json::to_string_pretty(&modules)?);
        return Ok(());
    }
    outln!(
        "{} on {}, hierarchy kept (each module's own cells, all instances):",
        cfg.name,
        cfg.spec.device.fpga_part
    );
    outln!("  module                        inst      LUT      FF   DSP    BRAM");
    for m in &modules {
        let x = &m.resources;
        outln!(
            "  {:<28} {:>5} {:>8} {:>7} {:>5} {:>7.1}",
            m.module,
            m.instances,
            x.lut,
            x.ff,
            x.dsp,
            x.bram
        );
    }
    let sum = |f: fn(&sushi_host::reports::synth::Resources) -> u64| -> u64 {
        modules.iter().map(|m| f(&m.resources)).sum()
    };
    outln!(
        "  {:<28} {:>5} {:>8} {:>7} {:>5} {:>7.1}",
        "total",
        "",
        sum(|r| r.lut),
        sum(|r| r.ff),
        sum(|r| r.dsp),
        modules.iter().map(|m| m.resources.bram).sum::<f64>()
    );
    Ok(())
}
