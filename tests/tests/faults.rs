//! Fault injection on the memory bus (DESIGN.md section 11): every fault on every channel of the
//! AXI4 memory bus, hitting a random transfer in the middle of a job, under random stalls.
//!
//! The contract, cell by cell:
//! - SLVERR or DECERR on R or B: the job ends with `ERR_AXI_READ` / `ERR_AXI_WRITE`; the host gets
//!   [`DriverError::JobFailed`] carrying the device cycle, within the watchdog of the fault;
//!   a soft reset is enough.
//! - A hang (READY withheld, or VALID never presented) on any channel: the watchdog fires
//!   ([`DriverError::Timeout`] with the cycle); a new job is refused while the old one runs; the
//!   soft reset cannot finish (AXI forbids withdrawing a VALID), so `recover` resets the device.
//! - A delay far beyond the memory's latency but inside the watchdog: the job finishes, exact.
//! - A delay beyond the watchdog: the watchdog fires; the soft reset finishes once the channel
//!   resumes.
//!
//! After every cell the next job is bit-exact with the golden model, outputs and traffic, and the
//! protocol checker saw no violation. Each AXI error response has no effect on AR, AW or W
//! (they carry no response field), so errors are injected on R and B only.

use sushi_host::compile::program::{Outputs, Program, compile};
use sushi_host::device::driver::{Accel, DriverError, Recovery, RunReport, watchdog_cycles};
use sushi_host::device::model::ModelAccel;
use sushi_host::net::network::{RandomSpec, random_network};
use sushi_hw::HwConfig;
use sushi_hw::regs::ErrorCode;
use sushi_sim::{Channel, Fault, FaultKind, RtlSim, SimStats, Stalls};
use sushi_tests::{TestRng, config, long_run, rtl, seed};

/// What a cell must end with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Failed(ErrorCode),
    Watchdog(Recovery),
    Exact,
}

fn program(cfg: &HwConfig, rng: &mut TestRng) -> Program {
    let spec = RandomSpec {
        max_hw: 9,
        max_c: 8,
        body_layers: 3,
    };
    let (net, input) = random_network(rng, spec);
    let mut program = compile(&net, cfg, Outputs::All).expect("compiles");
    program.set_input(&input);
    program
}

fn transfers(s: &SimStats, channel: Channel) -> u64 {
    match channel {
        Channel::Ar => s.ar_bursts,
        Channel::R => s.r_beats,
        Channel::Aw => s.aw_bursts,
        Channel::W => s.w_beats,
        Channel::B => s.b_responses,
    }
}

fn assert_exact(got: &RunReport, want: &RunReport, what: &str) {
    assert!(
        got.outputs == want.outputs,
        "{what}: outputs differ from the golden model"
    );
    assert_eq!(got.traffic, want.traffic, "{what}: traffic");
}

/// Runs one cell; returns a line of the matrix.
fn cell(cfg: &HwConfig, seed: u64, channel: Channel, kind: FaultKind, expect: Expect) -> String {
    let what = format!("{} on {}", kind.name(), channel.name());
    let mut rng = TestRng::new(seed ^ (channel as u64) << 8 ^ u64::from(expect == Expect::Exact));
    let program = program(cfg, &mut rng);
    let want = Accel::open(ModelAccel::new(cfg), cfg)
        .expect("opens")
        .run_program(&program, 0)
        .expect("the model runs");
    let sim: RtlSim = rtl(cfg, Stalls::random(seed, 200), seed);
    let mut accel = Accel::open(sim, cfg).expect("opens");

    // A clean run: how many transfers the job makes on the channel, and how long it takes.
    let before = accel.bus().stats();
    let clean = accel.run_program(&program, 50_000_000).expect("clean run");
    assert_exact(&clean, &want, &format!("{what}: clean run"));
    let count = transfers(&accel.bus().stats(), channel) - transfers(&before, channel);
    assert!(
        count > 0,
        "{what}: the job makes no transfer on the channel"
    );
    let watchdog = watchdog_cycles(clean.counters.busy_cycles);
    let kind = match kind {
        FaultKind::Delay { cycles: 0 } => FaultKind::Delay {
            cycles: watchdog + 20_000,
        },
        k => k,
    };
    let after = rng.below(count);
    accel
        .bus()
        .inject_fault(Fault {
            channel,
            kind,
            after,
        })
        .expect("injectable");

    let outcome = accel.run_program(&program, watchdog);
    let stats = accel.bus().stats();
    assert_eq!(
        stats.faults_hit, 1,
        "{what}: the fault hit (after {after} of {count})"
    );
    let hit = stats.first_fault_cycle.expect("hit cycle");
    let seen = match (&outcome, expect) {
        (Err(DriverError::JobFailed { code, at_cycle, .. }), Expect::Failed(want_code)) => {
            assert_eq!(*code, want_code, "{what}");
            let at = at_cycle.expect("the RTL backend knows the cycle");
            assert!(
                at >= hit && at - hit <= watchdog,
                "{what}: reported at cycle {at}, the fault hit at {hit}"
            );
            assert_eq!(
                accel.recover().expect("recovers"),
                Recovery::SoftReset,
                "{what}"
            );
            format!(
                "JobFailed({code:?}) {} cycles after the fault; soft reset",
                at - hit
            )
        }
        (Err(DriverError::Timeout { at_cycle, .. }), Expect::Watchdog(recovery)) => {
            let at = at_cycle.expect("the RTL backend knows the cycle");
            assert!(
                at >= hit && at - hit <= watchdog,
                "{what}: watchdog at cycle {at}, the fault hit at {hit}"
            );
            if recovery == Recovery::HardReset {
                assert!(
                    matches!(
                        accel.run_program(&program, watchdog),
                        Err(DriverError::StillBusy)
                    ),
                    "{what}: a job started while the hung one runs"
                );
            }
            assert_eq!(accel.recover().expect("recovers"), recovery, "{what}");
            format!("Timeout {} cycles after the fault; {recovery:?}", at - hit)
        }
        (Ok(got), Expect::Exact) => {
            assert_exact(got, &want, &format!("{what}: the delayed run"));
            let FaultKind::Delay { cycles } = kind else {
                unreachable!()
            };
            assert!(
                got.counters.busy_cycles >= clean.counters.busy_cycles + cycles / 2,
                "{what}: the delay of {cycles} cycles shows in the job's {} busy cycles",
                got.counters.busy_cycles
            );
            format!(
                "finished, exact, {} cycles slower",
                got.counters
                    .busy_cycles
                    .saturating_sub(clean.counters.busy_cycles)
            )
        }
        (other, expect) => {
            panic!("{what} (after {after} of {count}): expected {expect:?}, got {other:?}")
        }
    };

    // The device works again: the next job is bit-exact, and the bus stayed legal throughout.
    let next = accel
        .run_program(&program, 50_000_000)
        .unwrap_or_else(|e| panic!("{what}: the job after recovery failed: {e}"));
    assert_exact(&next, &want, &format!("{what}: the job after recovery"));
    let stats = accel.bus().stats();
    assert_eq!(stats.violations, 0, "{what}: {:?}", stats.first_violation);
    let kind_text = match kind {
        FaultKind::Delay { cycles } => format!("delay {cycles}"),
        k => k.name().to_string(),
    };
    format!(
        "{:<3} {kind_text:<12} transfer {after:>4} of {count:>4}: {seen}",
        channel.name()
    )
}

#[test]
fn every_fault_on_every_channel_is_reported_within_the_watchdog_and_recovered_from() {
    let first = seed("fault matrix", 11);
    let cfg = config("tiny");
    // SUSHI_LONG=1: the matrix at 20 seeds (different networks, transfers hit and stalls).
    let seeds = if long_run() { 20 } else { 1 };
    for seed in first..first + seeds {
        eprintln!("fault matrix: seed {seed}");
        matrix_at(&cfg, seed);
    }
}

fn matrix_at(cfg: &HwConfig, seed: u64) {
    let mut matrix = Vec::new();
    for channel in Channel::ALL {
        if channel.carries_response() {
            let code = if channel == Channel::R {
                ErrorCode::AxiRead
            } else {
                ErrorCode::AxiWrite
            };
            for kind in [FaultKind::SlvErr, FaultKind::DecErr] {
                matrix.push(cell(cfg, seed, channel, kind, Expect::Failed(code)));
            }
        }
        matrix.push(cell(
            cfg,
            seed,
            channel,
            FaultKind::Hang,
            Expect::Watchdog(Recovery::HardReset),
        ));
        matrix.push(cell(
            cfg,
            seed,
            channel,
            FaultKind::Delay { cycles: 5_000 },
            Expect::Exact,
        ));
        // Delay 0 stands for "beyond the watchdog" (set once the watchdog is known).
        matrix.push(cell(
            cfg,
            seed,
            channel,
            FaultKind::Delay { cycles: 0 },
            Expect::Watchdog(Recovery::SoftReset),
        ));
    }
    eprintln!("fault matrix (tiny, random stalls):\n{}", matrix.join("\n"));
    assert_eq!(matrix.len(), 19);
}

#[test]
fn an_error_response_cannot_be_injected_on_a_channel_without_one() {
    let cfg = config("tiny");
    let mut sim = rtl(&cfg, Stalls::none(), 1);
    for channel in [Channel::Ar, Channel::Aw, Channel::W] {
        for kind in [FaultKind::SlvErr, FaultKind::DecErr] {
            let e = sim
                .inject_fault(Fault {
                    channel,
                    kind,
                    after: 0,
                })
                .expect_err("refused");
            assert!(e.to_string().contains("only on R and B"), "{e}");
        }
    }
}

#[test]
fn a_disarmed_fault_never_fires() {
    let cfg = config("tiny");
    let seed = seed("disarmed fault", 17);
    let mut rng = TestRng::new(seed);
    let program = program(&cfg, &mut rng);
    let want = Accel::open(ModelAccel::new(&cfg), &cfg)
        .expect("opens")
        .run_program(&program, 0)
        .expect("the model runs");
    let mut accel = Accel::open(rtl(&cfg, Stalls::random(seed, 200), seed), &cfg).expect("opens");
    for channel in [Channel::R, Channel::B] {
        accel
            .bus()
            .inject_fault(Fault {
                channel,
                kind: FaultKind::SlvErr,
                after: 0,
            })
            .expect("injectable");
    }
    accel.bus().clear_faults();
    let got = accel.run_program(&program, 50_000_000).expect("runs clean");
    assert_exact(&got, &want, "after clear_faults");
    assert_eq!(accel.bus().stats().faults_hit, 0, "no fault hit");
}
