//! SushiAbs against a backend that counts cycles (the RTL): every given SubNet under three cache
//! states (empty PB, the smallest SubNet's SubGraph, the SubNet's best SubGraph that fits), with
//! the error of each and the worst (`sushi abs check`).

use serde::Serialize;
use sushi_hw::{Bus, HwConfig};

use crate::compile::layout::Array;
use crate::compile::pb_map::PbMap;
use crate::compile::program::{CompileError, Outputs, compile_refill, compile_subnet};
use crate::compile::tiles::{PbError, TileImage};
use crate::device::driver::{Accel, DriverError, watchdog_cycles};
use crate::net::int8::Act;
use crate::net::supernet::SuperNet;

/// One program's prediction against the backend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AbsCase {
    /// SubNet.
    pub subnet: usize,
    /// Cache state: `empty`, `SubNet 0`, `best`.
    pub cache: String,
    /// Cycles the backend counted.
    pub measured_cycles: u64,
    /// Cycles SushiAbs predicted.
    pub predicted_cycles: u64,
    /// `(predicted - measured) / measured`, percent.
    pub error_percent: f64,
}

/// The whole check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AbsCheck {
    /// Config.
    pub config: String,
    /// Every case.
    pub cases: Vec<AbsCase>,
    /// The largest absolute error, percent.
    pub max_abs_error_percent: f64,
    /// Where it occurs.
    pub worst: Option<AbsCase>,
}

/// Why a check could not run.
#[derive(Debug, thiserror::Error)]
pub enum AbsCheckError {
    /// Compilation failed.
    #[error(transparent)]
    Compile(#[from] CompileError),
    /// A SubGraph did not fit.
    #[error(transparent)]
    Pb(#[from] PbError),
    /// The device failed.
    #[error(transparent)]
    Driver(#[from] DriverError),
}

/// Checks SushiAbs on `subnets` against the backend `bus`.
pub fn check<B: Bus>(
    bus: B,
    config: &HwConfig,
    net: &SuperNet,
    subnets: &[usize],
    mut progress: impl FnMut(usize),
) -> Result<AbsCheck, AbsCheckError> {
    let image = TileImage::build(net, Array::of(config));
    let mut accel = Accel::open(bus, config)?;
    accel.upload_tile_image(&image)?;
    let pb_bytes = config.spec.buffers.pb_bytes as usize;
    let mut cases = Vec::new();
    for (i, &s) in subnets.iter().enumerate() {
        let best =
            crate::compile::tiles::best_subgraph(net, &image, s, pb_bytes)?.map(|c| c.config);
        let small = net.subnets[0].config.clone();
        let states = [
            ("empty", None),
            (
                "SubNet 0",
                (image.bytes(&small)? <= pb_bytes).then_some(small),
            ),
            ("best", best),
        ];
        for (name, g) in states {
            let mut map = PbMap::for_config(config);
            if let Some(g) = &g {
                let refill = map.refill(&image, g)?;
                let p = compile_refill(&refill, &image, config)?;
                let watchdog = watchdog_cycles(crate::cycle_model::abs::predict(&p, config).cycles);
                accel.run_program(&p, watchdog)?;
            } else if name != "empty" {
                continue;
            }
            let mut p = compile_subnet(net, s, &image, &map, config, Outputs::Last)?;
            let network = net
                .network(s)
                .map_err(|message| CompileError::SubNet { index: s, message })?;
            let (h, w, c) = network.input;
            p.set_input(&Act::from_vec(h, w, c, vec![7; h * w * c]));
            let predicted = crate::cycle_model::abs::predict(&p, config).cycles;
            let measured = accel
                .run_program(&p, watchdog_cycles(predicted))?
                .counters
                .busy_cycles;
            cases.push(AbsCase {
                subnet: s,
                cache: name.to_string(),
                measured_cycles: measured,
                predicted_cycles: predicted,
                error_percent: 100.0 * (predicted as f64 - measured as f64)
                    / measured.max(1) as f64,
            });
        }
        progress(i + 1);
    }
    let worst = cases
        .iter()
        .max_by(|a, b| a.error_percent.abs().total_cmp(&b.error_percent.abs()))
        .cloned();
    Ok(AbsCheck {
        config: config.name.clone(),
        max_abs_error_percent: worst.as_ref().map_or(0.0, |w| w.error_percent.abs()),
        worst,
        cases,
    })
}
