//! SushiSched: per-query SubNet selection and SubGraph cache planning (DESIGN.md section 7),
//! with the baselines every benchmark reports beside it, all behind one [`Policy`] trait, and a
//! table-driven serving loop.
//!
//! The latency table `L[S][G]` ([`LatencyTable`], [`table`]) holds SushiAbs's cycles for every
//! candidate SubNet (the Pareto front, [`front`]) under every candidate SubGraph. Selection
//! ([`select`]), per query with targets `(A, T)` under cache `G`: feasible SubNets have
//! `acc(S) >= A` and `L[S][G] <= T`; latency-strict mode serves the most accurate feasible one,
//! accuracy-strict mode the fastest; when none is feasible, the most accurate SubNet within `T`,
//! else the fastest (an SLO miss either way). The latency target is end to end, so selection fits
//! the service into what queueing left of it. Planning, every `period` queries: the SubGraph
//! minimising the service cycles of the window's demand plus the refill from the current one,
//! refills charged as DMA cycles on the accelerator's timeline. The policies ([`policies`], one
//! file each) are built by name in [`registry`]; [`timeline`] serves a trace with one of them.
//! [`bound`] is the lower bound on DRAM weight bytes for a fixed sequence of selections.
//!
//! Dependencies inside: `table` and `select` know no policy; `policy` is the seam; `policies`
//! implement it; `registry` and `timeline` sit on top.

pub mod bound;
pub mod front;
pub mod policies;
pub mod policy;
pub mod registry;
pub mod select;
pub mod table;
pub mod tile_plan;
pub mod timeline;

#[cfg(test)]
mod fixtures;

pub use policy::{Now, PbContent, Policy, TilePricer};
pub use registry::{POLICY_NAMES, PolicyName, UnknownPolicy, make_policy};
pub use select::{Mode, plan, plan_demand, select, select_within};
pub use table::{Candidate, LatencyTable, RunCost, TableBuildError, build_table};
pub use timeline::{ServeSummary, Served, latency_stats, serve_table, summarize};
