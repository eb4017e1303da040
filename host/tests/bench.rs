//! `sushi bench` as a library: deterministic outputs, shards that merge into the whole sweep,
//! and merges that refuse what does not fit together.

use std::path::{Path, PathBuf};

use sushi_host::experiments::bench::{
    Shard, SweepResult, SweepSpec, merge, read_result, run, write_outputs,
};
use sushi_host::net::supernet::SuperNet;
use sushi_host::sched::front::{AccuracyTable, accuracy_table_path};

fn shipped() -> (SuperNet, AccuracyTable) {
    let path = sushi_host::net::supernet::shipped_path();
    let net = SuperNet::load(&path).unwrap();
    let acc = AccuracyTable::load(&accuracy_table_path(&path), &net).unwrap();
    (net, acc)
}

fn sweep() -> SweepSpec {
    SweepSpec {
        configs: vec!["zynq7020".into()],
        pb_bytes: vec![128 * 1024, 512 * 1024],
        traces: vec!["phases".into(), "bursty".into()],
        loads: vec![0.6],
        periods: vec![4, 16],
        windows: vec![16],
        policies: ["sushi", "no-cache", "lru", "oracle"]
            .map(String::from)
            .to_vec(),
        queries: 600,
        seed: 7,
        latency_slacks: vec![1.5],
        phase_queries: 40,
        cv2: 4.0,
        modes: vec!["latency".into()],
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sushi-bench-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Names of the files that differ between two listings (comparing bytes, printing names).
fn differing(a: &[(String, Vec<u8>)], b: &[(String, Vec<u8>)]) -> Vec<String> {
    let names = |x: &[(String, Vec<u8>)]| x.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(a), names(b), "the same files");
    a.iter()
        .zip(b)
        .filter(|(x, y)| x.1 != y.1)
        .map(|(x, _)| x.0.clone())
        .collect()
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_sweep_is_byte_identical_across_runs_and_thread_counts_and_shards_merge_into_it() {
    let (net, acc) = shipped();
    let s = sweep();
    let (whole, timing) = run(&s, &net, &acc, Shard::ALL, 2, |_, _| {}).unwrap();
    assert_eq!(
        whole.points.len(),
        2 * 2 * 2 * 4,
        "PB sizes x traces x periods x policies"
    );
    assert!(timing.queries_per_second > 0.0);
    let (again, _) = run(&s, &net, &acc, Shard::ALL, 1, |_, _| {}).unwrap();
    let (a, b) = (temp_dir("a"), temp_dir("b"));
    write_outputs(&a, &whole).unwrap();
    write_outputs(&b, &again).unwrap();
    let written = files(&a);
    assert_eq!(
        written,
        files(&b),
        "same seed, other thread count: same bytes"
    );
    let names: Vec<&str> = written.iter().map(|(n, _)| n.as_str()).collect();
    for f in [
        "points.json",
        "points.csv",
        "latency-accuracy.svg",
        "pb-hit-ratio.svg",
    ] {
        assert!(names.contains(&f), "{f} in {names:?}");
    }
    // Three shards, run apart and merged in any order, give the same files.
    let dirs: Vec<PathBuf> = (0..3).map(|i| temp_dir(&format!("shard{i}"))).collect();
    for (i, d) in dirs.iter().enumerate() {
        let (part, _) = run(&s, &net, &acc, Shard { index: i, count: 3 }, 2, |_, _| {}).unwrap();
        assert!(part.points.iter().all(|p| p.key.index % 3 == i));
        write_outputs(d, &part).unwrap();
    }
    let parts: Vec<SweepResult> = [2, 0, 1]
        .iter()
        .map(|&i| read_result(&dirs[i]).unwrap())
        .collect();
    let merged = merge(parts).unwrap();
    let m = temp_dir("merged");
    write_outputs(&m, &merged).unwrap();
    assert_eq!(differing(&files(&m), &written), Vec::<String>::new());
    // The sweep says what the plots show: more PB, more hits for SushiSched.
    let hit = |pb: u64| -> f64 {
        let pts: Vec<_> = whole
            .points
            .iter()
            .filter(|p| p.key.policy == "sushi" && p.key.pb_bytes == pb)
            .collect();
        pts.iter().map(|p| p.pb_hit_ratio).sum::<f64>() / pts.len() as f64
    };
    assert!(hit(512 * 1024) > hit(128 * 1024));
    assert!(
        whole
            .points
            .iter()
            .filter(|p| p.key.policy == "no-cache")
            .all(|p| p.pb_hit_ratio == 0.0)
    );
}

#[test]
fn merges_refuse_missing_repeated_and_foreign_shards() {
    let (net, acc) = shipped();
    let mut s = sweep();
    s.queries = 100;
    s.pb_bytes = vec![128 * 1024];
    s.policies = vec!["no-cache".into()];
    let part = |s: &SweepSpec, i| {
        run(s, &net, &acc, Shard { index: i, count: 2 }, 1, |_, _| {})
            .unwrap()
            .0
    };
    let (p0, p1) = (part(&s, 0), part(&s, 1));
    let msg = |r: Result<SweepResult, sushi_host::experiments::bench::BenchError>| {
        r.unwrap_err().to_string()
    };
    assert!(msg(merge(vec![p0.clone()])).contains("shard 1/2 is missing"));
    assert!(msg(merge(vec![p0.clone(), p0.clone()])).contains("given twice"));
    let mut other = s.clone();
    other.seed = 8;
    assert!(msg(merge(vec![p0.clone(), part(&other, 1)])).contains("another sweep"));
    assert_eq!(merge(vec![p1, p0]).unwrap().points.len(), 4);
    // Bad sweeps are refused before any work, naming the option.
    let mut bad = s.clone();
    bad.traces = vec!["weekly".into()];
    let e = run(&bad, &net, &acc, Shard::ALL, 1, |_, _| {})
        .unwrap_err()
        .to_string();
    assert!(e.contains("--traces weekly") && e.contains("phases"), "{e}");
    assert!(Shard::parse("3/3").is_err() && Shard::parse("1/0").is_err());
    assert_eq!(Shard::parse("1/4").unwrap(), Shard { index: 1, count: 4 });
}
