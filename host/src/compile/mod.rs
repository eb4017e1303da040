//! From networks to what the accelerator reads: tensor, weight and epilogue layouts ([`layout`]),
//! input unrolling ([`unroll`]), the SuperNet's weight tiles and SubGraphs as tile sets
//! ([`tiles`]), the host's map of the Persistent Buffer and its refills ([`pb_map`]), the run
//! merger behind 2-D DMA commands ([`runs`]), and the command compiler ([`program`]) that turns
//! a network or a SubNet into a command stream and a DRAM image.
pub mod layout;
pub mod pb_map;
pub mod program;
pub mod runs;
pub mod tiles;
pub mod unroll;
