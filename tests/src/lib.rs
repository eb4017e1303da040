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

/// A small deterministic generator for test stimulus (splitmix64).
#[derive(Debug, Clone)]
pub struct TestRng(u64);

impl TestRng {
    /// Seeds the generator.
    pub fn new(seed: u64) -> Self {
        TestRng(seed)
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

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
