//! Measured tables of a SuperNet, and the Pareto front over (accuracy, cycles on a config).
//!
//! Accuracy of every listed SubNet over the 10,000 test images takes minutes on two cores
//! (`sushi supernet eval`), so it is measured once and kept beside the artifact
//! (`<artifact>.accuracy.json`), keyed by the artifact's hash: a table of another artifact is
//! refused, never silently used. Cycles come from SushiAbs ([`crate::cycle_model::abs`]) on a compiled SubNet
//! with an empty Persistent Buffer, which takes milliseconds per SubNet.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sushi_hw::HwConfig;

use crate::compile::program::{Outputs, compile};
use crate::net::supernet::SuperNet;

/// Top-1 accuracy of every listed SubNet, measured with the bit-exact int8 kernels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccuracyTable {
    /// `SuperNet::hash` of the artifact measured, as 16 hex digits.
    pub artifact_hash: String,
    /// Test images per SubNet.
    pub images: usize,
    /// Top-1 in percent, indexed by SubNet; `null` where not measured yet (the table fills up
    /// as `sushi supernet eval --all --save-table` runs, and only measured SubNets are served).
    pub top1: Vec<Option<f64>>,
    /// How it was measured.
    pub measured_by: String,
}

/// Why a table cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The file could not be read or parsed.
    #[error("{path}: {message}")]
    File {
        /// The table file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The table belongs to another artifact or does not cover it.
    #[error(
        "{path}: {message}; re-measure with `sushi supernet eval {artifact} --all --save-table` (minutes; resumable with --subnets)"
    )]
    Stale {
        /// The table file.
        path: String,
        /// The artifact.
        artifact: String,
        /// What does not match.
        message: String,
    },
}

/// Where the accuracy table of `artifact` lives.
pub fn accuracy_table_path(artifact: &Path) -> PathBuf {
    artifact.with_extension("accuracy.json")
}

impl AccuracyTable {
    /// Loads the table of `net` from `path`, checking that it is this artifact's and complete.
    pub fn load(path: &Path, net: &SuperNet) -> Result<Self, TableError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| TableError::File {
            path: p.clone(),
            message: e.to_string(),
        })?;
        let t: AccuracyTable = serde_json::from_str(&text).map_err(|e| TableError::File {
            path: p.clone(),
            message: format!("not an accuracy table: {e}"),
        })?;
        let want = format!("{:016x}", net.hash);
        let stale = |message: String| TableError::Stale {
            path: p.clone(),
            artifact: net.path.clone(),
            message,
        };
        if t.artifact_hash != want {
            return Err(stale(format!(
                "measured artifact {}, this one is {want}",
                t.artifact_hash
            )));
        }
        if t.top1.len() != net.subnets.len() {
            return Err(stale(format!(
                "{} SubNets measured, the artifact lists {}",
                t.top1.len(),
                net.subnets.len()
            )));
        }
        if let Some((i, a)) = t
            .top1
            .iter()
            .enumerate()
            .find_map(|(i, a)| a.filter(|a| !(0.0..=100.0).contains(a)).map(|a| (i, a)))
        {
            return Err(stale(format!("SubNet {i}: top-1 {a} is not a percentage")));
        }
        if t.measured() == 0 {
            return Err(stale("no SubNet measured".into()));
        }
        Ok(t)
    }

    /// SubNets measured.
    pub fn measured(&self) -> usize {
        self.top1.iter().flatten().count()
    }

    /// Writes the table as pretty JSON.
    pub fn save(&self, path: &Path) -> Result<(), TableError> {
        let text = serde_json::to_string_pretty(self).expect("a table serialises");
        std::fs::write(path, text + "\n").map_err(|e| TableError::File {
            path: path.display().to_string(),
            message: e.to_string(),
        })
    }
}

/// One SubNet as a point of the trade-off.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubNetPoint {
    /// SubNet index.
    pub subnet: usize,
    /// Top-1 in percent.
    pub accuracy: f64,
    /// Its int8 weight bytes.
    pub weight_bytes: usize,
    /// Predicted cycles per image with an empty Persistent Buffer (SushiAbs).
    pub cycles: u64,
}

/// The points of `front` as trace targets, and their mean cycles (what offered loads are relative
/// to).
pub fn targets(front: &[SubNetPoint]) -> (Vec<crate::workload::trace::Target>, f64) {
    let points: Vec<crate::workload::trace::Target> = front
        .iter()
        .map(|p| crate::workload::trace::Target {
            accuracy: p.accuracy,
            cycles: p.cycles,
        })
        .collect();
    let mean = points.iter().map(|p| p.cycles as f64).sum::<f64>() / points.len().max(1) as f64;
    (points, mean)
}

/// Cycles of every SubNet of `net` on `config` with an empty PB (SushiAbs on the compiled
/// program); `None` for SubNets the compiler cannot fit on the config.
pub fn subnet_cycles(net: &SuperNet, config: &HwConfig) -> Vec<Option<u64>> {
    (0..net.subnets.len())
        .map(|s| {
            let network = net.network(s).ok()?;
            let program = compile(&network, config, Outputs::Last).ok()?;
            Some(crate::cycle_model::abs::predict(&program, config).cycles)
        })
        .collect()
}

/// Every SubNet that is measured in `acc` and compiles on `config`, as a point (cycles from
/// SushiAbs with an empty PB).
pub fn measured_points(net: &SuperNet, config: &HwConfig, acc: &AccuracyTable) -> Vec<SubNetPoint> {
    subnet_cycles(net, config)
        .into_iter()
        .enumerate()
        .filter_map(|(s, c)| {
            Some(SubNetPoint {
                subnet: s,
                accuracy: acc.top1.get(s).copied().flatten()?,
                weight_bytes: net.subnet_weight_bytes(s).ok()?,
                cycles: c?,
            })
        })
        .collect()
}

/// The points no other point beats in both accuracy (higher) and cycles (lower), by cycles.
pub fn pareto_front(points: &[SubNetPoint]) -> Vec<SubNetPoint> {
    let mut sorted: Vec<&SubNetPoint> = points.iter().collect();
    // Fewest cycles first; among equal cycles the most accurate first.
    sorted.sort_by(|a, b| {
        a.cycles
            .cmp(&b.cycles)
            .then(b.accuracy.total_cmp(&a.accuracy))
    });
    let mut front: Vec<SubNetPoint> = Vec::new();
    for p in sorted {
        if front.last().is_none_or(|last| p.accuracy > last.accuracy) {
            front.push(p.clone());
        }
    }
    front
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(subnet: usize, accuracy: f64, cycles: u64) -> SubNetPoint {
        SubNetPoint {
            subnet,
            accuracy,
            weight_bytes: 0,
            cycles,
        }
    }

    #[test]
    fn the_front_keeps_exactly_the_points_nothing_beats_on_both_axes() {
        let points = [
            pt(0, 85.0, 100),
            pt(1, 84.0, 150), // beaten by 0: slower and less accurate
            pt(2, 87.0, 150),
            pt(3, 87.0, 160), // beaten by 2: same accuracy, slower
            pt(4, 86.0, 90),
            pt(5, 89.0, 400),
            pt(6, 88.0, 400), // beaten by 5 at equal cycles
        ];
        let front: Vec<usize> = pareto_front(&points).iter().map(|p| p.subnet).collect();
        assert_eq!(front, vec![4, 2, 5]);
        // No point off the front is unbeaten.
        for p in &points {
            let beaten = points.iter().any(|q| {
                q.accuracy >= p.accuracy
                    && q.cycles <= p.cycles
                    && (q.accuracy > p.accuracy || q.cycles < p.cycles)
            });
            assert_eq!(!beaten, front.contains(&p.subnet), "SubNet {}", p.subnet);
        }
    }
}
