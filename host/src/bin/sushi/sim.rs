//! `sushi sim dma`: a long verified DMA copy on the RTL, and the simulator's speed.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use serde::Serialize;
use sushi_host::device::backend::{self, BackendKind, OpenOptions, RtlOptions};
use sushi_host::device::dma_check::{
    CopyPlan, GUARD_BYTES, copy_bound_cycles, copy_budget_cycles, verified_copy,
};
use sushi_host::device::driver::Accel;
use sushi_hw::{DEFAULT_CONFIG, HwConfig};

#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// A long verified DMA copy on the RTL; reports simulated cycles per second.
    Dma(DmaArgs),
}

#[derive(Debug, Args)]
pub struct DmaArgs {
    /// Config name or path to a .toml file.
    #[arg(long, default_value = DEFAULT_CONFIG)]
    config: String,
    /// Bytes to copy.
    #[arg(long, default_value_t = 1 << 20)]
    bytes: u64,
    /// Seed of the data and of the random AXI stalls.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Random stall probability on every AXI channel, per mille (0 = only latency and bandwidth).
    #[arg(long, default_value_t = 0)]
    stall_permille: u16,
    /// Write a VCD trace here (needs a build with `--features sushi-sim/vcd`).
    #[arg(long)]
    vcd: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(cmd: SimCommand) -> Result<()> {
    match cmd {
        SimCommand::Dma(args) => dma(&args),
    }
}

fn dma(args: &DmaArgs) -> Result<()> {
    let cfg = HwConfig::load(&args.config)?;
    let report = dma_report(args, &cfg)?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_dma(&report, &cfg);
    }
    if !report.verified {
        bail!(
            "the copy was wrong: {} destination bytes differ, {} guard bytes changed",
            report.mismatched_bytes,
            report.guard_bytes_touched
        );
    }
    Ok(())
}

fn dma_report(args: &DmaArgs, cfg: &HwConfig) -> Result<DmaReport> {
    let opts = OpenOptions {
        rtl: RtlOptions {
            seed: args.seed,
            stall_permille: args.stall_permille,
            vcd: args.vcd.clone(),
            ..RtlOptions::default()
        },
        ..OpenOptions::default()
    };
    let sim = backend::open(BackendKind::Rtl, cfg, &opts)?;
    let region_bytes = cfg.spec.dram.bytes;
    let plan = CopyPlan::awkward(region_bytes, args.bytes);
    if plan.dst_offset + plan.len + GUARD_BYTES > region_bytes {
        bail!(
            "--bytes {} does not fit twice (with guards) in config `{}`'s {} byte DRAM region; use at most {}",
            args.bytes,
            cfg.name,
            region_bytes,
            region_bytes / 2 - 3 * GUARD_BYTES
        );
    }
    let mut accel = Accel::open(sim, cfg).context("opening the simulated accelerator")?;
    let outcome = verified_copy(
        &mut accel,
        plan,
        args.seed,
        copy_budget_cycles(cfg, args.bytes),
    )?;
    let axi = accel
        .into_bus()
        .axi_counters()
        .expect("the RTL counts its bus");
    // Simulation speed: the cycles waited for the copy over the wall time of the whole memcpy
    // call (whose register accesses add time but no counted cycles: a slight underestimate).
    let sim_cycles = outcome.report.wait_cycles;
    let wall_s = outcome.copy_wall_seconds;
    let c = &outcome.report.counters;
    let d = cfg.derived();
    let bound_cycles = copy_bound_cycles(cfg, args.bytes);
    Ok(DmaReport {
        config: cfg.name.clone(),
        backend: "rtl",
        bytes: args.bytes,
        seed: args.seed,
        stall_permille: args.stall_permille,
        verified: outcome.verified(),
        mismatched_bytes: outcome.mismatched_bytes,
        guard_bytes_touched: outcome.guard_bytes_touched,
        busy_cycles: c.busy_cycles,
        copy_us: d.cycles_to_us(c.busy_cycles),
        dram_read_bytes: c.dram_read_bytes,
        dram_write_bytes: c.dram_write_bytes,
        read_wait_cycles: c.read_wait_cycles,
        write_wait_cycles: c.write_wait_cycles,
        copy_bytes_per_cycle: args.bytes as f64 / c.busy_cycles.max(1) as f64,
        bound_cycles: bound_cycles.ceil() as u64,
        bound_ratio: c.busy_cycles as f64 / bound_cycles.max(1.0),
        ar_bursts: axi.ar_bursts,
        aw_bursts: axi.aw_bursts,
        max_reads_outstanding: axi.max_reads_outstanding,
        max_writes_outstanding: axi.max_writes_outstanding,
        protocol_violations: axi.protocol_violations,
        sim_cycles,
        wall_seconds: wall_s,
        sim_cycles_per_second: sim_cycles as f64 / wall_s.max(1e-9),
    })
}

#[derive(Debug, Serialize)]
struct DmaReport {
    config: String,
    backend: &'static str,
    bytes: u64,
    seed: u64,
    stall_permille: u16,
    verified: bool,
    mismatched_bytes: u64,
    guard_bytes_touched: u64,
    busy_cycles: u64,
    copy_us: f64,
    dram_read_bytes: u64,
    dram_write_bytes: u64,
    read_wait_cycles: u64,
    write_wait_cycles: u64,
    copy_bytes_per_cycle: f64,
    bound_cycles: u64,
    bound_ratio: f64,
    ar_bursts: u64,
    aw_bursts: u64,
    max_reads_outstanding: u64,
    max_writes_outstanding: u64,
    protocol_violations: u64,
    sim_cycles: u64,
    wall_seconds: f64,
    sim_cycles_per_second: f64,
}

fn print_dma(r: &DmaReport, cfg: &HwConfig) {
    let verdict = if r.verified {
        "verified, guards untouched"
    } else {
        "WRONG"
    };
    outln!(
        "memcpy      {} bytes, src and dst unaligned: {verdict}",
        r.bytes
    );
    outln!(
        "time        {} cycles = {:.1} us at {} MHz ({:.2} bytes/cycle)",
        r.busy_cycles,
        r.copy_us,
        cfg.spec.clock.freq_mhz,
        r.copy_bytes_per_cycle
    );
    outln!(
        "bound       {} cycles (bus width, shared DRAM bandwidth, reads in flight): measured/bound = {:.3}",
        r.bound_cycles,
        r.bound_ratio
    );
    outln!(
        "DRAM        {} bytes read, {} bytes written",
        r.dram_read_bytes,
        r.dram_write_bytes
    );
    outln!(
        "AXI         {} read bursts, {} write bursts, up to {} reads / {} writes outstanding, {} protocol violations",
        r.ar_bursts,
        r.aw_bursts,
        r.max_reads_outstanding,
        r.max_writes_outstanding,
        r.protocol_violations
    );
    outln!(
        "waits       {} read-wait cycles, {} write-wait cycles",
        r.read_wait_cycles,
        r.write_wait_cycles
    );
    outln!(
        "simulation  {} cycles in {:.2} s: {:.0} simulated cycles per second",
        r.sim_cycles,
        r.wall_seconds,
        r.sim_cycles_per_second
    );
}
