//! The compute engine's commands: window operators (`CONV`, `DWCONV`, `GAP`) with their epilogue,
//! and the residual `ADD`, on the on-chip memories, bit-exact with the reference kernels.
use sushi_hw::commands::{self, Add, Op};
use sushi_hw::regs;

use crate::compile::layout::ring_taps;
use crate::net::int8::{self, Clamp, Requant};

use super::races::Span;
use super::*;

impl ModelAccel {
    pub(super) fn act_vector(&self, addr: usize) -> Result<&[u8], Fault> {
        let c = self.array.cols;
        self.act.get(addr * c..addr * c + c).ok_or_else(|| {
            Fault(
                regs::ErrorCode::BadCommand,
                "ACT address beyond the buffer".into(),
            )
        })
    }

    pub(super) fn window(&mut self, op: Op, win: &commands::Window) -> Result<Vec<Access>, Fault> {
        // The host's checks are the RTL's dispatch checks (kernel, stride, alignment, IN_VECTORS,
        // WMEM and EPI bounds); the ACT bounds are checked below, where the addresses are formed.
        self.checked(crate::device::checks::check_window_op(
            op,
            win,
            &self.limits(),
        ))?;
        let (r_n, c_n) = (self.array.rows, self.array.cols);
        let (k, stride) = (usize::from(win.kernel), usize::from(win.stride));
        let bad = |why: &str| Fault(regs::ErrorCode::BadCommand, format!("{op}: {why}"));
        let [
            in_h,
            in_w,
            in_cv,
            in_row0,
            out_cv,
            out_row0,
            out_rows,
            groups,
        ] = [
            win.in_h,
            win.in_w,
            win.in_cv,
            win.in_row0,
            win.out_cv,
            win.out_row0,
            win.out_rows,
            win.groups,
        ]
        .map(usize::from);
        // CONV reduces the first IN_VECTORS of each tap's IN_CV vectors (checked <= IN_CV).
        let in_vectors = usize::from(win.in_vectors);
        let (in_addr, out_addr, w_addr, epi_addr) = (
            win.in_addr as usize,
            win.out_addr as usize,
            win.w_addr as usize,
            usize::from(win.epi_addr),
        );
        let clamp = Clamp {
            lo: win.clamp_lo,
            hi: win.clamp_hi,
        };
        // Compute reads weights from WMEM only (COPY_PB brings PB tiles there).
        let weights: &[u8] = &self.wmem;
        let ow = if op == Op::Gap {
            1
        } else {
            int8::out_size(in_w, k, stride)
        };
        let (xb_in, xb_out) = (in_w.div_ceil(r_n), ow.div_ceil(r_n));
        let in_at = |y: usize, x: usize, v: usize| {
            in_addr + (((y - in_row0) * xb_in + x / r_n) * in_cv + v) * r_n + x % r_n
        };
        let out_at = |y: usize, x: usize, v: usize| {
            out_addr + (((y - out_row0) * xb_out + x / r_n) * out_cv + v) * r_n + x % r_n
        };
        let taps = &ring_taps()[..k * k];
        let word = self.array.word_bytes();
        let mut reads = Span::default();
        let mut writes = Span::default();
        let mut wspan = Span::default();
        let mut espan = Span::default();
        let mut results: Vec<(usize, usize, i8)> = Vec::new(); // (vector address, lane, value)
        let mut macs = 0u64;
        let epi_entry = |e: usize| -> Result<(i32, Requant), Fault> {
            let &(bias, m, s) = self
                .epi
                .get(epi_addr + e)
                .ok_or_else(|| bad("EPI address beyond the buffer"))?;
            Ok((bias, Requant { m, s }))
        };
        let in_bounds = |iy: isize, ix: isize| {
            iy >= 0 && ix >= 0 && (iy as usize) < in_h && (ix as usize) < in_w
        };
        match op {
            Op::Conv => {
                let t_n = taps.len();
                let mut acc = vec![0i32; r_n];
                for g in 0..groups {
                    if out_rows == 0 || ow == 0 {
                        break;
                    }
                    let epis = (0..r_n)
                        .map(|r| epi_entry(g * r_n + r))
                        .collect::<Result<Vec<_>, _>>()?;
                    for oy in out_row0..out_row0 + out_rows {
                        for ox in 0..ow {
                            for (a, e) in acc.iter_mut().zip(&epis) {
                                *a = e.0;
                            }
                            espan.add(epi_addr + g * r_n, epi_addr + (g + 1) * r_n);
                            if in_vectors > 0 {
                                // Every tap's weights are read, in bounds or not.
                                wspan.add(w_addr + g * t_n * in_cv, w_addr + (g + 1) * t_n * in_cv);
                            }
                            for (t, &(dy, dx)) in taps.iter().enumerate() {
                                let (iy, ix) =
                                    ((oy * stride) as isize + dy, (ox * stride) as isize + dx);
                                if !in_bounds(iy, ix) || in_vectors == 0 {
                                    continue;
                                }
                                // Vector v of the pixel is `a0 + v * R` (the banked layout).
                                let a0 = in_at(iy as usize, ix as usize, 0);
                                reads.add(a0, a0 + (in_vectors - 1) * r_n + 1);
                                let w0 = w_addr + (g * t_n + t) * in_cv;
                                for v in 0..in_vectors {
                                    let x = self.act_vector(a0 + v * r_n)?;
                                    let w = weights
                                        .get((w0 + v) * word..(w0 + v + 1) * word)
                                        .ok_or_else(|| bad("weight address beyond the buffer"))?;
                                    for (acc_r, w_r) in acc.iter_mut().zip(w.chunks_exact(c_n)) {
                                        *acc_r += dot_i8(w_r, x);
                                    }
                                }
                                macs += (r_n * c_n * in_vectors) as u64;
                            }
                            for (r, (&acc_r, &(_, rq))) in acc.iter().zip(&epis).enumerate() {
                                let o = g * r_n + r;
                                let a = out_at(oy, ox, o / c_n);
                                writes.add(a, a + 1);
                                results.push((a, o % c_n, requant_any(acc_r, rq, clamp)));
                            }
                        }
                    }
                }
            }
            Op::Dwconv => {
                let blocks = taps.len().div_ceil(r_n);
                let mut acc = vec![0i32; c_n];
                for v in 0..groups {
                    if out_rows == 0 || ow == 0 {
                        break;
                    }
                    let epis = (0..c_n)
                        .map(|c| epi_entry(v * c_n + c))
                        .collect::<Result<Vec<_>, _>>()?;
                    for oy in out_row0..out_row0 + out_rows {
                        for ox in 0..ow {
                            for (a, e) in acc.iter_mut().zip(&epis) {
                                *a = e.0;
                            }
                            if !taps.is_empty() {
                                wspan.add(w_addr + v * blocks, w_addr + v * blocks + blocks);
                            }
                            for (t, &(dy, dx)) in taps.iter().enumerate() {
                                let (iy, ix) =
                                    ((oy * stride) as isize + dy, (ox * stride) as isize + dx);
                                if !in_bounds(iy, ix) {
                                    continue;
                                }
                                let a = in_at(iy as usize, ix as usize, v);
                                reads.add(a, a + 1);
                                let x = self.act_vector(a)?;
                                // Tap t's weights: row t mod R of word W_ADDR + v * blocks + t / R.
                                let at = (w_addr + v * blocks + t / r_n) * word + (t % r_n) * c_n;
                                let w = weights
                                    .get(at..at + c_n)
                                    .ok_or_else(|| bad("weight address beyond the buffer"))?;
                                for ((acc_c, &x_c), &w_c) in acc.iter_mut().zip(x).zip(w) {
                                    *acc_c += i32::from(x_c as i8) * i32::from(w_c as i8);
                                }
                                macs += c_n as u64;
                            }
                            for (c, (&acc_c, &(_, rq))) in acc.iter().zip(&epis).enumerate() {
                                let a = out_at(oy, ox, v);
                                writes.add(a, a + 1);
                                results.push((a, c, requant_any(acc_c, rq, clamp)));
                            }
                            espan.add(epi_addr + v * c_n, epi_addr + (v + 1) * c_n);
                        }
                    }
                }
            }
            _ => {
                // GAP
                for v in 0..groups {
                    for c in 0..c_n {
                        let (bias, rq) = epi_entry(v * c_n + c)?;
                        let mut acc = bias;
                        for y in 0..in_h {
                            for x in 0..in_w {
                                let a = in_at(y, x, v);
                                reads.add(a, a + 1);
                                acc += i32::from(self.act_vector(a)?[c] as i8);
                            }
                        }
                        let a = out_at(0, 0, v);
                        writes.add(a, a + 1);
                        results.push((a, c, requant_any(acc, rq, clamp)));
                    }
                    espan.add(epi_addr + v * c_n, epi_addr + (v + 1) * c_n);
                }
            }
        }
        for (a, lane, value) in results {
            let slot = self
                .act
                .get_mut(a * c_n + lane)
                .ok_or_else(|| bad("output address beyond ACT"))?;
            *slot = value as u8;
        }
        self.count(regs::MACS_LO, macs);
        let mut accesses = vec![];
        accesses.extend(reads.access(Mem::Act, false));
        accesses.extend(writes.access(Mem::Act, true));
        accesses.extend(wspan.access(Mem::Wmem, false));
        accesses.extend(espan.access(Mem::Epi, false));
        Ok(accesses)
    }

    pub(super) fn add(&mut self, add: &Add) -> Result<Vec<Access>, Fault> {
        self.checked(crate::device::checks::check_add(add, &self.limits()))?;
        let c = self.array.cols;
        let (a, b, out, n) = (
            add.a_addr as usize,
            add.b_addr as usize,
            add.out_addr as usize,
            add.vectors as usize,
        );
        let (ma, mb, s) = (add.ma, add.mb, add.shift);
        let clamp = Clamp {
            lo: add.clamp_lo,
            hi: add.clamp_hi,
        };
        // (Checked by check_add above: inside ACT, addresses multiples of R, shift 1..=62.)
        for i in 0..n * c {
            let (x, y) = (
                i64::from(self.act[a * c + i] as i8),
                i64::from(self.act[b * c + i] as i8),
            );
            let v = (x * i64::from(ma) + y * i64::from(mb) + (1i64 << (s - 1))) >> s;
            self.act[out * c + i] = v.clamp(i64::from(clamp.lo), i64::from(clamp.hi)) as i8 as u8;
        }
        Ok(vec![
            Access {
                mem: Mem::Act,
                lo: a,
                hi: a + n,
                write: false,
            },
            Access {
                mem: Mem::Act,
                lo: b,
                hi: b + n,
                write: false,
            },
            Access {
                mem: Mem::Act,
                lo: out,
                hi: out + n,
                write: true,
            },
        ])
    }
}

/// The datapath's requantisation for any shift an EPI entry holds (6 bits in the RTL): the
/// documented semantics for shifts 1..=62, which is all the compiler emits; for 0 and 63 what
/// the RTL's 64-bit datapath does (the rounding constant `1 << (s - 1)` wraps, sums wrap).
pub(super) fn requant_any(acc: i32, r: Requant, clamp: Clamp) -> i8 {
    if (1..=62).contains(&r.s) {
        return int8::requant(acc, r, clamp);
    }
    let s = u32::from(r.s & 0x3f);
    let round = 1u64.wrapping_shl(s.wrapping_sub(1) & 0x3f) as i64;
    let v = (i64::from(acc) * i64::from(r.m)).wrapping_add(round) >> s;
    v.clamp(i64::from(clamp.lo), i64::from(clamp.hi)) as i8
}

/// The int8 dot product of two equally long byte slices (written so that it vectorises).
pub(super) fn dot_i8(w: &[u8], x: &[u8]) -> i32 {
    w.iter()
        .zip(x)
        .map(|(&w, &x)| i32::from(w as i8) * i32::from(x as i8))
        .sum()
}
