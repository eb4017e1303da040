//! Policies by name: the names every report and command accepts ([`PolicyName`]), and the policy
//! each builds ([`make_policy`]).
use std::fmt;
use std::str::FromStr;

use crate::compile::layout::Array;
use crate::compile::tiles::TileLayout;
use crate::net::supernet::SuperNet;
use crate::sched::policies::{
    AdaptiveReplacement, CacheUnaware, Lru, ModelSwitching, NoCache, Oracle, Sieve, Slack,
    StaticCache, StaticSubNet, Sushi, TileCache, WTinyLfu,
};
use crate::sched::policy::Policy;
use crate::sched::select::Mode;
use crate::sched::table::LatencyTable;

/// A policy, by the name reports and commands use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyName {
    /// `sushi`: SushiSched, planning over weight tiles.
    Sushi,
    /// `sushi-subgraph`: SushiSched planning over the latency table's SubGraphs (the plan
    /// space of the SUSHI paper; an ablation of tile planning).
    SushiSubGraph,
    /// `no-cache`.
    NoCache,
    /// `static-cache`: what every candidate shares, for the whole trace.
    StaticCache,
    /// `static-subnet` (the middle of the front) or `static-subnet:P` (the candidate `P` percent
    /// of the way from the fastest to the most accurate, `P` in 0..=100).
    StaticSubNet {
        /// `P`, when given.
        percentile: Option<u8>,
    },
    /// `cache-unaware`: SushiSched's plans, selection from the empty-PB column.
    CacheUnaware,
    /// `lru`: LRU over weight tiles.
    Lru,
    /// `arc`: ARC over weight tiles.
    Arc,
    /// `sieve`: SIEVE over weight tiles.
    Sieve,
    /// `w-tinylfu`: W-TinyLFU over weight tiles.
    WTinyLfu,
    /// `slack`: slack-aware selection under load.
    Slack,
    /// `model-switching`: whole-model reloads, no weight sharing.
    ModelSwitching,
    /// `oracle`: SushiSched planning on the future window.
    Oracle,
}

/// The policy names every report and command accepts, in report order.
pub const POLICY_NAMES: [&str; 13] = [
    "sushi",
    "sushi-subgraph",
    "no-cache",
    "static-cache",
    "static-subnet",
    "cache-unaware",
    "lru",
    "arc",
    "sieve",
    "w-tinylfu",
    "slack",
    "model-switching",
    "oracle",
];

impl PolicyName {
    /// Every policy with its default parameters, in report order (the order of [`POLICY_NAMES`]).
    pub const ALL: [PolicyName; 13] = [
        PolicyName::Sushi,
        PolicyName::SushiSubGraph,
        PolicyName::NoCache,
        PolicyName::StaticCache,
        PolicyName::StaticSubNet { percentile: None },
        PolicyName::CacheUnaware,
        PolicyName::Lru,
        PolicyName::Arc,
        PolicyName::Sieve,
        PolicyName::WTinyLfu,
        PolicyName::Slack,
        PolicyName::ModelSwitching,
        PolicyName::Oracle,
    ];
}

/// A name that is not a policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown policy `{0}`: use one of {names} or static-subnet:P (P percent of the way along the front, 0..=100)",
    names = POLICY_NAMES.join(", ")
)]
pub struct UnknownPolicy(pub String);

impl FromStr for PolicyName {
    type Err = UnknownPolicy;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        if let Some(p) = name.strip_prefix("static-subnet:") {
            // Digits only: `+50`, ` 50` or `50 ` are not names.
            let digits = !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit());
            return match p.parse::<u8>() {
                Ok(p) if digits && p <= 100 => Ok(PolicyName::StaticSubNet {
                    percentile: Some(p),
                }),
                _ => Err(UnknownPolicy(name.to_string())),
            };
        }
        let i = POLICY_NAMES
            .iter()
            .position(|&n| n == name)
            .ok_or_else(|| UnknownPolicy(name.to_string()))?;
        Ok(PolicyName::ALL[i])
    }
}

impl fmt::Display for PolicyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyName::StaticSubNet {
                percentile: Some(p),
            } => write!(f, "static-subnet:{p}"),
            other => {
                let i = PolicyName::ALL
                    .iter()
                    .position(|n| n == other)
                    .expect("every other name is in ALL");
                f.write_str(POLICY_NAMES[i])
            }
        }
    }
}

/// Builds the policy `name` for `table` of `net` on `config`. The static SubNet is the middle of
/// the front (`static-subnet:P`: the candidate `P` percent of the way from the fastest to the most
/// accurate) with its own SubGraph cached where it fits; the static cache holds what every
/// candidate shares; the tile caches (LRU, ARC, SIEVE, W-TinyLFU) hold as many tiles as the PB
/// has words.
pub fn make_policy(
    name: PolicyName,
    mode: Mode,
    period: usize,
    window: usize,
    table: &LatencyTable,
    net: &SuperNet,
    config: &sushi_hw::HwConfig,
) -> Result<Box<dyn Policy>, crate::compile::tiles::PbError> {
    // SushiSched and the policies built on its plans plan over tiles where the table carries
    // the tile model (every table `build_table` makes), else over its SubGraphs.
    let sushi = match &table.tile_model {
        Some(model) => Sushi::tiles(mode, period, window, model.clone()),
        None => Sushi::subgraphs(mode, period, window),
    };
    Ok(match name {
        PolicyName::Sushi => Box::new(sushi),
        PolicyName::SushiSubGraph => Box::new(Sushi::subgraphs(mode, period, window)),
        PolicyName::NoCache => Box::new(NoCache { mode }),
        PolicyName::StaticCache => Box::new(StaticCache {
            mode,
            subgraph: table.shared_by_all,
        }),
        PolicyName::StaticSubNet { percentile: None } => {
            static_subnet(table, net, table.candidates.len() / 2)
        }
        PolicyName::StaticSubNet {
            percentile: Some(p),
        } => {
            let last = table.candidates.len().saturating_sub(1);
            static_subnet(table, net, (usize::from(p) * last + 50) / 100)
        }
        PolicyName::Slack => Box::new(Slack::new(mode, period, window)),
        PolicyName::ModelSwitching => {
            let configs: Vec<Vec<u16>> = table
                .candidates
                .iter()
                .map(|c| net.subnets[c.subnet].config.clone())
                .collect();
            Box::new(ModelSwitching::new(mode, table, &configs))
        }
        PolicyName::CacheUnaware => Box::new(CacheUnaware { inner: sushi }),
        PolicyName::Oracle => Box::new(Oracle { inner: sushi }),
        PolicyName::Lru => {
            let (layout, words) = tile_layout(net, config);
            Box::new(Lru::new(mode, table, net, &layout, words)?)
        }
        PolicyName::Arc => {
            let (layout, words) = tile_layout(net, config);
            let arc = AdaptiveReplacement::new(words);
            Box::new(TileCache::new(mode, table, net, &layout, arc)?)
        }
        PolicyName::Sieve => {
            let (layout, words) = tile_layout(net, config);
            Box::new(TileCache::new(
                mode,
                table,
                net,
                &layout,
                Sieve::new(words),
            )?)
        }
        PolicyName::WTinyLfu => {
            let (layout, words) = tile_layout(net, config);
            Box::new(TileCache::new(
                mode,
                table,
                net,
                &layout,
                WTinyLfu::new(words),
            )?)
        }
    })
}

/// The tile layout of `net` on `config`'s array, and the PB's capacity in tiles (words).
fn tile_layout(net: &SuperNet, config: &sushi_hw::HwConfig) -> (TileLayout, usize) {
    let layout = TileLayout::new(net, Array::of(config));
    let words = config.spec.buffers.pb_bytes as usize / layout.array().word_bytes();
    (layout, words)
}

/// One static SubNet (candidate `c`) with its own SubGraph cached where it fits.
fn static_subnet(table: &LatencyTable, net: &SuperNet, c: usize) -> Box<dyn Policy> {
    let own = &net.subnets[table.candidates[c].subnet].config;
    Box::new(StaticSubNet {
        candidate: c,
        subgraph: table.subgraphs.iter().position(|g| g == own).unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_to_the_policy_that_prints_it() {
        for (name, policy) in POLICY_NAMES.iter().zip(PolicyName::ALL) {
            assert_eq!(name.parse::<PolicyName>(), Ok(policy));
            assert_eq!(policy.to_string(), *name);
        }
        let p: PolicyName = "static-subnet:25".parse().unwrap();
        assert_eq!(
            p,
            PolicyName::StaticSubNet {
                percentile: Some(25)
            }
        );
        assert_eq!(p.to_string(), "static-subnet:25");
    }

    #[test]
    fn names_with_extra_words_or_out_of_range_parameters_are_refused() {
        for bad in [
            "sushi junk",
            " sushi",
            "Sushi",
            "",
            "static-subnet:101",
            "static-subnet:+5",
            "static-subnet: 5",
            "static-subnet:",
            "static-subnet:-1",
        ] {
            let err = bad.parse::<PolicyName>().unwrap_err().to_string();
            assert!(
                err.contains("use one of sushi, sushi-subgraph, no-cache"),
                "{bad:?}: {err}"
            );
        }
    }
}
