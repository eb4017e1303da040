//! The `sushi` CLI on bad input: an error that says what, where and how to fix it, exit code 1,
//! and never a panic backtrace.

use std::process::{Command, Output};

fn sushi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sushi"))
        .args(args)
        .output()
        .expect("sushi runs")
}

fn assert_clean_error(out: &Output, expect: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{stderr}"
    );
    for e in expect {
        assert!(stderr.contains(e), "expected {e:?} in: {stderr}");
    }
}

fn temp_config(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("sushi-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write temp config");
    path.to_string_lossy().into_owned()
}

fn tiny_text() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../hw/configs/tiny.toml"
    ))
    .expect("tiny exists")
}

#[test]
fn an_unknown_config_name_lists_the_known_ones() {
    let out = sushi(&["hw", "show", "--config", "zynq9000"]);
    assert_clean_error(
        &out,
        &["unknown hw config `zynq9000`", "tiny", "zynq7020", ".toml"],
    );
}

#[test]
fn malformed_toml_names_the_file_and_line() {
    let path = temp_config("broken.toml", "[clock\nfreq_mhz = 100\n");
    let out = sushi(&["hw", "show", "--config", &path]);
    assert_clean_error(&out, &[&path, "line 1"]);
}

#[test]
fn an_unknown_key_names_the_key() {
    let path = temp_config("typo.toml", &tiny_text().replace("pb_bytes", "pb_bytez"));
    let out = sushi(&["hw", "show", "--config", &path]);
    assert_clean_error(&out, &[&path, "unknown field `pb_bytez`"]);
}

#[test]
fn a_broken_cross_field_rule_names_the_key_and_the_fix() {
    let path = temp_config(
        "wide.toml",
        &tiny_text().replace("max_burst_beats = 8", "max_burst_beats = 2048"),
    );
    let out = sushi(&["hw", "show", "--config", &path]);
    assert_clean_error(
        &out,
        &[&path, "`axi.max_burst_beats`", "power of two from 1 to 256"],
    );
}

#[test]
fn a_missing_config_file_is_a_clear_error() {
    let out = sushi(&["hw", "show", "--config", "/nonexistent/board.toml"]);
    assert_clean_error(&out, &["cannot read hw config /nonexistent/board.toml"]);
}

#[test]
fn hw_show_prints_the_config_and_its_derived_values_as_json() {
    let out = sushi(&["hw", "show", "--config", "tiny", "--json"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(v["name"], "tiny");
    assert_eq!(v["derived"]["peak_macs_per_cycle"], 8);
    assert_eq!(v["spec"]["axi"]["data_bytes"], 4);
}

#[test]
fn hw_gen_check_agrees_with_the_committed_files() {
    let out = sushi(&["hw", "gen", "--check"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_demo_on_a_config_without_a_built_model_is_a_clear_error() {
    let path = temp_config("myboard.toml", &tiny_text());
    let out = sushi(&["demo", "--config", &path]);
    if cfg!(feature = "rtl") {
        assert_clean_error(
            &out,
            &[
                "no RTL model was built for hw config `myboard`",
                "SUSHI_SIM_CONFIGS",
            ],
        );
    } else {
        assert_clean_error(&out, &["without the RTL backend"]);
    }
}

#[test]
fn compare_runs_a_random_network_layer_by_layer() {
    let out = sushi(&["compare", "--config", "tiny", "--random", "5"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("golden model vs reference kernels")
            && stdout.contains("all layers bit-exact"),
        "{stdout}"
    );
}

#[test]
fn a_network_file_that_is_not_a_network_is_a_clear_error() {
    let path = temp_config("net.json", "{\"input\": [1, 2]}");
    let out = sushi(&["compare", "--config", "tiny", "--network", &path]);
    assert_clean_error(&out, &[&path, "Network JSON schema"]);
}

#[test]
fn a_supernet_file_with_the_wrong_magic_is_refused_naming_the_field() {
    let path = temp_config("bad.sushinet", &"x".repeat(100));
    let out = sushi(&["supernet", "check", &path]);
    assert_clean_error(&out, &[&path, "header.magic"]);
    let out = sushi(&["supernet", "check", "/nonexistent/model.sushinet"]);
    assert_clean_error(&out, &["/nonexistent/model.sushinet"]);
}

#[test]
fn pb_report_on_the_model_prints_its_json_fields_and_refuses_unknown_subnets() {
    let out = sushi(&[
        "pb",
        "report",
        "--config",
        "zynq7020",
        "--backend",
        "model",
        "--subnets",
        "0",
        "--no-layers",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    for key in [
        "config",
        "pb_bytes",
        "tile_image_bytes",
        "fill",
        "subnets",
        "backend",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    let s = &v["subnets"][0];
    assert_eq!(s["subnet"], 0);
    assert_eq!(s["dram_weight_bytes_cached"], 0);
    assert!(v["fill"]["cycles_per_kib"].is_number());
    assert_clean_error(
        &sushi(&["pb", "report", "--backend", "model", "--subnets", "5000"]),
        &["--subnets", "no SubNet 5000"],
    );
    assert_clean_error(
        &sushi(&["pb", "report", "--backend", "fpga"]),
        &["--backend fpga", "rtl or model"],
    );
}

/// An accuracy table for the shipped artifact with made-up figures, for the CLI's plumbing only.
fn synthetic_table(name: &str, hash: &str, top1: impl Fn(usize) -> f64) -> String {
    let table = serde_json::json!({
        "artifact_hash": hash,
        "images": 10000,
        "top1": (0..1024).map(top1).collect::<Vec<f64>>(),
        "measured_by": "synthetic, for a test",
    });
    temp_config(name, &table.to_string())
}

fn shipped_hash() -> String {
    let shipped = sushi_host::net::supernet::shipped_path();
    let out = sushi(&["supernet", "check", shipped.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    v["hash"].as_str().expect("hash").to_string()
}

#[test]
fn supernet_info_prints_a_pareto_front_that_nothing_beats() {
    // Accuracy rising with the index but with dips, so the front is a strict subset.
    let table = synthetic_table("front.json", &shipped_hash(), |i| {
        85.0 + (i % 97) as f64 * 0.04
    });
    let out = sushi(&["supernet", "info", "--table", &table, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let shipped =
        sushi_host::net::supernet::SuperNet::load(&sushi_host::net::supernet::shipped_path())
            .unwrap();
    assert_eq!(v["subnets"], shipped.subnets.len());
    assert_eq!(v["weight_bytes_total"], shipped.total_weight_bytes());
    let front = v["pareto"].as_array().expect("pareto");
    assert!(front.len() > 1 && front.len() < 1024, "{}", front.len());
    let mut prev: Option<(f64, u64)> = None;
    for p in front {
        for key in ["subnet", "accuracy", "weight_bytes", "cycles"] {
            assert!(p.get(key).is_some(), "missing {key}");
        }
        let (a, c) = (
            p["accuracy"].as_f64().unwrap(),
            p["cycles"].as_u64().unwrap(),
        );
        if let Some((pa, pc)) = prev {
            assert!(
                a > pa && c >= pc,
                "the front rises in both: {pa}@{pc} then {a}@{c}"
            );
        }
        prev = Some((a, c));
    }
}

#[test]
fn supernet_info_refuses_a_table_of_another_artifact() {
    let table = synthetic_table("stale.json", "0123456789abcdef", |_| 90.0);
    assert_clean_error(
        &sushi(&["supernet", "info", "--table", &table]),
        &[
            "measured artifact 0123456789abcdef",
            "sushi supernet eval",
            "--save-table",
        ],
    );
}

#[test]
fn trace_gen_then_serve_prints_every_policy_with_its_report_fields() {
    let table = synthetic_table("serve.json", &shipped_hash(), |i| {
        85.0 + (i % 89) as f64 * 0.05
    });
    let trace = temp_config("trace.jsonl", "");
    let out = sushi(&[
        "trace",
        "gen",
        "--out",
        &trace,
        "--queries",
        "300",
        "--seed",
        "4",
        "--table",
        &table,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = temp_config("serve-log.jsonl", "");
    let out = sushi(&[
        "serve", "--trace", &trace, "--table", &table, "--json", "--log", &log,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let rows = v["policies"].as_array().expect("policies");
    let names: Vec<&str> = rows.iter().map(|r| r["policy"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "sushi",
            "sushi-subgraph",
            "no-cache",
            "static-cache",
            "static-subnet",
            "cache-unaware",
            "lru",
            "arc",
            "sieve",
            "w-tinylfu",
            "slack",
            "model-switching",
            "oracle (future window)"
        ]
    );
    for r in rows {
        for key in [
            "policy",
            "backend",
            "queries",
            "served_accuracy",
            "latency_mean_cycles",
            "latency_p99_cycles",
            "slo_attainment",
            "dram_bytes_per_query",
            "pb_hit_ratio",
            "offchip_energy_uj",
            "outputs_verified",
            "dram_weight_bytes_bound_per_query",
        ] {
            assert!(r.get(key).is_some(), "{}: missing {key}", r["policy"]);
        }
        assert_eq!(r["queries"], 300);
        // Belady's bound for the row's own selections holds.
        let bound = r["dram_weight_bytes_bound_per_query"]
            .as_f64()
            .expect("a bound");
        assert!(bound <= r["dram_weight_bytes_per_query"].as_f64().unwrap() + 1e-9);
    }
    let no_cache = rows.iter().find(|r| r["policy"] == "no-cache").unwrap();
    assert_eq!(no_cache["pb_hit_ratio"], 0.0, "no cache, no hits");
    // The log has every query of every policy, and its SLO flags add up to the summaries'.
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 300 * rows.len());
    for r in rows {
        let met = lines
            .iter()
            .filter(|l| l["policy"] == r["policy"] && l["slo_met"] == true)
            .count();
        assert_eq!(met as f64 / 300.0, r["slo_attainment"].as_f64().unwrap());
    }
    let lru = rows.iter().find(|r| r["policy"] == "lru").unwrap();
    assert!(
        lru["pb_hit_ratio"].as_f64().unwrap() > 0.0,
        "LRU keeps tiles"
    );
    assert_eq!(
        lru["backend"], "abs",
        "priced by SushiAbs on compiled programs"
    );
    // Bad input: a trace line that is not a query names its line.
    std::fs::write(&trace, "{\"id\": 0}\n").unwrap();
    assert_clean_error(
        &sushi(&["serve", "--trace", &trace, "--table", &table]),
        &[":1:", "accuracy_target"],
    );
    assert_clean_error(
        &sushi(&[
            "serve",
            "--trace",
            &trace,
            "--backend",
            "fpga",
            "--table",
            &table,
        ]),
        &["--backend fpga", "use rtl", "model", "abs"],
    );
}

#[test]
fn the_demo_serves_on_the_rtl_and_prints_its_report_fields() {
    if !cfg!(feature = "rtl") {
        return;
    }
    let out = sushi(&["demo", "--queries", "12", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let rows = v["policies"].as_array().expect("policies");
    let on_rtl: Vec<&str> = rows
        .iter()
        .filter(|r| r["backend"] == "rtl")
        .map(|r| r["policy"].as_str().unwrap())
        .collect();
    assert_eq!(on_rtl, ["sushi", "no-cache"]);
    for r in rows {
        for key in [
            "policy",
            "backend",
            "queries",
            "served_accuracy",
            "latency_mean_cycles",
            "latency_p99_cycles",
            "slo_attainment",
            "dram_bytes_per_query",
            "pb_hit_ratio",
            "offchip_energy_uj",
            "outputs_verified",
        ] {
            assert!(r.get(key).is_some(), "{}: missing {key}", r["policy"]);
        }
        assert_eq!(r["queries"], 12);
        assert_eq!(r["outputs_verified"], 12, "every output checked");
    }
}

#[test]
fn demo_and_bench_refuse_values_out_of_range_with_the_range() {
    for (args, expect) in [
        (
            &["demo", "--period", "0"][..],
            "--period and --window must be at least 1",
        ),
        (
            &["demo", "--window", "0"],
            "--period and --window must be at least 1",
        ),
        (
            &["demo", "--load", "0"],
            "--load 0: a positive offered load",
        ),
        (&["demo", "--latency-slack", "nan"], "--latency-slack NaN"),
        (&["demo", "--queries", "1000000"], "at most 100000"),
        (
            &["demo", "--mode", "fastest"],
            "--mode fastest: use latency or accuracy",
        ),
        (
            &["bench", "--pb-kib", "99999999999"],
            "beyond what zynq7020's commands can address",
        ),
        (
            &["bench", "--pb-kib", "18446744073709551615"],
            "--pb-kib 18446744073709551615: too large",
        ),
        (
            &["bench", "--latency-slack", "1.5,0"],
            "--latency-slack 0: a latency slack is a positive",
        ),
        (
            &["bench", "--policies", "sushi junk"],
            "unknown policy `sushi junk`",
        ),
    ] {
        assert_clean_error(&sushi(args), &[expect]);
    }
}

#[test]
fn bench_json_prints_its_report_fields_and_writes_its_files() {
    let out_dir = std::env::temp_dir().join(format!("sushi-cli-bench-{}", std::process::id()));
    let out = sushi(&[
        "bench",
        "--queries",
        "300",
        "--pb-kib",
        "128,256",
        "--policies",
        "sushi,no-cache,lru",
        "--traces",
        "phases",
        "--out",
        out_dir.to_str().unwrap(),
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(v["queries_per_second"].as_f64().unwrap() > 0.0);
    let points = v["points"].as_array().expect("points");
    assert_eq!(points.len(), 2 * 3);
    for p in points {
        for key in [
            "policy",
            "pb_bytes",
            "trace",
            "queries",
            "served_accuracy",
            "slo_attainment",
            "latency_mean_cycles",
            "dram_bytes_per_query",
            "pb_hit_ratio",
            "load",
            "latency_p99_cycles",
        ] {
            assert!(p.get(key).is_some(), "missing {key} in {p}");
        }
        assert_eq!(p["queries"], 300);
    }
    for f in ["points.csv", "points.json", "pb-hit-ratio.svg"] {
        assert!(out_dir.join(f).exists(), "{f}");
    }
    // Bad input names the option.
    assert_clean_error(
        &sushi(&["bench", "--shard", "4/4"]),
        &["--shard 4/4", "I/N"],
    );
    assert_clean_error(
        &sushi(&["bench", "--policies", "fifo"]),
        &["--policies fifo", "sushi"],
    );
    assert_clean_error(
        &sushi(&["bench", "merge", out_dir.join("nowhere").to_str().unwrap()]),
        &["points.json"],
    );
}

/// `scripts/bench-slurm.sh` against a stand-in `sbatch` that runs each job (and each array task)
/// on the spot: the shards and the merge it submits give the files of one direct run.
#[test]
fn the_slurm_script_shards_and_merges_into_the_direct_run() {
    let root = std::env::temp_dir().join(format!("sushi-slurm-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let fake = bin.join("sbatch");
    std::fs::write(
        &fake,
        r#"#!/usr/bin/env bash
# Runs what would be submitted, now: --array=A-B runs the command once per task id.
set -euo pipefail
array="" wrap=""
for a in "$@"; do
    case $a in
        --array=*) array=${a#--array=} ;;
        --wrap=*) wrap=${a#--wrap=} ;;
    esac
done
if [[ -n $array ]]; then
    for ((i = ${array%-*}; i <= ${array#*-}; i++)); do
        SLURM_ARRAY_TASK_ID=$i SLURM_CPUS_PER_TASK=1 bash -c "$wrap" >/dev/null
    done
else
    bash -c "$wrap" >/dev/null
fi
echo $RANDOM
"#,
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let sweep = [
        "--queries",
        "200",
        "--pb-kib",
        "128,256",
        "--policies",
        "sushi,no-cache",
        "--traces",
        "phases",
    ];
    let out = root.join("out");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/bench-slurm.sh");
    let run = std::process::Command::new(script)
        .arg("3")
        .arg(&out)
        .args(sweep)
        .env("SUSHI_BIN", env!("CARGO_BIN_EXE_sushi"))
        .env(
            "PATH",
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        )
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let direct = root.join("direct");
    let mut args = vec!["bench", "--out", direct.to_str().unwrap()];
    args.extend(sweep);
    assert!(sushi(&args).status.success());
    for f in ["points.csv", "points.json", "pb-hit-ratio.svg"] {
        assert!(
            std::fs::read(out.join("merged").join(f)).unwrap()
                == std::fs::read(direct.join(f)).unwrap(),
            "{f} differs between the Slurm shards' merge and the direct run"
        );
    }
}

/// A tiny Azure Functions sample, written here (no download): the importer turns the busiest
/// function's per-minute counts into a served trace, and names what is wrong in bad input.
#[test]
fn an_azure_functions_sample_imports_into_a_trace_that_serves() {
    let minutes: Vec<String> = (1..=10).map(|m| m.to_string()).collect();
    let sample = format!(
        "HashOwner,HashApp,HashFunction,Trigger,{}\n\
         o1,a1,quiet,timer,1,0,0,0,1,0,0,0,1,0\n\
         o2,a2,bursty,http,0,40,2,0,0,55,1,0,0,2\n",
        minutes.join(",")
    );
    let input = temp_config("azure.csv", &sample);
    let trace = temp_config("azure-trace.jsonl", "");
    let out = sushi(&[
        "trace",
        "import-azure",
        "--file",
        &input,
        "--out",
        &trace,
        "--load",
        "0.9",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&trace)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.len(),
        100,
        "the busiest function: 40 + 2 + 55 + 1 + 2 invocations"
    );
    let t: Vec<u64> = lines
        .iter()
        .map(|l| l["arrival_cycle"].as_u64().unwrap())
        .collect();
    assert!(t.windows(2).all(|w| w[0] <= w[1]), "arrivals in order");
    // Bursts stay bursts: the 40 of minute 2 arrive closer together than the 100 on average.
    let burst = (t[39] - t[0]) as f64 / 39.0;
    let mean = (t[99] - t[0]) as f64 / 99.0;
    assert!(burst < mean / 3.0, "{burst} vs {mean}");
    let out = sushi(&["serve", "--trace", &trace, "--policy", "slack", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_clean_error(
        &sushi(&[
            "trace",
            "import-azure",
            "--file",
            &input,
            "--out",
            &trace,
            "--function",
            "nope",
        ]),
        &["--function nope", "2 functions"],
    );
    assert_clean_error(
        &sushi(&[
            "trace",
            "import-azure",
            "--file",
            &input,
            "--out",
            &trace,
            "--minutes",
            "5-11",
        ]),
        &["--minutes 5-11", "A-B"],
    );
    let bad = temp_config(
        "azure-bad.csv",
        "HashOwner,HashApp,HashFunction,Trigger,1\no,a,f,http,lots\n",
    );
    assert_clean_error(
        &sushi(&["trace", "import-azure", "--file", &bad, "--out", &trace]),
        &["azure-bad.csv:2", "minute 1"],
    );
}

/// `sushi ... | head` closes the pipe early: the program ends quietly with success, no panic.
#[test]
fn a_closed_stdout_pipe_ends_quietly() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sushi"))
        .args(["hw", "list"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader is gone before anything is written
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_malformed_or_misplaced_fault_is_refused_before_any_work() {
    let trace = std::env::temp_dir().join(format!("sushi-fault-{}.csv", std::process::id()));
    std::fs::write(
        &trace,
        "id,arrival_cycle,accuracy_target,latency_target_cycles,input\n0,0,80,100000,0\n",
    )
    .unwrap();
    let t = trace.to_str().unwrap();
    let out = sushi(&[
        "serve",
        "--trace",
        t,
        "--backend",
        "model",
        "--fault",
        "r:slverr:5",
    ]);
    assert_clean_error(&out, &["--fault needs --backend rtl"]);
    if !cfg!(feature = "rtl") {
        let out = sushi(&[
            "serve",
            "--trace",
            t,
            "--backend",
            "rtl",
            "--fault",
            "r:slverr:5",
        ]);
        assert_clean_error(&out, &["built without it"]);
        return;
    }
    for (spec, words) in [
        ("x:slverr:5", "no channel `x`"),
        ("ar:slverr:5", "only on R and B"),
        ("r:delay:5", "a delay needs CYCLES"),
        ("r:hang:many", "AFTER `many` is not a whole number"),
    ] {
        let out = sushi(&["serve", "--trace", t, "--backend", "rtl", "--fault", spec]);
        assert_clean_error(&out, &["--fault", words]);
    }
}
