//! Cache-unaware selection with SushiSched's plans.
use super::sushi::Sushi;
use crate::sched::policy::{Now, PbContent, Policy};
use crate::sched::select::select;
use crate::sched::table::LatencyTable;

/// SushiSched's planning, but selection that ignores the cache (it reads `L[S][empty]`).
#[derive(Debug, Clone)]
pub struct CacheUnaware {
    /// Selection mode, period and window as [`Sushi`]'s.
    pub inner: Sushi,
}

impl Policy for CacheUnaware {
    fn name(&self) -> &str {
        "cache-unaware"
    }
    fn cache(&mut self, table: &LatencyTable, now: &Now<'_>, current: &PbContent) -> PbContent {
        let i = now.i;
        self.inner.plan_at(
            table,
            now,
            i.saturating_sub(self.inner.window)..i,
            current,
            false,
        )
    }
    fn select(&mut self, table: &LatencyTable, now: &Now<'_>, _: &PbContent) -> usize {
        select(
            table,
            &now.queries[now.i],
            0,
            self.inner.mode,
            now.waited_cycles(),
        )
    }
    fn deposit_target(
        &mut self,
        _: &LatencyTable,
        _: &Now<'_>,
        held: &PbContent,
        _: usize,
    ) -> Option<std::sync::Arc<crate::compile::tiles::TileSet>> {
        self.inner.deposit_target_for(held)
    }
}
