//! Query traces (DESIGN.md section 10): arrival time, accuracy target, latency target, input index.
//!
//! Generators are seeded and deterministic. `phases` gives temporal locality (targets cluster
//! around a point of the accuracy/latency trade-off that moves from phase to phase), `steps`
//! abrupt changes (every query of a step aims at one point, the next step anywhere), `iid` none
//! (every query picks its point afresh): the case where a SubGraph cache should not help, kept so
//! that no benchmark hides it. Arrivals are Poisson or bursty (gamma inter-arrival times of a
//! given CV^2). Files are CSV or JSON Lines, one query per line (`host/docs/trace-format.md`).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::rng::SplitMix64;

/// One query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Query {
    /// Position in the trace.
    pub id: u64,
    /// Arrival, in accelerator cycles from the start of the trace.
    pub arrival_cycle: u64,
    /// Lowest acceptable test accuracy of the SubNet serving it, in percent.
    pub accuracy_target: f64,
    /// Longest acceptable end-to-end latency (queueing included), in cycles.
    pub latency_target_cycles: u64,
    /// Index of the input image in the test split.
    pub input: usize,
}

/// A point of the trade-off a generator aims at: an accuracy and the cycles it costs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    /// Accuracy in percent.
    pub accuracy: f64,
    /// Cycles with an empty Persistent Buffer.
    pub cycles: u64,
}

/// How a generator draws targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Locality {
    /// Phases of `phase_queries` queries around one point that drifts between phases.
    Phases {
        /// Queries per phase.
        phase_queries: u64,
    },
    /// Every query independent.
    Iid,
    /// Step changes: every `step_queries` queries the target jumps to a point drawn anew from the
    /// whole front, and every query of a step aims at exactly that point.
    Steps {
        /// Queries per step.
        step_queries: u64,
    },
}

impl Locality {
    /// `phases`, `steps` or `iid`, with `queries` per phase or step (at least 1).
    pub fn parse(name: &str, queries: u64) -> Result<Locality, String> {
        Ok(match name {
            "phases" => Locality::Phases {
                phase_queries: queries.max(1),
            },
            "steps" => Locality::Steps {
                step_queries: queries.max(1),
            },
            "iid" => Locality::Iid,
            other => return Err(format!("--locality {other}: use phases, steps or iid")),
        })
    }
}

/// How arrivals are spaced.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Arrivals {
    /// Exponential inter-arrival times (CV^2 = 1).
    Poisson,
    /// Gamma inter-arrival times with squared coefficient of variation `cv2`: above 1, bursts
    /// of close arrivals separated by long gaps (SuperServe's bursty traces); below 1, more
    /// regular than Poisson. The mean is the spec's.
    Gamma {
        /// Squared coefficient of variation, > 0.
        cv2: f64,
    },
}

/// A seeded generator of `n` queries.
#[derive(Debug, Clone, Copy)]
pub struct TraceSpec {
    /// Queries.
    pub queries: u64,
    /// Seed.
    pub seed: u64,
    /// Mean cycles between arrivals.
    pub mean_interarrival_cycles: u64,
    /// How arrivals are spaced around that mean.
    pub arrivals: Arrivals,
    /// Locality of the targets.
    pub locality: Locality,
    /// Latency target as a multiple of the aimed point's cycles.
    pub latency_slack: f64,
    /// Test images to draw inputs from.
    pub images: usize,
}

/// Generates a trace aiming at `points` (a Pareto front, fastest first).
pub fn generate(spec: &TraceSpec, points: &[Target]) -> Vec<Query> {
    assert!(!points.is_empty(), "a trace needs target points");
    let mut rng = SplitMix64::new(spec.seed);
    let mut t = 0u64;
    let mut center = rng.below(points.len() as u64) as i64;
    let n = points.len() as i64;
    (0..spec.queries)
        .map(|id| {
            let aim = match spec.locality {
                Locality::Phases { phase_queries } => {
                    if id > 0 && id.is_multiple_of(phase_queries.max(1)) {
                        // The next phase's point: a step of up to a quarter of the front.
                        let step = (n / 4).max(1);
                        center = (center + rng.range(-step, step)).clamp(0, n - 1);
                    }
                    // Within a phase, targets stay within a few points of the centre.
                    (center + rng.range(-1, 1)).clamp(0, n - 1)
                }
                Locality::Iid => rng.below(n as u64) as i64,
                Locality::Steps { step_queries } => {
                    if id > 0 && id.is_multiple_of(step_queries.max(1)) {
                        center = rng.below(n as u64) as i64;
                    }
                    center
                }
            } as usize;
            let mean = spec.mean_interarrival_cycles as f64;
            t += match spec.arrivals {
                // Exponential by inversion of a uniform draw.
                Arrivals::Poisson => -(1.0 - rng.unit()).ln() * mean,
                // Gamma(k = 1/CV^2, scale = mean * CV^2): mean `mean`, CV^2 `cv2`.
                Arrivals::Gamma { cv2 } => rng.gamma(1.0 / cv2) * mean * cv2,
            } as u64;
            let p = points[aim];
            Query {
                id,
                arrival_cycle: t,
                accuracy_target: p.accuracy,
                latency_target_cycles: (p.cycles as f64 * spec.latency_slack) as u64,
                input: rng.below(spec.images as u64) as usize,
            }
        })
        .collect()
}

/// Why a trace file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// Reading failed.
    #[error("{path}: {message}")]
    Io {
        /// File.
        path: String,
        /// What.
        message: String,
    },
    /// A line is not a query.
    #[error("{path}:{line}: {message}")]
    Line {
        /// File.
        path: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong, and the expected fields.
        message: String,
    },
}

/// Writes `queries` as JSON Lines.
pub fn write_jsonl(path: &Path, queries: &[Query]) -> Result<(), TraceError> {
    let mut text = String::new();
    for q in queries {
        text.push_str(&serde_json::to_string(q).expect("a query serialises"));
        text.push('\n');
    }
    std::fs::write(path, text).map_err(|e| TraceError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

/// Reads JSON Lines; blank lines are skipped. Arrivals must not decrease.
pub fn read_jsonl(path: &Path) -> Result<Vec<Query>, TraceError> {
    parse_jsonl(&path.display().to_string(), &read_text(path)?)
}

fn read_text(path: &Path) -> Result<String, TraceError> {
    std::fs::read_to_string(path).map_err(|e| TraceError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

/// [`read_jsonl`] of text already read; `path` names it in errors.
pub fn parse_jsonl(path: &str, text: &str) -> Result<Vec<Query>, TraceError> {
    let p = path.to_string();
    let mut out: Vec<Query> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let q: Query = serde_json::from_str(line).map_err(|e| TraceError::Line {
            path: p.clone(),
            line: i + 1,
            message: format!(
                "{e}; a query is {{\"id\", \"arrival_cycle\", \"accuracy_target\", \"latency_target_cycles\", \"input\"}}"
            ),
        })?;
        if let Some(prev) = out.last()
            && q.arrival_cycle < prev.arrival_cycle
        {
            return Err(TraceError::Line {
                path: p,
                line: i + 1,
                message: format!(
                    "arrival_cycle {} is before the previous query's {}; sort the trace by arrival",
                    q.arrival_cycle, prev.arrival_cycle
                ),
            });
        }
        out.push(q);
    }
    Ok(out)
}

/// The CSV header, in field order.
pub const CSV_HEADER: &str = "id,arrival_cycle,accuracy_target,latency_target_cycles,input";

/// Writes `queries` as CSV with [`CSV_HEADER`].
pub fn write_csv(path: &Path, queries: &[Query]) -> Result<(), TraceError> {
    let mut text = String::from(CSV_HEADER);
    text.push('\n');
    for q in queries {
        text.push_str(&format!(
            "{},{},{},{},{}\n",
            q.id, q.arrival_cycle, q.accuracy_target, q.latency_target_cycles, q.input
        ));
    }
    std::fs::write(path, text).map_err(|e| TraceError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

/// Reads CSV with [`CSV_HEADER`] as its first line; blank lines are skipped. Arrivals must not
/// decrease.
pub fn read_csv(path: &Path) -> Result<Vec<Query>, TraceError> {
    parse_csv(&path.display().to_string(), &read_text(path)?)
}

/// [`read_csv`] of text already read; `path` names it in errors.
pub fn parse_csv(path: &str, text: &str) -> Result<Vec<Query>, TraceError> {
    let p = path.to_string();
    let err = |line: usize, message: String| TraceError::Line {
        path: p.clone(),
        line,
        message,
    };
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, h)) if h.trim() == CSV_HEADER => {}
        other => {
            return Err(err(
                1,
                format!(
                    "the header is {:?}; it must be `{CSV_HEADER}`",
                    other.map_or("", |(_, h)| h)
                ),
            ));
        }
    }
    let mut out: Vec<Query> = Vec::new();
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        if f.len() != 5 {
            return Err(err(
                i + 1,
                format!("{} fields; a query has 5: {CSV_HEADER}", f.len()),
            ));
        }
        let names = [
            "id",
            "arrival_cycle",
            "accuracy_target",
            "latency_target_cycles",
            "input",
        ];
        let int = |k: usize| -> Result<u64, TraceError> {
            f[k].parse().map_err(|_| {
                err(
                    i + 1,
                    format!("{} = {:?} is not a non-negative integer", names[k], f[k]),
                )
            })
        };
        let accuracy_target: f64 = f[2].parse().map_err(|_| {
            err(
                i + 1,
                format!("accuracy_target = {:?} is not a number", f[2]),
            )
        })?;
        if !(0.0..=100.0).contains(&accuracy_target) {
            return Err(err(
                i + 1,
                format!("accuracy_target = {accuracy_target} is not a percentage (0..=100)"),
            ));
        }
        let q = Query {
            id: int(0)?,
            arrival_cycle: int(1)?,
            accuracy_target,
            latency_target_cycles: int(3)?,
            input: int(4)? as usize,
        };
        if let Some(prev) = out.last()
            && q.arrival_cycle < prev.arrival_cycle
        {
            return Err(err(
                i + 1,
                format!(
                    "arrival_cycle {} is before the previous query's {}; sort the trace by arrival",
                    q.arrival_cycle, prev.arrival_cycle
                ),
            ));
        }
        out.push(q);
    }
    Ok(out)
}

/// Reads a trace by its extension: `.csv` as CSV, anything else as JSON Lines.
pub fn read(path: &Path) -> Result<Vec<Query>, TraceError> {
    if path.extension().is_some_and(|e| e == "csv") {
        read_csv(path)
    } else {
        read_jsonl(path)
    }
}

/// Writes a trace by its extension: `.csv` as CSV, anything else as JSON Lines.
pub fn write(path: &Path, queries: &[Query]) -> Result<(), TraceError> {
    if path.extension().is_some_and(|e| e == "csv") {
        write_csv(path, queries)
    } else {
        write_jsonl(path, queries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points() -> Vec<Target> {
        (0..20)
            .map(|i| Target {
                accuracy: 85.0 + i as f64 * 0.2,
                cycles: 10_000 + i * 5_000,
            })
            .collect()
    }

    fn spec(locality: Locality) -> TraceSpec {
        TraceSpec {
            queries: 2_000,
            seed: 9,
            mean_interarrival_cycles: 50_000,
            arrivals: Arrivals::Poisson,
            locality,
            latency_slack: 1.5,
            images: 10_000,
        }
    }

    /// Mean absolute change of the aimed accuracy from one query to the next.
    fn churn(qs: &[Query]) -> f64 {
        qs.windows(2)
            .map(|w| (w[1].accuracy_target - w[0].accuracy_target).abs())
            .sum::<f64>()
            / (qs.len() - 1) as f64
    }

    #[test]
    fn the_same_seed_gives_the_same_trace_and_phases_have_locality_iid_has_none() {
        let phases = generate(&spec(Locality::Phases { phase_queries: 100 }), &points());
        assert_eq!(
            phases,
            generate(&spec(Locality::Phases { phase_queries: 100 }), &points())
        );
        let iid = generate(&spec(Locality::Iid), &points());
        assert!(
            churn(&phases) * 3.0 < churn(&iid),
            "{} vs {}",
            churn(&phases),
            churn(&iid)
        );
        // Arrivals are ordered and their mean gap is the asked one within 10%.
        assert!(
            phases
                .windows(2)
                .all(|w| w[0].arrival_cycle <= w[1].arrival_cycle)
        );
        let mean = phases.last().unwrap().arrival_cycle as f64 / phases.len() as f64;
        assert!((mean / 50_000.0 - 1.0).abs() < 0.1, "{mean}");
    }

    #[test]
    fn steps_hold_one_point_per_step_and_jump_between_steps() {
        let qs = generate(&spec(Locality::Steps { step_queries: 50 }), &points());
        let mut jumps = 0;
        for step in qs.chunks(50) {
            assert!(
                step.iter()
                    .all(|q| q.accuracy_target == step[0].accuracy_target)
            );
        }
        for w in qs.chunks(50).collect::<Vec<_>>().windows(2) {
            jumps += usize::from(w[0][0].accuracy_target != w[1][0].accuracy_target);
        }
        assert!(
            jumps >= 30,
            "{jumps} of 39 step boundaries moved the target"
        );
    }

    #[test]
    fn bursty_arrivals_keep_the_mean_and_have_the_asked_cv2() {
        for cv2 in [0.5, 4.0, 8.0] {
            let mut s = spec(Locality::Iid);
            s.queries = 50_000;
            s.arrivals = Arrivals::Gamma { cv2 };
            let qs = generate(&s, &points());
            let gaps: Vec<f64> = qs
                .windows(2)
                .map(|w| (w[1].arrival_cycle - w[0].arrival_cycle) as f64)
                .collect();
            let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
            let var = gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / gaps.len() as f64;
            assert!(
                (mean / 50_000.0 - 1.0).abs() < 0.05,
                "CV^2 {cv2}: mean {mean}"
            );
            let got = var / (mean * mean);
            assert!((got / cv2 - 1.0).abs() < 0.15, "CV^2 {cv2}: measured {got}");
        }
    }

    #[test]
    fn csv_round_trips_and_bad_fields_name_their_line_and_field() {
        let qs = generate(&spec(Locality::Iid), &points());
        let dir = std::env::temp_dir().join(format!("sushi-trace-csv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.csv");
        write(&path, &qs[..40]).unwrap();
        assert_eq!(read(&path).unwrap(), qs[..40]);
        let good = std::fs::read_to_string(&path).unwrap();
        for (bad_line, expect) in [
            ("41,1,eighty,5,1", "accuracy_target = \"eighty\""),
            ("41,1,120.0,5,1", "not a percentage"),
            ("41,1,88.0,-5,1", "latency_target_cycles"),
            ("41,1,88.0,5", "4 fields"),
            ("41,1,88.0,5,1", "sort the trace"),
        ] {
            std::fs::write(&path, format!("{good}{bad_line}\n")).unwrap();
            let e = read(&path).unwrap_err().to_string();
            assert!(e.contains(expect) && e.contains(":42:"), "{e}");
        }
        std::fs::write(&path, "time,acc\n").unwrap();
        assert!(read(&path).unwrap_err().to_string().contains("header"));
    }

    #[test]
    fn jsonl_round_trips_and_bad_lines_name_their_line() {
        let qs = generate(&spec(Locality::Iid), &points());
        let dir = std::env::temp_dir().join(format!("sushi-trace-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.jsonl");
        write_jsonl(&path, &qs[..50]).unwrap();
        assert_eq!(read_jsonl(&path).unwrap(), qs[..50]);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"id\": 50, \"arrival_cycle\": 1}\n");
        std::fs::write(&path, &text).unwrap();
        let e = read_jsonl(&path).unwrap_err().to_string();
        assert!(e.contains(":51:") && e.contains("accuracy_target"), "{e}");
    }
}
