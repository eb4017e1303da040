//! Serving under bursty load: slack-aware SubNet selection after SuperServe's SlackFit,
//! and model switching without weight sharing (INFaaS-like), the baseline that shows what weight
//! sharing itself buys.
//!
//! **The slack rule.** When query `i` starts service at `now`, its slack is its deadline
//! (`arrival + latency target`) minus `now`. Every query `j` already waiting behind it, `k`-th in
//! the FIFO queue, needs at least the fastest candidate's cycles `f` for itself and for each of
//! the `k` queries before it, so query `i` may take at most `slack_j - (k + 1) f` and still leave
//! `j` its deadline. The service budget is the least of `i`'s own slack and these limits, over
//! the waiting queries that can still make their deadline at all (a query that misses even if
//! everything before it runs at `f` does not drag the rest down with it). Selection is then
//! DESIGN.md section 7's within that budget, under the cache the PB holds: the most accurate
//! candidate that fits, so that accuracy comes back as soon as the queue drains.
//!
//! **Cache planning under load.** The planner sees what is actually served: every `period`
//! queries, the SubGraph minimising the cycles of the last `window` *served* candidates plus the
//! refill (rather than what the queries would get from an idle accelerator, which under load is
//! not what runs).

use std::collections::VecDeque;

use crate::sched::policy::{Now, PbContent, Policy, column};
use crate::sched::select::{Mode, plan_demand, select_within};
use crate::sched::table::LatencyTable;

/// Queries behind the current one the slack rule looks at (enough for any queue that can still
/// be served in time; bounded so that a long backlog does not cost a long scan per query).
pub const LOOKAHEAD: usize = 64;

/// SlackFit-style selection with SubGraph cache planning on the served demand.
#[derive(Debug, Clone)]
pub struct Slack {
    /// Selection mode.
    pub mode: Mode,
    /// Queries between plans.
    pub period: usize,
    /// Served queries a plan looks at.
    pub window: usize,
    served: VecDeque<usize>,
}

impl Slack {
    /// A slack-aware policy planning every `period` queries over the last `window` served.
    pub fn new(mode: Mode, period: usize, window: usize) -> Self {
        Slack {
            mode,
            period,
            window,
            served: VecDeque::with_capacity(window),
        }
    }
}

/// The slack rule's choice for query `now.i` with candidate costs `cost` (module docs): among the
/// candidates with which the query itself meets both targets, the best (by `mode`) that also
/// leaves the waiting queries their deadlines, else the cheapest of them (the query is not given
/// up for queries that may miss anyway); when the query cannot meet its targets at all, the best
/// within the waiting queries' budget, else the cheapest.
pub fn slack_select(
    table: &LatencyTable,
    now: &Now<'_>,
    mode: Mode,
    cost: impl Fn(usize) -> u64,
) -> usize {
    let q = &now.queries[now.i];
    let n = table.candidates.len();
    let fastest = (0..n).map(&cost).min().unwrap_or(0);
    let own = (q.arrival_cycle + q.latency_target_cycles).saturating_sub(now.cycle);
    let budget = slack_budget(now, fastest);
    let meets = |s: usize| cost(s) <= own && table.candidates[s].accuracy >= q.accuracy_target;
    let cheapest_meeting = (0..n).filter(|&s| meets(s)).min_by(|&a, &b| {
        cost(a).cmp(&cost(b)).then(
            table.candidates[b]
                .accuracy
                .total_cmp(&table.candidates[a].accuracy),
        )
    });
    match cheapest_meeting {
        Some(cheapest) if cost(cheapest) > budget => cheapest,
        _ => select_within(table, q, mode, budget, cost),
    }
}

/// The service budget of query `now.i` starting at `now.cycle` (module docs), when the fastest
/// candidate takes `fastest` cycles.
pub fn slack_budget(now: &Now<'_>, fastest: u64) -> u64 {
    let q = &now.queries[now.i];
    let deadline = |q: &crate::workload::trace::Query| q.arrival_cycle + q.latency_target_cycles;
    let mut budget = deadline(q).saturating_sub(now.cycle);
    for (k, j) in now.queries[now.i + 1..]
        .iter()
        .take(LOOKAHEAD)
        .take_while(|j| j.arrival_cycle <= now.cycle)
        .enumerate()
    {
        let slack = deadline(j).saturating_sub(now.cycle);
        let before_j = (k as u64 + 1) * fastest;
        // Only queries that can still make it constrain the current one.
        if slack >= before_j + fastest {
            budget = budget.min(slack - before_j);
        }
    }
    budget
}

impl Policy for Slack {
    fn name(&self) -> &str {
        "slack"
    }
    fn cache(&mut self, table: &LatencyTable, now: &Now<'_>, current: &PbContent) -> PbContent {
        if now.i == 0 || !now.i.is_multiple_of(self.period) || self.served.is_empty() {
            return current.clone();
        }
        let demand: Vec<usize> = self.served.iter().copied().collect();
        PbContent::SubGraph(plan_demand(table, &demand, column(current)))
    }
    fn select(&mut self, table: &LatencyTable, now: &Now<'_>, held: &PbContent) -> usize {
        let g = column(held);
        slack_select(table, now, self.mode, |s| table.cycles[s][g])
    }
    fn served(&mut self, _: &LatencyTable, _: &Now<'_>, candidate: usize) {
        if self.served.len() == self.window {
            self.served.pop_front();
        }
        self.served.push_back(candidate);
    }
}

/// Model switching without weight sharing (INFaaS-like): SubNets are separate models; the PB holds
/// at most one whole model, and switching to another reloads all of its bytes (nothing is kept
/// from the one before). A model larger than the PB runs from DRAM, as does any model other than
/// the one held. Per query, on arrival, the choice is DESIGN.md section 7's over each model's cost
/// from where the PB stands (its run, plus its reload when it is not held), within the query's
/// slack.
#[derive(Debug, Clone)]
pub struct ModelSwitching {
    mode: Mode,
    /// Each candidate's own SubGraph in the table (None: larger than the PB).
    own: Vec<Option<usize>>,
    choice: usize,
}

impl ModelSwitching {
    /// Model switching over `table`'s candidates, whose own SubGraphs are those of `configs`
    /// (each candidate's config vector).
    pub fn new(mode: Mode, table: &LatencyTable, configs: &[Vec<u16>]) -> Self {
        let own = configs
            .iter()
            .map(|c| table.subgraphs.iter().position(|g| g == c))
            .collect();
        ModelSwitching {
            mode,
            own,
            choice: 0,
        }
    }

    /// Cycles of candidate `s` from a PB holding SubGraph `held`: a held model runs from the PB,
    /// another that fits is reloaded first, one that does not fit runs from DRAM.
    fn cost(&self, table: &LatencyTable, s: usize, held: usize) -> u64 {
        match self.own[s] {
            Some(g) if g == held => table.cycles[s][g],
            Some(g) => table.fill_cycles(table.subgraph_bytes[g]) + table.cycles[s][g],
            None => table.cycles[s][0],
        }
    }
}

impl Policy for ModelSwitching {
    fn name(&self) -> &str {
        "model-switching"
    }
    fn cache(&mut self, table: &LatencyTable, now: &Now<'_>, current: &PbContent) -> PbContent {
        let held = column(current);
        self.choice = slack_select(table, now, self.mode, |s| self.cost(table, s, held));
        match self.own[self.choice] {
            Some(g) => PbContent::SubGraph(g),
            None => current.clone(),
        }
    }
    fn select(&mut self, _: &LatencyTable, _: &Now<'_>, _: &PbContent) -> usize {
        self.choice
    }
    fn cache_at_arrival(&self) -> bool {
        true
    }
    fn shares_weights(&self) -> bool {
        false
    }
    fn uses_pb(&self, held: &PbContent, candidate: usize) -> bool {
        self.own[candidate].is_some() && self.own[candidate] == held.subgraph()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sched::table::Candidate;
    use crate::sched::timeline::serve_table;
    use crate::workload::trace::Query;

    fn q(arrival: u64, target: u64) -> Query {
        Query {
            id: 0,
            arrival_cycle: arrival,
            accuracy_target: 0.0,
            latency_target_cycles: target,
            input: 0,
        }
    }

    /// Fast (100 cycles) and accurate (1000) SubNets; SubGraph 1 is the accurate one's whole model.
    fn table() -> LatencyTable {
        LatencyTable {
            candidates: vec![
                Candidate {
                    subnet: 0,
                    accuracy: 85.0,
                },
                Candidate {
                    subnet: 1,
                    accuracy: 89.0,
                },
            ],
            subgraphs: vec![vec![], vec![1]],
            subgraph_bytes: vec![0, 10_000],
            shared_by_all: 0,
            shared_bytes: vec![vec![0, 0], vec![0, 10_000]],
            cycles: vec![vec![100, 100], vec![1000, 800]],
            dram_weight_bytes: vec![vec![10, 10], vec![100, 0]],
            dram_bytes: vec![vec![50, 50], vec![300, 200]],
            pb_read_bytes: vec![vec![0, 0], vec![0, 100]],
            subnet_bytes: vec![10, 100],
            fill_cycles_per_byte: 0.1,
            fill_fixed_cycles: 0,
            tile_model: None,
        }
    }

    #[test]
    fn the_budget_leaves_every_waiting_query_that_can_make_it_its_deadline() {
        // Alone: the whole target.
        let trace = [q(0, 2000)];
        let now = Now {
            queries: &trace,
            i: 0,
            cycle: 0,
        };
        assert_eq!(slack_budget(&now, 100), 2000);
        // A query waiting behind with deadline 1500: the current one may take 1500 - 100.
        let trace = [q(0, 2000), q(0, 1500)];
        let now = Now {
            queries: &trace,
            i: 0,
            cycle: 0,
        };
        assert_eq!(slack_budget(&now, 100), 1400);
        // One that cannot make it anyway (deadline 150 < 2 x 100) does not constrain.
        let trace = [q(0, 2000), q(0, 150)];
        let now = Now {
            queries: &trace,
            i: 0,
            cycle: 0,
        };
        assert_eq!(slack_budget(&now, 100), 2000);
        // Queries that have not arrived yet are not looked at.
        let trace = [q(0, 2000), q(50, 500)];
        let now = Now {
            queries: &trace,
            i: 0,
            cycle: 10,
        };
        assert_eq!(slack_budget(&now, 100), 1990);
    }

    #[test]
    fn under_a_burst_slack_serves_fast_and_recovers_accuracy_when_it_passes() {
        let t = table();
        // A burst of 8 queries at once (target 2000 each), then one alone much later.
        let mut trace: Vec<Query> = (0..8).map(|_| q(0, 2000)).collect();
        trace.push(q(100_000, 2000));
        for (i, x) in trace.iter_mut().enumerate() {
            x.id = i as u64;
        }
        let served = serve_table(&t, &trace, &mut Slack::new(Mode::LatencyStrict, 4, 8), None);
        let chosen: Vec<usize> = served.iter().map(|s| s.candidate).collect();
        // The first query may take the accurate SubNet (1000 cycles) because the seven behind it
        // still fit their deadlines at 100 each; then the queue forces the fast one; the lone
        // query after the burst gets the accurate one back.
        assert_eq!(chosen, [1, 0, 0, 0, 0, 0, 0, 0, 1]);
        let met = served.iter().filter(|s| s.slo_met).count();
        assert_eq!(met, 9, "every query meets its deadline");
        // A queue-blind rule (own slack only) serves the accurate SubNet while it fits and
        // misses more of the burst.
        let blind = serve_table(
            &t,
            &trace,
            &mut crate::sched::policies::NoCache {
                mode: Mode::LatencyStrict,
            },
            None,
        );
        let blind_met = blind.iter().filter(|s| s.slo_met).count();
        assert_eq!(blind_met, 3, "two of the burst and the lone query");
    }

    #[test]
    fn model_switching_reloads_whole_models_and_runs_others_from_dram() {
        let t = table();
        let ms = ModelSwitching::new(Mode::LatencyStrict, &t, &[vec![0], vec![1]]);
        assert_eq!(
            ms.own,
            [None, Some(1)],
            "the fast model has no SubGraph of its own here"
        );
        // From an empty PB the accurate model costs its reload (10,000 B x 0.1) plus its run.
        assert_eq!(ms.cost(&t, 1, 0), 1000 + 800);
        assert_eq!(ms.cost(&t, 1, 1), 800);
        let trace: Vec<Query> = (0..3)
            .map(|i| Query {
                id: i,
                arrival_cycle: i * 100_000,
                accuracy_target: 0.0,
                latency_target_cycles: 5000,
                input: 0,
            })
            .collect();
        let served = serve_table(&t, &trace, &mut ms.clone(), None);
        assert!(served.iter().all(|s| s.candidate == 1));
        assert_eq!(
            served[0].refill_bytes, 10_000,
            "the first query loads the whole model"
        );
        assert_eq!(served[1].refill_bytes, 0, "then it stays");
        assert_eq!(served[1].service_cycles, 800, "and runs from the PB");
    }
}
