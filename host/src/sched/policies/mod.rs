//! Every serving policy, one file each: SushiSched and the baselines every benchmark reports
//! beside it (DESIGN.md section 7).
mod cache_unaware;
mod lru;
mod no_cache;
mod oracle;
mod slack;
mod static_cache;
mod static_subnet;
mod sushi;

pub use cache_unaware::CacheUnaware;
pub use lru::Lru;
pub use no_cache::NoCache;
pub use oracle::Oracle;
pub use slack::{LOOKAHEAD, ModelSwitching, Slack, slack_budget, slack_select};
pub use static_cache::StaticCache;
pub use static_subnet::StaticSubNet;
pub use sushi::Sushi;
