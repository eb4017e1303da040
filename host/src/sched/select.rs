//! Selection (DESIGN.md section 7, steps 1-4) and SubGraph planning over a window's demand.
use serde::Serialize;

use super::table::LatencyTable;
use crate::workload::trace::Query;

/// Which target a query's selection honours first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Mode {
    /// Meet the latency target, then be as accurate as possible.
    LatencyStrict,
    /// Meet the accuracy target, then be as fast as possible.
    AccuracyStrict,
}

/// DESIGN.md section 7, steps 1-4: the candidate to serve `q` with SubGraph `g` cached, when
/// `waited_cycles` have passed since it arrived. A latency target is end to end, so the service
/// must fit what queueing left of it (`T - waited`); with an idle accelerator that is all of `T`.
/// Under a backlog the budget shrinks, feasible SubNets get faster and the queue drains, where a
/// queue-blind rule would keep serving SubNets sized for an idle accelerator.
pub fn select(table: &LatencyTable, q: &Query, g: usize, mode: Mode, waited_cycles: u64) -> usize {
    let budget = q.latency_target_cycles.saturating_sub(waited_cycles);
    select_within(table, q, mode, budget, |s| table.cycles[s][g])
}

/// Steps 2-4 of [`select`] with any service budget and any cost per candidate: feasible
/// candidates meet `q`'s accuracy target and cost at most `budget_cycles`; latency-strict mode
/// takes the most accurate, accuracy-strict the cheapest; with none feasible, the most accurate
/// within the budget, else the cheapest.
pub fn select_within(
    table: &LatencyTable,
    q: &Query,
    mode: Mode,
    budget_cycles: u64,
    cost: impl Fn(usize) -> u64,
) -> usize {
    let n = table.candidates.len();
    let fits_t = |s: usize| cost(s) <= budget_cycles;
    let fits_a = |s: usize| table.candidates[s].accuracy >= q.accuracy_target;
    let acc = |s: usize| table.candidates[s].accuracy;
    let cyc = |s: usize| cost(s);
    let feasible = (0..n).filter(|&s| fits_t(s) && fits_a(s));
    let best = match mode {
        Mode::LatencyStrict => {
            feasible.max_by(|&a, &b| acc(a).total_cmp(&acc(b)).then(cyc(b).cmp(&cyc(a))))
        }
        Mode::AccuracyStrict => {
            feasible.min_by(|&a, &b| cyc(a).cmp(&cyc(b)).then(acc(b).total_cmp(&acc(a))))
        }
    };
    best.or_else(|| {
        (0..n)
            .filter(|&s| fits_t(s))
            .max_by(|&a, &b| acc(a).total_cmp(&acc(b)).then(cyc(b).cmp(&cyc(a))))
    })
    .unwrap_or_else(|| (0..n).min_by_key(|&s| cyc(s)).expect("candidates"))
}

/// The SubGraph minimising the cycles to serve `window` plus the refill from `current`.
///
/// The window's demand is the SubNet each query would be served with an empty PB (its targets
/// as they arrived); the plan caches what saves that demand the most. Planning on the demand
/// rather than on what selection would pick under each candidate SubGraph matters in
/// latency-strict mode: there a cache lets selection upgrade to slower, more accurate SubNets,
/// and a planner counting those cycles as a cost would avoid exactly the SubGraphs that enable
/// the upgrades (measured: 33% against 37% PB hit ratio, lower served accuracy).
pub fn plan(table: &LatencyTable, window: &[Query], current: usize, mode: Mode) -> usize {
    let demand: Vec<usize> = window
        .iter()
        .map(|q| select(table, q, 0, mode, 0))
        .collect();
    plan_demand(table, &demand, current)
}

/// The SubGraph minimising the cycles of serving the candidates `demand` plus the refill from
/// `current`.
pub fn plan_demand(table: &LatencyTable, demand: &[usize], current: usize) -> usize {
    (0..table.subgraphs.len())
        .min_by_key(|&g| {
            let serve: u64 = demand.iter().map(|&s| table.cycles[s][g]).sum();
            (serve + table.refill_cycles(current, g), g != current)
        })
        .expect("the empty SubGraph is always a candidate")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sched::fixtures::{q, table};

    #[test]
    fn selection_follows_the_four_steps() {
        let t = table();
        // Feasible {1, 2} with the cache of 2: latency-strict takes the most accurate.
        assert_eq!(select(&t, &q(86.0, 310), 2, Mode::LatencyStrict, 0), 2);
        // ... accuracy-strict the fastest.
        assert_eq!(select(&t, &q(86.0, 310), 2, Mode::AccuracyStrict, 0), 1);
        // Without the cache SubNet 2 takes 400 > 310: only 1 is feasible.
        assert_eq!(select(&t, &q(86.0, 310), 0, Mode::LatencyStrict, 0), 1);
        // Nothing feasible (accuracy 90): the most accurate within the latency target.
        assert_eq!(select(&t, &q(90.0, 250), 0, Mode::LatencyStrict, 0), 1);
        // Nothing within the latency target either: the fastest.
        assert_eq!(select(&t, &q(90.0, 50), 0, Mode::LatencyStrict, 0), 0);
    }

    #[test]
    fn the_latency_budget_is_what_queueing_left_of_the_target() {
        let t = table();
        // Idle: 2 fits 310 cycles with its cache; after waiting 100, only 1 (150) fits the 210 left.
        assert_eq!(select(&t, &q(86.0, 310), 2, Mode::LatencyStrict, 0), 2);
        assert_eq!(select(&t, &q(86.0, 310), 2, Mode::LatencyStrict, 100), 1);
        // Waited past the target: nothing fits, the fastest drains the queue.
        assert_eq!(select(&t, &q(86.0, 310), 2, Mode::LatencyStrict, 400), 0);
    }

    #[test]
    fn refills_move_only_what_is_missing_and_planning_charges_them() {
        let t = table();
        assert_eq!(t.refill_bytes(1, 2), 1000);
        assert_eq!(t.refill_cycles(2, 1), 0, "1 is inside 2: nothing moves");
        assert_eq!(t.refill_cycles(0, 2), 20 + 200);
        // A window of big-SubNet queries: caching 2 saves 100 per query, more than the refill.
        let window = vec![q(88.0, 1000); 5];
        assert_eq!(plan(&t, &window, 0, Mode::LatencyStrict), 2);
        // One such query does not pay for the refill.
        assert_eq!(plan(&t, &window[..1], 0, Mode::LatencyStrict), 0);
    }
}
