//! `sushi supernet`: an artifact checked and listed, its SubNets' accuracy on the test split, and
//! its Pareto front on a config.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Subcommand;
use sushi_host::experiments::accuracy::{BATCH, EvalProgress, EvalSpec, SubNetChoice, evaluate};
use sushi_host::net::supernet::{Slot, SlotKind, SuperNet, shipped_path};
use sushi_host::sched::front::{AccuracyTable, accuracy_table_path, measured_points, pareto_front};
use sushi_hw::{DEFAULT_CONFIG, HwConfig};

#[derive(Debug, Subcommand)]
pub enum SupernetCommand {
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

pub fn run(cmd: SupernetCommand) -> Result<()> {
    match cmd {
        SupernetCommand::Check { file, json } => check(&file, json),
        SupernetCommand::Eval {
            file,
            subnets,
            all,
            save_table,
            images,
            data_dir,
            json,
        } => {
            let subnets = match (all, subnets.is_empty()) {
                (true, _) => SubNetChoice::All,
                (false, true) => SubNetChoice::Ends,
                (false, false) => SubNetChoice::Listed(subnets),
            };
            let spec = EvalSpec {
                artifact: file,
                subnets,
                save_table,
                images,
                data_dir,
                threads: None,
            };
            eval(&spec, json)
        }
        SupernetCommand::Info {
            file,
            config,
            table,
            json,
        } => info(file, &config, table, json),
    }
}

fn out_hw(s: &Slot) -> (usize, usize) {
    match s.kind {
        SlotKind::Gap | SlotKind::Fc => (1, 1),
        _ => (
            (s.in_hw.0 - 1) / s.stride + 1,
            (s.in_hw.1 - 1) / s.stride + 1,
        ),
    }
}

fn check(file: &Path, json: bool) -> Result<()> {
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
            let out_hw = out_hw(s);
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

fn eval(spec: &EvalSpec, json: bool) -> Result<()> {
    let report = evaluate(spec, |p| match p {
        EvalProgress::Row(r) if !json => outln!(
            "SubNet {}: top-1 {:.2}% on {} test images ({:.1} s, {} threads)",
            r.subnet,
            r.top1,
            r.images,
            r.seconds,
            r.threads
        ),
        EvalProgress::Batch {
            done,
            total,
            seconds,
        } if total > BATCH => eprintln!(
            "evaluated {done} of {total} SubNets in {seconds:.0} s (about {:.0} s left)",
            seconds / done as f64 * (total - done) as f64
        ),
        _ => {}
    })?;
    if json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::to_value(&report.rows)?)?
        );
    }
    if let Some(t) = &report.table {
        eprintln!(
            "{}: {} of {} SubNets measured ({:.0} s for these {} on {} threads)",
            t.path.display(),
            t.measured,
            t.subnets,
            report.seconds,
            report.rows.len(),
            report.threads
        );
    }
    Ok(())
}

fn info(file: Option<PathBuf>, config: &str, table: Option<PathBuf>, json: bool) -> Result<()> {
    let path = file.unwrap_or_else(shipped_path);
    let net = SuperNet::load(&path)?;
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
