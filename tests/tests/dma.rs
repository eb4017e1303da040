//! The DMA engine of sushi_top: random memcpys of every length and alignment, across 4 KiB
//! boundaries, under random stalls on all five AXI channels, with guard bytes around the
//! destination checked untouched and the bus traffic checked exact. The AXI checker of the
//! memory model (VALID held, payload stable, no 4 KiB crossing, WLAST) is on throughout: any
//! violation fails the copy that caused it.

use sushi_host::device::dma_check::{
    CopyPlan, GUARD_BYTES, copy_bound_cycles, copy_budget_cycles, verified_copy,
};
use sushi_host::device::driver::{Accel, DriverError};
use sushi_hw::regs::{self, ErrorCode};
use sushi_hw::{Bus, HwConfig};
use sushi_sim::{RtlSim, Stalls};
use sushi_tests::{TestRng, config, long_run, rtl, seed};

/// Bus words (beats) that the byte range [addr, addr + len) touches.
fn beats_covering(addr: u64, len: u64, data_bytes: u64) -> u64 {
    if len == 0 {
        0
    } else {
        (addr + len - 1) / data_bytes - addr / data_bytes + 1
    }
}

/// A random copy inside a region of `region_bytes`: lengths biased to the edges (tiny, around
/// bursts, long), any alignment, the destination straddling a 4 KiB boundary half of the time.
fn random_plan(rng: &mut TestRng, region_bytes: u64, burst_bytes: u64) -> CopyPlan {
    let len = match rng.below(4) {
        0 => rng.below(2 * 16 + 1),
        1 => burst_bytes * (1 + rng.below(4)) + rng.below(9) - 4,
        2 => rng.below(4 * burst_bytes * 4),
        _ => rng.below(12_000),
    };
    let half = region_bytes / 2;
    let src_offset = GUARD_BYTES + rng.below(half - 2 * GUARD_BYTES - len);
    let dst_offset = if rng.below(2) == 0 && len > 0 {
        // Straddle a 4 KiB boundary somewhere inside the copy.
        let boundary = half + 4096 * (2 + rng.below((half - 4 * GUARD_BYTES - len) / 4096 - 2));
        boundary - 1 - rng.below(len.min(4096))
    } else {
        half + GUARD_BYTES + rng.below(half - 2 * GUARD_BYTES - len)
    };
    CopyPlan {
        src_offset,
        dst_offset,
        len,
    }
}

fn run_random_copies(cfg: &HwConfig, cases: u64, seed: u64) {
    let mut rng = TestRng::new(seed);
    let data_bytes = u64::from(cfg.spec.axi.data_bytes);
    let burst_bytes = u64::from(cfg.derived().burst_bytes);
    // A fresh simulation (and stall profile) every 8 copies; stalls up to 70% per channel.
    let mut accel: Option<Accel<RtlSim>> = None;
    for case in 0..cases {
        if case % 8 == 0 {
            let stall_seed = rng.next_u64();
            let stalls = if case == 0 {
                Stalls::none()
            } else {
                Stalls::random(stall_seed, 700)
            };
            accel = Some(Accel::open(rtl(cfg, stalls, stall_seed), cfg).expect("opens"));
        }
        let accel = accel.as_mut().expect("opened above");
        let plan = random_plan(&mut rng, cfg.spec.dram.bytes, burst_bytes);
        let data_seed = rng.next_u64();
        let what = format!("{} case {case} {plan:?}", cfg.name);
        let out = verified_copy(accel, plan, data_seed, copy_budget_cycles(cfg, plan.len))
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(
            out.mismatched_bytes, 0,
            "{what}: destination differs from source"
        );
        assert_eq!(
            out.guard_bytes_touched, 0,
            "{what}: bytes outside the destination were written"
        );
        let base = accel.bus().dram().base;
        let c = out.report.counters;
        assert_eq!(
            c.dram_read_bytes,
            beats_covering(base + plan.src_offset, plan.len, data_bytes) * data_bytes,
            "{what}: reads must cover exactly the bus words of the source"
        );
        assert_eq!(
            c.dram_write_bytes,
            beats_covering(base + plan.dst_offset, plan.len, data_bytes) * data_bytes,
            "{what}: writes must cover exactly the bus words of the destination"
        );
    }
}

#[test]
fn random_copies_on_tiny_under_random_stalls() {
    let seed = seed("dma tiny", 2026);
    run_random_copies(&config("tiny"), if long_run() { 5000 } else { 160 }, seed);
}

#[test]
fn random_copies_on_every_other_built_config() {
    let seed = seed("dma other configs", 7);
    for name in RtlSim::built_configs().into_iter().filter(|n| n != "tiny") {
        run_random_copies(&config(&name), if long_run() { 1000 } else { 24 }, seed);
    }
}

fn long_copy(
    cfg: &HwConfig,
    len: u64,
) -> (sushi_host::device::driver::CopyReport, sushi_sim::SimStats) {
    let mut accel = Accel::open(rtl(cfg, Stalls::none(), 1), cfg).expect("opens");
    let plan = CopyPlan {
        src_offset: GUARD_BYTES,
        dst_offset: cfg.spec.dram.bytes / 2 + GUARD_BYTES,
        len,
    };
    let out = verified_copy(&mut accel, plan, 5, copy_budget_cycles(cfg, len)).expect("copies");
    assert!(out.verified());
    (out.report, accel.into_bus().stats())
}

#[test]
fn several_reads_and_writes_are_outstanding_during_a_long_copy() {
    for name in RtlSim::built_configs() {
        let cfg = config(&name);
        let (_, stats) = long_copy(&cfg, 64 * 1024);
        let reads = u64::from(
            cfg.spec
                .axi
                .max_outstanding_reads
                .min(cfg.spec.dram.read_acceptance),
        );
        let writes = u64::from(
            cfg.spec
                .axi
                .max_outstanding_writes
                .min(cfg.spec.dram.write_acceptance),
        );
        assert_eq!(stats.max_reads_outstanding, reads, "{name}");
        assert!(
            stats.max_writes_outstanding >= 1 && stats.max_writes_outstanding <= writes,
            "{name}"
        );
        assert_eq!(stats.violations, 0, "{name}");
    }
}

#[test]
fn a_long_copy_runs_within_15_percent_of_its_bound() {
    for name in RtlSim::built_configs() {
        let cfg = config(&name);
        let len = 256 * 1024;
        let (report, _) = long_copy(&cfg, len);
        let bound = copy_bound_cycles(&cfg, len);
        let ratio = report.counters.busy_cycles as f64 / bound;
        eprintln!(
            "{name}: {} busy cycles, bound {bound:.0}, ratio {ratio:.3}",
            report.counters.busy_cycles
        );
        assert!(
            ratio >= 1.0 - 1e-9,
            "{name}: faster than physically possible: {ratio:.3}"
        );
        assert!(ratio <= 1.15, "{name}: {ratio:.3} x the bound");
    }
}

#[test]
fn a_zero_length_copy_finishes_at_once_without_bus_traffic() {
    let cfg = config("tiny");
    let mut accel = Accel::open(rtl(&cfg, Stalls::none(), 1), &cfg).expect("opens");
    let base = accel.bus().dram().base;
    let report = accel.memcpy(base, base + 4096, 0, 1000).expect("copies");
    assert_eq!(
        report.counters.dram_read_bytes + report.counters.dram_write_bytes,
        0
    );
    assert!(
        report.counters.busy_cycles <= 4,
        "{}",
        report.counters.busy_cycles
    );
}

/// Starts a copy through the registers directly (bypassing the driver's range checks).
fn raw_copy(sim: &mut RtlSim, src: u64, dst: u64, len: u64) -> u32 {
    sim.write_reg(regs::COPY_SRC, src as u32).unwrap();
    sim.write_reg(regs::COPY_DST, dst as u32).unwrap();
    sim.write_reg(regs::COPY_LEN, len as u32).unwrap();
    sim.write_reg(regs::CTRL, regs::CTRL_COPY_START.mask())
        .unwrap();
    let wait = sim.wait_idle(200_000).unwrap();
    assert!(wait.idle, "the engine hung after a bus error");
    sim.read_reg(regs::STATUS).unwrap()
}

#[test]
fn bus_errors_end_the_job_with_the_right_code_and_the_next_job_works() {
    let seed = seed("dma errors", 99);
    let cfg = config("tiny");
    for (case, stalls) in [Stalls::none(), Stalls::random(seed, 600)]
        .into_iter()
        .enumerate()
    {
        let mut sim = rtl(&cfg, stalls, seed);
        let base = sim.dram().base;
        let end = base + sim.dram().bytes;
        // Source partly outside the memory: the memory answers DECERR on those R beats.
        for (src, dst, code) in [
            (end - 100, base + 8192, ErrorCode::AxiRead),
            (0x40, base + 8192, ErrorCode::AxiRead),
            (base + 100, end - 50, ErrorCode::AxiWrite),
            (base + 100, 0x1000, ErrorCode::AxiWrite),
        ] {
            let status = raw_copy(&mut sim, src, dst, 3000);
            let what = format!("case {case}: copy {src:#x} -> {dst:#x}");
            assert_eq!(regs::STATUS_DONE.get(status), 1, "{what}");
            assert_eq!(regs::STATUS_ERROR.get(status), 1, "{what}");
            assert_eq!(
                ErrorCode::from_bits(regs::STATUS_ERROR_CODE.get(status)),
                code,
                "{what}"
            );
            sim.write_reg(
                regs::STATUS,
                regs::STATUS_DONE.mask() | regs::STATUS_ERROR.mask(),
            )
            .unwrap();
            assert_eq!(
                sim.read_reg(regs::STATUS).unwrap(),
                0,
                "{what}: W1C clears DONE, ERROR and the code"
            );
        }
        assert_eq!(sim.stats().violations, 0);
        // The engine is usable again.
        let mut accel = Accel::open(sim, &cfg).expect("opens");
        let plan = CopyPlan::awkward(cfg.spec.dram.bytes, 5000);
        assert!(
            verified_copy(&mut accel, plan, 3, 1_000_000)
                .expect("copies")
                .verified()
        );
    }
}

#[test]
fn irq_rises_when_a_job_is_done_and_falls_when_acknowledged() {
    let cfg = config("tiny");
    let mut sim = rtl(&cfg, Stalls::none(), 1);
    let base = sim.dram().base;
    sim.write_reg(regs::CTRL, regs::CTRL_IRQ_ENABLE.mask())
        .unwrap();
    sim.write_reg(regs::COPY_SRC, base as u32).unwrap();
    sim.write_reg(regs::COPY_DST, (base + 8192) as u32).unwrap();
    sim.write_reg(regs::COPY_LEN, 1000).unwrap();
    assert!(!sim.irq());
    sim.write_reg(
        regs::CTRL,
        regs::CTRL_IRQ_ENABLE.mask() | regs::CTRL_COPY_START.mask(),
    )
    .unwrap();
    assert!(sim.busy(), "busy as soon as the start is written");
    assert!(sim.wait_idle(100_000).unwrap().idle);
    assert!(sim.irq());
    sim.write_reg(regs::STATUS, regs::STATUS_DONE.mask())
        .unwrap();
    assert!(!sim.irq());
}

#[test]
fn the_driver_refuses_copies_outside_the_dma_region_or_overlapping_upwards() {
    let cfg = config("tiny");
    let mut accel = Accel::open(rtl(&cfg, Stalls::none(), 1), &cfg).expect("opens");
    let r = accel.bus().dram();
    let cases = [
        (r.base - 1, r.base, 10),
        (r.base, r.base + r.bytes - 5, 10),
        (r.base + r.bytes, r.base, 1),
    ];
    for (src, dst, len) in cases {
        assert!(matches!(
            accel.memcpy(src, dst, len, 1000),
            Err(DriverError::OutsideRegion { .. })
        ));
    }
    assert!(matches!(
        accel.memcpy(r.base, r.base + 5, 10, 1000),
        Err(DriverError::Overlap { .. })
    ));
    // Nothing reached the device.
    assert_eq!(accel.counters().unwrap().busy_cycles, 0);
}
