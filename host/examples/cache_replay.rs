//! Replays the shipped SuperNet's front through the tile caches and prints, per policy, what
//! the PB held and what moved, beside a request-by-request demand-filled replay of the same
//! tile streams and Belady's bound.
//!
//! `cargo run -p sushi-host --example cache_replay --no-default-features --release`
use std::collections::HashMap;

use sushi_host::compile::layout::Array;
use sushi_host::compile::tiles::{TileId, TileLayout};
use sushi_host::net::supernet::SuperNet;
use sushi_host::sched::bound::{min_fetches, request_stream};
use sushi_host::sched::front::{AccuracyTable, accuracy_table_path, measured_points, pareto_front};
use sushi_host::sched::policies::{
    AdaptiveReplacement, Lru, Replacement, Sieve, TileCache, WTinyLfu, candidate_tiles,
};
use sushi_host::sched::{Candidate, Mode, PbContent, Policy, build_table, serve_table};
use sushi_host::serve::AbsPricer;
use sushi_host::workload::trace::{Arrivals, Locality, TraceSpec, generate};
use sushi_hw::HwConfig;

/// LRU request by request (the demand-filled reference the other algorithms are compared with).
#[derive(Debug, Default)]
struct DemandLru {
    capacity: usize,
    clock: u64,
    last_use: HashMap<TileId, u64>,
    by_age: std::collections::BTreeMap<u64, TileId>,
}

impl DemandLru {
    /// One request; whether it missed.
    fn request(&mut self, tile: TileId) -> bool {
        self.clock += 1;
        let miss = match self.last_use.insert(tile, self.clock) {
            Some(old) => {
                self.by_age.remove(&old);
                false
            }
            None => {
                if self.by_age.len() == self.capacity {
                    let (&age, &victim) = self.by_age.iter().next().unwrap();
                    self.by_age.remove(&age);
                    self.last_use.remove(&victim);
                }
                true
            }
        };
        self.by_age.insert(self.clock, tile);
        miss
    }
}

fn main() {
    let path = sushi_host::net::supernet::shipped_path();
    let net = SuperNet::load(&path).unwrap();
    let acc = AccuracyTable::load(&accuracy_table_path(&path), &net).unwrap();
    let cfg = HwConfig::builtin("zynq7020").unwrap();
    let front = pareto_front(&measured_points(&net, &cfg, &acc));
    let (points, mean) = sushi_host::sched::front::targets(&front);
    // `sushi trace gen`'s defaults: phases of 100 queries, load 0.7, latency slack 2.
    let arg = |i: usize, default: f64| {
        std::env::args()
            .nth(i)
            .map_or(default, |a| a.parse::<f64>().unwrap())
    };
    let (queries, phase, load, slack) = (arg(1, 500.0), arg(2, 100.0), arg(3, 0.7), arg(4, 2.0));
    let trace = generate(
        &TraceSpec {
            queries: queries as u64,
            seed: 1,
            mean_interarrival_cycles: (mean / load) as u64,
            arrivals: Arrivals::Poisson,
            locality: Locality::Phases {
                phase_queries: phase as u64,
            },
            latency_slack: slack,
            images: 10_000,
        },
        &points,
    );
    let candidates = front
        .iter()
        .map(|p| Candidate {
            subnet: p.subnet,
            accuracy: p.accuracy,
        })
        .collect();
    let table = build_table(&net, &cfg, candidates).unwrap();
    let layout = TileLayout::new(&net, Array::of(&cfg));
    let word = layout.array().word_bytes() as u64;
    let words = cfg.spec.buffers.pb_bytes as usize / layout.array().word_bytes();
    let tiles_of = candidate_tiles(&table, &net, &layout).unwrap();
    println!(
        "{} candidates, PB {} tiles; tiles per candidate: {:?}",
        tiles_of.len(),
        words,
        tiles_of.iter().map(Vec::len).collect::<Vec<_>>()
    );
    let nested = tiles_of.windows(2).all(|w| {
        let (small, big) = if w[0].len() <= w[1].len() {
            (&w[0], &w[1])
        } else {
            (&w[1], &w[0])
        };
        small.iter().all(|t| big.binary_search(t).is_ok())
    });
    println!("neighbouring candidates nested: {nested}");

    let mode = Mode::LatencyStrict;
    type Demand = Box<dyn FnMut(TileId) -> bool>;
    fn demand<R: Replacement + 'static>(mut r: R) -> Demand {
        Box::new(move |t| {
            let miss = !r.held().contains(t);
            r.request(t);
            miss
        })
    }
    let policies: Vec<(&str, Box<dyn Policy>, Demand)> = vec![
        (
            "lru",
            Box::new(Lru::new(mode, &table, &net, &layout, words).unwrap()),
            {
                let mut lru = DemandLru {
                    capacity: words,
                    ..Default::default()
                };
                Box::new(move |t| lru.request(t))
            },
        ),
        (
            "arc",
            Box::new(TileCache::with_tiles(
                mode,
                tiles_of.clone(),
                AdaptiveReplacement::new(words),
            )),
            demand(AdaptiveReplacement::new(words)),
        ),
        (
            "sieve",
            Box::new(TileCache::with_tiles(
                mode,
                tiles_of.clone(),
                Sieve::new(words),
            )),
            demand(Sieve::new(words)),
        ),
        (
            "w-tinylfu",
            Box::new(TileCache::with_tiles(
                mode,
                tiles_of.clone(),
                WTinyLfu::new(words),
            )),
            demand(WTinyLfu::new(words)),
        ),
    ];
    let mut pricer = AbsPricer::new(&net, &cfg);
    for (name, mut policy, mut demand) in policies {
        // The per-query policy on the timeline, priced by SushiAbs.
        let served = serve_table(&table, &trace, policy.as_mut(), Some(&mut pricer));
        let chosen: Vec<usize> = served.iter().map(|s| s.candidate).collect();
        let requested: u64 = chosen.iter().map(|&c| tiles_of[c].len() as u64).sum();
        let streamed: u64 = served.iter().map(|s| s.dram_weight_bytes).sum::<u64>();
        let refilled: u64 = served.iter().map(|s| s.refill_bytes).sum::<u64>();
        // The same decisions counted tile by tile: held set before each query.
        let mut p2 = match name {
            "lru" => {
                Box::new(Lru::new(mode, &table, &net, &layout, words).unwrap()) as Box<dyn Policy>
            }
            "arc" => Box::new(TileCache::with_tiles(
                mode,
                tiles_of.clone(),
                AdaptiveReplacement::new(words),
            )),
            "sieve" => Box::new(TileCache::with_tiles(
                mode,
                tiles_of.clone(),
                Sieve::new(words),
            )),
            _ => Box::new(TileCache::with_tiles(
                mode,
                tiles_of.clone(),
                WTinyLfu::new(words),
            )),
        };
        let (mut held_sum, mut hits, mut misses, mut adds) = (0u64, 0u64, 0u64, 0u64);
        let mut prev: Vec<TileId> = Vec::new();
        let mut changed = 0;
        for (i, &c) in chosen.iter().enumerate() {
            let now = sushi_host::sched::Now {
                queries: &trace,
                i,
                cycle: 0,
            };
            let PbContent::Tiles(h) = p2.cache(&table, &now, &PbContent::SubGraph(0)) else {
                unreachable!()
            };
            let h = h.tiles().to_vec();
            held_sum += h.len() as u64;
            adds += h.iter().filter(|t| prev.binary_search(t).is_err()).count() as u64;
            if h != prev {
                changed += 1;
            }
            let hit = tiles_of[c]
                .iter()
                .filter(|t| h.binary_search(t).is_ok())
                .count() as u64;
            hits += hit;
            misses += tiles_of[c].len() as u64 - hit;
            p2.served(&table, &now, c);
            if std::env::var_os("VERBOSE").is_some() {
                println!(
                    "  {name} q{i}: c{c} |Q|={} |H|={} hit={hit}",
                    tiles_of[c].len(),
                    h.len()
                );
            }
            prev = h;
        }
        // Demand fill: request by request, a miss fetches and the cache changes at once.
        let stream = request_stream(&tiles_of, &chosen);
        let mut demand_misses = 0u64;
        for &t in &stream {
            if demand(t) {
                demand_misses += 1;
            }
        }
        let belady = min_fetches(&stream, words);
        if name == "arc" {
            // What ARC's adaptation did on this stream: the largest target size of T1 reached,
            // and the lists at the end.
            let mut arc = AdaptiveReplacement::new(words);
            let mut max_p = 0;
            for &t in &stream {
                arc.request(t);
                max_p = max_p.max(arc.recency_target());
            }
            println!(
                "      ARC: largest p {max_p}, final [T1, T2, B1, B2] {:?}",
                arc.list_lens()
            );
        }
        let r = requested as f64;
        println!(
            "{name:>9}: mean held {:.0} tiles, PB changed before {changed}/{} queries; hits {hits}, streamed {misses}, refilled {adds} tiles; (streamed+refill)/requested {:.3} (priced: {:.3} = {:.3} + {:.3}); demand-filled misses/requested {:.3}; Belady {:.3}",
            held_sum as f64 / chosen.len() as f64,
            chosen.len(),
            (misses + adds) as f64 / r,
            (streamed + refilled) as f64 / (r * word as f64),
            streamed as f64 / (r * word as f64),
            refilled as f64 / (r * word as f64),
            demand_misses as f64 / r,
            belady as f64 / r,
        );
    }
}
