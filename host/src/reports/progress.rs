//! Progress of long work on stderr: a bar redrawn in place on a terminal (at most ten times a
//! second, so a fast loop does not drown in its own output), and a plain line per quarter when
//! stderr is a file or a pipe, so logs stay readable.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// A progress bar of `total` steps.
#[derive(Debug)]
pub struct Progress {
    label: String,
    total: usize,
    terminal: bool,
    enabled: bool,
    last_draw: Option<Instant>,
    last_quarter: usize,
}

impl Progress {
    /// A bar labelled `label` (shown only when `enabled`).
    pub fn new(label: impl Into<String>, total: usize, enabled: bool) -> Self {
        Progress {
            label: label.into(),
            total,
            terminal: std::io::stderr().is_terminal(),
            enabled,
            last_draw: None,
            last_quarter: 0,
        }
    }

    /// `done` steps of `total` are done.
    pub fn update(&mut self, done: usize) {
        if !self.enabled {
            return;
        }
        let finished = done >= self.total;
        if self.terminal {
            let due = self
                .last_draw
                .is_none_or(|t| t.elapsed() >= Duration::from_millis(100));
            if due || finished {
                let width = 30;
                let filled = done.min(self.total) * width / self.total.max(1);
                eprint!(
                    "\r\x1b[2K{} [{}{}] {done}/{}",
                    self.label,
                    "#".repeat(filled),
                    ".".repeat(width - filled),
                    self.total
                );
                if finished {
                    eprintln!();
                }
                self.last_draw = Some(Instant::now());
            }
        } else {
            let quarter = done.min(self.total) * 4 / self.total.max(1);
            if quarter > self.last_quarter {
                self.last_quarter = quarter;
                eprintln!("{}: {done}/{}", self.label, self.total);
            }
        }
    }
}
