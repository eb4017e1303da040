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
