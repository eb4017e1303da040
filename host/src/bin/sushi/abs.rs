//! `sushi abs check`: SushiAbs against the RTL.

use anyhow::{Result, bail};
use clap::Subcommand;
use sushi_host::device::backend::{self, BackendKind, OpenOptions};
use sushi_host::net::supernet::{SuperNet, shipped_path};
use sushi_hw::HwConfig;

use crate::common::{PlanArgs, front_of};

#[derive(Debug, Subcommand)]
pub enum AbsCommand {
    /// SushiAbs against the RTL: SubNets (default: the Pareto front on the config) under three
    /// cache states each, with every error and the worst.
    Check {
        /// SubNet indices (default: the Pareto front).
        #[arg(long, value_delimiter = ',')]
        subnets: Vec<usize>,
        #[command(flatten)]
        plan: PlanArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cmd: AbsCommand) -> Result<()> {
    match cmd {
        AbsCommand::Check {
            subnets,
            plan,
            json,
        } => check(&subnets, &plan, json),
    }
}

fn check(subnets: &[usize], plan: &PlanArgs, json: bool) -> Result<()> {
    let cfg = HwConfig::load(&plan.config)?;
    let bus = backend::open(BackendKind::Rtl, &cfg, &OpenOptions::default())?;
    let (net, cfg, front) = if subnets.is_empty() {
        front_of(plan)?
    } else {
        let path = plan.supernet.clone().unwrap_or_else(shipped_path);
        (SuperNet::load(&path)?, cfg, Vec::new())
    };
    let ids: Vec<usize> = if subnets.is_empty() {
        front.iter().map(|p| p.subnet).collect()
    } else {
        subnets.to_vec()
    };
    if let Some(bad) = ids.iter().find(|&&s| s >= net.subnets.len()) {
        bail!("--subnets: there is no SubNet {bad}");
    }
    let n = ids.len();
    let r = sushi_host::cycle_model::check::check(bus, &cfg, &net, &ids, |i| {
        if !json {
            eprint!("\r\x1b[2K{i}/{n} SubNets on the RTL");
        }
    })?;
    if json {
        outln!("{}", serde_json::to_string_pretty(&r)?);
        return Ok(());
    }
    eprintln!();
    outln!(
        "SushiAbs against the RTL on {} ({} programs):",
        r.config,
        r.cases.len()
    );
    outln!("  SubNet  PB         RTL cycles  SushiAbs   error");
    for c in &r.cases {
        outln!(
            "  {:>6}  {:<9}  {:>10}  {:>9}  {:>+6.2}%",
            c.subnet,
            c.cache,
            c.measured_cycles,
            c.predicted_cycles,
            c.error_percent
        );
    }
    if let Some(w) = &r.worst {
        outln!(
            "max |error| {:.2}% (SubNet {}, PB {})",
            r.max_abs_error_percent,
            w.subnet,
            w.cache
        );
    }
    Ok(())
}
