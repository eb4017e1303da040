//! What several subcommands share: printing, typed option values and their errors, the plan
//! options (config, SuperNet, accuracy table) and the board options.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, ValueEnum};
use sushi_host::device::backend::{BackendKind, BoardOptions};
use sushi_host::net::supernet::{SuperNet, shipped_path};
use sushi_host::sched::front::{
    AccuracyTable, SubNetPoint, accuracy_table_path, measured_points, pareto_front,
};
use sushi_host::sched::{Mode, PolicyName};
use sushi_hw::{DEFAULT_CONFIG, HwConfig};

/// `println!` for reports: a closed pipe (`sushi ... | head`) ends the program quietly with
/// success instead of a panic, and any other write error is reported as an error.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            eprintln!("error: writing to standard output: {e}");
            std::process::exit(1);
        }
    }};
}

/// An option value that does not parse, worded in full (`--flag VALUE: what to use`).
#[derive(Debug)]
pub struct BadValue(String);

impl std::fmt::Display for BadValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadValue {}

/// clap's error for a value our parsers or enums refuse, worded as the CLI's other errors are
/// (`error: --flag VALUE: ...`, exit code 1); None for every other clap error.
pub fn bad_value(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let text = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.as_str()),
        _ => None,
    };
    match e.kind() {
        ErrorKind::ValueValidation => {
            let source = std::error::Error::source(e)?;
            source.downcast_ref::<BadValue>().map(|b| b.0.clone())
        }
        ErrorKind::InvalidValue => {
            // `--mode <MODE>`: the flag is the first word.
            let flag = text(ContextKind::InvalidArg)?.split(' ').next()?;
            let value = text(ContextKind::InvalidValue)?;
            let Some(ContextValue::Strings(valid)) = e.get(ContextKind::ValidValue) else {
                return None;
            };
            Some(format!("{flag} {value}: use {}", or_list(valid)))
        }
        _ => None,
    }
}

/// `a, b or c`.
fn or_list(items: &[impl AsRef<str>]) -> String {
    let items: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    match items.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// `--backend` where every backend serves.
pub fn any_backend(s: &str) -> Result<BackendKind, BadValue> {
    s.parse().map_err(|_| {
        let choices: Vec<String> = BackendKind::ALL
            .iter()
            .map(|k| format!("{k} ({})", k.description()))
            .collect();
        BadValue(format!("--backend {s}: use {}", or_list(&choices)))
    })
}

/// `--backend` where a backend must run programs and count cycles: rtl or model.
pub fn rtl_or_model(s: &str) -> Result<BackendKind, BadValue> {
    match s.parse() {
        Ok(k @ (BackendKind::Rtl | BackendKind::Model)) => Ok(k),
        _ => Err(BadValue(format!("--backend {s}: use rtl or model"))),
    }
}

/// `--mode`: the selection mode. (No doc comments on the values: clap would print them in a
/// long help of every option.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    // Latency-strict: meet the latency target, then be as accurate as possible.
    Latency,
    // Accuracy-strict: meet the accuracy target, then be as fast as possible.
    Accuracy,
}

impl ModeArg {
    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ModeArg::Latency => "latency",
            ModeArg::Accuracy => "accuracy",
        }
    }
}

impl From<ModeArg> for Mode {
    fn from(m: ModeArg) -> Mode {
        match m {
            ModeArg::Latency => Mode::LatencyStrict,
            ModeArg::Accuracy => Mode::AccuracyStrict,
        }
    }
}

/// A policy, or `all` of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyChoice {
    /// Every policy, in report order.
    All,
    /// One.
    One(PolicyName),
}

impl PolicyChoice {
    fn parse(s: &str) -> Result<Self, sushi_host::sched::UnknownPolicy> {
        match s {
            "all" => Ok(PolicyChoice::All),
            _ => s.parse().map(PolicyChoice::One),
        }
    }

    /// The policies `choices` name, `all` expanded.
    pub fn expand(choices: &[PolicyChoice]) -> Vec<PolicyName> {
        if choices.contains(&PolicyChoice::All) {
            return PolicyName::ALL.to_vec();
        }
        choices
            .iter()
            .filter_map(|c| match c {
                PolicyChoice::One(p) => Some(*p),
                PolicyChoice::All => None,
            })
            .collect()
    }

    /// The names of the policies `choices` name, `all` expanded.
    pub fn names(choices: &[PolicyChoice]) -> Vec<String> {
        Self::expand(choices)
            .iter()
            .map(|p| p.to_string())
            .collect()
    }
}

/// `--policy`: a policy or `all`.
pub fn policy(s: &str) -> Result<PolicyChoice, BadValue> {
    PolicyChoice::parse(s).map_err(|e| BadValue(format!("--policy: {e}")))
}

/// One of `--policies`: a policy or `all`.
pub fn policies(s: &str) -> Result<PolicyChoice, BadValue> {
    PolicyChoice::parse(s).map_err(|e| BadValue(format!("--policies {s}: {e}")))
}

/// The config, SuperNet and accuracy table a plan is made for.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Config name or path to a .toml file.
    #[arg(long, default_value = DEFAULT_CONFIG)]
    pub config: String,
    /// The `.sushinet` file (default: the shipped SuperNet).
    #[arg(long)]
    pub supernet: Option<PathBuf>,
    /// The accuracy table (default: `<artifact>.accuracy.json`).
    #[arg(long)]
    pub table: Option<PathBuf>,
}

/// The Pareto front of a SuperNet on a config, as scheduler candidates (fastest first), with
/// the SuperNet and config.
pub fn front_of(plan: &PlanArgs) -> Result<(SuperNet, HwConfig, Vec<SubNetPoint>)> {
    let path = plan.supernet.clone().unwrap_or_else(shipped_path);
    let net = SuperNet::load(&path)?;
    let cfg = HwConfig::load(&plan.config)?;
    let table_path = plan
        .table
        .clone()
        .unwrap_or_else(|| accuracy_table_path(&path));
    let acc = AccuracyTable::load(&table_path, &net)?;
    let front = pareto_front(&measured_points(&net, &cfg, &acc));
    Ok((net, cfg, front))
}

/// Where the board's devices are (`--backend board`; hw/boards/bring-up.md).
#[derive(Debug, Clone, Args)]
pub struct BoardArgs {
    /// The UIO device of the accelerator's registers.
    #[arg(long, default_value = "/dev/uio0")]
    pub uio: PathBuf,
    /// The u-dma-buf device of the DMA buffer.
    #[arg(long, default_value = "/dev/udmabuf0")]
    pub udmabuf: PathBuf,
    /// Sleep on the UIO interrupt instead of polling STATUS.
    #[arg(long)]
    pub interrupt: bool,
}

impl BoardArgs {
    /// The board options these give, sysfs at `/sys`.
    pub fn options(&self) -> BoardOptions {
        BoardOptions {
            uio: self.uio.clone(),
            udmabuf: self.udmabuf.clone(),
            interrupt: self.interrupt,
            ..BoardOptions::default()
        }
    }
}
