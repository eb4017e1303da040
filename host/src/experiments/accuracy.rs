//! Top-1 accuracy of a SuperNet's SubNets on the Fashion-MNIST test split (`sushi supernet
//! eval`), with the fast int8 kernels (bit-exact with the reference), in parallel across cores,
//! optionally merged into the accuracy table beside the artifact.
//!
//! SubNets run in batches of [`BATCH`] that compute the layers they share once per image
//! ([`crate::net::fast::count_correct_many`]), so a SubNet's `seconds` is its share of its
//! batch's wall time. The table is saved after every batch: an interrupted run keeps what it
//! measured.

use std::path::PathBuf;
use std::time::Instant;

use serde::Serialize;

use crate::net::dataset::{DatasetError, test_split};
use crate::net::fast::count_correct_many;
use crate::net::supernet::{SuperNet, SuperNetError};
use crate::sched::front::{AccuracyTable, TableError, accuracy_table_path};

/// SubNets evaluated together.
pub const BATCH: usize = 64;

/// Which SubNets to evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubNetChoice {
    /// The smallest and the largest (the first and the last listed).
    Ends,
    /// Every listed SubNet.
    All,
    /// These.
    Listed(Vec<usize>),
}

/// What to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalSpec {
    /// The `.sushinet` file.
    pub artifact: PathBuf,
    /// Which SubNets.
    pub subnets: SubNetChoice,
    /// Merge the figures into the accuracy table beside the artifact (`<artifact>.accuracy.json`,
    /// created when missing); needs the whole test split.
    pub save_table: bool,
    /// Only the first this many test images (None: all).
    pub images: Option<usize>,
    /// Directory holding the IDX files.
    pub data_dir: PathBuf,
    /// Worker threads (None: every core).
    pub threads: Option<usize>,
}

/// One SubNet's accuracy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccuracyRow {
    /// SubNet index.
    pub subnet: usize,
    /// Its config vector.
    pub config: Vec<u16>,
    /// Test images evaluated.
    pub images: usize,
    /// Top-1 in percent.
    pub top1: f64,
    /// Its share of its batch's wall time.
    pub seconds: f64,
    /// Worker threads.
    pub threads: usize,
}

/// The accuracy table written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SavedTable {
    /// Where.
    pub path: PathBuf,
    /// SubNets it holds figures for.
    pub measured: usize,
    /// SubNets the artifact lists.
    pub subnets: usize,
}

/// What an evaluation measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccuracyReport {
    /// One row per SubNet evaluated, in the order asked.
    pub rows: Vec<AccuracyRow>,
    /// Worker threads.
    pub threads: usize,
    /// Wall time of the evaluation.
    pub seconds: f64,
    /// The table, when saved.
    pub table: Option<SavedTable>,
}

/// Progress of an evaluation.
#[derive(Debug, Clone, Copy)]
pub enum EvalProgress<'a> {
    /// A SubNet was evaluated.
    Row(&'a AccuracyRow),
    /// A batch ended (and the table was saved).
    Batch {
        /// SubNets evaluated so far.
        done: usize,
        /// SubNets to evaluate.
        total: usize,
        /// Wall time so far.
        seconds: f64,
    },
}

/// Why an evaluation could not run.
#[derive(Debug, thiserror::Error)]
pub enum AccuracyError {
    /// The artifact did not load.
    #[error(transparent)]
    SuperNet(#[from] SuperNetError),
    /// The test split did not load.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    /// The table did not load or save.
    #[error(transparent)]
    Table(#[from] TableError),
    /// Saving a table from part of the split.
    #[error("--save-table needs the whole test split ({images} images); drop --images")]
    PartialSplit {
        /// Images in the split.
        images: usize,
    },
    /// A SubNet the artifact does not list.
    #[error("--subnets: there is no SubNet {subnet}; {artifact} lists 0..{last}")]
    NoSubNet {
        /// The index asked for.
        subnet: usize,
        /// The artifact.
        artifact: String,
        /// Its last SubNet.
        last: usize,
    },
    /// A SubNet does not build as a network.
    #[error("{0}")]
    Network(String),
}

/// Evaluates `spec`'s SubNets; `progress` after each SubNet and each batch.
pub fn evaluate(
    spec: &EvalSpec,
    mut progress: impl FnMut(EvalProgress<'_>),
) -> Result<AccuracyReport, AccuracyError> {
    let net = SuperNet::load(&spec.artifact)?;
    let split = test_split(&spec.data_dir)?;
    let n = spec.images.unwrap_or(split.len()).min(split.len());
    if spec.save_table && n != split.len() {
        return Err(AccuracyError::PartialSplit {
            images: split.len(),
        });
    }
    let ids: Vec<usize> = match &spec.subnets {
        SubNetChoice::All => (0..net.subnets.len()).collect(),
        SubNetChoice::Ends => vec![0, net.subnets.len() - 1],
        SubNetChoice::Listed(ids) => ids.clone(),
    };
    if let Some(&bad) = ids.iter().find(|&&s| s >= net.subnets.len()) {
        return Err(AccuracyError::NoSubNet {
            subnet: bad,
            artifact: spec.artifact.display().to_string(),
            last: net.subnets.len() - 1,
        });
    }
    let table_path = accuracy_table_path(&spec.artifact);
    let mut table = match spec.save_table {
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
    let threads = spec.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|t| t.get())
            .unwrap_or(1)
    });
    let started = Instant::now();
    let mut rows = Vec::new();
    for batch in ids.chunks(BATCH) {
        let networks = batch
            .iter()
            .map(|&id| net.network(id))
            .collect::<Result<Vec<_>, _>>()
            .map_err(AccuracyError::Network)?;
        let wall = Instant::now();
        let correct = count_correct_many(&networks, &split, n, threads);
        let seconds_each = wall.elapsed().as_secs_f64() / batch.len() as f64;
        for (&id, &c) in batch.iter().zip(&correct) {
            let row = AccuracyRow {
                subnet: id,
                config: net.subnets[id].config.clone(),
                images: n,
                top1: 100.0 * c as f64 / n as f64,
                seconds: seconds_each,
                threads,
            };
            if let Some(table) = table.as_mut() {
                table.top1[id] = Some(row.top1);
            }
            progress(EvalProgress::Row(&row));
            rows.push(row);
        }
        if let Some(table) = &table {
            table.save(&table_path)?;
        }
        progress(EvalProgress::Batch {
            done: rows.len(),
            total: ids.len(),
            seconds: started.elapsed().as_secs_f64(),
        });
    }
    Ok(AccuracyReport {
        rows,
        threads,
        seconds: started.elapsed().as_secs_f64(),
        table: table.map(|t| SavedTable {
            path: table_path,
            measured: t.measured(),
            subnets: net.subnets.len(),
        }),
    })
}
