//! Choosing and opening a backend: [`BackendKind`] names one, [`open`] gives it as a [`Backend`]
//! (a [`Bus`]). The RTL comes with the cargo feature `rtl` and the board with Unix; without them,
//! opening one is an error from here ([`BackendError::NoRtl`], [`BackendError::NoBoard`]).
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use sushi_hw::{Bus, BusError, DramRegion, HwConfig, WaitOutcome};

use crate::device::model::ModelAccel;

/// A backend, by the name commands use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BackendKind {
    /// `rtl`: the Verilator simulation of the config's RTL.
    Rtl,
    /// `model`: the golden model.
    Model,
    /// `board`: an FPGA board through UIO and u-dma-buf.
    Board,
    /// `abs`: SushiAbs's costs, nothing executed (no device to open).
    Abs,
}

impl BackendKind {
    /// Every backend, in the order commands list them.
    pub const ALL: [BackendKind; 4] = [
        BackendKind::Rtl,
        BackendKind::Model,
        BackendKind::Board,
        BackendKind::Abs,
    ];

    /// Its name: `rtl`, `model`, `board` or `abs`.
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Rtl => "rtl",
            BackendKind::Model => "model",
            BackendKind::Board => "board",
            BackendKind::Abs => "abs",
        }
    }

    /// What serving on it means, in a few words.
    pub fn description(self) -> &'static str {
        match self {
            BackendKind::Rtl => "execute on the simulated RTL",
            BackendKind::Model => "execute on the golden model",
            BackendKind::Board => "an FPGA board through UIO",
            BackendKind::Abs => "SushiAbs's latency table only",
        }
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not a backend.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown backend `{0}`: use rtl, model, board or abs")]
pub struct UnknownBackend(pub String);

impl FromStr for BackendKind {
    type Err = UnknownBackend;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        BackendKind::ALL
            .into_iter()
            .find(|k| k.name() == name)
            .ok_or_else(|| UnknownBackend(name.to_string()))
    }
}

/// Where the board's devices are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardOptions {
    /// The UIO device of the accelerator's registers.
    pub uio: PathBuf,
    /// The u-dma-buf device of the DMA buffer.
    pub udmabuf: PathBuf,
    /// Where sysfs is mounted (tests point it at a fake tree).
    pub sysfs: PathBuf,
    /// Sleep on the UIO interrupt instead of polling `STATUS` (needs the interrupt in the
    /// device tree and `CTRL.IRQ_ENABLE`, which the driver sets).
    pub interrupt: bool,
}

impl Default for BoardOptions {
    fn default() -> Self {
        BoardOptions {
            uio: PathBuf::from("/dev/uio0"),
            udmabuf: PathBuf::from("/dev/udmabuf0"),
            sysfs: PathBuf::from("/sys"),
            interrupt: false,
        }
    }
}

/// A fault for the simulated memory bus to inject (`sushi_sim::Fault`).
#[cfg(feature = "rtl")]
pub use sushi_sim::Fault;

/// A fault for the simulated memory bus to inject. Without the RTL there is no simulated bus, and
/// no fault: [`parse_faults`] refuses every one.
#[cfg(not(feature = "rtl"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {}

/// How to open the RTL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtlOptions {
    /// Seed of the random AXI stalls.
    pub seed: u64,
    /// Random stall probability on every AXI channel, per mille (0: latency and bandwidth only).
    pub stall_permille: u16,
    /// Faults armed in the simulated memory bus, at most one per channel.
    pub faults: Vec<Fault>,
    /// Write a VCD trace here (needs the models built with `sushi-sim/vcd`).
    pub vcd: Option<PathBuf>,
}

impl Default for RtlOptions {
    fn default() -> Self {
        RtlOptions {
            seed: 1,
            stall_permille: 0,
            faults: Vec::new(),
            vcd: None,
        }
    }
}

/// What opening a backend needs besides the config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenOptions {
    /// For the RTL.
    pub rtl: RtlOptions,
    /// For the board.
    pub board: BoardOptions,
}

/// Why a backend could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The RTL was asked for in a build without it.
    #[error(
        "sushi-host was built without the RTL backend (cargo feature `rtl`); rebuild with default features"
    )]
    NoRtl,
    /// Faults were given to a build without the RTL.
    #[error("--fault needs the RTL backend, and sushi-host was built without it")]
    FaultsNeedRtl,
    /// A fault spec does not parse.
    #[error("--fault: {0}")]
    BadFault(String),
    /// The board was asked for off Linux.
    #[error("the board backend needs Linux (UIO and u-dma-buf)")]
    NoBoard,
    /// `abs` was asked to open a device.
    #[error("the abs backend executes nothing: it has no device to open")]
    NoDevice,
    /// The simulation could not be created or armed.
    #[cfg(feature = "rtl")]
    #[error(transparent)]
    Sim(#[from] sushi_sim::SimError),
    /// The board could not be opened.
    #[cfg(unix)]
    #[error(transparent)]
    Board(#[from] crate::device::board::BoardError),
}

/// An opened backend: a [`Bus`] to hand to the driver.
#[derive(Debug)]
pub enum Backend {
    /// The Verilator simulation.
    #[cfg(feature = "rtl")]
    Rtl(Box<sushi_sim::RtlSim>),
    /// The golden model.
    Model(Box<ModelAccel>),
    /// A board.
    #[cfg(unix)]
    Board(Box<crate::device::board::BoardBus>),
}

/// Opens `kind` for `config`.
pub fn open(
    kind: BackendKind,
    config: &HwConfig,
    options: &OpenOptions,
) -> Result<Backend, BackendError> {
    match kind {
        BackendKind::Rtl => open_rtl(config, &options.rtl),
        BackendKind::Model => Ok(Backend::Model(Box::new(ModelAccel::new(config)))),
        BackendKind::Board => open_board(config, &options.board),
        BackendKind::Abs => Err(BackendError::NoDevice),
    }
}

#[cfg(feature = "rtl")]
fn open_rtl(config: &HwConfig, options: &RtlOptions) -> Result<Backend, BackendError> {
    let mut sim = sushi_sim::RtlSim::new(
        config,
        &sushi_sim::SimOptions {
            seed: options.seed,
            stalls: sushi_sim::Stalls::uniform(options.stall_permille),
            ..sushi_sim::SimOptions::default()
        },
    )?;
    if let Some(path) = &options.vcd {
        sim.trace_to(path)?;
    }
    for &f in &options.faults {
        sim.inject_fault(f)?;
    }
    Ok(Backend::Rtl(Box::new(sim)))
}

#[cfg(not(feature = "rtl"))]
fn open_rtl(_: &HwConfig, _: &RtlOptions) -> Result<Backend, BackendError> {
    Err(BackendError::NoRtl)
}

#[cfg(unix)]
fn open_board(config: &HwConfig, options: &BoardOptions) -> Result<Backend, BackendError> {
    let bus = crate::device::board::BoardBus::open(options, config)?;
    Ok(Backend::Board(Box::new(bus)))
}

#[cfg(not(unix))]
fn open_board(_: &HwConfig, _: &BoardOptions) -> Result<Backend, BackendError> {
    Err(BackendError::NoBoard)
}

/// Faults written `CHANNEL:KIND:AFTER[:CYCLES]` (channel ar|r|aw|w|b, kind
/// slverr|decerr|hang|delay).
pub fn parse_faults(specs: &[String]) -> Result<Vec<Fault>, BackendError> {
    #[cfg(feature = "rtl")]
    {
        specs
            .iter()
            .map(|s| s.parse().map_err(BackendError::BadFault))
            .collect()
    }
    #[cfg(not(feature = "rtl"))]
    match specs {
        [] => Ok(Vec::new()),
        _ => Err(BackendError::FaultsNeedRtl),
    }
}

/// The configs whose RTL models this build holds.
pub fn built_rtl_configs() -> Result<Vec<String>, BackendError> {
    #[cfg(feature = "rtl")]
    {
        Ok(sushi_sim::RtlSim::built_configs())
    }
    #[cfg(not(feature = "rtl"))]
    Err(BackendError::NoRtl)
}

/// Counters of the simulated AXI bus (the RTL backend's memory model and protocol checker).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AxiCounters {
    /// Read bursts the memory accepted.
    pub ar_bursts: u64,
    /// Write bursts the memory accepted.
    pub aw_bursts: u64,
    /// Most read bursts outstanding at once.
    pub max_reads_outstanding: u64,
    /// Most write bursts outstanding at once.
    pub max_writes_outstanding: u64,
    /// Protocol violations seen.
    pub protocol_violations: u64,
}

impl Backend {
    /// The simulated bus's counters (None: not the RTL).
    pub fn axi_counters(&self) -> Option<AxiCounters> {
        #[cfg(feature = "rtl")]
        if let Backend::Rtl(sim) = self {
            let s = sim.stats();
            return Some(AxiCounters {
                ar_bursts: s.ar_bursts,
                aw_bursts: s.aw_bursts,
                max_reads_outstanding: s.max_reads_outstanding,
                max_writes_outstanding: s.max_writes_outstanding,
                protocol_violations: s.violations,
            });
        }
        None
    }

    /// Refuses a board whose DMA buffer is smaller than `need` bytes (other backends have the
    /// config's DRAM region).
    pub fn require_buffer(&self, need: u64) -> Result<(), BackendError> {
        #[cfg(unix)]
        if let Backend::Board(bus) = self {
            bus.require_buffer(need)?;
        }
        #[cfg(not(unix))]
        let _ = need;
        Ok(())
    }
}

/// `$body` with `$bus` bound to the backend's own bus (called through `Bus::`: the RTL has
/// inherent methods of the same names).
macro_rules! on_bus {
    ($backend:expr, $bus:ident => $body:expr) => {
        match $backend {
            #[cfg(feature = "rtl")]
            Backend::Rtl($bus) => $body,
            Backend::Model($bus) => $body,
            #[cfg(unix)]
            Backend::Board($bus) => $body,
        }
    };
}

impl Bus for Backend {
    fn backend(&self) -> &'static str {
        on_bus!(self, b => Bus::backend(&**b))
    }

    fn read_reg(&mut self, offset: u32) -> Result<u32, BusError> {
        on_bus!(self, b => Bus::read_reg(&mut **b, offset))
    }

    fn write_reg(&mut self, offset: u32, value: u32) -> Result<(), BusError> {
        on_bus!(self, b => Bus::write_reg(&mut **b, offset, value))
    }

    fn dram(&self) -> DramRegion {
        on_bus!(self, b => Bus::dram(&**b))
    }

    fn write_dram(&mut self, addr: u64, data: &[u8]) -> Result<(), BusError> {
        on_bus!(self, b => Bus::write_dram(&mut **b, addr, data))
    }

    fn read_dram(&mut self, addr: u64, out: &mut [u8]) -> Result<(), BusError> {
        on_bus!(self, b => Bus::read_dram(&mut **b, addr, out))
    }

    fn wait_idle(&mut self, max_cycles: u64) -> Result<WaitOutcome, BusError> {
        on_bus!(self, b => Bus::wait_idle(&mut **b, max_cycles))
    }

    fn reset_device(&mut self) -> Result<(), BusError> {
        on_bus!(self, b => Bus::reset_device(&mut **b))
    }

    fn cycle(&self) -> Option<u64> {
        on_bus!(self, b => Bus::cycle(&**b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_to_the_backend_that_prints_it() {
        for kind in BackendKind::ALL {
            assert_eq!(kind.to_string().parse::<BackendKind>(), Ok(kind));
        }
        let err = "fpga".parse::<BackendKind>().unwrap_err().to_string();
        assert!(
            err.contains("`fpga`") && err.contains("rtl, model"),
            "{err}"
        );
    }

    #[test]
    fn the_model_opens_and_abs_has_no_device() {
        let config = HwConfig::builtin("tiny").unwrap();
        let model = open(BackendKind::Model, &config, &OpenOptions::default()).unwrap();
        assert_eq!(model.backend(), "model");
        assert!(model.axi_counters().is_none());
        assert!(matches!(
            open(BackendKind::Abs, &config, &OpenOptions::default()),
            Err(BackendError::NoDevice)
        ));
    }

    #[test]
    fn no_faults_parse_to_none() {
        assert_eq!(parse_faults(&[]).unwrap(), Vec::new());
    }
}
