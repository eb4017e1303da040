//! The no-cache baseline.
use crate::sched::policy::{Now, PbContent, Policy};
use crate::sched::select::{Mode, select};
use crate::sched::table::LatencyTable;

/// No cache: the PB stays empty.
#[derive(Debug, Clone)]
pub struct NoCache {
    /// Selection mode.
    pub mode: Mode,
}

impl Policy for NoCache {
    fn name(&self) -> &str {
        "no-cache"
    }
    fn cache(&mut self, _: &LatencyTable, _: &Now<'_>, _: &PbContent) -> PbContent {
        PbContent::SubGraph(0)
    }
    fn select(&mut self, table: &LatencyTable, now: &Now<'_>, _: &PbContent) -> usize {
        select(
            table,
            &now.queries[now.i],
            0,
            self.mode,
            now.waited_cycles(),
        )
    }
}
