//! Shared helpers of the cross-crate tests in `tests/tests/`.
//!
//! Seeds: every randomized test takes its seed from [`seed`], which prints it, so a failure
//! shows the seed that reproduces it: `SUSHI_TEST_SEED=<n> cargo test -p sushi-tests <name>`.

use sushi_hw::HwConfig;
use sushi_sim::{RtlSim, SimOptions, Stalls};

/// The seed of a randomized test: `SUSHI_TEST_SEED` if set, else `default`. Printed, so that
/// a failing run's output names the seed that reproduces it.
pub fn seed(test: &str, default: u64) -> u64 {
    let seed = match std::env::var("SUSHI_TEST_SEED") {
        Ok(s) => s
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("SUSHI_TEST_SEED={s:?} is not an integer")),
        Err(_) => default,
    };
    eprintln!("{test}: seed {seed} (reproduce with SUSHI_TEST_SEED={seed})");
    seed
}

/// True when long randomized runs were asked for (`SUSHI_LONG=1`).
pub fn long_run() -> bool {
    std::env::var("SUSHI_LONG").is_ok_and(|v| v != "0")
}

/// The deterministic generator of test stimulus.
pub use sushi_host::rng::SplitMix64 as TestRng;

/// A built-in config by name.
pub fn config(name: &str) -> HwConfig {
    HwConfig::builtin(name).unwrap_or_else(|e| panic!("{e}"))
}

/// The RTL of `config` with the given stalls and seed.
pub fn rtl(config: &HwConfig, stalls: Stalls, seed: u64) -> RtlSim {
    let opts = SimOptions {
        seed,
        stalls,
        ..SimOptions::default()
    };
    RtlSim::new(config, &opts).unwrap_or_else(|e| panic!("{e}"))
}

/// The shipped SuperNet, loaded once per test binary.
pub fn shipped_supernet() -> &'static sushi_host::net::supernet::SuperNet {
    static NET: std::sync::OnceLock<sushi_host::net::supernet::SuperNet> =
        std::sync::OnceLock::new();
    NET.get_or_init(|| {
        sushi_host::net::supernet::SuperNet::load(&shipped_supernet_path())
            .unwrap_or_else(|e| panic!("{e}"))
    })
}

/// Where the shipped SuperNet lives.
pub fn shipped_supernet_path() -> std::path::PathBuf {
    sushi_host::net::supernet::shipped_path()
}

/// The measured Pareto front of the shipped SuperNet on `config` (accuracy from its table).
pub fn measured_front(config: &HwConfig) -> Vec<sushi_host::sched::front::SubNetPoint> {
    use sushi_host::sched::front::{
        AccuracyTable, accuracy_table_path, measured_points, pareto_front,
    };
    let net = shipped_supernet();
    let acc = AccuracyTable::load(&accuracy_table_path(&shipped_supernet_path()), net)
        .unwrap_or_else(|e| panic!("{e}"));
    pareto_front(&measured_points(net, config, &acc))
}

/// The bytes of PB words `words` (word `w` at `(w - words.start) * R * C`), read back through the
/// datapath, since neither the RTL nor a board has a window onto the PB: per batch, `COPY_PB` the
/// words to WMEM and run them as the weights of a 1x1 `CONV` over `C` positions whose input
/// vectors are one-hot (position `x` has a 1 in channel `x`) with an identity requantisation
/// (`m = 2^30`, `s = 30`, no bias), so output channel `g*R + r` at position `c` is byte `[r][c]`
/// of word `g`, exactly. Works on any backend, so the RTL's PB and the golden model's compare
/// byte for byte.
pub fn read_pb<B: sushi_hw::Bus>(
    accel: &mut sushi_host::device::driver::Accel<B>,
    config: &HwConfig,
    words: std::ops::Range<u32>,
) -> Vec<u8> {
    use sushi_host::compile::layout::{self, Array};
    use sushi_host::compile::program::{Program, Reloc, StoredTensor};
    use sushi_host::net::int8::{Clamp, Epilogue, Requant};
    use sushi_hw::commands::{COMMAND_BYTES, Control, CopyPb, Dma, Op, Window};

    let array = Array::of(config);
    let (r, c) = (array.rows, array.cols);
    let b = &config.spec.buffers;
    let wmem_words = b.weight_staging_bytes as usize / array.word_bytes();
    let act_vectors = b.activation_bytes as usize / c;
    // Words per batch: WMEM, EPI (R entries a word), the 8-bit GROUPS and OUT_CV fields, and ACT
    // (R input vectors, then R*R/C output vectors a word).
    let batch = wmem_words
        .min(b.epilogue_entries as usize / r)
        .min(255 * c / r)
        .min(255)
        .min((act_vectors - r) * c / (r * r));
    let field = |v: usize| u32::try_from(v).expect("a command field");
    let mut out = Vec::with_capacity(words.len() * array.word_bytes());
    let mut w0 = words.start as usize;
    while w0 < words.end as usize {
        let n = batch.min(words.end as usize - w0);
        let out_cv = n * r / c;
        let epi_entries = n * r;
        let cmd_bytes = 6 * COMMAND_BYTES;
        let epi_off = cmd_bytes.next_multiple_of(64);
        let input_off = (epi_off + epi_entries * 16).next_multiple_of(64);
        let out_off = (input_off + r * c).next_multiple_of(64);
        let epi = layout::pack_epilogue(
            &Epilogue {
                bias: vec![0; epi_entries],
                requant: vec![Requant { m: 1 << 30, s: 30 }; epi_entries],
                clamp: Clamp { lo: -128, hi: 127 },
            },
            epi_entries,
        );
        let mut image = vec![0u8; out_off + out_cv * r * c];
        image[epi_off..epi_off + epi.len()].copy_from_slice(&epi);
        // ACT vector x (bank x): one-hot on channel x; vectors C..R stay zero.
        for x in 0..c {
            image[input_off + x * c + x] = 1;
        }
        let one_row = |dram: usize, sram: usize, count: usize| Dma {
            dram_addr: field(dram),
            sram_addr: field(sram),
            count: field(count),
            rows: 1,
            ..Dma::default()
        };
        let commands = vec![
            one_row(input_off, 0, r).encode(Op::LoadAct, 0),
            one_row(epi_off, 0, epi_entries).encode(Op::LoadEpi, 0),
            CopyPb {
                pb_addr: field(w0),
                wmem_addr: 0,
                count: field(n),
                rows: 1,
                ..CopyPb::default()
            }
            .encode(Op::CopyPb, 0),
            Window {
                in_addr: 0,
                kernel: 1,
                stride: 1,
                in_h: 1,
                in_w: u8::try_from(c).expect("C fits IN_W"),
                in_cv: 1,
                in_row0: 0,
                out_addr: field(r),
                out_cv: u8::try_from(out_cv).expect("OUT_CV"),
                out_row0: 0,
                out_rows: 1,
                groups: u8::try_from(n).expect("GROUPS"),
                in_vectors: 1,
                w_addr: 0,
                epi_addr: 0,
                clamp_lo: -128,
                clamp_hi: 127,
            }
            .encode(Op::Conv, 3),
            one_row(out_off, r, out_cv * r).encode(Op::StoreAct, 1),
            Control.encode(Op::End, 0),
        ];
        let relocs = vec![
            Reloc::Image,
            Reloc::Image,
            Reloc::None,
            Reloc::None,
            Reloc::Image,
            Reloc::None,
        ];
        let program = Program {
            image,
            commands,
            input_offset: input_off,
            input_shape: (1, c, c),
            input_unroll: None,
            outputs: vec![StoredTensor {
                tensor: 1,
                offset: out_off,
                shape: (1, c, n * r),
            }],
            array,
            weight_bytes: 0,
            pb_bytes: n * array.word_bytes(),
            deposited_bytes: 0,
            relocs,
            tile_image: None,
        };
        let report = accel
            .run_program(&program, 10_000_000)
            .unwrap_or_else(|e| panic!("reading PB words {w0}..{}: {e}", w0 + n));
        let act = &report.outputs[0].1;
        for g in 0..n {
            for row in 0..r {
                for col in 0..c {
                    out.push(act.data[col * n * r + g * r + row] as u8);
                }
            }
        }
        w0 += n;
    }
    out
}
