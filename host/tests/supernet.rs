//! The shipped SuperNet artifact loads, every listed SubNet builds and runs on the compiler and
//! the golden model, and damaged copies of the file are refused naming the field.

use std::path::PathBuf;

use sushi_host::compile::program::{Outputs, compile};
use sushi_host::device::driver::Accel;
use sushi_host::device::model::ModelAccel;
use sushi_host::net::supernet::SuperNet;
use sushi_hw::HwConfig;

fn artifact() -> PathBuf {
    sushi_host::net::supernet::shipped_path()
}

#[test]
fn the_shipped_supernet_is_sized_so_the_problem_is_real() {
    let net = SuperNet::load(&artifact()).unwrap();
    let pb = HwConfig::default_config().spec.buffers.pb_bytes as usize;
    assert!(
        net.total_weight_bytes() >= 4 * pb,
        "{} bytes of weights, PB {pb}",
        net.total_weight_bytes()
    );
    assert!(net.subnets.len() >= 1000);
    let distinct: std::collections::HashSet<_> =
        net.subnets.iter().map(|s| s.config.clone()).collect();
    assert_eq!(distinct.len(), net.subnets.len(), "SubNets are distinct");
    let small = net.subnet_weight_bytes(0).unwrap();
    let large = net.subnet_weight_bytes(net.subnets.len() - 1).unwrap();
    assert!(
        small < large && large == net.total_weight_bytes(),
        "{small} .. {large}"
    );
}

#[test]
fn subnets_run_bit_exact_on_the_golden_model() {
    let net = SuperNet::load(&artifact()).unwrap();
    let cfg = HwConfig::default_config();
    let split = sushi_host::net::dataset::test_split(std::path::Path::new(
        sushi_host::net::dataset::DEBIAN_DIR,
    ))
    .unwrap();
    for id in [0, 511, net.subnets.len() - 1] {
        let network = net.network(id).unwrap();
        let input = split.input(id);
        let mut program = compile(&network, &cfg, Outputs::Last).unwrap();
        program.set_input(&input);
        let report = Accel::open(ModelAccel::new(&cfg), &cfg)
            .unwrap()
            .run_program(&program, 0)
            .unwrap();
        let want = sushi_host::net::fast::run_last(&network, &input);
        assert_eq!(report.outputs[0].1, want, "SubNet {id}");
    }
}

#[test]
fn damaged_copies_are_refused_naming_the_field() {
    let good = std::fs::read(artifact()).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated",
            good[..good.len() - 10].to_vec(),
            "header.stored_len",
        ),
        ("header only", good[..40].to_vec(), "header"),
        (
            "magic",
            [b"XUSHISN\0".as_slice(), &good[8..]].concat(),
            "header.magic",
        ),
        (
            "version",
            [&good[..8], &[2u8, 0][..], &good[10..]].concat(),
            "header.version_major",
        ),
        (
            "checksum",
            {
                let mut b = good.clone();
                b[40] ^= 1;
                b
            },
            "header.payload_fnv1a64",
        ),
        (
            "corrupt payload",
            {
                let mut b = good.clone();
                let n = b.len();
                b[n - 100] ^= 0xff;
                b
            },
            "payload",
        ),
        (
            "huge length",
            {
                let mut b = good.clone();
                b[32..40].copy_from_slice(&u64::MAX.to_le_bytes());
                b
            },
            "header.payload_len",
        ),
    ];
    for (name, bytes, field) in cases {
        let err = SuperNet::parse(name, &bytes).unwrap_err().to_string();
        assert!(
            err.starts_with(name) && err.contains(field),
            "{name}: {err}"
        );
    }
}

/// The training script's int8 evaluation (`host/supernets/*.eval.json`, from
/// `scripts/supernet/int8_eval.py`, an independent numpy implementation) and ours must agree.
#[test]
fn accuracy_agrees_with_the_training_scripts_int8_evaluation() {
    let net = SuperNet::load(&artifact()).unwrap();
    let eval: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(artifact().with_extension("eval.json")).unwrap(),
    )
    .unwrap();
    let split = sushi_host::net::dataset::test_split(std::path::Path::new(
        sushi_host::net::dataset::DEBIAN_DIR,
    ))
    .unwrap();
    let results = eval["results"].as_array().unwrap();
    // The smallest SubNet in CI (seconds); every sampled one with SUSHI_LONG=1.
    let long = std::env::var("SUSHI_LONG").is_ok_and(|v| v != "0");
    let picked: Vec<&serde_json::Value> = if long {
        results.iter().collect()
    } else {
        results.iter().take(1).collect()
    };
    for r in picked {
        let id = r["index"].as_u64().unwrap() as usize;
        let config: Vec<u16> = r["config_vector"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as u16)
            .collect();
        assert_eq!(
            net.subnets[id].config, config,
            "SubNet {id}: the config vector in the artifact"
        );
        let network = net.network(id).unwrap();
        let correct = sushi_host::net::fast::count_correct(&network, &split, split.len(), 2);
        let theirs = r["correct"].as_u64().unwrap() as usize;
        let diff_pp = (correct as f64 - theirs as f64).abs() / 100.0;
        assert!(
            diff_pp <= 0.1,
            "SubNet {id}: {correct} correct here, {theirs} in the training script's int8 evaluation"
        );
        eprintln!("SubNet {id}: {correct} correct, the script {theirs}");
    }
}

/// `supernet eval` measures SubNets in batches that compute their shared layers once per image;
/// every count must equal the SubNet's own, image by image.
#[test]
fn subnets_evaluated_together_count_what_each_counts_alone() {
    use sushi_host::net::fast::{classify, count_correct_many, shared_prefixes};
    let net = SuperNet::load(&artifact()).unwrap();
    let split = sushi_host::net::dataset::test_split(std::path::Path::new(
        sushi_host::net::dataset::DEBIAN_DIR,
    ))
    .unwrap();
    let last = net.subnets.len() - 1;
    let ids: Vec<usize> = (0..9).chain(500..506).chain([3, last]).collect();
    let networks: Vec<_> = ids.iter().map(|&id| net.network(id).unwrap()).collect();
    let shared = shared_prefixes(&networks);
    // Neighbours differ only in the head width: they share every layer before the head.
    assert_eq!(shared[0], 0);
    assert!(
        shared[1] + 3 >= networks[1].layers.len(),
        "SubNets 0 and 1 share {} of {} layers",
        shared[1],
        networks[1].layers.len()
    );
    let images = 150;
    let together = count_correct_many(&networks, &split, images, 2);
    for ((id, network), got) in ids.iter().zip(&networks).zip(together) {
        let alone = (0..images)
            .filter(|&i| classify(network, &split.input(i)) == split.labels[i] as usize)
            .count();
        assert_eq!(got, alone, "SubNet {id}");
    }
}

/// The sizing rule, on the measured table shipped beside the artifact: every SubNet
/// measured on the whole test split, the largest at >= 88% top-1 and the smallest at least 5
/// points below it, so that choosing a SubNet is a real trade of accuracy for cycles.
#[test]
fn the_shipped_accuracy_table_is_complete_and_spans_five_points() {
    use sushi_host::sched::front::{AccuracyTable, accuracy_table_path};
    let net = SuperNet::load(&artifact()).unwrap();
    let table = AccuracyTable::load(&accuracy_table_path(&artifact()), &net).unwrap();
    assert_eq!(table.images, 10_000);
    assert_eq!(table.measured(), net.subnets.len(), "every SubNet measured");
    let smallest = table.top1[0].unwrap();
    let largest = table.top1[net.subnets.len() - 1].unwrap();
    assert!(largest >= 88.0, "largest SubNet {largest:.2}%");
    assert!(
        largest - smallest >= 5.0,
        "smallest {smallest:.2}%, largest {largest:.2}%"
    );
}
