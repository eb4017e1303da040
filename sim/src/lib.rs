//! # sushi-sim: the RTL, cycle by cycle
//!
//! The only crate that knows Verilator exists. `build.rs` verilates `rtl/` once per built-in hw
//! config; [`RtlSim`] wraps one model together with its bus models, which live on the C++ side of
//! the boundary so that Rust crosses it once per batch of cycles or per register access, never
//! once per cycle:
//!
//! - an AXI4 memory model with the config's read/write latency, shared bandwidth and acceptance,
//!   and seeded random VALID/READY stalls on all five channels ([`Stalls`]);
//! - an AXI4-Lite register master, also with seeded stalls on all five channels;
//! - protocol checks on both buses: a violation turns the next bus operation into
//!   [`BusError::Protocol`] with the cycle, the channel and the rule.
//!
//! [`RtlSim`] implements [`sushi_hw::Bus`], so the host's driver runs on it unchanged.
//! A model is thread-affine: [`RtlSim`] is neither `Send` nor `Sync`; create one per thread.

use std::ffi::{CStr, CString};
use std::marker::PhantomData;
use std::path::Path;
use std::ptr::NonNull;

use sushi_hw::regs::AxiResp;
use sushi_hw::{Bus, BusError, DramRegion, HwConfig, WaitOutcome};

#[allow(
    non_camel_case_types,
    non_snake_case,
    non_upper_case_globals,
    dead_code,
    missing_docs
)]
#[allow(missing_debug_implementations, rust_2018_idioms, clippy::all)]
mod ffi {
    include!(concat!(env!("OUT_DIR"), "/bindings.rs"));
}

/// Where the simulated DRAM starts on the bus unless [`SimOptions::dram_base`] says otherwise.
/// Deliberately not 0, so that a zero address is always a bug that the memory model reports.
pub const DEFAULT_DRAM_BASE: u64 = 0x1000_0000;

/// Cycles a register access may take before it is reported as hung.
pub const DEFAULT_REG_TIMEOUT_CYCLES: u64 = 10_000;

/// Random stall probabilities in per mille per cycle, one per channel of both buses.
///
/// Memory side: withhold ARREADY, AWREADY, WREADY, or delay RVALID, BVALID. Register side: delay
/// AWVALID, WVALID, ARVALID, or withhold BREADY, RREADY. All draws come from one seeded generator,
/// so a seed reproduces a run exactly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stalls {
    /// Memory: ARREADY withheld.
    pub mem_ar_ready: u16,
    /// Memory: RVALID delayed.
    pub mem_r_valid: u16,
    /// Memory: AWREADY withheld.
    pub mem_aw_ready: u16,
    /// Memory: WREADY withheld.
    pub mem_w_ready: u16,
    /// Memory: BVALID delayed.
    pub mem_b_valid: u16,
    /// Registers: AWVALID delayed.
    pub lite_aw_valid: u16,
    /// Registers: WVALID delayed.
    pub lite_w_valid: u16,
    /// Registers: BREADY withheld.
    pub lite_b_ready: u16,
    /// Registers: ARVALID delayed.
    pub lite_ar_valid: u16,
    /// Registers: RREADY withheld.
    pub lite_r_ready: u16,
}

impl Stalls {
    /// No stalls: the memory model is limited by its latency and bandwidth only.
    pub fn none() -> Self {
        Self::default()
    }

    /// The same probability on every channel.
    pub fn uniform(permille: u16) -> Self {
        let p = permille.min(999);
        Stalls {
            mem_ar_ready: p,
            mem_r_valid: p,
            mem_aw_ready: p,
            mem_w_ready: p,
            mem_b_valid: p,
            lite_aw_valid: p,
            lite_w_valid: p,
            lite_b_ready: p,
            lite_ar_valid: p,
            lite_r_ready: p,
        }
    }

    /// A different probability per channel (0 to `max_permille`), drawn from `seed`, so that
    /// tests cover lopsided patterns (one channel starved, the others free) as well as even ones.
    pub fn random(seed: u64, max_permille: u16) -> Self {
        let mut state = seed ^ 0x5eed_5eed_5eed_5eed;
        let mut next = || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            ((z ^ (z >> 31)) % (u64::from(max_permille.min(999)) + 1)) as u16
        };
        Stalls {
            mem_ar_ready: next(),
            mem_r_valid: next(),
            mem_aw_ready: next(),
            mem_w_ready: next(),
            mem_b_valid: next(),
            lite_aw_valid: next(),
            lite_w_valid: next(),
            lite_b_ready: next(),
            lite_ar_valid: next(),
            lite_r_ready: next(),
        }
    }

    fn to_ffi(self) -> ffi::SushiSimStalls {
        ffi::SushiSimStalls {
            mem_ar_ready: self.mem_ar_ready,
            mem_r_valid: self.mem_r_valid,
            mem_aw_ready: self.mem_aw_ready,
            mem_w_ready: self.mem_w_ready,
            mem_b_valid: self.mem_b_valid,
            lite_aw_valid: self.lite_aw_valid,
            lite_w_valid: self.lite_w_valid,
            lite_b_ready: self.lite_b_ready,
            lite_ar_valid: self.lite_ar_valid,
            lite_r_ready: self.lite_r_ready,
        }
    }
}

/// A channel of the AXI4 memory bus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// Read address.
    Ar,
    /// Read data and response.
    R,
    /// Write address.
    Aw,
    /// Write data.
    W,
    /// Write response.
    B,
}

impl Channel {
    /// Every channel, in AXI order.
    pub const ALL: [Channel; 5] = [Channel::Ar, Channel::R, Channel::Aw, Channel::W, Channel::B];

    /// The channel's AXI name (`AR`, `R`, `AW`, `W`, `B`).
    pub fn name(self) -> &'static str {
        match self {
            Channel::Ar => "AR",
            Channel::R => "R",
            Channel::Aw => "AW",
            Channel::W => "W",
            Channel::B => "B",
        }
    }

    /// Whether the channel carries a response (R, B): only these can answer SLVERR or DECERR.
    pub fn carries_response(self) -> bool {
        matches!(self, Channel::R | Channel::B)
    }

    fn to_ffi(self) -> u8 {
        (match self {
            Channel::Ar => ffi::SUSHI_SIM_CH_AR,
            Channel::R => ffi::SUSHI_SIM_CH_R,
            Channel::Aw => ffi::SUSHI_SIM_CH_AW,
            Channel::W => ffi::SUSHI_SIM_CH_W,
            Channel::B => ffi::SUSHI_SIM_CH_B,
        }) as u8
    }
}

/// What an injected fault does to the transfer it hits (see [`Fault`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// The R beat or B response answers SLVERR (R and B only).
    SlvErr,
    /// The R beat or B response answers DECERR (R and B only).
    DecErr,
    /// The channel stops for good: READY withheld (AR, AW, W) or VALID never presented (R, B),
    /// until [`RtlSim::reset`] or [`RtlSim::clear_faults`]. A real interconnect that does this
    /// needs the programmable logic reset.
    Hang,
    /// Like `Hang` for this many cycles from when the transfer is wanted, then the channel resumes.
    Delay {
        /// Cycles the channel is held.
        cycles: u64,
    },
}

impl FaultKind {
    /// Short name for reports: `SLVERR`, `DECERR`, `hang`, `delay`.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::SlvErr => "SLVERR",
            FaultKind::DecErr => "DECERR",
            FaultKind::Hang => "hang",
            FaultKind::Delay { .. } => "delay",
        }
    }
}

/// A fault for the memory model to inject: it hits transfer number `after` (0: the next one) on
/// `channel`, counted from when it is armed (AR, AW: bursts; R, W: beats; B: responses).
/// One fault per channel; errors and delays are spent once they hit, a reset clears them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fault {
    /// Where.
    pub channel: Channel,
    /// What.
    pub kind: FaultKind,
    /// Transfers on the channel that pass unharmed first.
    pub after: u64,
}

/// One scripted protocol violation (see [`checker_selftest`]) and what the checkers reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckerCase {
    /// What the scripted partner does wrong.
    pub scenario: String,
    /// The channel the violation must be reported on.
    pub expected_channel: String,
    /// A phrase the reported rule must contain.
    pub expected_rule: String,
    /// Violations counted.
    pub violations: u64,
    /// The first: (cycle, channel, rule).
    pub first: Option<(u64, String, String)>,
}

/// Runs the protocol checkers of both bus models against scripted misbehaving partners, one
/// scenario per rule (the accelerator never breaks them, so this is what shows that the checkers
/// can fail). Needs no Verilated model.
pub fn checker_selftest() -> Vec<CheckerCase> {
    // SAFETY: a null pointer with max 0 only asks for the count.
    let n = unsafe { ffi::sushi_sim_checker_selftest(std::ptr::null_mut(), 0) };
    let mut cases = vec![ffi::SushiSimCheckerCase::default(); n];
    // SAFETY: cases holds n elements.
    unsafe { ffi::sushi_sim_checker_selftest(cases.as_mut_ptr(), n) };
    cases
        .iter()
        .map(|c| CheckerCase {
            scenario: c_text(&c.scenario),
            expected_channel: c_text(&c.expected_channel),
            expected_rule: c_text(&c.expected_rule),
            violations: c.seen.violations,
            first: (c.seen.violations > 0).then(|| {
                (
                    c.seen.first_violation_cycle,
                    c_text(&c.seen.first_violation_channel),
                    c_text(&c.seen.first_violation_rule),
                )
            }),
        })
        .collect()
}

/// A NUL-terminated C string in a fixed array (the C side always terminates with snprintf).
fn c_text(chars: &[std::ffi::c_char]) -> String {
    // SAFETY: the C side always NUL-terminates within the array.
    unsafe { CStr::from_ptr(chars.as_ptr()) }
        .to_string_lossy()
        .into_owned()
}

impl std::str::FromStr for Fault {
    type Err = String;

    /// `CHANNEL:KIND:AFTER[:CYCLES]`: channel `ar`, `r`, `aw`, `w` or `b`; kind `slverr`,
    /// `decerr`, `hang` or `delay` (which needs CYCLES); AFTER the transfers that pass first.
    fn from_str(text: &str) -> Result<Self, String> {
        let usage = "write CHANNEL:KIND:AFTER[:CYCLES], e.g. r:slverr:5000 or w:delay:100:20000 (channel ar|r|aw|w|b, kind slverr|decerr|hang|delay)";
        let parts: Vec<&str> = text.split(':').collect();
        if !(3..=4).contains(&parts.len()) {
            return Err(format!("fault `{text}`: {usage}"));
        }
        let channel = match parts[0].to_ascii_lowercase().as_str() {
            "ar" => Channel::Ar,
            "r" => Channel::R,
            "aw" => Channel::Aw,
            "w" => Channel::W,
            "b" => Channel::B,
            other => return Err(format!("fault `{text}`: no channel `{other}`; {usage}")),
        };
        let number = |what: &str, s: &str| {
            s.parse::<u64>()
                .map_err(|_| format!("fault `{text}`: {what} `{s}` is not a whole number; {usage}"))
        };
        let after = number("AFTER", parts[2])?;
        let kind = match (parts[1].to_ascii_lowercase().as_str(), parts.get(3)) {
            ("slverr", None) => FaultKind::SlvErr,
            ("decerr", None) => FaultKind::DecErr,
            ("hang", None) => FaultKind::Hang,
            ("delay", Some(c)) => FaultKind::Delay {
                cycles: number("CYCLES", c)?,
            },
            ("delay", None) => {
                return Err(format!("fault `{text}`: a delay needs CYCLES; {usage}"));
            }
            (k @ ("slverr" | "decerr" | "hang"), Some(_)) => {
                return Err(format!(
                    "fault `{text}`: only a delay takes CYCLES, not {k}"
                ));
            }
            (other, _) => return Err(format!("fault `{text}`: no fault kind `{other}`; {usage}")),
        };
        if matches!(kind, FaultKind::SlvErr | FaultKind::DecErr) && !channel.carries_response() {
            return Err(format!(
                "fault `{text}`: AXI carries responses only on R and B, so inject {} on r or b",
                kind.name()
            ));
        }
        Ok(Fault {
            channel,
            kind,
            after,
        })
    }
}

/// How to build an [`RtlSim`].
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Seed of every random stall.
    pub seed: u64,
    /// Stall probabilities.
    pub stalls: Stalls,
    /// Bus address of the first DRAM byte.
    pub dram_base: u64,
    /// Cycle budget of one register access.
    pub reg_timeout_cycles: u64,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            seed: 1,
            stalls: Stalls::none(),
            dram_base: DEFAULT_DRAM_BASE,
            reg_timeout_cycles: DEFAULT_REG_TIMEOUT_CYCLES,
        }
    }
}

/// Why a simulation could not be created or traced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    /// No model of this config was compiled in.
    #[error(
        "no RTL model was built for hw config `{name}` (built: {built}); built-in configs are built by default, or list them in SUSHI_SIM_CONFIGS and rebuild"
    )]
    NoModel {
        /// The config asked for.
        name: String,
        /// The configs that were built.
        built: String,
    },
    /// VCD tracing was asked for, but the models were built without it.
    #[error("VCD tracing is not compiled in: rebuild with `--features sushi-sim/vcd`")]
    TraceUnavailable,
    /// The trace path is not valid UTF-8 without NUL bytes.
    #[error("invalid trace path {0}")]
    BadPath(String),
    /// A fault the memory model cannot inject.
    #[error("cannot inject {0}")]
    BadFault(String),
}

/// Counters of the bus models and the protocol checker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Cycles since the model was created.
    pub cycle: u64,
    /// Read bursts accepted by the memory model.
    pub ar_bursts: u64,
    /// Write bursts accepted by the memory model.
    pub aw_bursts: u64,
    /// Read beats transferred.
    pub r_beats: u64,
    /// Write beats transferred.
    pub w_beats: u64,
    /// Write responses transferred.
    pub b_responses: u64,
    /// Most read bursts outstanding at once (accepted, last beat not yet sent).
    pub max_reads_outstanding: u64,
    /// Most write bursts outstanding at once (accepted, response not yet sent).
    pub max_writes_outstanding: u64,
    /// Cycles in which the memory model injected a random stall.
    pub stall_cycles_injected: u64,
    /// Lowest and highest byte address covered by any burst the memory accepted (AR or AW),
    /// `None` before the first: proves what the accelerator did not touch (the DMA window).
    pub bytes_accessed: Option<(u64, u64)>,
    /// Injected faults that have hit a transfer.
    pub faults_hit: u64,
    /// Cycle at which the first injected fault hit.
    pub first_fault_cycle: Option<u64>,
    /// Protocol violations seen.
    pub violations: u64,
    /// The first violation: (cycle, channel, rule).
    pub first_violation: Option<(u64, String, String)>,
}

/// One Verilated `sushi_top` with its AXI memory and register models. See the crate docs.
#[derive(Debug)]
pub struct RtlSim {
    handle: NonNull<ffi::SushiSim>,
    region: DramRegion,
    reg_timeout_cycles: u64,
    reported_violations: u64,
    // Verilated models are thread-affine: keep RtlSim !Send and !Sync.
    _thread_affine: PhantomData<*mut ()>,
}

impl RtlSim {
    /// Configs whose models were compiled into this build.
    pub fn built_configs() -> Vec<String> {
        env!("SUSHI_SIM_BUILT_CONFIGS")
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// Creates the model of `config`, resets it, and connects the memory model with the
    /// config's DRAM numbers.
    pub fn new(config: &HwConfig, opts: &SimOptions) -> Result<Self, SimError> {
        let d = config.derived();
        let dram = &config.spec.dram;
        let mem = ffi::SushiSimMemConfig {
            base: opts.dram_base,
            bytes: dram.bytes,
            read_latency_cycles: dram.read_latency_cycles,
            write_latency_cycles: dram.write_latency_cycles,
            read_acceptance: dram.read_acceptance,
            write_acceptance: dram.write_acceptance,
            credit_per_cycle: d.dram_credit_per_cycle,
            credit_per_byte: d.dram_credit_per_byte,
        };
        let stalls = opts.stalls.to_ffi();
        let name = CString::new(config.name.as_str()).map_err(|_| SimError::NoModel {
            name: config.name.clone(),
            built: Self::built_configs().join(","),
        })?;
        let mut err = [0 as std::ffi::c_char; 256];
        // SAFETY: every pointer is valid for the duration of the call; err has err.len() bytes.
        let raw = unsafe {
            ffi::sushi_sim_new(
                name.as_ptr(),
                &mem,
                &stalls,
                opts.seed,
                err.as_mut_ptr(),
                err.len(),
            )
        };
        let handle = NonNull::new(raw).ok_or_else(|| SimError::NoModel {
            name: config.name.clone(),
            built: Self::built_configs().join(","),
        })?;
        let mut sim = RtlSim {
            handle,
            region: DramRegion {
                base: opts.dram_base,
                bytes: dram.bytes,
            },
            reg_timeout_cycles: opts.reg_timeout_cycles,
            reported_violations: 0,
            _thread_affine: PhantomData,
        };
        sim.reset();
        Ok(sim)
    }

    /// Holds reset for 4 cycles and drops every bus transaction in flight and every injected
    /// fault; memory is kept.
    pub fn reset(&mut self) {
        // SAFETY: the handle is live for the lifetime of self.
        unsafe { ffi::sushi_sim_reset(self.handle.as_ptr(), 4) }
    }

    /// Runs exactly `cycles` cycles.
    pub fn run(&mut self, cycles: u64) {
        // SAFETY: the handle is live.
        unsafe { ffi::sushi_sim_run(self.handle.as_ptr(), cycles) }
    }

    /// Runs until the device is idle (its `busy` output low and no AXI transaction outstanding),
    /// for at most `max_cycles` cycles.
    pub fn run_until_idle(&mut self, max_cycles: u64) -> WaitOutcome {
        let mut cycles = 0u64;
        // SAFETY: the handle is live; cycles outlives the call.
        let rc =
            unsafe { ffi::sushi_sim_run_until_idle(self.handle.as_ptr(), max_cycles, &mut cycles) };
        WaitOutcome {
            cycles,
            idle: rc == ffi::SUSHI_SIM_OK as i32,
        }
    }

    /// Cycles since the model was created.
    pub fn cycle(&self) -> u64 {
        // SAFETY: the handle is live.
        unsafe { ffi::sushi_sim_cycle(self.handle.as_ptr()) }
    }

    /// The `busy` output of `sushi_top`.
    pub fn busy(&self) -> bool {
        // SAFETY: the handle is live.
        unsafe { ffi::sushi_sim_busy(self.handle.as_ptr()) != 0 }
    }

    /// The `irq` output of `sushi_top`.
    pub fn irq(&self) -> bool {
        // SAFETY: the handle is live.
        unsafe { ffi::sushi_sim_irq(self.handle.as_ptr()) != 0 }
    }

    /// Counters of the bus models.
    pub fn stats(&self) -> SimStats {
        let mut s = ffi::SushiSimStats::default();
        // SAFETY: the handle is live; s is a valid out-pointer.
        unsafe { ffi::sushi_sim_stats(self.handle.as_ptr(), &mut s) };
        let text = c_text;
        SimStats {
            cycle: s.cycle,
            ar_bursts: s.ar_bursts,
            aw_bursts: s.aw_bursts,
            r_beats: s.r_beats,
            w_beats: s.w_beats,
            b_responses: s.b_responses,
            max_reads_outstanding: s.max_reads_outstanding,
            max_writes_outstanding: s.max_writes_outstanding,
            bytes_accessed: (s.lowest_byte_accessed <= s.highest_byte_accessed)
                .then_some((s.lowest_byte_accessed, s.highest_byte_accessed)),
            stall_cycles_injected: s.stall_cycles_injected,
            faults_hit: s.faults_hit,
            first_fault_cycle: (s.faults_hit > 0).then_some(s.first_fault_cycle),
            violations: s.violations,
            first_violation: (s.violations > 0).then(|| {
                (
                    s.first_violation_cycle,
                    text(&s.first_violation_channel),
                    text(&s.first_violation_rule),
                )
            }),
        }
    }

    /// Starts writing a VCD of every signal to `path` (needs the `vcd` feature).
    pub fn trace_to(&mut self, path: &Path) -> Result<(), SimError> {
        let c = CString::new(path.to_string_lossy().as_bytes())
            .map_err(|_| SimError::BadPath(path.display().to_string()))?;
        // SAFETY: the handle is live; c outlives the call.
        match unsafe { ffi::sushi_sim_trace_open(self.handle.as_ptr(), c.as_ptr()) } {
            0 => Err(SimError::TraceUnavailable),
            _ => Ok(()),
        }
    }

    /// Arms `fault` in the memory model (replacing the channel's previous one).
    pub fn inject_fault(&mut self, fault: Fault) -> Result<(), SimError> {
        let (kind, delay_cycles) = match fault.kind {
            FaultKind::SlvErr => (ffi::SUSHI_SIM_FAULT_SLVERR, 0),
            FaultKind::DecErr => (ffi::SUSHI_SIM_FAULT_DECERR, 0),
            FaultKind::Hang => (ffi::SUSHI_SIM_FAULT_HANG, 0),
            FaultKind::Delay { cycles } => (ffi::SUSHI_SIM_FAULT_DELAY, cycles),
        };
        let f = ffi::SushiSimFault {
            channel: fault.channel.to_ffi(),
            kind: kind as u8,
            after: fault.after,
            delay_cycles,
        };
        // SAFETY: the handle is live; f outlives the call.
        match unsafe { ffi::sushi_sim_inject_fault(self.handle.as_ptr(), &f) } {
            0 => Ok(()),
            _ => Err(SimError::BadFault(format!(
                "{} on channel {}: AXI carries responses only on R and B, so inject an error on the R or B of the request",
                fault.kind.name(),
                fault.channel.name()
            ))),
        }
    }

    /// Disarms every fault and releases a hung channel.
    pub fn clear_faults(&mut self) {
        // SAFETY: the handle is live.
        unsafe { ffi::sushi_sim_clear_faults(self.handle.as_ptr()) }
    }

    /// Returns the first protocol violation not yet reported, as an error.
    pub fn check_protocol(&mut self) -> Result<(), BusError> {
        let s = self.stats();
        if s.violations > self.reported_violations {
            self.reported_violations = s.violations;
            let (cycle, channel, rule) = s.first_violation.unwrap_or_default();
            return Err(BusError::Protocol {
                cycle,
                channel,
                rule,
            });
        }
        Ok(())
    }

    fn reg_access(&mut self, kind: &'static str, offset: u32, value: u32) -> Result<u32, BusError> {
        let (mut data, mut resp) = (0u32, 0u8);
        let h = self.handle.as_ptr();
        // SAFETY: the handle is live; data and resp outlive the call.
        let rc = unsafe {
            if kind == "write" {
                ffi::sushi_sim_reg_write(h, offset, value, 0xf, self.reg_timeout_cycles, &mut resp)
            } else {
                ffi::sushi_sim_reg_read(h, offset, self.reg_timeout_cycles, &mut data, &mut resp)
            }
        };
        self.check_protocol()?;
        if rc == ffi::SUSHI_SIM_TIMEOUT as i32 {
            return Err(BusError::RegTimeout {
                kind,
                offset,
                cycles: self.reg_timeout_cycles,
                at_cycle: self.cycle(),
            });
        }
        match AxiResp::from_bits(resp) {
            AxiResp::Okay => Ok(data),
            resp => Err(BusError::RegResponse { kind, offset, resp }),
        }
    }
}

impl Drop for RtlSim {
    fn drop(&mut self) {
        // SAFETY: the handle came from sushi_sim_new and is freed exactly once.
        unsafe { ffi::sushi_sim_free(self.handle.as_ptr()) }
    }
}

impl Bus for RtlSim {
    fn backend(&self) -> &'static str {
        "rtl"
    }

    fn read_reg(&mut self, offset: u32) -> Result<u32, BusError> {
        self.reg_access("read", offset, 0)
    }

    fn write_reg(&mut self, offset: u32, value: u32) -> Result<(), BusError> {
        self.reg_access("write", offset, value).map(|_| ())
    }

    fn dram(&self) -> DramRegion {
        self.region
    }

    fn write_dram(&mut self, addr: u64, data: &[u8]) -> Result<(), BusError> {
        // SAFETY: the handle is live; data is valid for data.len() bytes.
        let rc = unsafe {
            ffi::sushi_sim_mem_write(self.handle.as_ptr(), addr, data.as_ptr(), data.len())
        };
        self.host_access_result(rc, addr, data.len())
    }

    fn read_dram(&mut self, addr: u64, out: &mut [u8]) -> Result<(), BusError> {
        // SAFETY: the handle is live; out is valid for out.len() bytes.
        let rc = unsafe {
            ffi::sushi_sim_mem_read(self.handle.as_ptr(), addr, out.as_mut_ptr(), out.len())
        };
        self.host_access_result(rc, addr, out.len())
    }

    fn wait_idle(&mut self, max_cycles: u64) -> Result<WaitOutcome, BusError> {
        let outcome = self.run_until_idle(max_cycles);
        self.check_protocol()?;
        Ok(outcome)
    }

    fn reset_device(&mut self) -> Result<(), BusError> {
        self.reset();
        Ok(())
    }

    fn cycle(&self) -> Option<u64> {
        Some(RtlSim::cycle(self))
    }
}

impl RtlSim {
    fn host_access_result(&self, rc: i32, addr: u64, len: usize) -> Result<(), BusError> {
        if rc == ffi::SUSHI_SIM_OK as i32 {
            Ok(())
        } else {
            Err(BusError::OutOfRange {
                addr,
                len: len as u64,
                base: self.region.base,
                bytes: self.region.bytes,
            })
        }
    }
}
