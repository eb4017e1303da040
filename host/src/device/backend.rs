//! Choosing and opening a backend.

/// The backends this build can open.
pub fn available() -> Vec<&'static str> {
    let mut v = Vec::new();
    if cfg!(feature = "rtl") {
        v.push("rtl");
    }
    v
}

/// Opens the Verilator simulation of `config`'s RTL.
#[cfg(feature = "rtl")]
pub fn open_rtl(
    config: &sushi_hw::HwConfig,
    opts: &sushi_sim::SimOptions,
) -> Result<sushi_sim::RtlSim, sushi_sim::SimError> {
    sushi_sim::RtlSim::new(config, opts)
}
