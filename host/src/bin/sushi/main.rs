//! `sushi`: the command-line front end. Glue only: parsing, printing, errors for people.

/// `println!` for reports: a closed pipe (`sushi ... | head`) ends the program quietly with
/// success instead of a panic, and any other write error is reported as an error.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            eprintln!("error: writing to standard output: {e}");
            std::process::exit(1);
        }
    }};
}

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use serde::Serialize;
use sushi_host::net::supernet::shipped_path;
use sushi_hw::{DEFAULT_CONFIG, HwConfig};

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
    Demo(DemoArgs),
    /// Hardware configs and generated files.
    #[command(subcommand)]
    Hw(HwCommand),
    /// Simulator measurements.
    #[command(subcommand)]
    Sim(SimCommand),
    /// SuperNet artifacts.
    #[command(subcommand)]
    Supernet(SupernetCommand),
    /// Run a network on the reference kernels, the golden model and the RTL, and compare every
    /// layer's output: where outputs first differ, and by how much.
    Compare(CompareArgs),
    /// The Persistent Buffer.
    #[command(subcommand)]
    Pb(PbCommand),
    /// Serve a query trace under one or all policies and print DESIGN.md's metrics.
    Serve(ServeArgs),
    /// An FPGA board behind Linux UIO and u-dma-buf (hw/boards/bring-up.md).
    #[command(subcommand)]
    Board(BoardCommand),
    /// SushiAbs, the cycle model.
    #[command(subcommand)]
    Abs(AbsCommand),
    /// Query traces.
    #[command(subcommand)]
    Trace(TraceCommand),
    /// Sweep policies x PB sizes x update periods and windows x traces x loads x configs with
    /// SushiAbs's costs, in parallel; write CSV, JSON and SVG plots (`bench merge` joins shards).
    Bench(Box<BenchArgs>),
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
struct BenchArgs {
    #[command(subcommand)]
    action: Option<BenchAction>,
    /// Config names or paths, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = DEFAULT_CONFIG)]
    configs: Vec<String>,
    /// Policies, comma-separated, or all.
    #[arg(long, value_delimiter = ',', default_value = "all")]
    policies: Vec<String>,
    /// Persistent Buffer sizes in KiB, comma-separated (default: each config's own; other sizes
    /// are what-ifs of the cycle model).
    #[arg(long, value_delimiter = ',')]
    pb_kib: Vec<u64>,
    /// Queries between cache plans, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "8")]
    periods: Vec<usize>,
    /// Queries a plan looks at, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "16")]
    windows: Vec<usize>,
    /// Trace kinds, comma-separated: phases, steps, iid, bursty.
    #[arg(long, value_delimiter = ',', default_value = "phases,iid")]
    traces: Vec<String>,
    /// Offered loads, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "0.5")]
    loads: Vec<f64>,
    /// Queries per trace.
    #[arg(long, default_value_t = 100_000)]
    queries: u64,
    /// Seed of every trace.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Latency target as a multiple of the aimed SubNet's cycles.
    #[arg(long, default_value_t = 1.5)]
    latency_slack: f64,
    /// Queries per phase or step.
    #[arg(long, default_value_t = 40)]
    phase_queries: u64,
    /// CV^2 of the bursty trace's gamma inter-arrival times.
    #[arg(long, default_value_t = 4.0)]
    cv2: f64,
    /// latency (latency-strict selection) or accuracy (accuracy-strict).
    #[arg(long, default_value = "latency")]
    mode: String,
    /// Worker threads (default: every core).
    #[arg(long)]
    jobs: Option<usize>,
    /// Compute only the points whose index is I modulo N (`sushi bench merge` joins shards).
    #[arg(long)]
    shard: Option<String>,
    /// Output directory for points.json, points.csv and the plots.
    #[arg(long, default_value = "bench-out")]
    out: PathBuf,
    /// Re-run this many points (spread over the sweep, at each config's own PB size) on the RTL
    /// backend and report the gap to SushiAbs's costs.
    #[arg(long, default_value_t = 0)]
    rtl_sample: usize,
    /// Queries of each re-run point's trace run on the RTL.
    #[arg(long, default_value_t = 30)]
    rtl_queries: usize,
    /// The `.sushinet` file (default: the shipped SuperNet).
    #[arg(long)]
    supernet: Option<PathBuf>,
    /// The accuracy table (default: `<artifact>.accuracy.json`).
    #[arg(long)]
    table: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum BenchAction {
    /// Join the outputs of `--shard I/N` runs into the tables and plots one run would write.
    Merge {
        /// Directories written by the shards' `--out`.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Output directory.
        #[arg(long, default_value = "bench-out")]
        out: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum BoardCommand {
    /// Open the board's devices, check that the accelerator is a SUSHI built for the config, and
    /// print what was found (a bring-up check; nothing runs).
    Probe {
        /// Config name or path to a .toml file.
        #[arg(long, default_value = DEFAULT_CONFIG)]
        config: String,
        #[command(flatten)]
        board: BoardArgs,
        /// Where sysfs is mounted.
        #[arg(long, default_value = "/sys", hide = true)]
        sysfs: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum AbsCommand {
    /// SushiAbs against the RTL: SubNets (default: the Pareto front on the config) under three
    /// cache states each, with every error and the worst.
    Check {
        /// SubNet indices (default: the Pareto front).
        #[arg(long, value_delimiter = ',')]
        subnets: Vec<usize>,
        #[command(flatten)]
        plan: PlanArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
struct PlanArgs {
    /// Config name or path to a .toml file.
    #[arg(long, default_value = DEFAULT_CONFIG)]
    config: String,
    /// The `.sushinet` file (default: the shipped SuperNet).
    #[arg(long)]
    supernet: Option<PathBuf>,
    /// The accuracy table (default: `<artifact>.accuracy.json`).
    #[arg(long)]
    table: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// The trace: `.csv` (header `id,arrival_cycle,accuracy_target,latency_target_cycles,input`)
    /// or JSON Lines (any other extension); `sushi trace gen` writes either.
    #[arg(long)]
    trace: PathBuf,
    /// Where costs come from: `abs` (SushiAbs's latency table, nothing executed).
    #[arg(long, default_value = "abs")]
    backend: String,
    /// sushi, no-cache, static-cache, static-subnet, cache-unaware, lru, oracle, or all.
    #[arg(long, default_value = "all")]
    policy: String,
    /// latency (latency-strict selection) or accuracy (accuracy-strict).
    #[arg(long, default_value = "latency")]
    mode: String,
    /// Queries between cache plans.
    #[arg(long, default_value_t = 16)]
    period: usize,
    /// Queries a plan looks at.
    #[arg(long, default_value_t = 32)]
    window: usize,
    #[command(flatten)]
    plan: PlanArgs,
    /// Also write every query's decision and latencies here (JSON Lines: `policy`, `id`,
    /// `subnet`, `candidate`, `subgraph`, `start_cycle`, `service_cycles`, `refill_cycles`,
    /// `end_to_end_cycles`, `slo_met`, `latency_met`, `failed`).
    #[arg(long)]
    log: Option<PathBuf>,
    /// Inject a fault into the simulated memory bus (rtl backend; repeatable, one per channel):
    /// CHANNEL:KIND:AFTER[:CYCLES], channel ar|r|aw|w|b, kind slverr|decerr|hang|delay, AFTER
    /// the transfers on the channel that pass first, CYCLES a delay's length. The query it hits
    /// fails; the device is recovered and serving goes on (`device_faults` in the report).
    #[arg(long = "fault", value_name = "SPEC")]
    faults: Vec<String>,
    #[command(flatten)]
    board: BoardArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Where the board's devices are (`--backend board`; hw/boards/bring-up.md).
#[derive(Debug, Clone, Args)]
struct BoardArgs {
    /// The UIO device of the accelerator's registers.
    #[arg(long, default_value = "/dev/uio0")]
    uio: PathBuf,
    /// The u-dma-buf device of the DMA buffer.
    #[arg(long, default_value = "/dev/udmabuf0")]
    udmabuf: PathBuf,
    /// Sleep on the UIO interrupt instead of polling STATUS.
    #[arg(long)]
    interrupt: bool,
}

#[derive(Debug, Subcommand)]
enum TraceCommand {
    /// Generate a seeded trace aimed at the Pareto front of a SuperNet on a config.
    Gen(TraceGenArgs),
    /// Turn an Azure Functions invocation trace (per-minute counts per function) into a query
    /// trace: seeded arrival times rescaled to an offered load, targets as `trace gen` draws them.
    ImportAzure(ImportAzureArgs),
}

#[derive(Debug, Args)]
struct ImportAzureArgs {
    /// An `invocations_per_function_md.anon.dNN.csv` file of the Azure Functions 2019 trace.
    #[arg(long)]
    file: PathBuf,
    /// The function (its `HashFunction`); default: the busiest `--top` functions together.
    #[arg(long)]
    function: Option<String>,
    /// How many of the busiest functions to merge when no `--function` is given.
    #[arg(long, default_value_t = 1)]
    top: usize,
    /// Minutes of the day to use, `A-B` (1-based, inclusive); default: all.
    #[arg(long)]
    minutes: Option<String>,
    /// Output file: `.csv` for CSV, anything else for JSON Lines.
    #[arg(long)]
    out: PathBuf,
    /// Seed of arrival instants, targets and inputs.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Offered load the time axis is rescaled to (mean service cycles of the front over mean
    /// inter-arrival cycles).
    #[arg(long, default_value_t = 0.9)]
    load: f64,
    /// phases (temporal locality), steps or iid targets.
    #[arg(long, default_value = "phases")]
    locality: String,
    /// Queries per phase or step.
    #[arg(long, default_value_t = 40)]
    phase_queries: u64,
    /// Latency target as a multiple of the aimed SubNet's cycles.
    #[arg(long, default_value_t = 1.5)]
    latency_slack: f64,
    #[command(flatten)]
    plan: PlanArgs,
}

#[derive(Debug, Args)]
struct TraceGenArgs {
    /// Output file: `.csv` for CSV, anything else for JSON Lines.
    #[arg(long)]
    out: PathBuf,
    /// Queries.
    #[arg(long, default_value_t = 1000)]
    queries: u64,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// phases (temporal locality), steps (step changes) or iid (none).
    #[arg(long, default_value = "phases")]
    locality: String,
    /// Queries per phase or step.
    #[arg(long, default_value_t = 100)]
    phase_queries: u64,
    /// poisson, or gamma (bursty: gamma inter-arrival times of squared coefficient of variation
    /// --cv2).
    #[arg(long, default_value = "poisson")]
    arrivals: String,
    /// CV^2 of gamma inter-arrival times (above 1: bursty).
    #[arg(long, default_value_t = 4.0)]
    cv2: f64,
    /// Offered load: mean service cycles over mean inter-arrival cycles.
    #[arg(long, default_value_t = 0.7)]
    load: f64,
    /// Latency target as a multiple of the aimed SubNet's cycles.
    #[arg(long, default_value_t = 2.0)]
    latency_slack: f64,
    #[command(flatten)]
    plan: PlanArgs,
}

#[derive(Debug, Subcommand)]
enum PbCommand {
    /// Cycles and DRAM weight bytes of SubNets with an empty PB and with a cached SubGraph,
    /// layer by layer (memory-bound layers marked), and the PB fill cost in cycles per KiB.
    Report(PbReportArgs),
}

#[derive(Debug, Args)]
struct PbReportArgs {
    /// Config name or path to a .toml file.
    #[arg(long, default_value = DEFAULT_CONFIG)]
    config: String,
    /// The `.sushinet` file (default: the shipped SuperNet).
    #[arg(long)]
    supernet: Option<PathBuf>,
    /// SubNet indices (default: the smallest and the largest).
    #[arg(long, value_delimiter = ',')]
    subnets: Vec<usize>,
    /// Whole SubNets only (no per-layer runs).
    #[arg(long)]
    no_layers: bool,
    /// Backend: rtl or model (the model counts bytes exactly but not cycles).
    #[arg(long, default_value = "rtl")]
    backend: String,
    /// Seed of the random input image.
    #[arg(long, default_value_t = 1)]
    input_seed: u64,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum SupernetCommand {
    /// Validate an artifact and print its layer slots with shapes and bytes.
    Check {
        /// The `.sushinet` file.
        file: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Top-1 accuracy of listed SubNets on the Fashion-MNIST test split, with the fast int8
    /// kernels (bit-exact with the reference), in parallel across cores. SubNets run in batches
    /// of 64 that compute the layers they share once per image, so `seconds` in the output is a
    /// SubNet's share of its batch's wall time.
    Eval {
        /// The `.sushinet` file.
        file: PathBuf,
        /// SubNet indices (default: the smallest and the largest).
        #[arg(long, value_delimiter = ',', conflicts_with = "all")]
        subnets: Vec<usize>,
        /// Every listed SubNet (219 s on two cores for the shipped SuperNet).
        #[arg(long)]
        all: bool,
        /// On the whole test split: merge the figures into the accuracy table beside the artifact
        /// (`<artifact>.accuracy.json`, keyed by its hash; created when missing), which
        /// `supernet info`, `trace gen`, `serve` and `demo` read. Resumable: measure in parts.
        #[arg(long)]
        save_table: bool,
        /// Evaluate only the first N test images.
        #[arg(long)]
        images: Option<usize>,
        /// Directory holding the IDX files.
        #[arg(long, default_value = sushi_host::net::dataset::DEBIAN_DIR)]
        data_dir: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// SubNet count, weight bytes and the Pareto front over (accuracy, cycles on a config):
    /// accuracy from the artifact's measured table, cycles from SushiAbs with an empty PB.
    Info {
        /// The `.sushinet` file (default: the shipped SuperNet).
        file: Option<PathBuf>,
        /// Config name or path to a .toml file.
        #[arg(long, default_value = DEFAULT_CONFIG)]
        config: String,
        /// The accuracy table (default: `<artifact>.accuracy.json`).
        #[arg(long)]
        table: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
struct CompareArgs {
    /// Config name or path to a .toml file.
    #[arg(long, default_value = DEFAULT_CONFIG)]
    config: String,
    /// A network as JSON (the `sushi_host::net::network::Network` schema).
    #[arg(long, conflicts_with = "random")]
    network: Option<PathBuf>,
    /// A random network from this seed (every operator, odd shapes).
    #[arg(long)]
    random: Option<u64>,
    /// Seed of the random input.
    #[arg(long, default_value_t = 1)]
    input_seed: u64,
    /// Also run the RTL (needs the datapath in the RTL build).
    #[arg(long)]
    rtl: bool,
    /// Save the network (e.g. a random one) as JSON here.
    #[arg(long)]
    save_network: Option<PathBuf>,
    /// Print JSON instead of tables.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum HwCommand {
    /// List the built-in configs.
    List,
    /// Show one config with its derived values.
    Show {
        /// Config name or path to a .toml file.
        #[arg(long, default_value = DEFAULT_CONFIG)]
        config: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Performance of the benchmark network on the RTL, layer by layer against the roofline, the
    /// simulation speed, and (with Yosys) the resources.
    Report {
        /// Config name or path to a .toml file.
        #[arg(long, default_value = DEFAULT_CONFIG)]
        config: String,
        /// Skip synthesis (resources are then null).
        #[arg(long)]
        no_synth: bool,
        /// The repository root (holding rtl/ and hw/gen/), for synthesis.
        #[arg(long, default_value_os_t = default_repo_dir())]
        repo_dir: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Synthesise sushi_top with Yosys for a config's FPGA family and report its resources.
    Synth {
        /// Config name or path to a .toml file.
        #[arg(long, default_value = DEFAULT_CONFIG)]
        config: String,
        /// The repository root (holding rtl/ and hw/gen/).
        #[arg(long, default_value_os_t = default_repo_dir())]
        repo_dir: PathBuf,
        /// Fail (exit 1) when the design does not fit the config's device (for CI).
        #[arg(long)]
        check: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Regenerate the files under hw/gen/ from the configs and the register map.
    Gen {
        /// The hw/ directory of the repository.
        #[arg(long, default_value_os_t = default_hw_dir())]
        hw_dir: PathBuf,
        /// Only check; exit with an error when a file is stale.
        #[arg(long)]
        check: bool,
    },
}

#[derive(Debug, Subcommand)]
enum SimCommand {
    /// A long verified DMA copy on the RTL; reports simulated cycles per second.
    Dma(DmaArgs),
}

#[derive(Debug, Args)]
struct DemoArgs {
    /// Config name or path to a .toml file.
    #[arg(long, default_value = DEFAULT_CONFIG)]
    config: String,
    /// Queries in the trace.
    #[arg(long, default_value_t = 120)]
    queries: u64,
    /// Seed of the trace.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Offered load: mean service cycles of the Pareto SubNets over mean inter-arrival cycles.
    #[arg(long, default_value_t = 0.5)]
    load: f64,
    /// Latency target as a multiple of the aimed SubNet's cycles.
    #[arg(long, default_value_t = 1.5)]
    latency_slack: f64,
    /// Queries per phase of the trace (temporal locality).
    #[arg(long, default_value_t = 40)]
    phase_queries: u64,
    /// Queries between cache plans.
    #[arg(long, default_value_t = 8)]
    period: usize,
    /// Queries a plan looks at.
    #[arg(long, default_value_t = 16)]
    window: usize,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct DmaArgs {
    /// Config name or path to a .toml file.
    #[arg(long, default_value = DEFAULT_CONFIG)]
    config: String,
    /// Bytes to copy.
    #[arg(long, default_value_t = 1 << 20)]
    bytes: u64,
    /// Seed of the data and of the random AXI stalls.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Random stall probability on every AXI channel, per mille (0 = only latency and bandwidth).
    #[arg(long, default_value_t = 0)]
    stall_permille: u16,
    /// Write a VCD trace here (needs a build with `--features sushi-sim/vcd`).
    #[arg(long)]
    vcd: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

fn default_repo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn default_hw_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../hw")
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Demo(args) => demo(&args),
        Command::Sim(SimCommand::Dma(args)) => dma(&args, false),
        Command::Compare(args) => compare(&args),
        Command::Pb(PbCommand::Report(args)) => pb_report(&args),
        Command::Serve(args) => serve(&args),
        Command::Board(BoardCommand::Probe {
            config,
            board,
            sysfs,
            json,
        }) => board_probe(&config, &board, &sysfs, json),
        Command::Bench(args) => bench(&args),
        Command::Abs(AbsCommand::Check {
            subnets,
            plan,
            json,
        }) => abs_check(&subnets, &plan, json),
        Command::Trace(TraceCommand::Gen(args)) => trace_gen(&args),
        Command::Trace(TraceCommand::ImportAzure(args)) => import_azure(&args),
        Command::Supernet(SupernetCommand::Check { file, json }) => supernet_check(&file, json),
        Command::Supernet(SupernetCommand::Eval {
            file,
            subnets,
            all,
            save_table,
            images,
            data_dir,
            json,
        }) => supernet_eval(&file, &subnets, all, save_table, images, &data_dir, json),
        Command::Supernet(SupernetCommand::Info {
            file,
            config,
            table,
            json,
        }) => supernet_info(file, &config, table, json),
        Command::Hw(HwCommand::List) => {
            for name in HwConfig::builtin_names() {
                let cfg = HwConfig::builtin(name)?;
                let marker = if name == DEFAULT_CONFIG {
                    " (default)"
                } else {
                    ""
                };
                outln!("{name:<12} {}{marker}", cfg.spec.device.description);
            }
            Ok(())
        }
        Command::Hw(HwCommand::Show { config, json }) => {
            let cfg = HwConfig::load(&config)?;
            #[derive(Serialize)]
            struct Shown<'a> {
                name: &'a str,
                source: &'a str,
                spec: &'a sushi_hw::HwSpec,
                derived: sushi_hw::Derived,
            }
            let shown = Shown {
                name: &cfg.name,
                source: &cfg.source,
                spec: &cfg.spec,
                derived: cfg.derived(),
            };
            if json {
                outln!("{}", serde_json::to_string_pretty(&shown)?);
            } else {
                outln!(
                    "{}",
                    toml::to_string_pretty(&shown).context("render config")?
                );
            }
            Ok(())
        }
        Command::Hw(HwCommand::Report {
            config,
            no_synth,
            repo_dir,
            json,
        }) => hw_report(&config, no_synth, &repo_dir, json),
        Command::Hw(HwCommand::Synth {
            config,
            repo_dir,
            check,
            json,
        }) => {
            let cfg = HwConfig::load(&config)?;
            let rtl = repo_dir.join("rtl");
            if !rtl.is_dir() {
                bail!(
                    "{} has no rtl/ directory; pass --repo-dir with a SUSHI checkout",
                    repo_dir.display()
                );
            }
            eprintln!(
                "synthesising sushi_top for `{}` ({}), this takes a minute...",
                cfg.name, cfg.spec.device.fpga_part
            );
            let r = sushi_host::reports::synth::synthesize(&cfg, &rtl, &repo_dir.join("hw/gen"))?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                let x = &r.resources;
                outln!(
                    "{} on {} ({}):",
                    r.config,
                    cfg.spec.device.fpga_part,
                    r.pass
                );
                outln!("  LUT  {:>8}  {:>6.1}%", x.lut, 100.0 * r.lut_fraction);
                outln!("  FF   {:>8}  {:>6.1}%", x.ff, 100.0 * r.ff_fraction);
                outln!("  DSP  {:>8}  {:>6.1}%", x.dsp, 100.0 * r.dsp_fraction);
                outln!(
                    "  BRAM {:>8.1}  {:>6.1}%  ({} bytes)",
                    x.bram,
                    100.0 * r.bram_fraction,
                    x.bram_bytes
                );
                outln!(
                    "  {}",
                    if r.fits {
                        "fits the device"
                    } else {
                        "does NOT fit the device"
                    }
                );
            }
            if check && !r.fits {
                bail!(
                    "sushi_top for `{}` does not fit {}: LUT {:.0}%, FF {:.0}%, DSP {:.0}%, BRAM {:.0}%",
                    cfg.name,
                    cfg.spec.device.fpga_part,
                    100.0 * r.lut_fraction,
                    100.0 * r.ff_fraction,
                    100.0 * r.dsp_fraction,
                    100.0 * r.bram_fraction
                );
            }
            Ok(())
        }
        Command::Hw(HwCommand::Gen { hw_dir, check }) => {
            if !hw_dir.join("configs").is_dir() {
                bail!(
                    "{} is not the hw/ directory of a SUSHI checkout (no configs/ in it); pass --hw-dir",
                    hw_dir.display()
                );
            }
            let stale = sushi_hw::generate::check(&hw_dir, !check)
                .with_context(|| format!("writing generated files under {}", hw_dir.display()))?;
            match (stale.is_empty(), check) {
                (true, _) => outln!("hw/gen is up to date"),
                (false, true) => bail!("stale generated files (run `sushi hw gen`): {stale:?}"),
                (false, false) => outln!("regenerated: {stale:?}"),
            }
            Ok(())
        }
    }
}

fn slot_out_hw(s: &sushi_host::net::supernet::Slot) -> (usize, usize) {
    match s.kind {
        sushi_host::net::supernet::SlotKind::Gap | sushi_host::net::supernet::SlotKind::Fc => {
            (1, 1)
        }
        _ => (
            (s.in_hw.0 - 1) / s.stride + 1,
            (s.in_hw.1 - 1) / s.stride + 1,
        ),
    }
}

fn supernet_check(file: &std::path::Path, json: bool) -> Result<()> {
    use sushi_host::net::supernet::SuperNet;
    let net = SuperNet::load(file)?;
    let sizes: Vec<usize> = (0..net.subnets.len())
        .map(|i| net.subnet_weight_bytes(i))
        .collect::<Result<_, _>>()
        .map_err(anyhow::Error::msg)?;
    let slots: Vec<_> = net
        .slots
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let out_hw = slot_out_hw(s);
            serde_json::json!({
                "slot": i, "kind": format!("{:?}", s.kind), "role": format!("{:?}", s.role), "stage": s.stage,
                "kmax": s.kmax, "stride": s.stride, "in": [s.in_hw.0, s.in_hw.1, s.cin_max],
                "out": [out_hw.0, out_hw.1, s.cout_max], "weight_bytes": s.weights.len(),
            })
        })
        .collect();
    let summary = serde_json::json!({
        "file": file.display().to_string(),
        "hash": format!("{:016x}", net.hash),
        "subnets": net.subnets.len(),
        "stages": net.stages,
        "block_slots": net.block_slots,
        "nodes": net.nodes.len(),
        "supernet_weight_bytes": net.total_weight_bytes(),
        "smallest_subnet_weight_bytes": sizes.iter().min(),
        "largest_subnet_weight_bytes": sizes.iter().max(),
        "slots": slots,
    });
    if json {
        outln!("{}", serde_json::to_string_pretty(&summary)?);
        return Ok(());
    }
    outln!("{}: valid, hash {:016x}", file.display(), net.hash);
    outln!("slot  op      role     stage  k  s  input         output        weight bytes");
    for (i, s) in net.slots.iter().enumerate() {
        let out_hw = (
            (s.in_hw.0 - 1) / s.stride + 1,
            (s.in_hw.1 - 1) / s.stride + 1,
        );
        let stage = s.stage.map(|x| x.to_string()).unwrap_or_else(|| "-".into());
        outln!(
            "{i:>4}  {:<6}  {:<7}  {stage:>5}  {}  {}  {:<12}  {:<12}  {:>12}",
            format!("{:?}", s.kind),
            format!("{:?}", s.role),
            s.kmax,
            s.stride,
            format!("{}x{}x{}", s.in_hw.0, s.in_hw.1, s.cin_max),
            format!("{}x{}x{}", out_hw.0, out_hw.1, s.cout_max),
            s.weights.len()
        );
    }
    outln!(
        "{} SubNets ({} parameter nodes); SuperNet weights {} bytes; SubNet weights {} to {} bytes",
        net.subnets.len(),
        net.nodes.len(),
        net.total_weight_bytes(),
        sizes.iter().min().unwrap_or(&0),
        sizes.iter().max().unwrap_or(&0)
    );
    Ok(())
}

fn supernet_eval(
    file: &std::path::Path,
    subnets: &[usize],
    all: bool,
    save_table: bool,
    images: Option<usize>,
    data_dir: &std::path::Path,
    json: bool,
) -> Result<()> {
    use sushi_host::net::supernet::SuperNet;
    let net = SuperNet::load(file)?;
    let split = sushi_host::net::dataset::test_split(data_dir)?;
    let n = images.unwrap_or(split.len()).min(split.len());
    if save_table && n != split.len() {
        bail!(
            "--save-table needs the whole test split ({} images); drop --images",
            split.len()
        );
    }
    let ids: Vec<usize> = if all {
        (0..net.subnets.len()).collect()
    } else if subnets.is_empty() {
        vec![0, net.subnets.len() - 1]
    } else {
        subnets.to_vec()
    };
    if let Some(bad) = ids.iter().find(|&&s| s >= net.subnets.len()) {
        bail!(
            "--subnets: there is no SubNet {bad}; {} lists 0..{}",
            file.display(),
            net.subnets.len() - 1
        );
    }
    use sushi_host::sched::front::{AccuracyTable, accuracy_table_path};
    let table_path = accuracy_table_path(file);
    let mut table = match save_table {
        true if table_path.exists() => Some(AccuracyTable::load(&table_path, &net)?),
        true => Some(AccuracyTable {
            artifact_hash: format!("{:016x}", net.hash),
            images: n,
            top1: vec![None; net.subnets.len()],
            measured_by:
                "sushi supernet eval --save-table: bit-exact int8 kernels (sushi_host::net::fast)"
                    .into(),
        }),
        false => None,
    };
    let threads = std::thread::available_parallelism()
        .map(|t| t.get())
        .unwrap_or(1);
    // SubNets are evaluated in batches that share their common layers per image
    // (`fast::count_correct_many`); the table is saved after every batch, so an interrupted
    // `--all` run keeps what it measured.
    const BATCH: usize = 64;
    let started = std::time::Instant::now();
    let mut rows = Vec::new();
    let mut done = 0;
    for batch in ids.chunks(BATCH) {
        let networks = batch
            .iter()
            .map(|&id| net.network(id))
            .collect::<Result<Vec<_>, _>>()
            .map_err(anyhow::Error::msg)?;
        let wall = std::time::Instant::now();
        let correct = sushi_host::net::fast::count_correct_many(&networks, &split, n, threads);
        let seconds_each = wall.elapsed().as_secs_f64() / batch.len() as f64;
        for (&id, &c) in batch.iter().zip(&correct) {
            let top1 = 100.0 * c as f64 / n as f64;
            rows.push(serde_json::json!({
                "subnet": id, "config": net.subnets[id].config, "images": n,
                "top1": top1, "seconds": seconds_each, "threads": threads,
            }));
            if !json {
                outln!(
                    "SubNet {id}: top-1 {top1:.2}% on {n} test images ({seconds_each:.1} s, {threads} threads)"
                );
            }
            if let Some(table) = table.as_mut() {
                table.top1[id] = Some(top1);
            }
        }
        done += batch.len();
        if let Some(table) = &table {
            table.save(&table_path)?;
        }
        if ids.len() > BATCH {
            let elapsed = started.elapsed().as_secs_f64();
            eprintln!(
                "evaluated {done} of {} SubNets in {elapsed:.0} s (about {:.0} s left)",
                ids.len(),
                elapsed / done as f64 * (ids.len() - done) as f64
            );
        }
    }
    if json {
        outln!("{}", serde_json::to_string_pretty(&rows)?);
    }
    if let Some(table) = &table {
        eprintln!(
            "{}: {} of {} SubNets measured ({:.0} s for these {} on {threads} threads)",
            table_path.display(),
            table.measured(),
            net.subnets.len(),
            started.elapsed().as_secs_f64(),
            ids.len()
        );
    }
    Ok(())
}

fn supernet_info(
    file: Option<PathBuf>,
    config: &str,
    table: Option<PathBuf>,
    json: bool,
) -> Result<()> {
    use sushi_host::sched::front::{
        AccuracyTable, accuracy_table_path, measured_points, pareto_front,
    };
    let path = file.unwrap_or_else(shipped_path);
    let net = sushi_host::net::supernet::SuperNet::load(&path)?;
    let cfg = HwConfig::load(config)?;
    let table_path = table.unwrap_or_else(|| accuracy_table_path(&path));
    let acc = AccuracyTable::load(&table_path, &net)?;
    let wall = std::time::Instant::now();
    let points = measured_points(&net, &cfg, &acc);
    let model_seconds = wall.elapsed().as_secs_f64();
    let front = pareto_front(&points);
    let d = cfg.derived();
    if json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "artifact": path.display().to_string(),
                "artifact_hash": acc.artifact_hash,
                "config": cfg.name,
                "subnets": net.subnets.len(),
                "subnets_measured_and_compiling": points.len(),
                "subnets_measured": acc.measured(),
                "weight_bytes_total": net.total_weight_bytes(),
                "pb_bytes": cfg.spec.buffers.pb_bytes,
                "accuracy_images": acc.images,
                "cycles_from": "SushiAbs (host/src/cycle_model/abs.rs), empty Persistent Buffer",
                "cycle_model_seconds": model_seconds,
                "pareto": front,
            }))?
        );
        return Ok(());
    }
    outln!(
        "{}: {} SubNets, {} bytes of shared int8 weights ({:.1}x the {} KiB PB of {})",
        path.display(),
        net.subnets.len(),
        net.total_weight_bytes(),
        net.total_weight_bytes() as f64 / cfg.spec.buffers.pb_bytes as f64,
        cfg.spec.buffers.pb_bytes / 1024,
        cfg.name
    );
    outln!(
        "Pareto front over accuracy ({} test images) and cycles on {} (SushiAbs, PB empty; {} of {} SubNets measured and fitting the config):",
        acc.images,
        cfg.name,
        points.len(),
        net.subnets.len()
    );
    outln!("  SubNet  top-1    weight bytes     cycles      µs");
    for p in &front {
        outln!(
            "  {:>6}  {:>5.2}%  {:>12}  {:>9}  {:>7.1}",
            p.subnet,
            p.accuracy,
            p.weight_bytes,
            p.cycles,
            d.cycles_to_us(p.cycles)
        );
    }
    Ok(())
}

fn compare(args: &CompareArgs) -> Result<()> {
    use sushi_host::compile::program::{Outputs, compile};
    use sushi_host::device::driver::Accel;
    use sushi_host::device::model::ModelAccel;
    use sushi_host::net::int8::Act;
    use sushi_host::net::network::{Network, RandomSpec, random_network};
    use sushi_host::reports::compare::{LayerDiff, render};
    use sushi_host::rng::SplitMix64;

    let cfg = HwConfig::load(&args.config)?;
    let net: Network = match (&args.network, args.random) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            serde_json::from_str(&text).with_context(|| {
                format!(
                    "{}: not a network in the Network JSON schema",
                    path.display()
                )
            })?
        }
        (None, Some(seed)) => {
            random_network(
                &mut SplitMix64::new(seed),
                RandomSpec {
                    max_hw: 11,
                    max_c: 8,
                    body_layers: 6,
                },
            )
            .0
        }
        (None, None) => bail!("give a network: --network FILE.json or --random SEED"),
    };
    if let Some(path) = &args.save_network {
        std::fs::write(path, serde_json::to_string(&net)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let (h, w, c) = net.input;
    let input = Act::from_vec(
        h,
        w,
        c,
        SplitMix64::new(args.input_seed)
            .bytes(h * w * c)
            .into_iter()
            .map(|b| b as i8)
            .collect(),
    );
    let reference = net.run_reference(&input);
    let mut program = compile(&net, &cfg, Outputs::All)?;
    program.set_input(&input);
    let diffs = |outputs: &[(usize, Act)], against: &dyn Fn(usize) -> Act| -> Vec<LayerDiff> {
        outputs
            .iter()
            .map(|(t, got)| LayerDiff::of(t - 1, net.layers[t - 1].op(), &against(*t), got))
            .collect()
    };
    let model = Accel::open(ModelAccel::new(&cfg), &cfg)?.run_program(&program, u64::MAX)?;
    let model_vs_ref = diffs(&model.outputs, &|t| reference[t].clone());
    let mut tables = vec![("golden model vs reference kernels", model_vs_ref)];
    if args.rtl {
        let rtl = run_rtl_program(&cfg, &program)?;
        let by_tensor: std::collections::HashMap<usize, Act> =
            model.outputs.iter().cloned().collect();
        tables.push((
            "RTL vs golden model",
            diffs(&rtl, &|t| by_tensor[&t].clone()),
        ));
    }
    if args.json {
        let v: Vec<_> = tables
            .iter()
            .map(|(t, d)| serde_json::json!({ "comparison": t, "layers": d }))
            .collect();
        outln!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        for (title, d) in &tables {
            outln!("{}", render(title, d));
        }
    }
    if tables.iter().any(|(_, d)| d.iter().any(|l| !l.exact())) {
        bail!("outputs differ (see the tables above)");
    }
    Ok(())
}

#[cfg(not(feature = "rtl"))]
fn hw_report(
    _config: &str,
    _no_synth: bool,
    _repo_dir: &std::path::Path,
    _json: bool,
) -> Result<()> {
    bail!(
        "this `sushi` was built without the RTL backend (cargo feature `rtl`); rebuild with default features"
    )
}

#[cfg(feature = "rtl")]
fn hw_report(config: &str, no_synth: bool, repo_dir: &std::path::Path, json: bool) -> Result<()> {
    let cfg = HwConfig::load(config)?;
    let (net, input) = sushi_host::net::network::benchmark_network(1);
    let wall = std::time::Instant::now();
    let perf = sushi_host::reports::roofline::measure(
        &cfg,
        &net,
        &input,
        || {
            sushi_sim::RtlSim::new(&cfg, &sushi_sim::SimOptions::default())
                .expect("the model was built (checked below)")
        },
        1 << 34,
    );
    // Surface a missing model as an error rather than a panic.
    sushi_sim::RtlSim::new(&cfg, &sushi_sim::SimOptions::default())?;
    let perf = perf?;
    // The simulator's speed (time in the running programs), and the report's own pace (building a
    // model and compiling a prefix per layer included).
    let sim_cycles_per_second = perf.simulated_cycles as f64 / perf.simulation_seconds.max(1e-9);
    let end_to_end_cycles_per_second =
        perf.simulated_cycles as f64 / wall.elapsed().as_secs_f64().max(1e-9);
    let synth = if no_synth {
        None
    } else {
        match sushi_host::reports::synth::synthesize(
            &cfg,
            &repo_dir.join("rtl"),
            &repo_dir.join("hw/gen"),
        ) {
            Ok(r) => Some(r),
            Err(e) => {
                eprintln!("resources unavailable: {e}");
                None
            }
        }
    };
    let report = serde_json::json!({
        "config": cfg.name,
        "network": "benchmark_network(1): MobileNetV2-style, 28x28x1",
        "peak_macs_per_cycle": perf.peak_macs_per_cycle,
        "layers": perf.layers,
        "network_cycles": perf.network_cycles,
        "network_roofline_cycles": perf.network_roofline_cycles,
        "network_roofline_ratio": perf.network_roofline_ratio,
        "sim_cycles_per_second": sim_cycles_per_second,
        "end_to_end_cycles_per_second": end_to_end_cycles_per_second,
        "resources": synth.as_ref().map(|r| serde_json::json!({
            "lut": r.resources.lut, "ff": r.resources.ff, "dsp": r.resources.dsp,
            "bram": r.resources.bram, "bram_bytes": r.resources.bram_bytes, "fits": r.fits,
        })),
    });
    if json {
        outln!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    outln!(
        "{} ({} MACs/cycle peak), benchmark network",
        cfg.name,
        perf.peak_macs_per_cycle
    );
    outln!("layer  op       MACs        cycles   roofline  utilization");
    for l in &perf.layers {
        outln!(
            "{:>5}  {:<7}  {:>9}  {:>9}  {:>9.0}  {:>10.1}%",
            l.layer,
            l.op,
            l.macs,
            l.cycles,
            l.roofline_cycles,
            100.0 * l.utilization
        );
    }
    outln!(
        "network: {} cycles, roofline {:.0}, ratio {:.3}; simulated {:.0} cycles/s ({:.0} end to end)",
        perf.network_cycles,
        perf.network_roofline_cycles,
        perf.network_roofline_ratio,
        sim_cycles_per_second,
        end_to_end_cycles_per_second
    );
    if let Some(r) = synth {
        outln!(
            "resources: {} LUT, {} FF, {} DSP, {:.1} BRAM ({})",
            r.resources.lut,
            r.resources.ff,
            r.resources.dsp,
            r.resources.bram,
            if r.fits { "fits" } else { "does NOT fit" }
        );
    }
    Ok(())
}

#[cfg(feature = "rtl")]
fn run_rtl_program(
    cfg: &HwConfig,
    program: &sushi_host::compile::program::Program,
) -> Result<Vec<(usize, sushi_host::net::int8::Act)>> {
    let sim = sushi_sim::RtlSim::new(cfg, &sushi_sim::SimOptions::default())?;
    let mut accel = sushi_host::device::driver::Accel::open(sim, cfg)?;
    Ok(accel.run_program(program, 1 << 34)?.outputs)
}

#[cfg(not(feature = "rtl"))]
fn run_rtl_program(
    _cfg: &HwConfig,
    _program: &sushi_host::compile::program::Program,
) -> Result<Vec<(usize, sushi_host::net::int8::Act)>> {
    bail!(
        "this `sushi` was built without the RTL backend (cargo feature `rtl`); rebuild with default features"
    )
}

#[cfg(not(feature = "rtl"))]
fn dma(_args: &DmaArgs, _human: bool) -> Result<()> {
    bail!(
        "this `sushi` was built without the RTL backend (cargo feature `rtl`); rebuild with default features"
    )
}

#[cfg(not(feature = "rtl"))]
fn demo(_args: &DemoArgs) -> Result<()> {
    bail!(
        "this `sushi` was built without the RTL backend (cargo feature `rtl`); rebuild with default features"
    )
}

/// The main job (issue 6): a seeded query trace with temporal locality served on the simulated RTL
/// with SushiSched and with no cache (every output checked against the golden model), the other
/// baselines on the golden model, and one table of DESIGN.md's metrics.
#[cfg(feature = "rtl")]
fn demo(args: &DemoArgs) -> Result<()> {
    use sushi_host::sched::policies::{
        CacheUnaware, NoCache, Oracle, StaticCache, StaticSubNet, Sushi,
    };
    use sushi_host::sched::{Candidate, Mode, Policy, build_table};
    use sushi_host::workload::trace::{Locality, TraceSpec, generate};
    if args.queries == 0 {
        bail!("--queries must be at least 1");
    }
    // A config without a built RTL model is the likeliest mistake: say so before any work.
    rtl_bus(&HwConfig::load(&args.config)?)?;
    let wall = std::time::Instant::now();
    let plan = PlanArgs {
        config: args.config.clone(),
        supernet: None,
        table: None,
    };
    let (net, cfg, front) = front_of(&plan)?;
    let split = sushi_host::net::dataset::test_split(std::path::Path::new(
        sushi_host::net::dataset::DEBIAN_DIR,
    ))?;
    let (points, mean_service) = sushi_host::sched::front::targets(&front);
    let spec = TraceSpec {
        queries: args.queries,
        seed: args.seed,
        mean_interarrival_cycles: (mean_service / args.load) as u64,
        arrivals: sushi_host::workload::trace::Arrivals::Poisson,
        locality: Locality::Phases {
            phase_queries: args.phase_queries,
        },
        latency_slack: args.latency_slack,
        images: split.len(),
    };
    let trace = generate(&spec, &points);
    let candidates: Vec<Candidate> = front
        .iter()
        .map(|p| Candidate {
            subnet: p.subnet,
            accuracy: p.accuracy,
        })
        .collect();
    let table = build_table(&net, &cfg, candidates)?;
    if !args.json {
        eprintln!(
            "{} queries (seed {}, phases of {}, load {:.2}) on {}: {} Pareto SubNets x {} SubGraphs in SushiAbs's latency table",
            trace.len(),
            args.seed,
            args.phase_queries,
            args.load,
            cfg.name,
            table.candidates.len(),
            table.subgraphs.len()
        );
    }
    let mode = Mode::LatencyStrict;
    let sushi = Sushi {
        mode,
        period: args.period,
        window: args.window,
    };
    let mid = table.candidates.len() / 2;
    let own = table
        .subgraphs
        .iter()
        .position(|g| *g == net.subnets[table.candidates[mid].subnet].config)
        .unwrap_or(0);
    let runs: Vec<(&str, Box<dyn Policy>)> = vec![
        ("rtl", Box::new(sushi.clone())),
        ("rtl", Box::new(NoCache { mode })),
        (
            "model",
            Box::new(StaticCache {
                mode,
                subgraph: table.shared_by_all,
            }),
        ),
        (
            "model",
            Box::new(StaticSubNet {
                candidate: mid,
                subgraph: own,
            }),
        ),
        (
            "model",
            Box::new(CacheUnaware {
                inner: sushi.clone(),
            }),
        ),
        ("model", Box::new(lru_policy(mode, &table, &net, &cfg)?)),
        ("model", Box::new(Oracle { inner: sushi })),
    ];
    let mut rows = Vec::new();
    for (backend, mut policy) in runs {
        rows.push(
            serve_executed(
                backend,
                &net,
                &cfg,
                &table,
                &split,
                &trace,
                policy.as_mut(),
                !args.json,
                &[],
                &BoardArgs {
                    uio: PathBuf::new(),
                    udmabuf: PathBuf::new(),
                    interrupt: false,
                },
            )?
            .0,
        );
    }
    let seconds = wall.elapsed().as_secs_f64();
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "config": cfg.name,
                "queries": trace.len(),
                "seed": args.seed,
                "candidates": table.candidates.len(),
                "subgraphs": table.subgraphs.len(),
                "wall_seconds": seconds,
                "policies": rows,
            }))?
        );
        return Ok(());
    }
    outln!(
        "\nSUSHI on {} ({} MACs/cycle, {} KiB Persistent Buffer, {} MHz): {} queries of Fashion-MNIST test images",
        cfg.name,
        cfg.derived().peak_macs_per_cycle,
        cfg.spec.buffers.pb_bytes / 1024,
        cfg.spec.clock.freq_mhz,
        trace.len()
    );
    outln!(
        "policy            backend  accuracy  latency mean / p99 cycles (µs)            SLO    DRAM B/query  PB hit  energy µJ  verified"
    );
    for r in &rows {
        outln!(
            "{:<16}  {:<7}  {:>7.1}%  {:>8.0} / {:>8} ({:>7.1} / {:>7.1})  {:>5.1}%  {:>12.0}  {:>5.1}%  {:>9.1}  {:>8}",
            r.policy,
            r.backend,
            r.served_accuracy,
            r.latency_mean_cycles,
            r.latency_p99_cycles,
            r.latency_mean_us,
            r.latency_p99_us,
            100.0 * r.slo_attainment,
            r.dram_bytes_per_query,
            100.0 * r.pb_hit_ratio,
            r.offchip_energy_uj,
            r.outputs_verified
        );
    }
    outln!(
        "accuracy: queries classified correctly; latency: arrival to completion, queueing included; the oracle sees the future (a bound)."
    );
    outln!("finished in {seconds:.1} s");
    Ok(())
}

#[cfg(feature = "rtl")]
fn dma(args: &DmaArgs, human: bool) -> Result<()> {
    let report = dma_report(args)?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let cfg = HwConfig::load(&args.config)?;
        print_dma(&report, &cfg, human);
    }
    if !report.verified {
        bail!(
            "the copy was wrong: {} destination bytes differ, {} guard bytes changed",
            report.mismatched_bytes,
            report.guard_bytes_touched
        );
    }
    Ok(())
}

#[cfg(feature = "rtl")]
fn dma_report(args: &DmaArgs) -> Result<DmaReport> {
    use sushi_host::device::dma_check::{
        CopyPlan, copy_bound_cycles, copy_budget_cycles, verified_copy,
    };
    use sushi_host::device::driver::Accel;
    use sushi_sim::{SimOptions, Stalls};

    let cfg = HwConfig::load(&args.config)?;
    let opts = SimOptions {
        seed: args.seed,
        stalls: Stalls::uniform(args.stall_permille),
        ..SimOptions::default()
    };
    let mut sim = sushi_sim::RtlSim::new(&cfg, &opts)?;
    if let Some(path) = &args.vcd {
        sim.trace_to(path)?;
    }
    let region_bytes = cfg.spec.dram.bytes;
    let plan = CopyPlan::awkward(region_bytes, args.bytes);
    if plan.dst_offset + plan.len + sushi_host::device::dma_check::GUARD_BYTES > region_bytes {
        bail!(
            "--bytes {} does not fit twice (with guards) in config `{}`'s {} byte DRAM region; use at most {}",
            args.bytes,
            cfg.name,
            region_bytes,
            region_bytes / 2 - 3 * sushi_host::device::dma_check::GUARD_BYTES
        );
    }
    let mut accel = Accel::open(sim, &cfg).context("opening the simulated accelerator")?;
    let outcome = verified_copy(
        &mut accel,
        plan,
        args.seed,
        copy_budget_cycles(&cfg, args.bytes),
    )?;
    let sim = accel.into_bus();
    // Simulation speed: the cycles waited for the copy over the wall time of the whole memcpy
    // call (whose register accesses add time but no counted cycles: a slight underestimate).
    let sim_cycles = outcome.report.wait_cycles;
    let wall_s = outcome.copy_wall_seconds;
    let stats = sim.stats();

    let c = &outcome.report.counters;
    let d = cfg.derived();
    let bound_cycles = copy_bound_cycles(&cfg, args.bytes);
    let report = DmaReport {
        config: cfg.name.clone(),
        backend: "rtl",
        bytes: args.bytes,
        seed: args.seed,
        stall_permille: args.stall_permille,
        verified: outcome.verified(),
        mismatched_bytes: outcome.mismatched_bytes,
        guard_bytes_touched: outcome.guard_bytes_touched,
        busy_cycles: c.busy_cycles,
        copy_us: d.cycles_to_us(c.busy_cycles),
        dram_read_bytes: c.dram_read_bytes,
        dram_write_bytes: c.dram_write_bytes,
        read_wait_cycles: c.read_wait_cycles,
        write_wait_cycles: c.write_wait_cycles,
        copy_bytes_per_cycle: args.bytes as f64 / c.busy_cycles.max(1) as f64,
        bound_cycles: bound_cycles.ceil() as u64,
        bound_ratio: c.busy_cycles as f64 / bound_cycles.max(1.0),
        ar_bursts: stats.ar_bursts,
        aw_bursts: stats.aw_bursts,
        max_reads_outstanding: stats.max_reads_outstanding,
        max_writes_outstanding: stats.max_writes_outstanding,
        protocol_violations: stats.violations,
        sim_cycles,
        wall_seconds: wall_s,
        sim_cycles_per_second: sim_cycles as f64 / wall_s.max(1e-9),
    };
    Ok(report)
}

#[cfg(feature = "rtl")]
#[derive(Debug, Serialize)]
struct DmaReport {
    config: String,
    backend: &'static str,
    bytes: u64,
    seed: u64,
    stall_permille: u16,
    verified: bool,
    mismatched_bytes: u64,
    guard_bytes_touched: u64,
    busy_cycles: u64,
    copy_us: f64,
    dram_read_bytes: u64,
    dram_write_bytes: u64,
    read_wait_cycles: u64,
    write_wait_cycles: u64,
    copy_bytes_per_cycle: f64,
    bound_cycles: u64,
    bound_ratio: f64,
    ar_bursts: u64,
    aw_bursts: u64,
    max_reads_outstanding: u64,
    max_writes_outstanding: u64,
    protocol_violations: u64,
    sim_cycles: u64,
    wall_seconds: f64,
    sim_cycles_per_second: f64,
}

#[cfg(feature = "rtl")]
fn print_dma(r: &DmaReport, cfg: &HwConfig, human: bool) {
    if human {
        outln!("SUSHI demo: the accelerator's RTL, simulated cycle by cycle (Verilator)");
        outln!("config      {cfg}");
        outln!(
            "device      ID, register map and config hash {:08x} checked",
            cfg.derived().config_hash
        );
        outln!();
    }
    let verdict = if r.verified {
        "verified, guards untouched"
    } else {
        "WRONG"
    };
    outln!(
        "memcpy      {} bytes, src and dst unaligned: {verdict}",
        r.bytes
    );
    outln!(
        "time        {} cycles = {:.1} us at {} MHz ({:.2} bytes/cycle)",
        r.busy_cycles,
        r.copy_us,
        cfg.spec.clock.freq_mhz,
        r.copy_bytes_per_cycle
    );
    outln!(
        "bound       {} cycles (bus width, shared DRAM bandwidth, reads in flight): measured/bound = {:.3}",
        r.bound_cycles,
        r.bound_ratio
    );
    outln!(
        "DRAM        {} bytes read, {} bytes written",
        r.dram_read_bytes,
        r.dram_write_bytes
    );
    outln!(
        "AXI         {} read bursts, {} write bursts, up to {} reads / {} writes outstanding, {} protocol violations",
        r.ar_bursts,
        r.aw_bursts,
        r.max_reads_outstanding,
        r.max_writes_outstanding,
        r.protocol_violations
    );
    outln!(
        "waits       {} read-wait cycles, {} write-wait cycles",
        r.read_wait_cycles,
        r.write_wait_cycles
    );
    outln!(
        "simulation  {} cycles in {:.2} s: {:.0} simulated cycles per second",
        r.sim_cycles,
        r.wall_seconds,
        r.sim_cycles_per_second
    );
}

fn pb_report(args: &PbReportArgs) -> Result<()> {
    use sushi_host::reports::pb_report::{PbReport, measure};
    let cfg = HwConfig::load(&args.config)?;
    let path = args.supernet.clone().unwrap_or_else(shipped_path);
    let net = sushi_host::net::supernet::SuperNet::load(&path)?;
    let n = net.subnets.len();
    let subnets = if args.subnets.is_empty() {
        vec![0, n - 1]
    } else {
        args.subnets.clone()
    };
    if let Some(bad) = subnets.iter().find(|&&s| s >= n) {
        bail!(
            "--subnets: there is no SubNet {bad}; {} lists 0..{}",
            path.display(),
            n - 1
        );
    }
    let wall = std::time::Instant::now();
    let progress = |what: &str| {
        if !args.json {
            eprint!("\r\x1b[2K{what}");
        }
    };
    let report: PbReport = match args.backend.as_str() {
        "model" => measure(
            &cfg,
            &net,
            &subnets,
            !args.no_layers,
            args.input_seed,
            || sushi_host::device::model::ModelAccel::new(&cfg),
            0,
            progress,
        )?,
        "rtl" => pb_report_rtl(&cfg, &net, &subnets, args, progress)?,
        other => bail!("--backend {other}: use rtl or model"),
    };
    if !args.json {
        eprintln!();
    }
    let secs = wall.elapsed().as_secs_f64();
    if args.json {
        let mut v = serde_json::to_value(&report)?;
        v["backend"] = serde_json::json!(args.backend);
        v["wall_seconds"] = serde_json::json!(secs);
        outln!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    let d = cfg.derived();
    outln!(
        "{} on {} (PB {} KiB, tile image {} KiB), backend {}",
        path.file_name().unwrap_or_default().to_string_lossy(),
        report.config,
        report.pb_bytes / 1024,
        report.tile_image_bytes / 1024,
        args.backend
    );
    match &report.fill {
        Some(f) => outln!(
            "PB fill: {} KiB in {} cycles = {:.1} cycles/KiB ({:.2} B/cycle; the bus gives {:.2})",
            f.bytes / 1024,
            f.cycles,
            f.cycles_per_kib,
            f.bytes as f64 / f.cycles.max(1) as f64,
            d.dram_bytes_per_cycle
                .min(f64::from(cfg.spec.axi.data_bytes))
        ),
        None => outln!("PB fill: no SubGraph of these SubNets fits the PB"),
    }
    for s in &report.subnets {
        outln!();
        if let Some(why) = &s.skipped {
            outln!("SubNet {}: not measured: {why}", s.subnet);
            continue;
        }
        match &s.subgraph {
            Some(g) => outln!(
                "SubNet {} ({} KiB of weights): cached {} ({} KiB)",
                s.subnet,
                s.weight_bytes / 1024,
                g.rule,
                g.bytes / 1024
            ),
            None => outln!(
                "SubNet {} ({} KiB of weights): no SubGraph of it fits the PB",
                s.subnet,
                s.weight_bytes / 1024
            ),
        }
        outln!(
            "  cycles: {} without the cache, {} with ({}); DRAM weight bytes {} -> {}",
            s.cycles_no_cache,
            s.cycles_cached.map_or("-".into(), |c| c.to_string()),
            s.speedup.map_or("-".into(), |x| format!("{x:.2}x")),
            s.dram_weight_bytes_no_cache,
            s.dram_weight_bytes_cached
                .map_or("-".into(), |c| c.to_string())
        );
        if !s.layers.is_empty() {
            outln!(
                "  layer  op       bound    cycles(no PB)  cycles(PB)   gain  weight bytes (no PB -> PB)"
            );
            for l in &s.layers {
                let gain = l.cycles_no_cache as i64 - l.cycles_cached as i64;
                outln!(
                    "  {:>5}  {:<7}  {:<7}  {:>13}  {:>10}  {:>5}  {} -> {}",
                    l.layer,
                    l.op,
                    if l.memory_bound { "memory" } else { "compute" },
                    l.cycles_no_cache,
                    l.cycles_cached,
                    gain,
                    l.dram_weight_bytes_no_cache,
                    l.dram_weight_bytes_cached
                );
            }
        }
    }
    outln!(
        "\nsimulated {} cycles in {:.1} s",
        report.simulated_cycles,
        secs
    );
    Ok(())
}

#[cfg(feature = "rtl")]
fn pb_report_rtl(
    cfg: &HwConfig,
    net: &sushi_host::net::supernet::SuperNet,
    subnets: &[usize],
    args: &PbReportArgs,
    progress: impl FnMut(&str),
) -> Result<sushi_host::reports::pb_report::PbReport> {
    // Surface a missing model as an error rather than a panic in the factory below.
    sushi_sim::RtlSim::new(cfg, &sushi_sim::SimOptions::default())?;
    Ok(sushi_host::reports::pb_report::measure(
        cfg,
        net,
        subnets,
        !args.no_layers,
        args.input_seed,
        || {
            sushi_sim::RtlSim::new(cfg, &sushi_sim::SimOptions::default())
                .expect("the model was built (checked above)")
        },
        1 << 34,
        progress,
    )?)
}

#[cfg(not(feature = "rtl"))]
fn pb_report_rtl(
    _cfg: &HwConfig,
    _net: &sushi_host::net::supernet::SuperNet,
    _subnets: &[usize],
    _args: &PbReportArgs,
    _progress: impl FnMut(&str),
) -> Result<sushi_host::reports::pb_report::PbReport> {
    bail!(
        "this `sushi` was built without the RTL backend (cargo feature `rtl`); use --backend model or rebuild with default features"
    )
}

/// The Pareto front of a SuperNet on a config, as scheduler candidates (fastest first), with
/// the SuperNet and config.
fn front_of(
    plan: &PlanArgs,
) -> Result<(
    sushi_host::net::supernet::SuperNet,
    HwConfig,
    Vec<sushi_host::sched::front::SubNetPoint>,
)> {
    use sushi_host::sched::front::{
        AccuracyTable, accuracy_table_path, measured_points, pareto_front,
    };
    let path = plan.supernet.clone().unwrap_or_else(shipped_path);
    let net = sushi_host::net::supernet::SuperNet::load(&path)?;
    let cfg = HwConfig::load(&plan.config)?;
    let table_path = plan
        .table
        .clone()
        .unwrap_or_else(|| accuracy_table_path(&path));
    let acc = AccuracyTable::load(&table_path, &net)?;
    let front = pareto_front(&measured_points(&net, &cfg, &acc));
    Ok((net, cfg, front))
}

#[allow(clippy::too_many_arguments)]
fn trace_gen(args: &TraceGenArgs) -> Result<()> {
    use sushi_host::workload::trace::{Arrivals, Locality, TraceSpec, generate, write};
    let locality =
        Locality::parse(&args.locality, args.phase_queries).map_err(|e| anyhow::anyhow!(e))?;
    let arrivals = match args.arrivals.as_str() {
        "poisson" => Arrivals::Poisson,
        "gamma" if args.cv2 > 0.0 && args.cv2.is_finite() => Arrivals::Gamma { cv2: args.cv2 },
        "gamma" => bail!(
            "--cv2 {}: a positive number (1 = Poisson, above 1 = bursty)",
            args.cv2
        ),
        other => bail!("--arrivals {other}: use poisson or gamma"),
    };
    let load = args.load;
    if !(load > 0.0 && load.is_finite()) {
        bail!("--load {load}: a positive number (1.0 = the accelerator busy all the time)");
    }
    if args.phase_queries == 0 {
        bail!("--phase-queries must be at least 1");
    }
    let (_, _, front) = front_of(&args.plan)?;
    let (points, mean_service) = sushi_host::sched::front::targets(&front);
    let spec = TraceSpec {
        queries: args.queries,
        seed: args.seed,
        mean_interarrival_cycles: (mean_service / load) as u64,
        arrivals,
        locality,
        latency_slack: args.latency_slack,
        images: 10_000,
    };
    let trace = generate(&spec, &points);
    write(&args.out, &trace)?;
    eprintln!(
        "wrote {} queries to {} ({} Pareto SubNets aimed at, mean inter-arrival {} cycles)",
        trace.len(),
        args.out.display(),
        points.len(),
        spec.mean_interarrival_cycles
    );
    Ok(())
}

/// Queries a trace may have before it is taken for a mistake (an importer would otherwise allocate
/// whatever a file declares).
const MAX_TRACE_QUERIES: u64 = 50_000_000;

fn import_azure(args: &ImportAzureArgs) -> Result<()> {
    use sushi_host::workload::trace::{Arrivals, Locality, TraceSpec, generate, write};
    let rows = sushi_host::workload::azure::read(&args.file)?;
    if rows.is_empty() {
        bail!("{}: no function rows after the header", args.file.display());
    }
    let minutes = rows[0].per_minute.len();
    let (lo, hi) = match &args.minutes {
        None => (1, minutes),
        Some(r) => {
            let bad = || {
                anyhow::anyhow!(
                    "--minutes {r}: write A-B with 1 <= A <= B <= {minutes}, e.g. 601-660"
                )
            };
            let (a, b) = r.split_once('-').ok_or_else(bad)?;
            let (a, b): (usize, usize) = (
                a.trim().parse().map_err(|_| bad())?,
                b.trim().parse().map_err(|_| bad())?,
            );
            if a == 0 || a > b || b > minutes {
                return Err(bad());
            }
            (a, b)
        }
    };
    let chosen: Vec<&sushi_host::workload::azure::FunctionCounts> = match &args.function {
        Some(f) => vec![rows.iter().find(|r| &r.function == f).ok_or_else(|| {
            anyhow::anyhow!(
                "--function {f}: {} has no such HashFunction ({} functions; omit --function for the busiest)",
                args.file.display(),
                rows.len()
            )
        })?],
        None => {
            if args.top == 0 {
                bail!("--top must be at least 1");
            }
            let mut by_total: Vec<&sushi_host::workload::azure::FunctionCounts> = rows.iter().collect();
            by_total.sort_by(|a, b| b.total().cmp(&a.total()).then(a.function.cmp(&b.function)));
            by_total.truncate(args.top);
            by_total
        }
    };
    let per_minute: Vec<u64> = (lo - 1..hi)
        .map(|m| chosen.iter().map(|r| r.per_minute[m]).sum())
        .collect();
    let n: u64 = per_minute.iter().sum();
    if n == 0 {
        bail!(
            "{}: the chosen functions have no invocations in minutes {lo}-{hi}",
            args.file.display()
        );
    }
    if n > MAX_TRACE_QUERIES {
        bail!(
            "{}: {n} invocations in minutes {lo}-{hi}, more than the {MAX_TRACE_QUERIES} queries a trace may have; choose fewer --minutes or functions",
            args.file.display()
        );
    }
    if !(args.load > 0.0 && args.load.is_finite()) {
        bail!("--load {}: a positive number", args.load);
    }
    let locality =
        Locality::parse(&args.locality, args.phase_queries).map_err(|e| anyhow::anyhow!(e))?;
    let (_, _, front) = front_of(&args.plan)?;
    let (points, mean_service) = sushi_host::sched::front::targets(&front);
    // Mean inter-arrival over the window = mean service / load.
    let cycles_per_minute = mean_service / args.load * n as f64 / per_minute.len() as f64;
    let times = sushi_host::workload::azure::arrivals(&per_minute, cycles_per_minute, args.seed);
    let mut trace = generate(
        &TraceSpec {
            queries: n,
            seed: args.seed,
            mean_interarrival_cycles: 1,
            arrivals: Arrivals::Poisson,
            locality,
            latency_slack: args.latency_slack,
            images: 10_000,
        },
        &points,
    );
    for (q, t) in trace.iter_mut().zip(times) {
        q.arrival_cycle = t;
    }
    write(&args.out, &trace)?;
    eprintln!(
        "wrote {} queries to {} ({} function(s), minutes {lo}-{hi}, a minute = {:.0} cycles for load {:.2})",
        trace.len(),
        args.out.display(),
        chosen.len(),
        cycles_per_minute,
        args.load
    );
    Ok(())
}

fn serve(args: &ServeArgs) -> Result<()> {
    use sushi_host::sched::{
        Candidate, Mode, PolicyName, build_table, make_policy, serve_table, summarize,
    };
    if !["abs", "model", "rtl", "board"].contains(&args.backend.as_str()) {
        bail!(
            "--backend {}: use rtl (execute on the simulated RTL), model (execute on the golden model), board (an FPGA board through UIO) or abs (SushiAbs's latency table only)",
            args.backend
        );
    }
    let mode = match args.mode.as_str() {
        "latency" => Mode::LatencyStrict,
        "accuracy" => Mode::AccuracyStrict,
        other => bail!("--mode {other}: use latency or accuracy"),
    };
    if args.period == 0 || args.window == 0 {
        bail!("--period and --window must be at least 1");
    }
    if !args.faults.is_empty() && args.backend != "rtl" {
        bail!("--fault needs --backend rtl: faults are injected into the simulated memory bus");
    }
    // Refuse a malformed fault before any work.
    rtl_bus_with_faults(None, &args.faults)?;
    let trace = sushi_host::workload::trace::read(&args.trace)?;
    let (net, cfg, front) = front_of(&args.plan)?;
    let wall = std::time::Instant::now();
    let candidates: Vec<Candidate> = front
        .iter()
        .map(|p| Candidate {
            subnet: p.subnet,
            accuracy: p.accuracy,
        })
        .collect();
    let table = build_table(&net, &cfg, candidates)?;
    let table_seconds = wall.elapsed().as_secs_f64();
    let names: Vec<PolicyName> = if args.policy == "all" {
        PolicyName::ALL.to_vec()
    } else {
        vec![
            args.policy
                .parse()
                .map_err(|e| anyhow::anyhow!("--policy: {e}"))?,
        ]
    };
    let mut all = Vec::new();
    for name in names {
        all.push(make_policy(
            name,
            mode,
            args.period,
            args.window,
            &table,
            &net,
            &cfg,
        )?);
    }
    let mut rows = Vec::new();
    let split = if args.backend == "abs" {
        None
    } else {
        Some(sushi_host::net::dataset::test_split(std::path::Path::new(
            sushi_host::net::dataset::DEBIAN_DIR,
        ))?)
    };
    let mut log = Vec::new();
    for p in &mut all {
        let name = p.name().to_string();
        let (row, served) = match (args.backend.as_str(), &split) {
            ("abs", _) | (_, None) => {
                // Tile sets (LRU) have no column in the table: SushiAbs prices them, memoised.
                let mut pricer = sushi_host::serve::AbsPricer::new(&net, &cfg);
                let served = serve_table(&table, &trace, p.as_mut(), Some(&mut pricer));
                (summarize(&table, &served, &name, &cfg), served)
            }
            (backend, Some(split)) => serve_executed(
                backend,
                &net,
                &cfg,
                &table,
                split,
                &trace,
                p.as_mut(),
                !args.json,
                &args.faults,
                &args.board,
            )?,
        };
        if args.log.is_some() {
            for s in &served {
                let mut line = serde_json::to_value(s)?;
                line["policy"] = serde_json::json!(name);
                line["subnet"] = serde_json::json!(table.candidates[s.candidate].subnet);
                log.push(serde_json::to_string(&line)?);
            }
        }
        rows.push(row);
    }
    if let Some(path) = &args.log {
        std::fs::write(path, log.join("\n") + "\n")
            .with_context(|| format!("writing the serving log {}", path.display()))?;
    }
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "config": cfg.name,
                "trace": args.trace.display().to_string(),
                "candidates": table.candidates.len(),
                "subgraphs": table.subgraphs.len(),
                "table_seconds": table_seconds,
                "policies": rows,
            }))?
        );
        return Ok(());
    }
    outln!(
        "{} queries on {} ({} Pareto SubNets x {} SubGraphs, latency table from SushiAbs in {:.1} s)",
        trace.len(),
        cfg.name,
        table.candidates.len(),
        table.subgraphs.len(),
        table_seconds
    );
    outln!(
        "policy            accuracy  latency mean / p99 (µs)   SLO    DRAM B/query  PB hit  energy µJ"
    );
    for r in &rows {
        outln!(
            "{:<16}  {:>7.2}%  {:>9.1} / {:>9.1}    {:>5.1}%  {:>12.0}  {:>5.1}%  {:>9.1}",
            r.policy,
            r.served_accuracy,
            r.latency_mean_us,
            r.latency_p99_us,
            100.0 * r.slo_attainment,
            r.dram_bytes_per_query,
            100.0 * r.pb_hit_ratio,
            r.offchip_energy_uj
        );
    }
    if args.backend == "abs" {
        outln!(
            "costs from SushiAbs (no query executed); served accuracy = mean test accuracy of the SubNets served"
        );
    } else {
        outln!(
            "executed on the {} backend: served accuracy = queries classified correctly; every output checked bit for bit",
            args.backend
        );
    }
    Ok(())
}

/// `sushi bench` and `sushi bench merge`.
fn bench(args: &BenchArgs) -> Result<()> {
    use sushi_host::experiments::bench::{
        Shard, SweepSpec, merge, read_result, run, write_outputs,
    };
    if let Some(BenchAction::Merge { dirs, out, json }) = &args.action {
        let parts = dirs
            .iter()
            .map(|d| read_result(d))
            .collect::<Result<Vec<_>, _>>()?;
        let merged = merge(parts)?;
        let files = write_outputs(out, &merged)?;
        if *json {
            outln!("{}", serde_json::to_string_pretty(&merged)?);
        } else {
            outln!(
                "merged {} shards: {} points into {} ({})",
                dirs.len(),
                merged.points.len(),
                out.display(),
                files.join(", ")
            );
        }
        return Ok(());
    }
    let policies = if args.policies.iter().any(|p| p == "all") {
        sushi_host::sched::POLICY_NAMES
            .iter()
            .map(|s| s.to_string())
            .collect()
    } else {
        args.policies.clone()
    };
    let sweep = SweepSpec {
        configs: args.configs.clone(),
        pb_bytes: args.pb_kib.iter().map(|k| k * 1024).collect(),
        traces: args.traces.clone(),
        loads: args.loads.clone(),
        periods: args.periods.clone(),
        windows: args.windows.clone(),
        policies,
        queries: args.queries,
        seed: args.seed,
        latency_slack: args.latency_slack,
        phase_queries: args.phase_queries,
        cv2: args.cv2,
        mode: args.mode.clone(),
    };
    sweep.validate()?;
    let shard = match &args.shard {
        Some(s) => Shard::parse(s)?,
        None => Shard::ALL,
    };
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    if jobs == 0 {
        bail!("--jobs must be at least 1");
    }
    let path = args.supernet.clone().unwrap_or_else(shipped_path);
    let net = sushi_host::net::supernet::SuperNet::load(&path)?;
    let table_path = args
        .table
        .clone()
        .unwrap_or_else(|| sushi_host::sched::front::accuracy_table_path(&path));
    let acc = sushi_host::sched::front::AccuracyTable::load(&table_path, &net)?;
    let bar = std::sync::Mutex::new(None::<sushi_host::reports::progress::Progress>);
    let (result, timing) = run(&sweep, &net, &acc, shard, jobs, |done, total| {
        let mut bar = bar.lock().expect("progress");
        bar.get_or_insert_with(|| {
            sushi_host::reports::progress::Progress::new("sweep points", total, !args.json)
        })
        .update(done);
    })?;
    let files = write_outputs(&args.out, &result)?;
    let crosscheck = if args.rtl_sample > 0 {
        rtl_crosscheck(
            &result,
            &sweep,
            &net,
            &acc,
            args.rtl_sample,
            args.rtl_queries,
            !args.json,
        )?
    } else {
        Vec::new()
    };
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "sweep": result.sweep,
                "shard": result.shard,
                "points": result.points,
                "queries_per_second": timing.queries_per_second,
                "timing": timing,
                "crosscheck": crosscheck,
                "out": args.out.display().to_string(),
            }))?
        );
        return Ok(());
    }
    outln!(
        "{} points ({} queries each) in {:.1} s on {} threads: {:.2} M queries/s ({:.2} M per core); wrote {} in {}",
        result.points.len(),
        sweep.queries,
        timing.wall_seconds,
        timing.jobs,
        timing.queries_per_second / 1e6,
        timing.queries_per_second_per_core / 1e6,
        files.join(", "),
        args.out.display()
    );
    outln!(
        "{:<9} {:>7} {:<7} {:>5} {:>4} {:>4} {:<14} {:>8} {:>6} {:>12} {:>12} {:>6}",
        "config",
        "PB KiB",
        "trace",
        "load",
        "per",
        "win",
        "policy",
        "accuracy",
        "SLO",
        "latency mean",
        "DRAM B/q",
        "PB hit"
    );
    for p in &result.points {
        let k = &p.key;
        outln!(
            "{:<9} {:>7} {:<7} {:>5.2} {:>4} {:>4} {:<14} {:>7.2}% {:>5.1}% {:>12.0} {:>12.0} {:>5.1}%",
            k.config,
            k.pb_bytes / 1024,
            k.trace,
            k.load,
            k.period,
            k.window,
            k.policy,
            p.served_accuracy,
            100.0 * p.slo_attainment,
            p.latency_mean_cycles,
            p.dram_bytes_per_query,
            100.0 * p.pb_hit_ratio
        );
    }
    for c in &crosscheck {
        outln!(
            "RTL cross-check, point {} ({} on {}, {} queries): latency mean {:+.2}%, DRAM bytes {:+.2}%, decisions agree {}/{}",
            c.index,
            c.policy,
            c.config,
            c.queries,
            c.latency_gap_percent,
            c.dram_bytes_gap_percent,
            c.decisions_agree,
            c.queries
        );
    }
    Ok(())
}

/// A sweep point re-run on the RTL against its SushiAbs costs.
#[derive(Debug, serde::Serialize)]
struct CrossCheck {
    index: usize,
    config: String,
    policy: String,
    trace: String,
    queries: usize,
    /// RTL mean end-to-end latency against SushiAbs's, percent.
    latency_gap_percent: f64,
    /// RTL DRAM bytes per query against SushiAbs's, percent.
    dram_bytes_gap_percent: f64,
    /// Queries where both chose the same SubNet and PB content.
    decisions_agree: usize,
}

/// Re-runs `k` points spread over the sweep (at each config's own PB size) on the RTL with the
/// first `queries` queries of their traces, every output checked against the golden model.
#[cfg(feature = "rtl")]
fn rtl_crosscheck(
    result: &sushi_host::experiments::bench::SweepResult,
    sweep: &sushi_host::experiments::bench::SweepSpec,
    net: &sushi_host::net::supernet::SuperNet,
    acc: &sushi_host::sched::front::AccuracyTable,
    k: usize,
    queries: usize,
    show: bool,
) -> Result<Vec<CrossCheck>> {
    use sushi_host::sched::{Candidate, build_table, make_policy, serve_table, summarize};
    use sushi_host::serve::{AbsPricer, Executor, serve_exec, summarize_exec};
    let mode = sweep.validate()?;
    let eligible: Vec<&sushi_host::experiments::bench::Point> = result
        .points
        .iter()
        .filter(|p| {
            HwConfig::load(&p.key.config).is_ok_and(|c| {
                c.spec.buffers.pb_bytes == p.key.pb_bytes
                    && sushi_sim::RtlSim::built_configs().contains(&c.name)
            })
        })
        .collect();
    if eligible.is_empty() {
        eprintln!("RTL cross-check: no point runs at a config's own PB size on a built RTL model");
        return Ok(Vec::new());
    }
    let split = sushi_host::net::dataset::test_split(std::path::Path::new(
        sushi_host::net::dataset::DEBIAN_DIR,
    ))?;
    let mut out = Vec::new();
    for j in 0..k.min(eligible.len()) {
        let p = eligible[j * eligible.len() / k.min(eligible.len())];
        let cfg = HwConfig::load(&p.key.config)?;
        let front = sushi_host::sched::front::pareto_front(
            &sushi_host::sched::front::measured_points(net, &cfg, acc),
        );
        let table = build_table(
            net,
            &cfg,
            front
                .iter()
                .map(|f| Candidate {
                    subnet: f.subnet,
                    accuracy: f.accuracy,
                })
                .collect(),
        )?;
        let trace: Vec<_> = sweep
            .trace(&p.key.trace, p.key.load, &front)
            .into_iter()
            .take(queries)
            .collect();
        let name: sushi_host::sched::PolicyName = p.key.policy.parse()?;
        let policy = || {
            make_policy(name, mode, p.key.period, p.key.window, &table, net, &cfg)
                .map_err(|e| anyhow::anyhow!(e))
        };
        let mut pricer = AbsPricer::new(net, &cfg);
        let abs = serve_table(&table, &trace, policy()?.as_mut(), Some(&mut pricer));
        let abs_summary = summarize(&table, &abs, &p.key.policy, &cfg);
        if show {
            eprintln!(
                "RTL cross-check {}/{}: point {} ({} on {}, {} queries)...",
                j + 1,
                k.min(eligible.len()),
                p.key.index,
                p.key.policy,
                cfg.name,
                trace.len()
            );
        }
        let mut exec = Executor::new(rtl_bus(&cfg)?, net, &cfg, true)?;
        let (served, runs) = serve_exec(
            &mut exec,
            &table,
            &split,
            &trace,
            policy()?.as_mut(),
            |_| {},
        )?;
        let rtl = summarize_exec(&table, &served, &runs, &p.key.policy, "rtl", &cfg);
        let gap = |a: f64, b: f64| 100.0 * (a / b.max(1e-9) - 1.0);
        out.push(CrossCheck {
            index: p.key.index,
            config: cfg.name.clone(),
            policy: p.key.policy.clone(),
            trace: p.key.trace.clone(),
            queries: trace.len(),
            latency_gap_percent: gap(rtl.latency_mean_cycles, abs_summary.latency_mean_cycles),
            dram_bytes_gap_percent: gap(rtl.dram_bytes_per_query, abs_summary.dram_bytes_per_query),
            decisions_agree: served
                .iter()
                .zip(&abs)
                .filter(|(r, a)| r.candidate == a.candidate && r.subgraph == a.subgraph)
                .count(),
        });
    }
    Ok(out)
}

#[cfg(not(feature = "rtl"))]
fn rtl_crosscheck(
    _: &sushi_host::experiments::bench::SweepResult,
    _: &sushi_host::experiments::bench::SweepSpec,
    _: &sushi_host::net::supernet::SuperNet,
    _: &sushi_host::sched::front::AccuracyTable,
    _: usize,
    _: usize,
    _: bool,
) -> Result<Vec<CrossCheck>> {
    bail!("--rtl-sample needs the RTL backend (cargo feature `rtl`); rebuild with default features")
}

/// The LRU-over-tiles baseline for the candidates of `table`, in `cfg`'s PB.
// Only the demo calls it, and the demo needs the RTL.
#[cfg_attr(not(feature = "rtl"), allow(dead_code))]
fn lru_policy(
    mode: sushi_host::sched::Mode,
    table: &sushi_host::sched::LatencyTable,
    net: &sushi_host::net::supernet::SuperNet,
    cfg: &HwConfig,
) -> Result<sushi_host::sched::policies::Lru> {
    let layout = sushi_host::compile::tiles::TileLayout::new(
        net,
        sushi_host::compile::layout::Array::of(cfg),
    );
    let words = cfg.spec.buffers.pb_bytes as usize / layout.array().word_bytes();
    Ok(sushi_host::sched::policies::Lru::new(
        mode, table, net, &layout, words,
    )?)
}

/// Serves `trace` under `policy` executing every query on `backend` (rtl or model).
#[allow(clippy::too_many_arguments)]
fn serve_executed(
    backend: &str,
    net: &sushi_host::net::supernet::SuperNet,
    cfg: &HwConfig,
    table: &sushi_host::sched::LatencyTable,
    split: &sushi_host::net::dataset::Split,
    trace: &[sushi_host::workload::trace::Query],
    policy: &mut dyn sushi_host::sched::Policy,
    show_progress: bool,
    faults: &[String],
    board: &BoardArgs,
) -> Result<(
    sushi_host::sched::ServeSummary,
    Vec<sushi_host::sched::Served>,
)> {
    use sushi_host::serve::{Executor, serve_exec, summarize_exec};
    let name = policy.name().to_string();
    let mut bar = sushi_host::reports::progress::Progress::new(
        format!("{name:<16} on {backend}"),
        trace.len(),
        show_progress,
    );
    let progress = |i: usize| bar.update(i);
    let (served, runs) = match backend {
        "model" => {
            let mut exec = Executor::new(
                sushi_host::device::model::ModelAccel::new(cfg),
                net,
                cfg,
                false,
            )?;
            serve_exec(&mut exec, table, split, trace, policy, progress)?
        }
        "board" => {
            let bus = open_board(board, net, cfg, table)?;
            // Outputs are checked against the int8 reference, as on the model backend.
            let mut exec = Executor::new(bus, net, cfg, false)?;
            serve_exec(&mut exec, table, split, trace, policy, progress)?
        }
        _ => {
            let sim = rtl_bus_with_faults(Some(cfg), faults)?.expect("a bus was asked for");
            let mut exec = Executor::new(sim, net, cfg, true)?;
            serve_exec(&mut exec, table, split, trace, policy, progress)?
        }
    };
    for (s, r) in served.iter().zip(&runs) {
        if let Some(fault) = &r.fault {
            eprintln!("warning: {name}: query {} failed: {fault}", s.id);
        }
    }
    Ok((
        summarize_exec(table, &served, &runs, &name, backend, cfg),
        served,
    ))
}

#[cfg(feature = "rtl")]
fn rtl_bus(cfg: &HwConfig) -> Result<sushi_sim::RtlSim> {
    Ok(sushi_sim::RtlSim::new(
        cfg,
        &sushi_sim::SimOptions::default(),
    )?)
}

#[cfg(unix)]
fn board_probe(config: &str, args: &BoardArgs, sysfs: &std::path::Path, json: bool) -> Result<()> {
    use sushi_hw::{Bus, regs};
    let cfg = HwConfig::load(config)?;
    let opts = sushi_host::device::board::BoardOptions {
        uio: args.uio.clone(),
        udmabuf: args.udmabuf.clone(),
        sysfs: sysfs.to_path_buf(),
        interrupt: args.interrupt,
    };
    let mut bus = sushi_host::device::board::BoardBus::open(&opts, &cfg)?;
    let raw = |bus: &mut sushi_host::device::board::BoardBus, r: u32| bus.read_reg(r);
    let (id, version, hash) = (
        raw(&mut bus, regs::ID)?,
        raw(&mut bus, regs::VERSION)?,
        raw(&mut bus, regs::CONFIG_HASH)?,
    );
    let region = bus.dram();
    // The driver's own checks: ID, register map version, config hash; then the DMA window.
    let mut accel = sushi_host::device::driver::Accel::open(bus, &cfg)?;
    let status = accel.bus().read_reg(regs::STATUS)?;
    let report = serde_json::json!({
        "config": cfg.name,
        "uio": args.uio,
        "udmabuf": args.udmabuf,
        "id": format!("{id:#010x}"),
        "regmap_version": version,
        "config_hash": format!("{hash:#010x}"),
        "dma_base": format!("{:#x}", region.base),
        "dma_bytes": region.bytes,
        "status": format!("{status:#010x}"),
    });
    if json {
        outln!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        outln!(
            "SUSHI accelerator for `{}` at {} (ID {id:#010x}, register map v{version}, config hash {hash:#010x})",
            cfg.name,
            args.uio.display()
        );
        outln!(
            "DMA buffer {}: {} bytes at bus address {:#x}; STATUS {status:#010x}",
            args.udmabuf.display(),
            region.bytes,
            region.base
        );
    }
    Ok(())
}

#[cfg(not(unix))]
fn board_probe(
    _config: &str,
    _args: &BoardArgs,
    _sysfs: &std::path::Path,
    _json: bool,
) -> Result<()> {
    bail!("the board backend needs Linux (UIO and u-dma-buf)")
}

/// Opens the board and checks that its DMA buffer holds the tile image and the largest
/// candidate's program.
#[cfg(unix)]
fn open_board(
    args: &BoardArgs,
    net: &sushi_host::net::supernet::SuperNet,
    cfg: &HwConfig,
    table: &sushi_host::sched::LatencyTable,
) -> Result<sushi_host::device::board::BoardBus> {
    use sushi_host::compile::program::{Outputs, compile_subnet};
    let opts = sushi_host::device::board::BoardOptions {
        uio: args.uio.clone(),
        udmabuf: args.udmabuf.clone(),
        interrupt: args.interrupt,
        ..Default::default()
    };
    let bus = sushi_host::device::board::BoardBus::open(&opts, cfg)?;
    let image = sushi_host::compile::tiles::TileImage::build(
        net,
        sushi_host::compile::layout::Array::of(cfg),
    );
    let empty = sushi_host::compile::pb_map::PbMap::for_config(cfg);
    let mut largest = 0u64;
    for c in &table.candidates {
        let p = compile_subnet(net, c.subnet, &image, &empty, cfg, Outputs::Last)?;
        largest = largest.max(p.image.len() as u64);
    }
    // The tile image sits 4 KiB-aligned at the top, programs at the bottom.
    bus.require_buffer(image.data().len() as u64 + largest + 4096)?;
    Ok(bus)
}

#[cfg(not(unix))]
fn open_board(
    _args: &BoardArgs,
    _net: &sushi_host::net::supernet::SuperNet,
    _cfg: &HwConfig,
    _table: &sushi_host::sched::LatencyTable,
) -> Result<sushi_host::device::model::ModelAccel> {
    bail!("the board backend needs Linux (UIO and u-dma-buf)")
}

/// With a config: the RTL with `faults` armed. Without: only checks that `faults` parse.
#[cfg(feature = "rtl")]
fn rtl_bus_with_faults(
    cfg: Option<&HwConfig>,
    faults: &[String],
) -> Result<Option<sushi_sim::RtlSim>> {
    let faults = faults
        .iter()
        .map(|f| {
            f.parse::<sushi_sim::Fault>()
                .map_err(|e| anyhow::anyhow!("--fault: {e}"))
        })
        .collect::<Result<Vec<_>>>()?;
    let Some(cfg) = cfg else { return Ok(None) };
    let mut sim = rtl_bus(cfg)?;
    for f in faults {
        sim.inject_fault(f)?;
    }
    Ok(Some(sim))
}

#[cfg(not(feature = "rtl"))]
fn rtl_bus_with_faults(
    cfg: Option<&HwConfig>,
    faults: &[String],
) -> Result<Option<sushi_host::device::model::ModelAccel>> {
    match cfg {
        None if faults.is_empty() => Ok(None),
        None => bail!("--fault needs the RTL backend, and this `sushi` was built without it"),
        Some(cfg) => rtl_bus(cfg).map(Some),
    }
}

#[cfg(not(feature = "rtl"))]
fn rtl_bus(_cfg: &HwConfig) -> Result<sushi_host::device::model::ModelAccel> {
    bail!(
        "this `sushi` was built without the RTL backend (cargo feature `rtl`); use --backend model or rebuild with default features"
    )
}

fn abs_check(subnets: &[usize], plan: &PlanArgs, json: bool) -> Result<()> {
    let cfg = HwConfig::load(&plan.config)?;
    let bus = rtl_bus(&cfg)?;
    let (net, cfg, front) = if subnets.is_empty() {
        front_of(plan)?
    } else {
        let path = plan.supernet.clone().unwrap_or_else(shipped_path);
        (
            sushi_host::net::supernet::SuperNet::load(&path)?,
            cfg,
            Vec::new(),
        )
    };
    let ids: Vec<usize> = if subnets.is_empty() {
        front.iter().map(|p| p.subnet).collect()
    } else {
        subnets.to_vec()
    };
    if let Some(bad) = ids.iter().find(|&&s| s >= net.subnets.len()) {
        bail!("--subnets: there is no SubNet {bad}");
    }
    let n = ids.len();
    let r = sushi_host::cycle_model::check::check(bus, &cfg, &net, &ids, |i| {
        if !json {
            eprint!("\r\x1b[2K{i}/{n} SubNets on the RTL");
        }
    })?;
    if json {
        outln!("{}", serde_json::to_string_pretty(&r)?);
        return Ok(());
    }
    eprintln!();
    outln!(
        "SushiAbs against the RTL on {} ({} programs):",
        r.config,
        r.cases.len()
    );
    outln!("  SubNet  PB         RTL cycles  SushiAbs   error");
    for c in &r.cases {
        outln!(
            "  {:>6}  {:<9}  {:>10}  {:>9}  {:>+6.2}%",
            c.subnet,
            c.cache,
            c.measured_cycles,
            c.predicted_cycles,
            c.error_percent
        );
    }
    if let Some(w) = &r.worst {
        outln!(
            "max |error| {:.2}% (SubNet {}, PB {})",
            r.max_abs_error_percent,
            w.subnet,
            w.cache
        );
    }
    Ok(())
}
