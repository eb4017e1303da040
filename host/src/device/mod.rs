//! Devices: the driver that speaks to any [`sushi_hw::Bus`], the host's command checks, the golden
//! model (a bit-exact `Bus` backend), the board backend, and the choice of backend.
pub mod backend;
#[cfg(unix)]
pub mod board;
pub mod checks;
pub mod dma_check;
pub mod driver;
pub mod model;
