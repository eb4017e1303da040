//! Arrival times from the public Azure Functions invocation trace.
//!
//! The trace (Shahrad et al., "Serverless in the Wild", USENIX ATC 2020; files
//! `invocations_per_function_md.anon.dNN.csv`) has one row per function and day: the columns
//! `HashOwner,HashApp,HashFunction,Trigger` and then `1,2,...,1440`, the invocations in each minute
//! of the day. [`read`] parses it strictly; [`arrivals`] turns per-minute counts into seeded arrival
//! times, each invocation at a uniformly random instant of its minute, with the minute stretched or
//! shrunk to a given number of accelerator cycles (the trace's minutes are far longer than this
//! accelerator's queries, so the time axis is rescaled to an offered load while the shape of the
//! bursts is kept).

use std::path::Path;

use crate::rng::SplitMix64;
use crate::workload::trace::TraceError;

/// The fixed leading columns of the trace.
pub const KEY_COLUMNS: [&str; 4] = ["HashOwner", "HashApp", "HashFunction", "Trigger"];

/// Invocation counts allowed per minute (far above any function in the public trace); a larger
/// count is taken for a corrupted file rather than allocated.
pub const MAX_PER_MINUTE: u64 = 10_000_000;

/// One function's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionCounts {
    /// `HashFunction`.
    pub function: String,
    /// `Trigger` (http, timer, queue, ...).
    pub trigger: String,
    /// Invocations per minute.
    pub per_minute: Vec<u64>,
}

impl FunctionCounts {
    /// Invocations over the whole row.
    pub fn total(&self) -> u64 {
        self.per_minute.iter().sum()
    }
}

/// Reads an `invocations_per_function` file.
pub fn read(path: &Path) -> Result<Vec<FunctionCounts>, TraceError> {
    let p = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| TraceError::Io {
        path: p.clone(),
        message: e.to_string(),
    })?;
    parse(&p, &text)
}

/// [`read`] of text already read; `path` names it in errors.
pub fn parse(path: &str, text: &str) -> Result<Vec<FunctionCounts>, TraceError> {
    let p = path.to_string();
    let err = |line: usize, message: String| TraceError::Line {
        path: p.clone(),
        line,
        message,
    };
    let mut lines = text.lines().enumerate();
    let (_, header) = lines.next().ok_or_else(|| {
        err(
            1,
            "the file is empty; expected the Azure Functions header".into(),
        )
    })?;
    let cols: Vec<&str> = header.split(',').map(str::trim).collect();
    if cols.len() < 5 || cols[..4] != KEY_COLUMNS {
        return Err(err(
            1,
            format!(
                "the header starts {:?}; an invocations_per_function file starts `{},1,2,...`",
                cols.iter().take(5).collect::<Vec<_>>(),
                KEY_COLUMNS.join(",")
            ),
        ));
    }
    for (k, c) in cols[4..].iter().enumerate() {
        if c.parse::<usize>() != Ok(k + 1) {
            return Err(err(
                1,
                format!(
                    "column {} is {c:?}; minute columns are numbered 1, 2, ...",
                    k + 5
                ),
            ));
        }
    }
    let minutes = cols.len() - 4;
    let mut out = Vec::new();
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        if f.len() != cols.len() {
            return Err(err(
                i + 1,
                format!("{} fields; the header has {}", f.len(), cols.len()),
            ));
        }
        let per_minute = f[4..]
            .iter()
            .enumerate()
            .map(|(m, v)| match v.parse::<u64>() {
                Ok(n) if n <= MAX_PER_MINUTE => Ok(n),
                Ok(n) => Err(err(
                    i + 1,
                    format!(
                        "minute {}: {n} invocations is beyond {MAX_PER_MINUTE}",
                        m + 1
                    ),
                )),
                Err(_) => Err(err(
                    i + 1,
                    format!("minute {} = {v:?} is not a count of invocations", m + 1),
                )),
            })
            .collect::<Result<Vec<u64>, _>>()?;
        debug_assert_eq!(per_minute.len(), minutes);
        out.push(FunctionCounts {
            function: f[2].to_string(),
            trigger: f[3].to_string(),
            per_minute,
        });
    }
    Ok(out)
}

/// Seeded arrival times (ascending) for `per_minute` invocations, a minute lasting
/// `cycles_per_minute` cycles.
pub fn arrivals(per_minute: &[u64], cycles_per_minute: f64, seed: u64) -> Vec<u64> {
    let mut rng = SplitMix64::new(seed);
    let mut out = Vec::with_capacity(per_minute.iter().sum::<u64>() as usize);
    for (m, &n) in per_minute.iter().enumerate() {
        let start = out.len();
        for _ in 0..n {
            out.push(((m as f64 + rng.unit()) * cycles_per_minute) as u64);
        }
        out[start..].sort_unstable();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("sushi-azure-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn a_sample_reads_and_becomes_ordered_arrivals_within_their_minutes() {
        let p = write(
            "ok.csv",
            "HashOwner,HashApp,HashFunction,Trigger,1,2,3\no1,a1,f1,http,2,0,5\no2,a2,f2,timer,1,1,1\n",
        );
        let rows = read(&p).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].function, "f1");
        assert_eq!(rows[0].per_minute, [2, 0, 5]);
        assert_eq!(rows[0].total(), 7);
        let t = arrivals(&rows[0].per_minute, 1000.0, 3);
        assert_eq!(t.len(), 7);
        assert!(t.windows(2).all(|w| w[0] <= w[1]));
        assert!(t[..2].iter().all(|&x| x < 1000), "minute 1");
        assert!(
            t[2..].iter().all(|&x| (2000..3000).contains(&x)),
            "minute 3"
        );
        assert_eq!(t, arrivals(&rows[0].per_minute, 1000.0, 3), "seeded");
        assert_ne!(t, arrivals(&rows[0].per_minute, 1000.0, 4));
    }

    #[test]
    fn bad_files_name_the_line_and_the_field() {
        for (text, expect) in [
            ("", ":1: the file is empty"),
            ("time,count\n", ":1: the header starts"),
            (
                "HashOwner,HashApp,HashFunction,Trigger,1,3\n",
                "column 6 is \"3\"",
            ),
            (
                "HashOwner,HashApp,HashFunction,Trigger,1,2\no,a,f,http,1\n",
                ":2: 5 fields",
            ),
            (
                "HashOwner,HashApp,HashFunction,Trigger,1,2\no,a,f,http,1,x\n",
                "minute 2 = \"x\"",
            ),
            (
                "HashOwner,HashApp,HashFunction,Trigger,1\no,a,f,http,99999999999\n",
                "beyond",
            ),
        ] {
            let e = read(&write("bad.csv", text)).unwrap_err().to_string();
            assert!(e.contains(expect), "{e} lacks {expect}");
        }
    }
}
