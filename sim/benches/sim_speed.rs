//! Simulated cycles per second of `sushi_top` during a long DMA copy, per built config.
//! Criterion's "elements" are simulated cycles, so its throughput line reads cycles/s.
//!
//! `cargo bench -p sushi-sim --bench sim_speed`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sushi_hw::regs;
use sushi_hw::{Bus, HwConfig};
use sushi_sim::{RtlSim, SimOptions};

const COPY_BYTES: u32 = 256 * 1024;

/// Starts a copy of COPY_BYTES inside the DRAM region and runs it to completion; returns cycles.
fn copy(sim: &mut RtlSim) -> u64 {
    let base = sim.dram().base as u32;
    sim.write_reg(regs::COPY_SRC, base + 3).expect("reg");
    sim.write_reg(regs::COPY_DST, base + COPY_BYTES + 4096 + 5)
        .expect("reg");
    sim.write_reg(regs::COPY_LEN, COPY_BYTES).expect("reg");
    sim.write_reg(regs::CTRL, regs::CTRL_COPY_START.mask())
        .expect("reg");
    let wait = sim.wait_idle(100_000_000).expect("wait");
    assert!(wait.idle, "copy did not finish");
    wait.cycles
}

fn sim_speed(c: &mut Criterion) {
    let mut group = c.benchmark_group("sim_cycles_during_dma");
    group.sample_size(10);
    for name in RtlSim::built_configs() {
        let cfg = HwConfig::builtin(&name).expect("built-in config");
        let mut sim = RtlSim::new(&cfg, &SimOptions::default()).expect("model built");
        let cycles = copy(&mut sim);
        group.throughput(Throughput::Elements(cycles));
        group.bench_function(&name, |b| b.iter(|| copy(&mut sim)));
    }
    group.finish();
}

criterion_group!(benches, sim_speed);
criterion_main!(benches);
