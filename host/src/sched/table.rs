//! The latency table `L[S][G]`: SushiAbs's cycles and DRAM bytes of every candidate SubNet under
//! every candidate SubGraph, the refill costs between SubGraphs, and how it is built.
use serde::Serialize;

/// A candidate SubNet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// SubNet index in the artifact.
    pub subnet: usize,
    /// Measured test accuracy, percent.
    pub accuracy: f64,
}

/// `L[S][G]` and what planning needs to charge refills.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatencyTable {
    /// Candidate SubNets, fastest first (with an empty PB).
    pub candidates: Vec<Candidate>,
    /// Candidate SubGraphs as config vectors; index 0 is the empty PB (an empty vector).
    pub subgraphs: Vec<Vec<u16>>,
    /// Tile bytes of each SubGraph.
    pub subgraph_bytes: Vec<u64>,
    /// Index of the SubGraph every candidate shares (their intersection; 0 when it is empty):
    /// the static-cache baseline's.
    pub shared_by_all: usize,
    /// Tile bytes each pair of SubGraphs shares: `shared_bytes[a][b]`.
    pub shared_bytes: Vec<Vec<u64>>,
    /// Cycles of candidate `s` with SubGraph `g` cached: `cycles[s][g]`.
    pub cycles: Vec<Vec<u64>>,
    /// DRAM weight bytes of candidate `s` with SubGraph `g` cached.
    pub dram_weight_bytes: Vec<Vec<u64>>,
    /// All DRAM bytes (weights, activations, epilogue, commands) of candidate `s` with `g`.
    pub dram_bytes: Vec<Vec<u64>>,
    /// Weight bytes candidate `s` reads from the PB (`COPY_PB`) with `g` cached.
    pub pb_read_bytes: Vec<Vec<u64>>,
    /// Tile bytes of candidate `s`.
    pub subnet_bytes: Vec<u64>,
    /// Cycles per byte moved into the PB, and per refill command (from SushiAbs).
    pub fill_cycles_per_byte: f64,
    /// Fixed cycles of a refill job.
    pub fill_fixed_cycles: u64,
    /// What each held tile saves each candidate, for planning over tiles (None: the table
    /// was built by hand, without a SuperNet).
    #[serde(skip)]
    pub tile_model: Option<std::sync::Arc<crate::sched::tile_plan::TileModel>>,
}

impl LatencyTable {
    /// Costs of candidate `s` with SubGraph `g` cached.
    pub fn run_cost(&self, s: usize, g: usize) -> RunCost {
        RunCost {
            cycles: self.cycles[s][g],
            dram_weight_bytes: self.dram_weight_bytes[s][g],
            dram_bytes: self.dram_bytes[s][g],
            pb_read_bytes: self.pb_read_bytes[s][g],
        }
    }

    /// Cycles to refill from SubGraph `from` to `to`: only the tiles not already cached move.
    pub fn refill_cycles(&self, from: usize, to: usize) -> u64 {
        self.fill_cycles(self.refill_bytes(from, to))
    }

    /// Cycles of a refill job moving `bytes` into the PB.
    pub fn fill_cycles(&self, bytes: u64) -> u64 {
        if bytes == 0 {
            0
        } else {
            self.fill_fixed_cycles + (bytes as f64 * self.fill_cycles_per_byte).ceil() as u64
        }
    }

    /// Bytes a refill from `from` to `to` moves.
    pub fn refill_bytes(&self, from: usize, to: usize) -> u64 {
        self.subgraph_bytes[to] - self.shared_bytes[from][to]
    }
}

/// What one SubNet run costs (SushiAbs's prediction).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RunCost {
    /// Cycles.
    pub cycles: u64,
    /// DRAM weight bytes streamed (`LOAD_W`).
    pub dram_weight_bytes: u64,
    /// All DRAM bytes (weights, activations, epilogue, commands).
    pub dram_bytes: u64,
    /// Weight bytes read from the PB (`COPY_PB`).
    pub pb_read_bytes: u64,
}

/// Why a latency table cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum TableBuildError {
    /// A SubNet did not compile for the config.
    #[error(transparent)]
    Compile(#[from] crate::compile::program::CompileError),
    /// A SubGraph did not fit.
    #[error(transparent)]
    Pb(#[from] crate::compile::tiles::PbError),
    /// The tile model could not be measured.
    #[error(transparent)]
    TileModel(#[from] crate::sched::tile_plan::TileModelError),
}

/// `L[S][G]` from SushiAbs for `candidates` (fastest first) on `config`. The candidate SubGraphs
/// are the empty PB, each candidate's own config where it fits the PB, what neighbouring
/// candidates share, and for candidates too big for the PB their best share that fits
/// ([`crate::compile::tiles::best_subgraph`]).
pub fn build_table(
    net: &crate::net::supernet::SuperNet,
    config: &sushi_hw::HwConfig,
    candidates: Vec<Candidate>,
) -> Result<LatencyTable, TableBuildError> {
    use crate::compile::pb_map::PbMap;
    use crate::compile::program::{Outputs, compile_refill, compile_subnet};
    use crate::compile::tiles::{TileImage, shared};
    let image = TileImage::build(net, crate::compile::layout::Array::of(config));
    let pb_bytes = config.spec.buffers.pb_bytes as usize;
    let mut subgraphs: Vec<Vec<u16>> = vec![Vec::new()];
    let add = |g: Vec<u16>, subgraphs: &mut Vec<Vec<u16>>| -> Result<(), TableBuildError> {
        if image.bytes(&g)? <= pb_bytes && !subgraphs.contains(&g) {
            subgraphs.push(g);
        }
        Ok(())
    };
    for (i, c) in candidates.iter().enumerate() {
        let own = net.subnets[c.subnet].config.clone();
        add(own.clone(), &mut subgraphs)?;
        if let Some(next) = candidates.get(i + 1) {
            add(
                shared(&own, &net.subnets[next.subnet].config),
                &mut subgraphs,
            )?;
        }
        if let Some(best) = crate::compile::tiles::best_subgraph(net, &image, c.subnet, pb_bytes)? {
            add(best.config, &mut subgraphs)?;
        }
    }
    // What every candidate shares: the static-cache baseline's SubGraph.
    let mut shared_by_all = 0;
    if let Some(first) = candidates.first() {
        let all = candidates
            .iter()
            .fold(net.subnets[first.subnet].config.clone(), |acc, c| {
                shared(&acc, &net.subnets[c.subnet].config)
            });
        add(all.clone(), &mut subgraphs)?;
        shared_by_all = subgraphs.iter().position(|g| *g == all).unwrap_or(0);
    }
    let n_g = subgraphs.len();
    let bytes_of = |g: &[u16]| -> Result<u64, TableBuildError> {
        Ok(if g.is_empty() {
            0
        } else {
            image.bytes(g)? as u64
        })
    };
    let subgraph_bytes = subgraphs
        .iter()
        .map(|g| bytes_of(g))
        .collect::<Result<Vec<_>, _>>()?;
    let mut shared_bytes = vec![vec![0u64; n_g]; n_g];
    for a in 0..n_g {
        for b in 0..n_g {
            shared_bytes[a][b] = if subgraphs[a].is_empty() || subgraphs[b].is_empty() {
                0
            } else {
                bytes_of(&shared(&subgraphs[a], &subgraphs[b]))?
            };
        }
    }
    let mut cycles = vec![vec![0u64; n_g]; candidates.len()];
    let mut dram = vec![vec![0u64; n_g]; candidates.len()];
    let mut dram_all = vec![vec![0u64; n_g]; candidates.len()];
    let mut pb_read = vec![vec![0u64; n_g]; candidates.len()];
    let mut fill = (0u64, 0u64); // (bytes, cycles) of the largest refill from empty
    for (g, sub) in subgraphs.iter().enumerate() {
        let mut map = PbMap::for_config(config);
        if !sub.is_empty() {
            let refill = map.refill(&image, sub)?;
            let p = compile_refill(&refill, &image, config)?;
            let c = crate::cycle_model::abs::predict(&p, config).cycles;
            if refill.bytes() as u64 > fill.0 {
                fill = (refill.bytes() as u64, c);
            }
        }
        for (s, cand) in candidates.iter().enumerate() {
            let p = compile_subnet(net, cand.subnet, &image, &map, config, Outputs::Last)?;
            let pred = crate::cycle_model::abs::predict(&p, config);
            cycles[s][g] = pred.cycles;
            dram[s][g] = p.weight_bytes as u64;
            dram_all[s][g] = pred.dram_bytes;
            pb_read[s][g] = p.pb_bytes as u64;
        }
    }
    // A refill costs a fixed start plus its bytes at the rate the largest one achieved.
    let fill_fixed_cycles = 64;
    let fill_cycles_per_byte = if fill.0 == 0 {
        0.0
    } else {
        fill.1.saturating_sub(fill_fixed_cycles) as f64 / fill.0 as f64
    };
    let subnet_bytes = candidates
        .iter()
        .map(|c| bytes_of(&net.subnets[c.subnet].config))
        .collect::<Result<Vec<_>, _>>()?;
    let mut table = LatencyTable {
        candidates,
        subgraphs,
        subgraph_bytes,
        shared_by_all,
        shared_bytes,
        cycles,
        dram_weight_bytes: dram,
        dram_bytes: dram_all,
        pb_read_bytes: pb_read,
        subnet_bytes,
        fill_cycles_per_byte,
        fill_fixed_cycles,
        tile_model: None,
    };
    table.tile_model = Some(std::sync::Arc::new(
        crate::sched::tile_plan::TileModel::build(&table, net, config)?,
    ));
    Ok(table)
}
