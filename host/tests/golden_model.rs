//! The golden model executes compiled command streams bit-exactly as the reference kernels
//! compute the network, on every built-in config; and it refuses broken streams.

use sushi_host::compile::program::{Outputs, compile};
use sushi_host::device::driver::{Accel, DriverError};
use sushi_host::device::model::ModelAccel;
use sushi_host::net::network::{RandomSpec, random_network};
use sushi_host::rng::SplitMix64;
use sushi_hw::commands::{self, Command, Engine, Header, Op};
use sushi_hw::regs::{self, ErrorCode};
use sushi_hw::{Bus, BusError, HwConfig};

fn seed(test: &str, default: u64) -> u64 {
    let seed = std::env::var("SUSHI_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    eprintln!("{test}: seed {seed} (reproduce with SUSHI_TEST_SEED={seed})");
    seed
}

fn long() -> bool {
    std::env::var("SUSHI_LONG").is_ok_and(|v| v != "0")
}

fn is_compute(c: &Command) -> bool {
    c.op().is_some_and(|op| op.engine() == Engine::Compute)
}

/// Rewrites the `WAIT_COUNT` of `c`, whatever its format.
fn set_wait_count(c: &mut Command, wait: u32) {
    let (op, fields) = c.decode().unwrap();
    *c = fields.encode(op, wait);
}

#[test]
fn random_networks_run_bit_exact_on_the_golden_model_for_every_config() {
    let seed = seed("golden model networks", 17);
    let mut rng = SplitMix64::new(seed);
    let cases = if long() { 2000 } else { 60 };
    for name in HwConfig::builtin_names() {
        let cfg = HwConfig::builtin(name).unwrap();
        for case in 0..cases {
            let spec = RandomSpec {
                max_hw: 11,
                max_c: 8,
                body_layers: 1 + rng.below(5) as usize,
            };
            let (net, input) = random_network(&mut rng, spec);
            let what = format!("{name} case {case}");
            let mut program =
                compile(&net, &cfg, Outputs::All).unwrap_or_else(|e| panic!("{what}: {e}"));
            program.set_input(&input);
            let mut accel = Accel::open(ModelAccel::new(&cfg), &cfg).unwrap();
            let report = match accel.run_program(&program, 1 << 40) {
                Ok(r) => r,
                Err(e) => panic!("{what}: {e} ({:?})\n{net:#?}", accel.bus().fault_detail()),
            };
            let reference = net.run_reference(&input);
            assert_eq!(
                report.outputs.len(),
                net.layers.len(),
                "{what}: every layer stored"
            );
            for (tensor, got) in &report.outputs {
                assert_eq!(
                    got,
                    &reference[*tensor],
                    "{what}: tensor {tensor} ({})",
                    net.layers[tensor - 1].op()
                );
            }
            assert_eq!(
                report.traffic.dram_read_weight_bytes, program.weight_bytes as u64,
                "{what}"
            );
            assert_eq!(
                report.traffic.dram_read_cmd_bytes,
                (program.commands.len() * commands::COMMAND_BYTES) as u64,
                "{what}"
            );
        }
    }
}

fn small_program(cfg: &HwConfig) -> sushi_host::compile::program::Program {
    let mut rng = SplitMix64::new(5);
    let (net, input) = random_network(
        &mut rng,
        RandomSpec {
            max_hw: 6,
            max_c: 6,
            body_layers: 3,
        },
    );
    let mut program = compile(&net, cfg, Outputs::Last).unwrap();
    program.set_input(&input);
    program
}

#[test]
fn a_missing_wait_is_reported_as_a_race() {
    let cfg = HwConfig::builtin("tiny").unwrap();
    let mut program = small_program(&cfg);
    // Drop the wait of the first compute command: it no longer waits for its loads.
    let i = program.commands.iter().position(is_compute).unwrap();
    set_wait_count(&mut program.commands[i], 0);
    let err = Accel::open(ModelAccel::new(&cfg), &cfg)
        .unwrap()
        .run_program(&program, 1 << 40)
        .unwrap_err();
    match err {
        DriverError::Bus(BusError::Backend(msg)) => assert!(msg.contains("race"), "{msg}"),
        e => panic!("expected a race, got {e}"),
    }
}

#[test]
fn a_wait_on_a_later_command_is_reported_as_a_deadlock() {
    let cfg = HwConfig::builtin("tiny").unwrap();
    let mut program = small_program(&cfg);
    set_wait_count(&mut program.commands[0], 1);
    let err = Accel::open(ModelAccel::new(&cfg), &cfg)
        .unwrap()
        .run_program(&program, 1 << 40)
        .unwrap_err();
    assert!(err.to_string().contains("deadlock"), "{err}");
}

/// Starts `program` on the model through its registers, bypassing the driver's checks; returns
/// the code the job ended with.
fn raw_run(cfg: &HwConfig, program: &sushi_host::compile::program::Program) -> ErrorCode {
    let mut m = ModelAccel::new(cfg);
    let base = m.dram().base;
    m.write_dram(base, &program.relocated_image(base)).unwrap();
    m.write_reg(regs::CMD_BASE, base as u32).unwrap();
    m.write_reg(regs::CMD_LIMIT, program.commands.len() as u32)
        .unwrap();
    m.write_reg(regs::CTRL, regs::CTRL_RUN.mask()).unwrap();
    m.wait_idle(0).unwrap();
    ErrorCode::from_bits(regs::STATUS_ERROR_CODE.get(m.read_reg(regs::STATUS).unwrap()))
}

#[test]
fn a_bad_opcode_and_a_missing_end_are_refused_by_the_host_and_are_hardware_errors() {
    let cfg = HwConfig::builtin("tiny").unwrap();
    let mut bad_opcode = small_program(&cfg);
    let unknown = &mut bad_opcode.commands[1];
    Header {
        opcode: 0x7f,
        ..Header::decode(unknown)
    }
    .write(unknown)
    .unwrap();
    let mut no_end = small_program(&cfg);
    no_end.commands.pop(); // the END
    for (program, code) in [
        (bad_opcode, ErrorCode::BadOpcode),
        (no_end, ErrorCode::NoEnd),
    ] {
        // The driver refuses to send it, with the code the device would raise...
        let err = Accel::open(ModelAccel::new(&cfg), &cfg)
            .unwrap()
            .run_program(&program, 1 << 40)
            .unwrap_err();
        assert!(
            matches!(&err, DriverError::Rejected(r) if r.rejection.code == code),
            "{err}"
        );
        // ... and the device raises it when the stream gets there anyway.
        assert_eq!(raw_run(&cfg, &program), code);
    }
}

#[test]
fn a_network_too_big_for_the_activation_buffer_is_refused_with_a_reason() {
    let cfg = HwConfig::builtin("tiny").unwrap();
    let mut rng = SplitMix64::new(1);
    let (mut net, _) = random_network(
        &mut rng,
        RandomSpec {
            max_hw: 4,
            max_c: 4,
            body_layers: 1,
        },
    );
    net.input = (64, 64, 8);
    let err = sushi_host::compile::program::compile(&net, &cfg, Outputs::Last)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("activation buffer") || err.contains("layer 0"),
        "{err}"
    );
}

#[test]
fn wide_layers_split_into_chunks_and_stay_bit_exact() {
    // Hundreds of channels on small arrays: weights and epilogue entries no longer fit one half of
    // WMEM and EPI, so layers split into chunks of output groups (CONV) or channel vectors
    // (DWCONV, GAP), and single groups larger than a half take the whole buffer.
    let seed = seed("golden model wide layers", 23);
    let mut rng = SplitMix64::new(seed);
    for name in ["tiny", "tangnano9k"] {
        let cfg = HwConfig::builtin(name).unwrap();
        let mut chunked = 0;
        for case in 0..if long() { 200 } else { 12 } {
            let spec = RandomSpec {
                max_hw: 3,
                max_c: 300,
                body_layers: 1 + rng.below(3) as usize,
            };
            let (net, input) = random_network(&mut rng, spec);
            let what = format!("{name} wide case {case}");
            let mut program = match compile(&net, &cfg, Outputs::All) {
                Ok(p) => p,
                // A 7x7 convolution over hundreds of channels cannot fit one group in WMEM: the
                // compiler must say so rather than emit something wrong.
                Err(e @ sushi_host::compile::program::CompileError::WeightChunk { .. }) => {
                    assert!(e.to_string().contains("WMEM holds"), "{e}");
                    continue;
                }
                Err(e) => panic!("{what}: {e}"),
            };
            let computes = program.commands.iter().filter(|c| is_compute(c)).count();
            if computes > net.layers.len() {
                chunked += 1;
            }
            program.set_input(&input);
            let report = Accel::open(ModelAccel::new(&cfg), &cfg)
                .unwrap()
                .run_program(&program, 0)
                .unwrap();
            let reference = net.run_reference(&input);
            for (tensor, got) in &report.outputs {
                assert_eq!(got, &reference[*tensor], "{what}: tensor {tensor}");
            }
        }
        assert!(
            chunked > 0,
            "{name}: no network needed chunks; the test lost its point"
        );
    }
}

#[test]
fn tensors_too_big_for_the_activation_buffer_run_in_row_bands_through_dram() {
    // 28 x 28 feature maps with several channels do not fit `tiny`'s 16 KiB (or `tangnano9k`'s
    // 24 KiB) activation buffer: every tensor goes to DRAM and layers run band by band, each
    // band loading its input rows with their halo.
    let seed = seed("golden model row bands", 29);
    let mut rng = SplitMix64::new(seed);
    for (name, max_c) in [("tiny", 64), ("tangnano9k", 48)] {
        let cfg = HwConfig::builtin(name).unwrap();
        let mut banded = 0;
        for case in 0..if long() { 300 } else { 20 } {
            let spec = RandomSpec {
                max_hw: 32,
                max_c,
                body_layers: 1 + rng.below(4) as usize,
            };
            let (net, input) = random_network(&mut rng, spec);
            let what = format!("{name} band case {case}");
            let mut program = match compile(&net, &cfg, Outputs::All) {
                Ok(p) => p,
                // Limits the compiler must report rather than work around: a 7x7 group larger
                // than WMEM, or a pool over a map larger than half of ACT.
                Err(e @ sushi_host::compile::program::CompileError::WeightChunk { .. }) => {
                    assert!(e.to_string().contains("WMEM holds"), "{e}");
                    continue;
                }
                Err(e @ sushi_host::compile::program::CompileError::GapTooLarge { .. }) => {
                    assert!(e.to_string().contains("global average pool"), "{e}");
                    continue;
                }
                Err(e @ sushi_host::compile::program::CompileError::ActOverflow { .. }) => {
                    assert!(e.to_string().contains("one row band needs"), "{e}");
                    continue;
                }
                Err(e) => panic!("{what}: {e}"),
            };
            let loads = program
                .commands
                .iter()
                .filter(|c| c.op() == Some(Op::LoadAct))
                .count();
            if loads > 1 {
                banded += 1;
            }
            program.set_input(&input);
            let mut accel = Accel::open(ModelAccel::new(&cfg), &cfg).unwrap();
            let report = match accel.run_program(&program, 0) {
                Ok(r) => r,
                Err(e) => panic!("{what}: {e} ({:?})", accel.bus().fault_detail()),
            };
            let reference = net.run_reference(&input);
            for (tensor, got) in &report.outputs {
                assert_eq!(
                    got,
                    &reference[*tensor],
                    "{what}: tensor {tensor} ({})",
                    net.layers[tensor - 1].op()
                );
            }
        }
        assert!(
            banded > 0,
            "{name}: no network needed row bands; the test lost its point"
        );
    }
}

#[test]
fn the_benchmark_network_runs_bit_exact_on_every_board_config() {
    let (net, input) = sushi_host::net::network::benchmark_network(1);
    let reference = net.run_reference(&input);
    // `tiny` (8 KiB of activation buffer) is for tests; a 14-wide row of 96 channels is too wide
    // for half of it, which the compiler reports (tested above).
    for name in HwConfig::builtin_names()
        .into_iter()
        .filter(|&n| n != "tiny")
    {
        let cfg = HwConfig::builtin(name).unwrap();
        let mut program =
            compile(&net, &cfg, Outputs::All).unwrap_or_else(|e| panic!("{name}: {e}"));
        program.set_input(&input);
        let report = Accel::open(ModelAccel::new(&cfg), &cfg)
            .unwrap()
            .run_program(&program, 0)
            .unwrap();
        for (tensor, got) in &report.outputs {
            assert_eq!(
                got,
                &reference[*tensor],
                "{name}: tensor {tensor} ({})",
                net.layers[tensor - 1].op()
            );
        }
        // The logits are not all saturated: the stand-in network carries signal to the end.
        let logits = &reference.last().unwrap().data;
        assert!(logits.iter().any(|&v| v != 127 && v != -128), "{logits:?}");
    }
}
