//! The AXI4-Lite register file of sushi_top, through the driver and directly, on every built
//! config, under random stalls on all five AXI4-Lite channels.

use sushi_host::device::driver::{Accel, DriverError};
use sushi_hw::regs::{self, AxiResp};
use sushi_hw::{Bus, BusError};
use sushi_sim::{RtlSim, Stalls};
use sushi_tests::{TestRng, config, rtl, seed};

#[test]
fn every_built_config_opens_with_its_id_version_and_config_hash() {
    for name in RtlSim::built_configs() {
        let cfg = config(&name);
        let mut sim = rtl(&cfg, Stalls::none(), 1);
        assert_eq!(sim.read_reg(regs::ID).unwrap(), regs::ID_MAGIC, "{name}");
        assert_eq!(
            sim.read_reg(regs::VERSION).unwrap(),
            regs::REGMAP_VERSION,
            "{name}"
        );
        assert_eq!(
            sim.read_reg(regs::CONFIG_HASH).unwrap(),
            cfg.derived().config_hash,
            "{name}"
        );
        Accel::open(sim, &cfg).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn a_device_built_for_another_config_is_refused() {
    let tiny = config("tiny");
    let mut other = tiny.clone();
    other.spec.axi.max_burst_beats = 4; // a different bitstream
    let err = Accel::open(rtl(&tiny, Stalls::none(), 1), &other).unwrap_err();
    match &err {
        DriverError::ConfigMismatch { device, host, .. } => {
            assert_eq!(*device, tiny.derived().config_hash);
            assert_eq!(*host, other.derived().config_hash);
        }
        e => panic!("expected ConfigMismatch, got {e}"),
    }
    assert!(
        err.to_string().contains("--config"),
        "the message says how to fix it: {err}"
    );
}

#[test]
fn scratch_holds_any_value_and_honours_nothing_else() {
    let seed = seed("scratch", 11);
    let mut rng = TestRng::new(seed);
    let mut sim = rtl(&config("tiny"), Stalls::random(seed, 600), seed);
    for _ in 0..200 {
        let v = rng.next_u64() as u32;
        sim.write_reg(regs::SCRATCH, v).unwrap();
        assert_eq!(sim.read_reg(regs::SCRATCH).unwrap(), v);
    }
    assert_eq!(
        sim.read_reg(regs::ID).unwrap(),
        regs::ID_MAGIC,
        "ID unchanged by scratch writes"
    );
}

#[test]
fn writing_a_read_only_register_is_slverr_and_changes_nothing() {
    let mut sim = rtl(&config("tiny"), Stalls::none(), 1);
    for offset in [
        regs::ID,
        regs::VERSION,
        regs::CONFIG_HASH,
        regs::CYCLES_LO,
        regs::DRAM_READ_BYTES_HI,
    ] {
        let err = sim.write_reg(offset, 0xdead_beef).unwrap_err();
        assert_eq!(
            err,
            BusError::RegResponse {
                kind: "write",
                offset,
                resp: AxiResp::SlvErr
            }
        );
    }
    assert_eq!(sim.read_reg(regs::ID).unwrap(), regs::ID_MAGIC);
}

#[test]
fn unmapped_offsets_are_decerr_for_reads_and_writes() {
    let mut sim = rtl(&config("tiny"), Stalls::none(), 1);
    for offset in [0x00c, 0x01c, 0x02c, 0x0e0, 0x800, 0xffc] {
        assert!(
            regs::by_offset(offset).is_none(),
            "fixture: {offset:#x} must be unmapped"
        );
        assert_eq!(
            sim.read_reg(offset).unwrap_err(),
            BusError::RegResponse {
                kind: "read",
                offset,
                resp: AxiResp::DecErr
            }
        );
        assert_eq!(
            sim.write_reg(offset, 1).unwrap_err(),
            BusError::RegResponse {
                kind: "write",
                offset,
                resp: AxiResp::DecErr
            }
        );
    }
}

#[test]
fn the_cycle_counter_counts_cycles_and_reads_atomically() {
    let mut sim = rtl(&config("tiny"), Stalls::none(), 1);
    let first = sushi_hw::bus::read_counter(&mut sim, regs::CYCLES_LO).unwrap();
    sim.run(1000);
    let second = sushi_hw::bus::read_counter(&mut sim, regs::CYCLES_LO).unwrap();
    // 1000 cycles of run() plus the cycles of the two register reads in between.
    assert!(
        second - first >= 1000 && second - first < 1100,
        "{first} -> {second}"
    );
}

#[test]
fn registers_work_under_heavy_random_stalls_with_no_protocol_violation() {
    let seed = seed("register stalls", 23);
    let mut rng = TestRng::new(seed);
    let mut sim = rtl(&config("tiny"), Stalls::uniform(800), seed);
    for _ in 0..100 {
        let (src, dst, len) = (
            rng.next_u64() as u32,
            rng.next_u64() as u32,
            rng.next_u64() as u32,
        );
        sim.write_reg(regs::COPY_SRC, src).unwrap();
        sim.write_reg(regs::COPY_DST, dst).unwrap();
        sim.write_reg(regs::COPY_LEN, len).unwrap();
        assert_eq!(sim.read_reg(regs::COPY_SRC).unwrap(), src);
        assert_eq!(sim.read_reg(regs::COPY_DST).unwrap(), dst);
        assert_eq!(sim.read_reg(regs::COPY_LEN).unwrap(), len);
    }
    assert_eq!(sim.stats().violations, 0);
}

#[test]
fn ctrl_pulses_read_back_zero_and_irq_enable_sticks() {
    let mut sim = rtl(&config("tiny"), Stalls::none(), 1);
    sim.write_reg(
        regs::CTRL,
        regs::CTRL_IRQ_ENABLE.mask() | regs::CTRL_COUNTERS_CLEAR.mask(),
    )
    .unwrap();
    assert_eq!(
        sim.read_reg(regs::CTRL).unwrap(),
        regs::CTRL_IRQ_ENABLE.mask()
    );
    sim.write_reg(regs::CTRL, 0).unwrap();
    assert_eq!(sim.read_reg(regs::CTRL).unwrap(), 0);
}

#[test]
fn vcd_tracing_is_opt_in_and_says_how_to_turn_it_on() {
    let mut sim = rtl(&config("tiny"), Stalls::none(), 1);
    let path = std::env::temp_dir().join(format!("sushi-trace-{}.vcd", std::process::id()));
    let result = sim.trace_to(&path);
    if cfg!(feature = "vcd") {
        result.expect("the vcd feature compiles tracing in");
        sim.write_reg(regs::SCRATCH, 0x1234_5678).unwrap();
        drop(sim);
        let vcd = std::fs::read_to_string(&path).expect("trace written");
        assert!(vcd.contains("$enddefinitions") && vcd.contains("s_axil_wdata"));
        let _ = std::fs::remove_file(&path);
    } else {
        let e = result.expect_err("tracing is off unless the vcd feature is on");
        assert_eq!(e, sushi_sim::SimError::TraceUnavailable);
        assert!(e.to_string().contains("--features sushi-sim/vcd"));
    }
}
