//! The table-driven FIFO serving timeline of one accelerator, and the metrics of a run.
use serde::Serialize;

use crate::compile::tiles::TileSet;
use crate::sched::policy::{Now, PbContent, Policy, TilePricer};
use crate::sched::table::LatencyTable;
use crate::workload::trace::Query;

/// One served query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Served {
    /// Query id.
    pub id: u64,
    /// Candidate index served.
    pub candidate: usize,
    /// The table's SubGraph cached while it ran (None: a tile set of a tile-level policy).
    pub subgraph: Option<usize>,
    /// Cycle service started (after any refill).
    pub start_cycle: u64,
    /// Service cycles.
    pub service_cycles: u64,
    /// Refill cycles run before it, from the previous query's completion (they delay it only
    /// when they end after it arrived), plus those of a refill right after it of tiles it
    /// streamed but could not deposit (they delay the next query).
    pub refill_cycles: u64,
    /// Bytes those refills moved into the PB.
    pub refill_bytes: u64,
    /// DRAM weight bytes the run streamed (`LOAD_W`).
    pub dram_weight_bytes: u64,
    /// All DRAM bytes of the run (refill excluded).
    pub dram_bytes: u64,
    /// Weight bytes the run read from the PB.
    pub pb_read_bytes: u64,
    /// Bytes the run's weight loads also wrote into the PB (`LOAD_W_PB`): fills that rode on the
    /// stream, at no DRAM cost beyond `dram_weight_bytes`.
    pub deposited_bytes: u64,
    /// Arrival to completion.
    pub end_to_end_cycles: u64,
    /// Met both targets.
    pub slo_met: bool,
    /// Met the latency target (whatever the accuracy).
    pub latency_met: bool,
    /// The device failed on it (an AXI error or a watchdog timeout): it got no answer, met no
    /// target, and the device was recovered before the next query.
    pub failed: bool,
}

/// The FIFO single-accelerator timeline of `queries` under `policy`, every cost from the table,
/// or for tile sets ([`Lru`]) from `pricer` (panics without one: a caller's bug).
pub fn serve_table(
    table: &LatencyTable,
    queries: &[Query],
    policy: &mut dyn Policy,
    mut pricer: Option<&mut dyn TilePricer>,
) -> Vec<Served> {
    let mut free = 0u64;
    let mut held = PbContent::SubGraph(0);
    let mut out = Vec::with_capacity(queries.len());
    let empty = TileSet::new(Vec::new());
    for (i, q) in queries.iter().enumerate() {
        // The cache step runs as soon as the accelerator is free: it reads only queries that
        // have arrived, so a refill overlaps the wait for the next arrival.
        let cache_cycle = if policy.cache_at_arrival() {
            free.max(q.arrival_cycle)
        } else {
            free
        };
        let mut now = Now {
            queries,
            i,
            cycle: cache_cycle,
        };
        let next = policy.cache(table, &now, &held);
        let (refill_bytes, refill) = match (&held, &next) {
            (PbContent::SubGraph(a), PbContent::SubGraph(b)) if a == b => (0, 0),
            (PbContent::SubGraph(_), PbContent::SubGraph(b)) if !policy.shares_weights() => {
                let bytes = table.subgraph_bytes[*b];
                (bytes, table.fill_cycles(bytes))
            }
            (PbContent::SubGraph(a), PbContent::SubGraph(b)) => {
                (table.refill_bytes(*a, *b), table.refill_cycles(*a, *b))
            }
            (_, PbContent::SubGraph(_)) => (0, 0), // from tiles to the empty PB: nothing moves
            (from, PbContent::Tiles(to)) => {
                let from = match from {
                    PbContent::Tiles(t) => t.as_ref(),
                    PbContent::SubGraph(_) => &empty,
                };
                if from == to.as_ref() {
                    (0, 0)
                } else {
                    pricer
                        .as_deref_mut()
                        .expect("a tile-level policy needs a TilePricer")
                        .refill(from, to)
                }
            }
        };
        now.cycle = (cache_cycle + refill).max(q.arrival_cycle);
        held = next;
        let s = policy.select(table, &now, &held);
        policy.served(table, &now, s);
        let uses_pb = policy.uses_pb(&held, s);
        let cost = match &held {
            _ if !uses_pb => table.run_cost(s, 0),
            PbContent::SubGraph(g) => table.run_cost(s, *g),
            PbContent::Tiles(t) => pricer
                .as_deref_mut()
                .expect("a tile-level policy needs a TilePricer")
                .price(table, s, t),
        };
        let end = now.cycle + cost.cycles;
        // Fills that ride on the run's stream; what could not ride is refilled after it.
        let (mut after_bytes, mut after_cycles, mut deposited_bytes) = (0, 0, 0);
        if let Some(target) = policy.deposit_target(table, &now, &held, s) {
            let from = match &held {
                PbContent::Tiles(t) => t.as_ref(),
                PbContent::SubGraph(_) => &empty,
            };
            let d = pricer
                .as_deref_mut()
                .expect("a depositing policy needs a TilePricer")
                .deposit(table, s, from, &target);
            (after_bytes, after_cycles, deposited_bytes) =
                (d.refill_bytes, d.refill_cycles, d.deposited_bytes);
            held = PbContent::Tiles(d.after);
        }
        out.push(Served {
            id: q.id,
            candidate: s,
            subgraph: if uses_pb { held.subgraph() } else { Some(0) },
            start_cycle: now.cycle,
            service_cycles: cost.cycles,
            refill_cycles: refill + after_cycles,
            refill_bytes: refill_bytes + after_bytes,
            dram_weight_bytes: cost.dram_weight_bytes,
            dram_bytes: cost.dram_bytes,
            pb_read_bytes: cost.pb_read_bytes,
            deposited_bytes,
            end_to_end_cycles: end - q.arrival_cycle,
            slo_met: end - q.arrival_cycle <= q.latency_target_cycles
                && table.candidates[s].accuracy >= q.accuracy_target,
            latency_met: end - q.arrival_cycle <= q.latency_target_cycles,
            failed: false,
        });
        free = end + after_cycles;
    }
    out
}

/// The metrics of DESIGN.md section 8 for one policy's run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServeSummary {
    /// Policy name.
    pub policy: String,
    /// Where the costs came from (`abs`: SushiAbs's table, nothing executed).
    pub backend: String,
    /// Queries served.
    pub queries: usize,
    /// Percent of queries classified correctly (executed backends), or the mean measured test
    /// accuracy of the SubNets served (`abs`, where nothing runs).
    pub served_accuracy: f64,
    /// End-to-end latency (queueing included), mean.
    pub latency_mean_cycles: f64,
    /// End-to-end latency, 99th percentile.
    pub latency_p99_cycles: u64,
    /// The same in µs at the config's clock.
    pub latency_mean_us: f64,
    /// The same in µs.
    pub latency_p99_us: f64,
    /// Fraction of queries meeting both targets.
    pub slo_attainment: f64,
    /// Fraction of queries meeting their latency target, whatever the accuracy (SuperServe's
    /// SLO: latency alone, accuracy reported beside it).
    pub latency_slo_attainment: f64,
    /// DRAM bytes per query: everything the SubNet runs move (weights, activations, epilogue,
    /// commands) plus refills.
    pub dram_bytes_per_query: f64,
    /// DRAM bytes of weights per query: streamed by the SubNet runs (`LOAD_W`) plus refills
    /// (`LOAD_PB`).
    pub dram_weight_bytes_per_query: f64,
    /// Belady's lower bound on `dram_weight_bytes_per_query` for this run's own sequence of
    /// served SubNets ([`crate::sched::bound`]): no cache serving the same selections reads
    /// fewer weight bytes from DRAM. A bound on caching for fixed selections, not on selection.
    /// None where the table has no tile model or the stream is longer than
    /// [`BOUND_MAX_REQUESTS`].
    pub dram_weight_bytes_bound_per_query: Option<f64>,
    /// Weight bytes served from the PB over all weight bytes used.
    pub pb_hit_ratio: f64,
    /// Bytes moved into the PB over the run by refills (`LOAD_PB`, a DRAM read of their own).
    pub refill_bytes: u64,
    /// Bytes written into the PB over the run by weight loads on their way to the datapath
    /// (`LOAD_W_PB`: fills that cost no DRAM read of their own).
    pub deposited_bytes: u64,
    /// DRAM bytes x the config's pJ per byte, in µJ.
    pub offchip_energy_uj: f64,
    /// Queries whose outputs were checked against the golden model (0: costs only).
    pub outputs_verified: usize,
    /// Queries the device failed on (then recovered); each met no target.
    pub device_faults: usize,
}

/// End-to-end latency of `served`: (mean, 99th percentile), in cycles.
pub fn latency_stats(served: &[Served]) -> (f64, u64) {
    let mut lat: Vec<u64> = served.iter().map(|s| s.end_to_end_cycles).collect();
    lat.sort_unstable();
    let p99 = lat
        .get(((lat.len() as f64 * 0.99).ceil() as usize).saturating_sub(1))
        .copied()
        .unwrap_or(0);
    (
        lat.iter().sum::<u64>() as f64 / lat.len().max(1) as f64,
        p99,
    )
}

/// Tile requests beyond which [`weight_bytes_bound`] is not computed: Belady's optimum holds
/// the whole request stream and its next-use positions (about 16 bytes a request).
pub const BOUND_MAX_REQUESTS: u64 = 1 << 24;

/// Belady's bound on the DRAM weight bytes of `served`'s selections (None without a tile model,
/// or beyond [`BOUND_MAX_REQUESTS`] tile requests).
pub fn weight_bytes_bound(table: &LatencyTable, served: &[Served]) -> Option<u64> {
    let model = table.tile_model.as_ref()?;
    let tiles_of: Vec<Vec<_>> = (0..model.candidates()).map(|c| model.tiles_of(c)).collect();
    let requests: u64 = served
        .iter()
        .map(|s| tiles_of[s.candidate].len() as u64)
        .sum();
    if requests > BOUND_MAX_REQUESTS {
        return None;
    }
    let picked: Vec<usize> = served.iter().map(|s| s.candidate).collect();
    let stream = crate::sched::bound::request_stream(&tiles_of, &picked);
    Some(crate::sched::bound::belady_weight_bytes(
        &stream,
        model.capacity_tiles(),
        model.tile_bytes(),
    ))
}

/// DESIGN.md section 8's metrics of a run from its served queries; served accuracy is the mean
/// measured test accuracy of the SubNets served (executed runs replace it by the fraction
/// classified correctly: `serve::summarize_exec`).
pub fn summarize(
    table: &LatencyTable,
    served: &[Served],
    policy: &str,
    config: &sushi_hw::HwConfig,
) -> ServeSummary {
    let n = served.len().max(1) as f64;
    let (mean, p99) = latency_stats(served);
    let sum = |f: fn(&Served) -> u64| served.iter().map(f).sum::<u64>();
    let refill_bytes = sum(|s| s.refill_bytes);
    let streamed = sum(|s| s.dram_weight_bytes);
    let from_pb = sum(|s| s.pb_read_bytes);
    let dram = sum(|s| s.dram_bytes) + refill_bytes;
    let d = config.derived();
    ServeSummary {
        policy: policy.to_string(),
        backend: "abs".into(),
        queries: served.len(),
        served_accuracy: served
            .iter()
            .map(|s| table.candidates[s.candidate].accuracy)
            .sum::<f64>()
            / n,
        latency_mean_cycles: mean,
        latency_p99_cycles: p99,
        latency_mean_us: mean * d.cycle_ns / 1000.0,
        latency_p99_us: p99 as f64 * d.cycle_ns / 1000.0,
        slo_attainment: served.iter().filter(|s| s.slo_met).count() as f64 / n,
        latency_slo_attainment: served.iter().filter(|s| s.latency_met).count() as f64 / n,
        dram_bytes_per_query: dram as f64 / n,
        dram_weight_bytes_per_query: (streamed + refill_bytes) as f64 / n,
        dram_weight_bytes_bound_per_query: weight_bytes_bound(table, served).map(|b| b as f64 / n),
        pb_hit_ratio: if from_pb + streamed == 0 {
            0.0
        } else {
            from_pb as f64 / (from_pb + streamed) as f64
        },
        refill_bytes,
        deposited_bytes: sum(|s| s.deposited_bytes),
        offchip_energy_uj: dram as f64 * config.spec.dram.energy_pj_per_byte / 1e6,
        outputs_verified: 0,
        device_faults: served.iter().filter(|s| s.failed).count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sched::fixtures::table;
    use crate::sched::policies::{NoCache, Oracle, Sushi};
    use crate::sched::select::Mode;
    use crate::workload::trace::{Locality, Target, TraceSpec, generate};

    #[test]
    fn with_locality_sushi_beats_no_cache_and_the_oracle_bounds_it() {
        let t = table();
        let points: Vec<Target> = (0..3)
            .map(|s| Target {
                accuracy: t.candidates[s].accuracy,
                cycles: t.cycles[s][0],
            })
            .collect();
        let trace = generate(
            &TraceSpec {
                queries: 3000,
                seed: 5,
                mean_interarrival_cycles: 600,
                arrivals: crate::workload::trace::Arrivals::Poisson,
                locality: Locality::Phases { phase_queries: 200 },
                latency_slack: 1.0,
                images: 100,
            },
            &points,
        );
        let sushi = Sushi::subgraphs(Mode::LatencyStrict, 20, 40);
        let cycles = |p: &mut dyn Policy| -> u64 {
            serve_table(&t, &trace, p, None)
                .iter()
                .map(|s| s.service_cycles + s.refill_cycles)
                .sum()
        };
        let none = cycles(&mut NoCache {
            mode: Mode::LatencyStrict,
        });
        let ours = cycles(&mut sushi.clone());
        let bound = cycles(&mut Oracle { inner: sushi });
        assert!(ours < none, "sushi {ours} vs no cache {none}");
        assert!(bound <= ours, "oracle {bound} vs sushi {ours}");
    }
}
