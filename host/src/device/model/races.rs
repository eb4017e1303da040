//! Ordering between the engines: which on-chip words a command touches, and whether two commands
//! of different engines that touch the same words are ordered by their completion-count waits.
use super::*;

/// The smallest range covering every address added.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Span(Option<(usize, usize)>);

impl Span {
    pub(super) fn add(&mut self, lo: usize, hi: usize) {
        self.0 = Some(match self.0 {
            None => (lo, hi),
            Some((a, b)) => (a.min(lo), b.max(hi)),
        });
    }
    pub(super) fn access(self, mem: Mem, write: bool) -> Option<Access> {
        self.0.map(|(lo, hi)| Access { mem, lo, hi, write })
    }
}

/// The accesses of `rows` rows of `count` units from `start`, `stride` apart: one range per
/// row, rows that touch or overlap the previous one merged (`stride <= count`), so the race
/// check sees exactly the units moved, never the gaps between rows.
pub(super) fn row_accesses(
    mem: Mem,
    start: usize,
    count: usize,
    rows: usize,
    stride: usize,
    write: bool,
) -> Vec<Access> {
    let mut out: Vec<Access> = Vec::new();
    if count == 0 {
        return out;
    }
    for i in 0..rows {
        let (lo, hi) = (start + i * stride, start + i * stride + count);
        match out.last_mut() {
            // Rows only move upwards (stride >= 0), so a row overlaps or touches the last range
            // exactly when it starts at or before its end.
            Some(last) if lo <= last.hi => last.hi = last.hi.max(hi),
            _ => out.push(Access { mem, lo, hi, write }),
        }
    }
    out
}

/// Two commands of different engines race when neither is ordered before the other by the
/// completion-count waits and they touch overlapping on-chip memory, one of them writing.
pub(super) fn check_races(executed: &[Executed]) -> Result<(), String> {
    for (i, x) in executed.iter().enumerate() {
        for y in &executed[i + 1..] {
            if x.engine == y.engine {
                continue;
            }
            // Engines run one command at a time, so a command starts after every earlier
            // command of its own engine, whose waits it therefore inherits (effective_wait).
            let x_before_y = x.index <= y.effective_wait;
            let y_before_x = y.index <= x.effective_wait;
            if x_before_y || y_before_x {
                continue;
            }
            for p in &x.accesses {
                for q in &y.accesses {
                    if p.mem == q.mem && (p.write || q.write) && p.lo < q.hi && q.lo < p.hi {
                        return Err(format!(
                            "command stream race: commands {} and {} use {:?} [{}, {}) and [{}, {}) with no wait ordering them",
                            x.position, y.position, p.mem, p.lo, p.hi, q.lo, q.hi
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}
