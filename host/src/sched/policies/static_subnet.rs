//! The static-SubNet baseline.
use crate::sched::policy::{Now, PbContent, Policy};
use crate::sched::table::LatencyTable;

/// One SubNet for every query, its SubGraph cached.
#[derive(Debug, Clone)]
pub struct StaticSubNet {
    /// The candidate served.
    pub candidate: usize,
    /// The SubGraph held.
    pub subgraph: usize,
}

impl Policy for StaticSubNet {
    fn name(&self) -> &str {
        "static-subnet"
    }
    fn cache(&mut self, _: &LatencyTable, _: &Now<'_>, _: &PbContent) -> PbContent {
        PbContent::SubGraph(self.subgraph)
    }
    fn select(&mut self, _: &LatencyTable, _: &Now<'_>, _: &PbContent) -> usize {
        self.candidate
    }
}
