//! SushiAbs, the command-level cycle model ([`abs`]), and its check against a backend that counts
//! cycles ([`check`]).
pub mod abs;
pub mod check;
