//! The serving loop that executes queries: the same FIFO timeline and policy
//! decisions as [`crate::sched::serve_table`], but every refill and every SubNet runs on a backend
//! with the query's real test image, and its output is checked bit for bit.
//!
//! Decisions depend only on the trace and SushiAbs's latency table, so the RTL and model backends
//! make the same decisions on the same trace; what differs is where cycles come from (the RTL's
//! counters, or SushiAbs on the program actually run) and what the output is checked against
//! (the golden model for the RTL, the int8 reference kernels for the model).

use serde::Serialize;
use sushi_hw::{Bus, HwConfig};

use crate::compile::layout::Array;
use crate::compile::pb_map::PbMap;
use crate::compile::pb_map::Refill;
use crate::compile::program::{
    CompileError, Outputs, compile_refill, compile_subnet, compile_subnet_depositing,
};
use crate::compile::tiles::{PbError, TileImage, TileSet};
use crate::device::driver::{Accel, DriverError, watchdog_cycles};
use crate::device::model::ModelAccel;
use crate::net::dataset::Split;
use std::collections::HashMap;

use crate::net::supernet::SuperNet;
use crate::sched::policy::{Deposited, after_run};
use crate::sched::{
    LatencyTable, Now, PbContent, Policy, RunCost, ServeSummary, Served, TilePricer,
};
use crate::workload::trace::Query;
use std::sync::Arc;

/// Why serving stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Compilation failed.
    #[error(transparent)]
    Compile(#[from] CompileError),
    /// A SubGraph did not fit.
    #[error(transparent)]
    Pb(#[from] PbError),
    /// The device failed.
    #[error(transparent)]
    Driver(#[from] DriverError),
    /// An output differed from the golden model or the reference.
    #[error("query {query} (SubNet {subnet}): the output differs from {against}")]
    Mismatch {
        /// Query id.
        query: u64,
        /// SubNet.
        subnet: usize,
        /// What it was checked against.
        against: &'static str,
    },
    /// A query names an image the test split does not have.
    #[error("query {query}: input {input} is beyond the {images} test images")]
    Input {
        /// Query id.
        query: u64,
        /// Its input index.
        input: usize,
        /// Images available.
        images: usize,
    },
}

/// What running one query cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Executed {
    /// The class the SubNet predicted (None: a costs-only executor ran nothing).
    pub class: Option<usize>,
    /// Its label.
    pub label: usize,
    /// SubNet cycles (the RTL's counters on the RTL; SushiAbs's elsewhere).
    pub cycles: u64,
    /// Refill cycles before it (0 when the PB already held what the policy asked for).
    pub refill_cycles: u64,
    /// SushiAbs's prediction of `cycles`: the timeline decisions are made on, the same on every
    /// backend.
    pub predicted_cycles: u64,
    /// SushiAbs's prediction of `refill_cycles`.
    pub predicted_refill_cycles: u64,
    /// DRAM bytes of the SubNet run (read and written, every kind).
    pub dram_bytes: u64,
    /// DRAM weight bytes streamed.
    pub dram_weight_bytes: u64,
    /// PB bytes read.
    pub pb_read_bytes: u64,
    /// Bytes the refill moved.
    pub refill_bytes: u64,
    /// Bytes the run's weight loads also wrote into the PB (`LOAD_W_PB`).
    pub deposited_bytes: u64,
    /// The refill right after the run of deposit-target tiles that found no PB word the run
    /// could write (usually nothing).
    pub after_refill: Refilled,
    /// What failed on the device, and how it was recovered (None: it ran).
    pub fault: Option<String>,
}

/// What making the PB hold a policy's content cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Refilled {
    /// Cycles (the RTL's counters on the RTL; SushiAbs's elsewhere).
    pub cycles: u64,
    /// SushiAbs's prediction of them.
    pub predicted_cycles: u64,
    /// Bytes moved into the PB.
    pub bytes: u64,
}

/// What an [`Executor`] runs queries on.
enum Target<B: Bus> {
    /// A device, and the golden model it is checked against when it is the RTL.
    Device {
        accel: Box<Accel<B>>,
        golden: Option<Box<Accel<ModelAccel>>>,
    },
    /// Nothing: programs are compiled against the PB map and SushiAbs predicts their costs.
    CostsOnly,
}

/// A backend with the SuperNet's tile image uploaded and a PB map kept in step with it.
pub struct Executor<'a, B: Bus> {
    target: Target<B>,
    net: &'a SuperNet,
    config: &'a HwConfig,
    image: TileImage,
    map: PbMap,
    held: PbContent,
    name: &'static str,
}

impl<B: Bus> std::fmt::Debug for Executor<'_, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("backend", &self.name)
            .field("config", &self.config.name)
            .field("held", &self.held)
            .finish_non_exhaustive()
    }
}

impl<'a> Executor<'a, ModelAccel> {
    /// An executor that runs nothing: every refill and SubNet is compiled against the PB map as
    /// on a device and SushiAbs predicts its cycles and bytes (backend `abs` for tile-level
    /// policies, whose PB contents the latency table has no column for).
    pub fn costs_only(net: &'a SuperNet, config: &'a HwConfig) -> Self {
        Executor {
            target: Target::CostsOnly,
            net,
            config,
            image: TileImage::build(net, Array::of(config)),
            map: PbMap::for_config(config),
            held: PbContent::SubGraph(0),
            name: "abs",
        }
    }
}

impl<'a, B: Bus> Executor<'a, B> {
    /// Opens `bus`, uploads the tile image; `golden`: also keep a golden model in step and check
    /// every output against it (the RTL backend).
    pub fn new(
        bus: B,
        net: &'a SuperNet,
        config: &'a HwConfig,
        golden: bool,
    ) -> Result<Self, ServeError> {
        let image = TileImage::build(net, Array::of(config));
        let mut accel = Accel::open(bus, config)?;
        accel.upload_tile_image(&image)?;
        let golden = if golden {
            let mut g = Accel::open(ModelAccel::new(config), config)?;
            g.upload_tile_image(&image)?;
            Some(Box::new(g))
        } else {
            None
        };
        let name = accel.bus().backend();
        Ok(Executor {
            target: Target::Device {
                accel: Box::new(accel),
                golden,
            },
            net,
            config,
            image,
            map: PbMap::for_config(config),
            held: PbContent::SubGraph(0),
            name,
        })
    }

    /// `rtl`, `model` or `abs`.
    pub fn backend(&self) -> &'static str {
        self.name
    }

    /// The device's bus (None: costs only), for its counters or to inject faults.
    pub fn bus(&mut self) -> Option<&mut B> {
        match &mut self.target {
            Target::Device { accel, .. } => Some(accel.bus()),
            Target::CostsOnly => None,
        }
    }

    /// Makes the PB hold `want` before [`Executor::run`]: a refill job moving only the tiles it
    /// lacks, or (`shares_weights` false: no weight sharing) all of its tiles.
    pub fn hold(
        &mut self,
        table: &LatencyTable,
        want: &PbContent,
        shares_weights: bool,
    ) -> Result<Refilled, ServeError> {
        let none = Refilled::default();
        if *want == self.held {
            return Ok(none);
        }
        if !shares_weights {
            self.map.invalidate();
        }
        let refill = match want {
            PbContent::SubGraph(g) if table.subgraphs[*g].is_empty() => None,
            PbContent::Tiles(t) if t.is_empty() => None,
            PbContent::SubGraph(g) => Some(self.map.refill(&self.image, &table.subgraphs[*g])?),
            PbContent::Tiles(t) => Some(self.map.refill_tiles(&self.image, t.tiles())?),
        };
        self.held = want.clone();
        let Some(refill) = refill else {
            // Nothing to load: the PB's contents are simply no longer used.
            self.map.invalidate();
            return Ok(none);
        };
        self.run_refill(&refill)
    }

    /// Runs the refill job `refill` (nothing when it moves nothing).
    fn run_refill(&mut self, refill: &Refill) -> Result<Refilled, ServeError> {
        if refill.moves.is_empty() {
            return Ok(Refilled::default());
        }
        let p = compile_refill(refill, &self.image, self.config)?;
        let predicted = crate::cycle_model::abs::predict(&p, self.config).cycles;
        let bytes = refill.bytes() as u64;
        let cycles = match &mut self.target {
            Target::Device { accel, golden } => {
                let r = accel.run_program(&p, watchdog_cycles(predicted))?;
                if let Some(gm) = golden {
                    gm.run_program(&p, 0)?;
                    r.counters.busy_cycles
                } else {
                    predicted
                }
            }
            Target::CostsOnly => predicted,
        };
        Ok(Refilled {
            cycles,
            predicted_cycles: predicted,
            bytes,
        })
    }

    /// Runs `q` on candidate `c` of `table` with what the PB holds (`use_pb` false: as if it held
    /// nothing); `refilled`: what the [`Executor::hold`] before it cost. With `deposit`, the
    /// run's weight loads write the tiles of that target they stream into the PB on the way
    /// ([`crate::sched::policy::after_run`] says what the PB holds afterwards).
    #[allow(clippy::too_many_arguments)]
    pub fn run(
        &mut self,
        table: &LatencyTable,
        split: &Split,
        q: &Query,
        c: usize,
        refilled: Refilled,
        use_pb: bool,
        deposit: Option<&TileSet>,
    ) -> Result<Executed, ServeError> {
        if q.input >= split.len() {
            return Err(ServeError::Input {
                query: q.id,
                input: q.input,
                images: split.len(),
            });
        }
        let s = table.candidates[c].subnet;
        let nothing = PbMap::for_config(self.config);
        let (mut p, after) = match deposit {
            Some(target) if use_pb => {
                let held = TileSet::new(self.map.contents().map(|(t, _)| t).collect());
                let subnet_tiles = self.image.tiles(&self.net.subnets[s].config)?;
                let after = after_run(&held, &subnet_tiles, target, self.map.words() as usize);
                let before = self.map.clone();
                let plan = self
                    .map
                    .plan_deposits(&self.image, &subnet_tiles, after.tiles())?;
                let p = compile_subnet_depositing(
                    self.net,
                    s,
                    &self.image,
                    &before,
                    &plan.deposit,
                    self.config,
                    Outputs::Last,
                )?;
                self.held = PbContent::Tiles(Arc::new(after));
                (p, Some(plan))
            }
            _ => (
                compile_subnet(
                    self.net,
                    s,
                    &self.image,
                    if use_pb { &self.map } else { &nothing },
                    self.config,
                    Outputs::Last,
                )?,
                None,
            ),
        };
        let input = split.input(q.input);
        p.set_input(&input);
        let predicted = crate::cycle_model::abs::predict(&p, self.config);
        let label = usize::from(split.labels[q.input]);
        let (class, cycles, dram_bytes, dram_weight_bytes, pb_read_bytes) = match &mut self.target {
            Target::CostsOnly => (
                None,
                predicted.cycles,
                predicted.dram_bytes,
                p.weight_bytes as u64,
                p.pb_bytes as u64,
            ),
            Target::Device { accel, golden } => {
                let r = accel.run_program(&p, watchdog_cycles(predicted.cycles))?;
                let out = &r.outputs.last().expect("the program stores its output").1;
                let cycles = match golden {
                    Some(gm) => {
                        let want = gm.run_program(&p, 0)?;
                        if want.outputs.last().map(|o| &o.1) != Some(out) {
                            return Err(ServeError::Mismatch {
                                query: q.id,
                                subnet: s,
                                against: "the golden model",
                            });
                        }
                        r.counters.busy_cycles
                    }
                    None => {
                        let network = self
                            .net
                            .network(s)
                            .map_err(|message| CompileError::SubNet { index: s, message })?;
                        // The fast kernels, held bit-exact to the reference ones (fast.rs).
                        let want = crate::net::fast::run_last(&network, &input);
                        if &want != out {
                            return Err(ServeError::Mismatch {
                                query: q.id,
                                subnet: s,
                                against: "the int8 reference",
                            });
                        }
                        predicted.cycles
                    }
                };
                (
                    Some(crate::net::int8::argmax(out)),
                    cycles,
                    r.counters.dram_read_bytes + r.counters.dram_write_bytes,
                    r.traffic.dram_read_weight_bytes,
                    r.traffic.pb_read_bytes,
                )
            }
        };
        let (deposited_bytes, after_refill) = match after {
            Some(plan) => (
                (plan.deposit.len() * self.image.layout().array().word_bytes()) as u64,
                self.run_refill(&plan.refill)?,
            ),
            None => (0, Refilled::default()),
        };
        Ok(Executed {
            class,
            label,
            cycles,
            refill_cycles: refilled.cycles,
            predicted_cycles: predicted.cycles,
            predicted_refill_cycles: refilled.predicted_cycles,
            dram_bytes,
            dram_weight_bytes,
            pb_read_bytes,
            refill_bytes: refilled.bytes,
            deposited_bytes,
            after_refill,
            fault: None,
        })
    }

    /// Takes a device fault in stride: for an AXI error or a watchdog timeout (`JobFailed`,
    /// `Timeout`) it recovers the device ([`Accel::recover`]) and forgets what the PB holds, so
    /// the next refill starts from nothing; returns the cycles the failed job took and what
    /// happened, in words. Any other error is handed back.
    pub fn absorb(&mut self, error: ServeError) -> Result<(u64, String), ServeError> {
        let cycles = match &error {
            ServeError::Driver(DriverError::JobFailed { cycles, .. })
            | ServeError::Driver(DriverError::Timeout { cycles, .. }) => *cycles,
            _ => return Err(error),
        };
        let Target::Device { accel, .. } = &mut self.target else {
            return Err(error);
        };
        let recovery = accel.recover()?;
        self.map.invalidate();
        self.held = PbContent::SubGraph(0);
        Ok((cycles, format!("{error}; recovered by {recovery:?}")))
    }
}

/// Serves `queries` under `policy` on `exec`; `progress(i)` after each query. Decisions are made
/// on the timeline SushiAbs predicts (so every backend decides alike); the latencies reported
/// are on the timeline of the cycles the backend measured.
pub fn serve_exec<B: Bus>(
    exec: &mut Executor<'_, B>,
    table: &LatencyTable,
    split: &Split,
    queries: &[Query],
    policy: &mut dyn Policy,
    mut progress: impl FnMut(usize),
) -> Result<(Vec<Served>, Vec<Executed>), ServeError> {
    let (mut free, mut predicted_free) = (0u64, 0u64);
    let mut held = PbContent::SubGraph(0);
    let (mut served, mut runs) = (Vec::new(), Vec::new());
    for (i, q) in queries.iter().enumerate() {
        // The cache step runs when the accelerator is free, or when the query arrives for
        // policies that load on demand (see `sched::serve_table`).
        let at_arrival = policy.cache_at_arrival();
        let cache_at = |free: u64| {
            if at_arrival {
                free.max(q.arrival_cycle)
            } else {
                free
            }
        };
        let mut now = Now {
            queries,
            i,
            cycle: cache_at(predicted_free),
        };
        held = policy.cache(table, &now, &held);
        // A device fault (AXI error, watchdog) fails this query only: the device is recovered
        // and serving goes on (`Executor::absorb`).
        let mut fault = None;
        let refilled = match exec.hold(table, &held, policy.shares_weights()) {
            Ok(r) => r,
            Err(e) => {
                fault = Some(exec.absorb(e)?);
                Refilled::default()
            }
        };
        now.cycle = (now.cycle + refilled.predicted_cycles).max(q.arrival_cycle);
        let c = policy.select(table, &now, &held);
        policy.served(table, &now, c);
        let use_pb = policy.uses_pb(&held, c);
        let target = policy.deposit_target(table, &now, &held, c);
        let ran = match fault {
            None => match exec.run(table, split, q, c, refilled, use_pb, target.as_deref()) {
                Ok(e) => Some(e),
                Err(err) => {
                    fault = Some(exec.absorb(err)?);
                    None
                }
            },
            Some(_) => None,
        };
        let e = match (ran, fault) {
            (Some(e), _) => e,
            (None, fault) => {
                let (cycles, what) = fault.expect("a query that did not run failed");
                Executed {
                    class: None,
                    label: split.labels.get(q.input).map_or(0, |&l| usize::from(l)),
                    cycles,
                    refill_cycles: refilled.cycles,
                    predicted_cycles: cycles,
                    predicted_refill_cycles: refilled.predicted_cycles,
                    dram_bytes: 0,
                    dram_weight_bytes: 0,
                    pb_read_bytes: 0,
                    refill_bytes: refilled.bytes,
                    deposited_bytes: 0,
                    after_refill: Refilled::default(),
                    fault: Some(what),
                }
            }
        };
        let failed = e.fault.is_some();
        predicted_free = now.cycle + e.predicted_cycles + e.after_refill.predicted_cycles;
        let start = (cache_at(free) + e.refill_cycles).max(q.arrival_cycle);
        let end = start + e.cycles;
        served.push(Served {
            id: q.id,
            candidate: c,
            subgraph: if use_pb { held.subgraph() } else { Some(0) },
            start_cycle: start,
            service_cycles: e.cycles,
            refill_cycles: e.refill_cycles + e.after_refill.cycles,
            refill_bytes: e.refill_bytes + e.after_refill.bytes,
            dram_weight_bytes: e.dram_weight_bytes,
            dram_bytes: e.dram_bytes,
            pb_read_bytes: e.pb_read_bytes,
            deposited_bytes: e.deposited_bytes,
            end_to_end_cycles: end - q.arrival_cycle,
            slo_met: !failed
                && end - q.arrival_cycle <= q.latency_target_cycles
                && table.candidates[c].accuracy >= q.accuracy_target,
            latency_met: !failed && end - q.arrival_cycle <= q.latency_target_cycles,
            failed,
        });
        free = end + e.after_refill.cycles;
        // A run that deposited changed what the PB holds.
        if e.fault.is_none() && target.is_some() && use_pb {
            held = exec.held.clone();
        }
        runs.push(e);
        progress(i + 1);
    }
    Ok((served, runs))
}

/// DESIGN.md section 8's metrics of an executed run ([`crate::sched::summarize`] of its served
/// queries). Served accuracy is the percentage of queries classified correctly when every query
/// ran, else (costs only) the mean measured test accuracy of the SubNets served.
pub fn summarize_exec(
    table: &LatencyTable,
    served: &[Served],
    runs: &[Executed],
    policy: &str,
    backend: &str,
    config: &HwConfig,
) -> ServeSummary {
    let mut summary = crate::sched::summarize(table, served, policy, config);
    summary.backend = backend.to_string();
    // A failed query has no class and counts as wrong.
    if runs.iter().all(|r| r.class.is_some() || r.fault.is_some()) {
        let correct = runs.iter().filter(|r| r.class == Some(r.label)).count();
        summary.served_accuracy = 100.0 * correct as f64 / served.len().max(1) as f64;
        summary.outputs_verified = runs.iter().filter(|r| r.class.is_some()).count();
    }
    summary
}

/// Prices runs under LRU's tile sets with SushiAbs: each (tile set, candidate) is compiled against
/// a PB map holding exactly those tiles and predicted once, then memoised. Memo keys are the sets'
/// 64-bit fingerprints (a collision would misprice a run; with the at most 2^20 entries kept, the
/// odds are below 2^-24). The tile image is built on first use, so a pricer no tile-level policy
/// asks costs nothing.
#[derive(Debug)]
pub struct AbsPricer<'a> {
    net: &'a SuperNet,
    config: &'a HwConfig,
    image: Option<TileImage>,
    memo: HashMap<(u64, usize), RunCost>,
    refills: HashMap<(u64, u64), (u64, u64)>,
    deposits: HashMap<(u64, usize, u64), Deposited>,
}

impl<'a> AbsPricer<'a> {
    /// Entries kept before the memo is cleared.
    pub const MAX_ENTRIES: usize = 1 << 20;

    /// A pricer for `net` on `config`.
    pub fn new(net: &'a SuperNet, config: &'a HwConfig) -> Self {
        AbsPricer {
            net,
            config,
            image: None,
            memo: HashMap::new(),
            refills: HashMap::new(),
            deposits: HashMap::new(),
        }
    }

    /// PB words of the config.
    fn capacity_tiles(&self) -> usize {
        PbMap::for_config(self.config).words() as usize
    }
}

impl AbsPricer<'_> {
    /// The tile image, built on first use, and an empty PB map refilled to hold `tiles`.
    fn holding(&mut self, tiles: &TileSet) -> (&TileImage, PbMap) {
        let (net, config) = (self.net, self.config);
        let image = self
            .image
            .get_or_insert_with(|| TileImage::build(net, Array::of(config)));
        let mut map = PbMap::for_config(config);
        // The tile set comes from an LRU sized to this PB over this layout: a failure here is a
        // bug, not an input error.
        map.refill_tiles(image, tiles.tiles())
            .expect("an LRU tile set fits the PB it was sized for");
        (image, map)
    }
}

impl TilePricer for AbsPricer<'_> {
    fn price(&mut self, table: &LatencyTable, candidate: usize, held: &TileSet) -> RunCost {
        let key = (held.fingerprint(), candidate);
        if let Some(c) = self.memo.get(&key) {
            return *c;
        }
        let (net, config) = (self.net, self.config);
        let (image, map) = self.holding(held);
        // Every candidate compiled when the table was built.
        let p = compile_subnet(
            net,
            table.candidates[candidate].subnet,
            image,
            &map,
            config,
            Outputs::Last,
        )
        .expect("a table candidate compiles");
        let pred = crate::cycle_model::abs::predict(&p, config);
        let cost = RunCost {
            cycles: pred.cycles,
            dram_weight_bytes: p.weight_bytes as u64,
            dram_bytes: pred.dram_bytes,
            pb_read_bytes: p.pb_bytes as u64,
        };
        if self.memo.len() >= Self::MAX_ENTRIES {
            self.memo.clear();
        }
        self.memo.insert(key, cost);
        cost
    }

    fn deposit(
        &mut self,
        table: &LatencyTable,
        candidate: usize,
        held: &TileSet,
        target: &TileSet,
    ) -> Deposited {
        let key = (held.fingerprint(), candidate, target.fingerprint());
        if let Some(d) = self.deposits.get(&key) {
            return d.clone();
        }
        let (net, config) = (self.net, self.config);
        let subnet = table.candidates[candidate].subnet;
        let capacity = self.capacity_tiles();
        let (image, mut map) = self.holding(held);
        let subnet_tiles = image
            .tiles(&net.subnets[subnet].config)
            .expect("a table candidate has a tile box");
        let after = after_run(held, &subnet_tiles, target, capacity);
        // As the executor does it: the run deposits what it streams of `after`, a refill after
        // it brings what found no word.
        let plan = map
            .plan_deposits(image, &subnet_tiles, after.tiles())
            .expect("a deposit target fits the PB it was sized for");
        let word_bytes = image.layout().array().word_bytes() as u64;
        let (refill_bytes, refill_cycles) = if plan.refill.moves.is_empty() {
            (0, 0)
        } else {
            let p = compile_refill(&plan.refill, image, config)
                .expect("a refill within the PB compiles");
            (
                plan.refill.bytes() as u64,
                crate::cycle_model::abs::predict(&p, config).cycles,
            )
        };
        let d = Deposited {
            after: Arc::new(after),
            deposited_bytes: plan.deposit.len() as u64 * word_bytes,
            refill_bytes,
            refill_cycles,
        };
        if self.deposits.len() >= Self::MAX_ENTRIES {
            self.deposits.clear();
        }
        self.deposits.insert(key, d.clone());
        d
    }

    fn refill(&mut self, from: &TileSet, to: &TileSet) -> (u64, u64) {
        let key = (from.fingerprint(), to.fingerprint());
        if let Some(c) = self.refills.get(&key) {
            return *c;
        }
        // As the executor does it: `from` in place, then only what `to` adds moves.
        let config = self.config;
        let (image, mut map) = self.holding(from);
        let refill = map
            .refill_tiles(image, to.tiles())
            .expect("an LRU tile set fits the PB it was sized for");
        let cost = if refill.moves.is_empty() {
            (0, 0)
        } else {
            let p =
                compile_refill(&refill, image, config).expect("a refill within the PB compiles");
            (
                refill.bytes() as u64,
                crate::cycle_model::abs::predict(&p, config).cycles,
            )
        };
        if self.refills.len() >= Self::MAX_ENTRIES {
            self.refills.clear();
        }
        self.refills.insert(key, cost);
        cost
    }
}
