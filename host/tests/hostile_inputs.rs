//! Property tests of every parser the tool runs on user files: seeded random
//! damage to valid files (truncation, byte flips, spliced garbage, lines dropped or repeated,
//! numbers swapped for extremes) never panics, and every refusal names the file. The seed is
//! printed and settable (`SUSHI_TEST_SEED`); `SUSHI_LONG=1` runs ten times as many cases.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use sushi_host::rng::SplitMix64;

fn seed(what: &str, default: u64) -> u64 {
    let s = std::env::var("SUSHI_TEST_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    eprintln!("{what}: seed {s} (reproduce with SUSHI_TEST_SEED={s})");
    s
}

fn cases(n: usize) -> usize {
    if std::env::var("SUSHI_LONG").is_ok() {
        n * 10
    } else {
        n
    }
}

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("sushi-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// One random damage to `bytes`.
fn damage(rng: &mut SplitMix64, bytes: &[u8], hot: usize) -> Vec<u8> {
    let mut b = bytes.to_vec();
    if b.is_empty() {
        let n = 1 + rng.below(16) as usize;
        return rng.bytes(n);
    }
    // Half the damage lands in the first `hot` bytes, where headers and tables live.
    let at = |rng: &mut SplitMix64, len: usize| {
        if rng.below(2) == 0 {
            rng.below(hot.min(len).max(1) as u64) as usize
        } else {
            rng.below(len as u64) as usize
        }
    };
    match rng.below(5) {
        0 => b.truncate(rng.below(b.len() as u64) as usize),
        1 => {
            for _ in 0..1 + rng.below(4) {
                let i = at(rng, b.len());
                b[i] ^= 1 << rng.below(8);
            }
        }
        2 => {
            let i = at(rng, b.len());
            b[i] = [0x00, 0xff, 0x7f, 0x80][rng.below(4) as usize];
        }
        3 => {
            let i = at(rng, b.len());
            let n = 1 + rng.below(12) as usize;
            let junk = rng.bytes(n);
            b.splice(i..i, junk);
        }
        _ => {
            // Overwrite a little-endian word with an extreme.
            let i = at(rng, b.len().saturating_sub(8).max(1));
            let v: u64 = [0, u64::MAX, u32::MAX as u64, 1 << 40][rng.below(4) as usize];
            for (k, byte) in v.to_le_bytes().iter().enumerate() {
                if let Some(x) = b.get_mut(i + k) {
                    *x = *byte;
                }
            }
        }
    }
    b
}

/// One random damage to a text file, line-wise or number-wise.
fn damage_text(rng: &mut SplitMix64, text: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    if lines.is_empty() {
        return String::from_utf8_lossy(&rng.bytes(8)).into_owned();
    }
    let i = rng.below(lines.len() as u64) as usize;
    match rng.below(5) {
        0 => {
            lines.remove(i);
        }
        1 => {
            let l = lines[i].clone();
            lines.insert(i, l);
        }
        2 => {
            // A number in the line becomes an extreme or a non-number.
            let extreme =
                ["-1", "0", "18446744073709551616", "1e308", "NaN", "x", ""][rng.below(7) as usize];
            let l = &lines[i];
            if let Some(start) = l.find(|c: char| c.is_ascii_digit()) {
                let end = l[start..]
                    .find(|c: char| !c.is_ascii_digit() && c != '.')
                    .map_or(l.len(), |e| start + e);
                lines[i] = format!("{}{}{}", &l[..start], extreme, &l[end..]);
            }
        }
        3 => {
            let l = &lines[i];
            let cut = rng.below(l.len() as u64 + 1) as usize;
            lines[i] = l.chars().take(cut).collect();
        }
        _ => {
            let b = damage(rng, lines[i].as_bytes(), 16);
            lines[i] = String::from_utf8_lossy(&b).into_owned();
        }
    }
    lines.join("\n") + "\n"
}

/// Runs `parse` on damaged copies of `good`; no panic, and refusals mention `must_name`.
fn hammer<T>(
    what: &str,
    seed: u64,
    n: usize,
    mut make: impl FnMut(&mut SplitMix64) -> Vec<u8>,
    mut parse: impl FnMut(&[u8]) -> Result<T, String>,
    must_name: &str,
) -> (usize, usize) {
    let mut rng = SplitMix64::new(seed);
    let (mut refused, mut accepted) = (0, 0);
    for case in 0..n {
        let bytes = make(&mut rng);
        match catch_unwind(AssertUnwindSafe(|| parse(&bytes))) {
            Err(_) => panic!("{what}: case {case} (seed {seed}) panicked"),
            Ok(Ok(_)) => accepted += 1,
            Ok(Err(e)) => {
                assert!(
                    e.contains(must_name),
                    "{what}: case {case} (seed {seed}): the error does not name {must_name}: {e}"
                );
                refused += 1;
            }
        }
    }
    eprintln!("{what}: {refused} refused, {accepted} still valid, of {n}");
    assert!(
        refused > n / 4,
        "{what}: the damage should mostly be caught"
    );
    (refused, accepted)
}

fn artifact() -> PathBuf {
    sushi_host::net::supernet::shipped_path()
}

#[test]
fn damaged_supernet_artifacts_are_refused_without_panics() {
    use std::io::Read;
    let s = seed("SuperNet artifact", 91);
    let good = std::fs::read(artifact()).unwrap();
    // Damage the decompressed payload, then store it uncompressed with a consistent header and
    // checksum, so that the damage reaches the table of contents, the layer table and the
    // SubNet list rather than stopping at the checksum.
    let mut payload = Vec::new();
    flate2::read::ZlibDecoder::new(&good[64..])
        .read_to_end(&mut payload)
        .unwrap();
    let header = good[..64].to_vec();
    let wrap = |p: &[u8]| {
        let mut h = header.clone();
        h[12..16].copy_from_slice(&0u32.to_le_bytes()); // flags: stored raw
        h[24..32].copy_from_slice(&(p.len() as u64).to_le_bytes());
        h[32..40].copy_from_slice(&(p.len() as u64).to_le_bytes());
        h[40..48].copy_from_slice(&sushi_host::net::supernet::fnv1a64(p).to_le_bytes());
        [h, p.to_vec()].concat()
    };
    assert!(
        sushi_host::net::supernet::SuperNet::parse("net.sushinet", &wrap(&payload)).is_ok(),
        "the re-wrapped payload is valid"
    );
    hammer(
        "payload",
        s,
        cases(60),
        |rng| wrap(&damage(rng, &payload, 4096)),
        |b| {
            sushi_host::net::supernet::SuperNet::parse("net.sushinet", b).map_err(|e| e.to_string())
        },
        "net.sushinet",
    );
    hammer(
        "whole file",
        s + 1,
        cases(60),
        |rng| damage(rng, &good, 64),
        |b| {
            sushi_host::net::supernet::SuperNet::parse("net.sushinet", b).map_err(|e| e.to_string())
        },
        "net.sushinet",
    );
}

#[test]
fn damaged_hw_configs_are_refused_without_panics() {
    let s = seed("hw config", 92);
    for name in sushi_hw::HwConfig::builtin_names() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../hw/configs")
            .join(format!("{name}.toml"));
        let text = std::fs::read_to_string(&path).unwrap();
        hammer(
            name,
            s,
            cases(300),
            |rng| damage_text(rng, &text).into_bytes(),
            |b| {
                sushi_hw::HwConfig::from_toml_str(name, "my.toml", &String::from_utf8_lossy(b))
                    .map_err(|e| e.to_string())
            },
            "my.toml",
        );
    }
}

#[test]
fn damaged_traces_are_refused_without_panics() {
    let s = seed("traces", 93);
    let points: Vec<sushi_host::workload::trace::Target> = (0..10)
        .map(|i| sushi_host::workload::trace::Target {
            accuracy: 85.0 + i as f64 * 0.3,
            cycles: 10_000 + i * 7_000,
        })
        .collect();
    let trace = sushi_host::workload::trace::generate(
        &sushi_host::workload::trace::TraceSpec {
            queries: 40,
            seed: 1,
            mean_interarrival_cycles: 20_000,
            arrivals: sushi_host::workload::trace::Arrivals::Poisson,
            locality: sushi_host::workload::trace::Locality::Iid,
            latency_slack: 1.5,
            images: 10_000,
        },
        &points,
    );
    let d = dir();
    for ext in ["csv", "jsonl"] {
        let good = d.join(format!("good.{ext}"));
        sushi_host::workload::trace::write(&good, &trace).unwrap();
        let text = std::fs::read_to_string(&good).unwrap();
        let bad = d.join(format!("bad-trace.{ext}"));
        hammer(
            ext,
            s,
            cases(300),
            |rng| damage_text(rng, &text).into_bytes(),
            |b| {
                std::fs::write(&bad, b).unwrap();
                sushi_host::workload::trace::read(&bad).map_err(|e| e.to_string())
            },
            "bad-trace",
        );
    }
}

#[test]
fn damaged_azure_counts_and_idx_files_are_refused_without_panics() {
    let s = seed("azure and IDX", 94);
    let d = dir();
    let azure = "HashOwner,HashApp,HashFunction,Trigger,1,2,3,4\n\
                 o1,a1,f1,http,1,20,0,3\n\
                 o2,a2,f2,timer,0,0,5,1\n";
    let bad = d.join("bad-azure.csv");
    hammer(
        "azure",
        s,
        cases(300),
        |rng| damage_text(rng, azure).into_bytes(),
        |b| {
            std::fs::write(&bad, b).unwrap();
            sushi_host::workload::azure::read(&bad).map_err(|e| e.to_string())
        },
        "bad-azure",
    );
    // A valid pair of IDX files (5 images of 28 x 28), damaged one at a time.
    let mut images = vec![0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 28, 0, 0, 0, 28];
    images.extend((0..5 * 28 * 28).map(|i| (i % 251) as u8));
    let labels = [vec![0, 0, 8, 1, 0, 0, 0, 5], vec![1, 2, 3, 4, 5]].concat();
    let (ip, lp) = (d.join("bad-images.idx"), d.join("bad-labels.idx"));
    for (what, which) in [("IDX images", 0), ("IDX labels", 1)] {
        hammer(
            what,
            s + which,
            cases(300),
            |rng| {
                if which == 0 {
                    damage(rng, &images, 16)
                } else {
                    damage(rng, &labels, 8)
                }
            },
            |b| {
                std::fs::write(&ip, if which == 0 { b } else { &images[..] }).unwrap();
                std::fs::write(&lp, if which == 1 { b } else { &labels[..] }).unwrap();
                sushi_host::net::dataset::read_split(&ip, &lp).map_err(|e| e.to_string())
            },
            "bad-",
        );
    }
}
