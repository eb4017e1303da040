//! `sushi compare`: a network on the reference kernels, the golden model and the RTL, layer by
//! layer.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use sushi_host::compile::program::{Outputs, compile};
use sushi_host::device::backend::{self, BackendKind, OpenOptions};
use sushi_host::device::driver::Accel;
use sushi_host::device::model::ModelAccel;
use sushi_host::net::int8::Act;
use sushi_host::net::network::{Network, RandomSpec, random_network};
use sushi_host::reports::compare::{LayerDiff, render};
use sushi_host::rng::SplitMix64;
use sushi_hw::{DEFAULT_CONFIG, HwConfig};

#[derive(Debug, Args)]
pub struct CompareArgs {
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

pub fn run(args: &CompareArgs) -> Result<()> {
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
        let sim = backend::open(BackendKind::Rtl, &cfg, &OpenOptions::default())?;
        let rtl = Accel::open(sim, &cfg)?.run_program(&program, 1 << 34)?;
        let by_tensor: HashMap<usize, Act> = model.outputs.iter().cloned().collect();
        tables.push((
            "RTL vs golden model",
            diffs(&rtl.outputs, &|t| by_tensor[&t].clone()),
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
