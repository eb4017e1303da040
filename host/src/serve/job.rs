//! Serving a whole trace under one policy on a backend opened by kind ([`ServeJob`]): the device
//! opened, the executor built, every query run and checked, the metrics summarised.

use sushi_hw::HwConfig;

use super::executor::{Executed, Executor, ServeError, serve_exec, summarize_exec};
use crate::compile::layout::Array;
use crate::compile::pb_map::PbMap;
use crate::compile::program::{CompileError, Outputs, compile_subnet};
use crate::compile::tiles::TileImage;
use crate::device::backend::{self, BackendError, BackendKind, OpenOptions};
use crate::net::dataset::Split;
use crate::net::supernet::SuperNet;
use crate::sched::{LatencyTable, Policy, ServeSummary, Served};
use crate::workload::trace::Query;

/// A trace to serve on a device: everything [`ServeJob::run`] needs besides the policy.
#[derive(Debug, Clone)]
pub struct ServeJob<'a> {
    /// Where queries execute: `rtl` (outputs checked against the golden model), `model` or
    /// `board` (checked against the int8 reference). `abs` executes nothing and cannot serve here.
    pub backend: BackendKind,
    /// How to open it (the RTL's faults, the board's devices).
    pub open: OpenOptions,
    /// The SuperNet.
    pub net: &'a SuperNet,
    /// The hw config.
    pub config: &'a HwConfig,
    /// SushiAbs's latency table of the candidates: the timeline decisions are made on.
    pub table: &'a LatencyTable,
    /// The test images queries name.
    pub split: &'a Split,
    /// The queries.
    pub trace: &'a [Query],
}

/// A served trace: the metrics, and every query's decision and run.
#[derive(Debug, Clone)]
pub struct ServeRun {
    /// DESIGN.md's metrics.
    pub summary: ServeSummary,
    /// Each query's decision and latencies.
    pub served: Vec<Served>,
    /// Each query's run on the device.
    pub runs: Vec<Executed>,
}

impl ServeRun {
    /// The queries that failed on the device: id, and what happened.
    pub fn faults(&self) -> impl Iterator<Item = (u64, &str)> {
        self.served
            .iter()
            .zip(&self.runs)
            .filter_map(|(s, r)| r.fault.as_deref().map(|f| (s.id, f)))
    }
}

/// Why a trace could not be served.
#[derive(Debug, thiserror::Error)]
pub enum ServeJobError {
    /// The backend did not open.
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// A candidate did not compile (sizing the board's buffer).
    #[error(transparent)]
    Compile(#[from] CompileError),
    /// Serving stopped.
    #[error(transparent)]
    Serve(#[from] ServeError),
}

impl ServeJob<'_> {
    /// Serves the trace under `policy`; `progress(i)` after each query.
    pub fn run(
        &self,
        policy: &mut dyn Policy,
        progress: impl FnMut(usize),
    ) -> Result<ServeRun, ServeJobError> {
        let name = policy.name().to_string();
        let device = backend::open(self.backend, self.config, &self.open)?;
        if self.backend == BackendKind::Board {
            device.require_buffer(self.board_buffer_bytes()?)?;
        }
        // The RTL is checked against the golden model; the model and the board against the
        // int8 reference.
        let golden = self.backend == BackendKind::Rtl;
        let mut exec = Executor::new(device, self.net, self.config, golden)?;
        let (served, runs) = serve_exec(
            &mut exec, self.table, self.split, self.trace, policy, progress,
        )?;
        let summary = summarize_exec(
            self.table,
            &served,
            &runs,
            &name,
            self.backend.name(),
            self.config,
        );
        Ok(ServeRun {
            summary,
            served,
            runs,
        })
    }

    /// What a board's DMA buffer must hold: the tile image (4 KiB-aligned at the top) and the
    /// largest candidate's program (at the bottom).
    fn board_buffer_bytes(&self) -> Result<u64, CompileError> {
        let image = TileImage::build(self.net, Array::of(self.config));
        let empty = PbMap::for_config(self.config);
        let mut largest = 0u64;
        for c in &self.table.candidates {
            let p = compile_subnet(
                self.net,
                c.subnet,
                &image,
                &empty,
                self.config,
                Outputs::Last,
            )?;
            largest = largest.max(p.image.len() as u64);
        }
        Ok(image.data().len() as u64 + largest + 4096)
    }
}
