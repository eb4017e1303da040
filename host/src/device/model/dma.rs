//! The DMA engine's commands: loads and stores between DRAM and on-chip memories (rows of a 2-D
//! move, each checked against the DMA window before anything moves), the deposit `LOAD_W_PB`, and
//! `COPY_PB`.
use sushi_hw::commands::{self, CopyPb, Dma, LoadWPb, Op};
use sushi_hw::regs;

use super::races::row_accesses;
use super::*;

impl ModelAccel {
    /// `LOAD_ACT`, `STORE_ACT`, `LOAD_W`, `LOAD_PB`, `LOAD_EPI`: `ROWS` rows of `COUNT` units,
    /// row `i` between `DRAM_ADDR + i * DRAM_STRIDE` and `SRAM_ADDR + i * SRAM_STRIDE`.
    ///
    /// Checks, all before anything moves, in this order (the contract's checks; the order among
    /// them is the model's choice, which the RTL should share): `ROWS` (at least 1,
    /// exactly 1 for `LOAD_ACT`, `STORE_ACT`, `LOAD_EPI`), DRAM alignment of `DRAM_ADDR` (and of
    /// `DRAM_STRIDE` when `ROWS > 1`), then the on-chip extent (`ERR_BAD_COMMAND`; for `LOAD_PB`
    /// `ERR_PB_OVERFLOW` and one `PB_OVERFLOWS`), then the DMA window over every row's whole
    /// beats, then the DRAM region (the AXI error a real slave would answer).
    pub(super) fn dma(&mut self, op: Op, dma: &Dma) -> Result<Vec<Access>, Fault> {
        self.checked(crate::device::checks::check_dma(
            op,
            dma,
            &self.limits(),
            self.dma_window(),
        ))?;
        self.transfer(op, dma, None)
    }

    /// `LOAD_W_PB`: the `LOAD_W` of its words 1-6, each row's words also written to the PB from
    /// `PB_ADDR + i * PB_STRIDE`, from the same DRAM bytes (one read: `DRAM_READ_WEIGHT_BYTES`
    /// counts them once, `PB_FILL_BYTES` not at all).
    ///
    /// Checks, all before anything moves ([`crate::device::checks::check_load_w_pb`]): `ROWS` and
    /// DRAM alignment (`ERR_BAD_COMMAND`), the PB extent (`ERR_PB_OVERFLOW` and one
    /// `PB_OVERFLOWS`), the WMEM extent (`ERR_BAD_COMMAND`), the DMA window, the DRAM region.
    pub(super) fn load_w_pb(&mut self, deposit: &LoadWPb) -> Result<Vec<Access>, Fault> {
        self.checked(crate::device::checks::check_load_w_pb(
            deposit,
            &self.limits(),
            self.dma_window(),
        ))?;
        let pb = (deposit.pb_addr as usize, usize::from(deposit.pb_stride));
        self.transfer(Op::LoadWPb, &deposit.load(), Some(pb))
    }

    /// The moves of a DRAM transfer that passed its checks; `deposit` (first PB word, PB stride)
    /// also writes each row of a weight load to the PB. Nothing moves when a row lies outside
    /// the DRAM region.
    fn transfer(
        &mut self,
        op: Op,
        dma: &Dma,
        deposit: Option<(usize, usize)>,
    ) -> Result<Vec<Access>, Fault> {
        let (dram_addr, sram, count) = (
            u64::from(dma.dram_addr),
            u64::from(dma.sram_addr),
            u64::from(dma.count),
        );
        let (rows, dram_stride, sram_stride) = (
            u64::from(dma.rows),
            u64::from(dma.dram_stride),
            u64::from(dma.sram_stride),
        );
        let d = u64::from(self.config.spec.axi.data_bytes);
        let word = self.array.word_bytes();
        let (mem, unit) = match op {
            Op::LoadAct | Op::StoreAct => (Mem::Act, self.array.cols),
            Op::LoadW | Op::LoadWPb => (Mem::Wmem, word),
            Op::LoadPb => (Mem::Pb, word),
            _ => (Mem::Epi, commands::EPI_ENTRY_BYTES),
        };
        let store = op == Op::StoreAct;
        // Each row is its own transfer from an aligned address: whole beats.
        let row_bytes = count * unit as u64;
        let row_beat_bytes = row_bytes.div_ceil(d) * d;
        let row_addr = |i: u64| dram_addr + i * dram_stride;
        let mut dram_rows = Vec::new();
        if row_beat_bytes > 0 {
            for i in 0..rows {
                let Some(range) = self.dram_range(row_addr(i), row_beat_bytes) else {
                    let code = if store {
                        regs::ErrorCode::AxiWrite
                    } else {
                        regs::ErrorCode::AxiRead
                    };
                    return Err(Fault(
                        code,
                        format!("{op} row {i}: DRAM range outside the region"),
                    ));
                };
                dram_rows.push(range.start..range.start + row_bytes as usize);
            }
        }
        let (sram, count, sram_stride) = (sram as usize, count as usize, sram_stride as usize);
        for (i, range) in dram_rows.into_iter().enumerate() {
            let s = sram + i * sram_stride;
            let on_chip = s * unit..(s + count) * unit;
            if let Some((pb_addr, pb_stride)) = deposit {
                let p = pb_addr + i * pb_stride;
                self.pb[p * unit..(p + count) * unit].copy_from_slice(&self.dram[range.clone()]);
            }
            match mem {
                Mem::Act if store => self.dram[range].copy_from_slice(&self.act[on_chip]),
                Mem::Act => self.act[on_chip].copy_from_slice(&self.dram[range]),
                Mem::Wmem => self.wmem[on_chip].copy_from_slice(&self.dram[range]),
                Mem::Pb => self.pb[on_chip].copy_from_slice(&self.dram[range]),
                Mem::Epi => {
                    for (j, e) in self.dram[range].chunks_exact(unit).enumerate() {
                        let bias = i32::from_le_bytes([e[0], e[1], e[2], e[3]]);
                        let m = i32::from_le_bytes([e[4], e[5], e[6], e[7]]);
                        self.epi[s + j] = (bias, m, e[8] & 0x3f); // the RTL keeps 6 bits of the shift
                    }
                }
            }
        }
        let bytes = rows * row_beat_bytes;
        let counter = match op {
            Op::LoadAct => regs::DRAM_READ_ACT_BYTES_LO,
            Op::StoreAct => regs::DRAM_WRITE_ACT_BYTES_LO,
            Op::LoadEpi => regs::DRAM_READ_EPI_BYTES_LO,
            Op::LoadPb => regs::PB_FILL_BYTES_LO,
            _ => regs::DRAM_READ_WEIGHT_BYTES_LO,
        };
        self.count(counter, bytes);
        self.count(
            if store {
                regs::DRAM_WRITE_BYTES_LO
            } else {
                regs::DRAM_READ_BYTES_LO
            },
            bytes,
        );
        let mut accesses = row_accesses(mem, sram, count, rows as usize, sram_stride, !store);
        if let Some((pb_addr, pb_stride)) = deposit {
            accesses.extend(row_accesses(
                Mem::Pb,
                pb_addr,
                count,
                rows as usize,
                pb_stride,
                true,
            ));
        }
        Ok(accesses)
    }

    /// `COPY_PB`: `ROWS` rows of `COUNT` words from `PB_ADDR + i * PB_STRIDE` to
    /// `WMEM_ADDR + i * WMEM_STRIDE`; no DRAM traffic, `PB_READ_BYTES` counts the words x `R * C`.
    ///
    /// `ROWS = 0` is `ERR_BAD_COMMAND`; then a PB extent beyond the PB is `ERR_PB_OVERFLOW` (and
    /// one `PB_OVERFLOWS`), then a WMEM extent beyond WMEM `ERR_BAD_COMMAND` (the RTL's order;
    /// [`crate::device::checks::check_copy_pb`]). Nothing moves on an error.
    pub(super) fn copy_pb(&mut self, copy: &CopyPb) -> Result<Vec<Access>, Fault> {
        let word = self.array.word_bytes();
        self.checked(crate::device::checks::check_copy_pb(copy, &self.limits()))?;
        let [pb_addr, wmem_addr, count, rows, pb_stride, wmem_stride] = [
            copy.pb_addr,
            copy.wmem_addr,
            copy.count,
            copy.rows.into(),
            copy.pb_stride,
            copy.wmem_stride,
        ]
        .map(|v| v as usize);
        for i in 0..rows {
            let (p, w) = (pb_addr + i * pb_stride, wmem_addr + i * wmem_stride);
            self.wmem[w * word..(w + count) * word]
                .copy_from_slice(&self.pb[p * word..(p + count) * word]);
        }
        self.count(regs::PB_READ_BYTES_LO, (rows * count * word) as u64);
        let mut accesses = row_accesses(Mem::Pb, pb_addr, count, rows, pb_stride, false);
        accesses.extend(row_accesses(
            Mem::Wmem,
            wmem_addr,
            count,
            rows,
            wmem_stride,
            true,
        ));
        Ok(accesses)
    }
}
