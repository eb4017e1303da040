//! `sushi board probe`: a bring-up check of an FPGA board's devices.

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use sushi_host::device::backend::{self, BackendKind, BoardOptions, OpenOptions};
use sushi_host::device::driver::Accel;
use sushi_hw::{Bus, DEFAULT_CONFIG, HwConfig, regs};

use crate::common::BoardArgs;

#[derive(Debug, Subcommand)]
pub enum BoardCommand {
    /// Open the board's devices, check that the accelerator is a SUSHI built for the config, and
    /// print what was found (a bring-up check; nothing runs).
    Probe {
        /// Config name or path to a .toml file.
        #[arg(long, default_value = DEFAULT_CONFIG)]
        config: String,
        #[command(flatten)]
        board: BoardArgs,
        /// Where sysfs is mounted.
        #[arg(long, default_value = "/sys", hide = true)]
        sysfs: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cmd: BoardCommand) -> Result<()> {
    match cmd {
        BoardCommand::Probe {
            config,
            board,
            sysfs,
            json,
        } => probe(&config, &board, sysfs, json),
    }
}

fn probe(config: &str, args: &BoardArgs, sysfs: PathBuf, json: bool) -> Result<()> {
    let cfg = HwConfig::load(config)?;
    let opts = OpenOptions {
        board: BoardOptions {
            sysfs,
            ..args.options()
        },
        ..OpenOptions::default()
    };
    let mut bus = backend::open(BackendKind::Board, &cfg, &opts)?;
    let (id, version, hash) = (
        bus.read_reg(regs::ID)?,
        bus.read_reg(regs::VERSION)?,
        bus.read_reg(regs::CONFIG_HASH)?,
    );
    let region = bus.dram();
    // The driver's own checks: ID, register map version, config hash; then the DMA window.
    let mut accel = Accel::open(bus, &cfg)?;
    let status = accel.bus().read_reg(regs::STATUS)?;
    let report = serde_json::json!({
        "config": cfg.name,
        "uio": args.uio,
        "udmabuf": args.udmabuf,
        "id": format!("{id:#010x}"),
        "regmap_version": version,
        "config_hash": format!("{hash:#010x}"),
        "dma_base": format!("{:#x}", region.base),
        "dma_bytes": region.bytes,
        "status": format!("{status:#010x}"),
    });
    if json {
        outln!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        outln!(
            "SUSHI accelerator for `{}` at {} (ID {id:#010x}, register map v{version}, config hash {hash:#010x})",
            cfg.name,
            args.uio.display()
        );
        outln!(
            "DMA buffer {}: {} bytes at bus address {:#x}; STATUS {status:#010x}",
            args.udmabuf.display(),
            region.bytes,
            region.base
        );
    }
    Ok(())
}
