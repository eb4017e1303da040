//! The host's command checks (`sushi_host::device::checks`, the first line of defence) against the RTL's
//! dispatch checks (the second): on random DMA, LOAD_W_PB and COPY_PB commands near every limit, both give the
//! same verdict and the same error code; every program the compiler emits passes; and the driver
//! refuses a bad program before anything reaches the device.

use sushi_host::compile::program::{Outputs, compile};
use sushi_host::device::checks::{Limits, Window, check_command, check_stream};
use sushi_host::device::driver::{Accel, DriverError};
use sushi_host::device::model::ModelAccel;
use sushi_host::net::network::{RandomSpec, random_network};
use sushi_hw::commands::{Command, Control, CopyPb, Dma, LoadWPb, Op};
use sushi_hw::regs::{self, ErrorCode};
use sushi_hw::{Bus, HwConfig};
use sushi_sim::{RtlSim, Stalls};
use sushi_tests::{TestRng, config, long_run, rtl, seed};

/// A value for a 32-bit field (narrower fields check their width when encoded).
fn word(v: u64) -> u32 {
    u32::try_from(v).expect("a 32-bit value")
}

/// A random DMA, LOAD_W_PB or COPY_PB command whose fields straddle the limits of `l` and the
/// window `w`.
fn random_transfer(rng: &mut TestRng, l: &Limits, w: Window) -> Command {
    let ops = [
        Op::LoadAct,
        Op::StoreAct,
        Op::LoadW,
        Op::LoadPb,
        Op::LoadEpi,
        Op::CopyPb,
        Op::LoadWPb,
        Op::LoadWPb,
    ];
    let op = ops[rng.below(ops.len() as u64) as usize];
    let rows = [0, 1, 1, 2, 3][rng.below(5) as usize];
    let count = 1 + rng.below(24);
    // Near the end of a memory of `cap` units, or anywhere.
    let near = |rng: &mut TestRng, cap: u64| {
        if rng.below(2) == 0 {
            cap.saturating_sub(rng.below(64))
        } else {
            rng.below(cap)
        }
    };
    if op == Op::CopyPb {
        let (pb, wmem) = (near(rng, l.pb_words), near(rng, l.wmem_words));
        return CopyPb {
            pb_addr: word(pb),
            wmem_addr: word(wmem),
            count: word(count),
            rows,
            pb_stride: word(count + rng.below(4)),
            wmem_stride: word(count + rng.below(4)),
        }
        .encode(op, 0);
    }
    let cap = match op {
        Op::LoadAct | Op::StoreAct => l.act_vectors,
        Op::LoadW | Op::LoadWPb => l.wmem_words,
        Op::LoadPb => l.pb_words,
        _ => l.epi_entries,
    };
    let d = l.data_bytes;
    // DRAM rows near either edge of the window, sometimes misaligned.
    let span = w.last + 1 - w.base;
    let offset = match rng.below(3) {
        0 => rng.below(256),
        1 => span.saturating_sub(rng.below(512)),
        _ => rng.below(span),
    };
    let sram = near(rng, cap);
    let mut dram = (w.base + offset) / d * d;
    if rng.below(8) == 0 {
        dram += 1;
    }
    if rng.below(16) == 0 {
        dram = w.base - d * (1 + rng.below(8));
    }
    let stride = (count * 64).div_ceil(d) * d + if rng.below(8) == 0 { 1 } else { 0 };
    let load = Dma {
        dram_addr: word(dram),
        sram_addr: word(sram),
        count: word(count),
        rows,
        dram_stride: word(stride),
        sram_stride: word(count + rng.below(4)),
    };
    if op == Op::LoadWPb {
        // The PB rows near the PB's end or anywhere, independently of the WMEM rows.
        let pb = near(rng, l.pb_words);
        let pb_stride = u16::try_from(count + rng.below(4)).expect("a short stride");
        return LoadWPb::from_load(&load, word(pb), pb_stride).encode(op, 0);
    }
    load.encode(op, 0)
}

/// Runs `c` alone (END after it) on the RTL; returns the code the job ended with.
fn rtl_verdict(sim: &mut RtlSim, at: u64, c: &Command) -> ErrorCode {
    let mut bytes = c.to_bytes().to_vec();
    bytes.extend_from_slice(&Control.encode(Op::End, 0).to_bytes());
    sim.write_dram(at, &bytes).unwrap();
    sim.write_reg(regs::CMD_BASE, at as u32).unwrap();
    sim.write_reg(regs::CMD_LIMIT, 2).unwrap();
    sim.write_reg(regs::CTRL, regs::CTRL_RUN.mask()).unwrap();
    assert!(sim.wait_idle(2_000_000).unwrap().idle, "the job hung");
    let status = sim.read_reg(regs::STATUS).unwrap();
    sim.write_reg(
        regs::STATUS,
        regs::STATUS_DONE.mask() | regs::STATUS_ERROR.mask(),
    )
    .unwrap();
    if regs::STATUS_ERROR.get(status) == 0 {
        ErrorCode::None
    } else {
        ErrorCode::from_bits(regs::STATUS_ERROR_CODE.get(status))
    }
}

#[test]
fn the_host_refuses_exactly_the_transfers_the_rtl_refuses_with_the_same_code() {
    let seed = seed("host vs RTL command checks", 23);
    let mut rng = TestRng::new(seed);
    let cfg = config("tiny");
    let limits = Limits::of(&cfg);
    let mut sim = rtl(&cfg, Stalls::random(seed, 200), seed);
    // A window in the middle of DRAM, holding the command page (the fetch must pass).
    let base = sim.dram().base;
    let window = Window {
        base: base + 64 * 1024,
        last: base + 192 * 1024 - 1,
    };
    sim.write_reg(regs::DMA_BASE, window.base as u32).unwrap();
    sim.write_reg(regs::DMA_LAST, window.last as u32).unwrap();
    let at = window.base + 60 * 1024;
    let cases = if long_run() { 3_000 } else { 300 };
    let mut by_code = std::collections::BTreeMap::<String, usize>::new();
    let mut deposits = std::collections::BTreeMap::<String, usize>::new();
    for i in 0..cases {
        let c = random_transfer(&mut rng, &limits, window);
        let op = c.op().expect("opcode");
        let host = check_command(op, &c, &limits, window);
        let device = rtl_verdict(&mut sim, at, &c);
        let host_code = host.as_ref().err().map_or(ErrorCode::None, |r| r.code);
        assert_eq!(
            host_code,
            device,
            "case {i}: {op} {:?}: the host says {host:?}, the RTL {device:?}",
            c.decode()
        );
        *by_code.entry(format!("{host_code:?}")).or_default() += 1;
        if op == Op::LoadWPb {
            *deposits.entry(format!("{host_code:?}")).or_default() += 1;
        }
    }
    eprintln!("{cases} commands by verdict: {by_code:?}; LOAD_W_PB: {deposits:?}");
    for code in ["None", "BadCommand", "PbOverflow", "DmaWindow"] {
        assert!(
            by_code.get(code).copied().unwrap_or(0) >= cases / 50,
            "too few {code} cases for the comparison to mean much: {by_code:?}"
        );
    }
    // Deposits reach every verdict of their own: fine, beyond the PB, beyond WMEM or the window.
    for code in ["None", "BadCommand", "PbOverflow", "DmaWindow"] {
        assert!(
            deposits.get(code).copied().unwrap_or(0) >= cases / 200,
            "too few LOAD_W_PB {code} cases: {deposits:?}"
        );
    }
    assert_eq!(sim.stats().violations, 0);
}

#[test]
fn every_program_the_compiler_emits_passes_the_checks() {
    let seed = seed("compiled programs pass", 24);
    let mut rng = TestRng::new(seed);
    for name in ["tiny", "zynq7020", "tangnano9k"] {
        let cfg = config(name);
        let base = sushi_host::device::model::DEFAULT_DRAM_BASE;
        let window = Window {
            base,
            last: base + cfg.spec.dram.bytes - 1,
        };
        let mut compiled = 0;
        for _ in 0..20 {
            // Layers small enough for tiny's 256-word WMEM.
            let spec = RandomSpec {
                max_hw: 12,
                max_c: if name == "tiny" { 8 } else { 24 },
                body_layers: 4,
            };
            let (net, _) = random_network(&mut rng, spec);
            // Networks too large for the config are refused by the compiler, which is fine here.
            let Ok(program) = compile(&net, &cfg, Outputs::All) else {
                continue;
            };
            compiled += 1;
            let image = program.relocated_image(base);
            let stream = sushi_host::device::checks::decode_stream(&image, program.commands.len());
            check_stream(&stream, &Limits::of(&cfg), window)
                .unwrap_or_else(|e| panic!("{name}: a compiled program was refused: {e}"));
        }
        assert!(
            compiled >= 10,
            "{name}: only {compiled} of 20 networks compiled"
        );
    }
}

fn refused_before_sending(cfg: &HwConfig, mutate: impl Fn(&mut Command), want: ErrorCode) {
    let mut rng = TestRng::new(5);
    let spec = RandomSpec {
        max_hw: 9,
        max_c: 8,
        body_layers: 2,
    };
    let (net, input) = random_network(&mut rng, spec);
    let mut program = compile(&net, cfg, Outputs::All).expect("compiles");
    program.set_input(&input);
    let dma = program
        .commands
        .iter()
        .position(|c| c.op() == Some(Op::LoadW))
        .expect("a LOAD_W");
    mutate(&mut program.commands[dma]);
    let mut accel = Accel::open(ModelAccel::new(cfg), cfg).expect("opens");
    match accel.run_program(&program, 0) {
        Err(DriverError::Rejected(r)) => {
            assert_eq!(r.index, dma);
            assert_eq!(r.rejection.code, want, "{r}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // Nothing reached the device: the image was not written.
    let base = accel.bus().dram().base;
    let mut head = vec![0u8; 64];
    accel.bus().read_dram(base, &mut head).unwrap();
    assert!(
        head.iter().all(|&b| b == 0),
        "the program image was written"
    );
}

#[test]
fn the_driver_refuses_a_program_that_would_leave_the_window_or_overflow_the_pb_before_sending_it() {
    let cfg = config("tiny");
    let limits = Limits::of(&cfg);
    // A weight load pointed past the end of DRAM (relocation adds the image base).
    let beyond = cfg.spec.dram.bytes as u32;
    refused_before_sending(
        &cfg,
        |c| {
            let load = Dma {
                dram_addr: beyond,
                ..Dma::decode(c)
            };
            load.write(c).unwrap();
        },
        ErrorCode::DmaWindow,
    );
    // A weight load into WMEM beyond its end.
    refused_before_sending(
        &cfg,
        |c| {
            let load = Dma {
                sram_addr: limits.wmem_words as u32,
                ..Dma::decode(c)
            };
            load.write(c).unwrap();
        },
        ErrorCode::BadCommand,
    );
    // The same load turned into a PB fill beyond the PB.
    refused_before_sending(
        &cfg,
        |c| {
            let fill = Dma {
                sram_addr: limits.pb_words as u32,
                ..Dma::decode(c)
            };
            *c = fill.encode(Op::LoadPb, c.wait_count());
        },
        ErrorCode::PbOverflow,
    );
}
