//! The static-cache baseline.
use crate::sched::policy::{Now, PbContent, Policy};
use crate::sched::select::{Mode, select};
use crate::sched::table::LatencyTable;

/// One SubGraph for the whole trace (by default what the front's SubNets share the most of).
#[derive(Debug, Clone)]
pub struct StaticCache {
    /// Selection mode.
    pub mode: Mode,
    /// The SubGraph held.
    pub subgraph: usize,
}

impl Policy for StaticCache {
    fn name(&self) -> &str {
        "static-cache"
    }
    fn cache(&mut self, _: &LatencyTable, _: &Now<'_>, _: &PbContent) -> PbContent {
        PbContent::SubGraph(self.subgraph)
    }
    fn select(&mut self, table: &LatencyTable, now: &Now<'_>, _: &PbContent) -> usize {
        select(
            table,
            &now.queries[now.i],
            self.subgraph,
            self.mode,
            now.waited_cycles(),
        )
    }
}
