//! What people read: per-layer roofline and Persistent Buffer reports, per-layer comparison of
//! backends, synthesis results, plots and progress lines.
pub mod compare;
pub mod pb_report;
pub mod plot;
pub mod progress;
pub mod roofline;
pub mod synth;
