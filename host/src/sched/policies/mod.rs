//! Every serving policy, one file each: SushiSched and the baselines every benchmark reports
//! beside it (DESIGN.md section 7), among them the classical tile caches: LRU, and ARC, SIEVE
//! and W-TinyLFU as replacement algorithms run by [`TileCache`].
mod arc;
mod cache_unaware;
mod lru;
mod no_cache;
mod oracle;
mod sieve;
mod slack;
mod static_cache;
mod static_subnet;
mod sushi;
mod tile_cache;
mod w_tinylfu;

pub use arc::AdaptiveReplacement;
pub use cache_unaware::CacheUnaware;
pub use lru::Lru;
pub use no_cache::NoCache;
pub use oracle::Oracle;
pub use sieve::Sieve;
pub use slack::{LOOKAHEAD, ModelSwitching, Slack, slack_budget, slack_select};
pub use static_cache::StaticCache;
pub use static_subnet::StaticSubNet;
pub use sushi::Sushi;
pub use tile_cache::{Replacement, Resident, TileCache, candidate_tiles};
pub use w_tinylfu::{FrequencySketch, WTinyLfu};
