//! A small latency table for the scheduler's unit tests.
use crate::sched::table::{Candidate, LatencyTable};
use crate::workload::trace::Query;

/// Three SubNets, a cache that speeds the big one up.
pub(crate) fn table() -> LatencyTable {
    LatencyTable {
        candidates: vec![
            Candidate {
                subnet: 0,
                accuracy: 85.0,
            },
            Candidate {
                subnet: 1,
                accuracy: 87.0,
            },
            Candidate {
                subnet: 2,
                accuracy: 89.0,
            },
        ],
        subgraphs: vec![vec![], vec![1], vec![2]],
        subgraph_bytes: vec![0, 1000, 2000],
        shared_by_all: 1,
        shared_bytes: vec![vec![0, 0, 0], vec![0, 1000, 1000], vec![0, 1000, 2000]],
        cycles: vec![vec![100, 90, 90], vec![200, 150, 150], vec![400, 380, 300]],
        dram_weight_bytes: vec![vec![10; 3]; 3],
        dram_bytes: vec![vec![100; 3]; 3],
        pb_read_bytes: vec![vec![0; 3]; 3],
        subnet_bytes: vec![500, 1000, 3000],
        fill_cycles_per_byte: 0.1,
        fill_fixed_cycles: 20,
        tile_model: None,
    }
}

pub(crate) fn q(a: f64, t: u64) -> Query {
    Query {
        id: 0,
        arrival_cycle: 0,
        accuracy_target: a,
        latency_target_cycles: t,
        input: 0,
    }
}
