//! Networks and the kernels that define them: the reference int8 kernels, the fast kernels used
//! for accuracy over data sets, the quantised layer graph, the SuperNet artifact and its SubNets,
//! and the data set reader. Nothing here knows about the accelerator.
pub mod dataset;
pub mod fast;
pub mod int8;
pub mod network;
pub mod supernet;
