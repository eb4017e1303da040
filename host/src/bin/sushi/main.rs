//! `sushi`: the command-line front end. Glue only: parsing, printing, errors for people. Each
//! subcommand is a module with its options and its `run`; the jobs they start live in the library.

#[macro_use]
mod common;
mod abs;
mod bench;
mod board;
mod compare;
mod demo;
mod hw;
mod pb;
mod serve;
mod sim;
mod supernet;
mod trace;

use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "sushi",
    version,
    about = "SUSHI: SubGraph Stationary tinyML accelerator co-design toolkit"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The main job: serve a seeded query trace on the simulated RTL with SushiSched and without a
    /// cache (every output verified), the other baselines on the golden model, and print one table.
    Demo(demo::DemoArgs),
    /// Hardware configs and generated files.
    #[command(subcommand)]
    Hw(hw::HwCommand),
    /// Simulator measurements.
    #[command(subcommand)]
    Sim(sim::SimCommand),
    /// SuperNet artifacts.
    #[command(subcommand)]
    Supernet(supernet::SupernetCommand),
    /// Run a network on the reference kernels, the golden model and the RTL, and compare every
    /// layer's output: where outputs first differ, and by how much.
    Compare(compare::CompareArgs),
    /// The Persistent Buffer.
    #[command(subcommand)]
    Pb(pb::PbCommand),
    /// Serve a query trace under one or all policies and print DESIGN.md's metrics.
    Serve(serve::ServeArgs),
    /// An FPGA board behind Linux UIO and u-dma-buf (hw/boards/bring-up.md).
    #[command(subcommand)]
    Board(board::BoardCommand),
    /// SushiAbs, the cycle model.
    #[command(subcommand)]
    Abs(abs::AbsCommand),
    /// Query traces.
    #[command(subcommand)]
    Trace(trace::TraceCommand),
    /// Sweep policies x PB sizes x update periods and windows x traces x loads x configs with
    /// SushiAbs's costs, in parallel; write CSV, JSON and SVG plots (`bench merge` joins shards).
    Bench(Box<bench::BenchArgs>),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => match common::bad_value(&e) {
            // A value of ours that does not parse: said like every other error.
            Some(message) => {
                eprintln!("error: {message}");
                return ExitCode::FAILURE;
            }
            None => e.exit(),
        },
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Demo(args) => demo::run(&args),
        Command::Hw(cmd) => hw::run(cmd),
        Command::Sim(cmd) => sim::run(cmd),
        Command::Supernet(cmd) => supernet::run(cmd),
        Command::Compare(args) => compare::run(&args),
        Command::Pb(cmd) => pb::run(cmd),
        Command::Serve(args) => serve::run(&args),
        Command::Board(cmd) => board::run(cmd),
        Command::Abs(cmd) => abs::run(cmd),
        Command::Trace(cmd) => trace::run(cmd),
        Command::Bench(args) => bench::run(&args),
    }
}
