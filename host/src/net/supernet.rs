//! The SuperNet artifact (`.sushinet`, `host/docs/supernet-format.md`): a strict loader, the
//! SubNets it lists, and each SubNet as a [`Network`] the compiler and the backends run.
//!
//! Every field is checked before use: sizes before allocating, offsets before indexing, the
//! checksum before parsing. An error names the file, the section or record, and the field.

use std::io::Read;
use std::path::Path;

use crate::net::int8::{Clamp, Epilogue, Requant};
use crate::net::network::{Layer, Network, TensorId};

const MAGIC: &[u8; 8] = b"SUSHISN\0";
const HEADER: usize = 64;
/// Largest payload accepted (the committed artifact is a few MB).
const MAX_PAYLOAD: u64 = 256 << 20;

/// File name of the SuperNet shipped in `host/supernets/` (trained by `scripts/supernet/`).
pub const SHIPPED_FILE_NAME: &str = "fmnist-mbv2-ofa-v2.sushinet";

/// Where the shipped SuperNet lives in this checkout: the default of every `--supernet` option.
pub fn shipped_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("supernets")
        .join(SHIPPED_FILE_NAME)
}

/// Why an artifact could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SuperNetError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// File.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// A field is wrong.
    #[error("{path}: {field}: {message}")]
    Format {
        /// File.
        path: String,
        /// Section, record and field.
        field: String,
        /// What is wrong.
        message: String,
    },
}

/// Operator of a layer slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotKind {
    /// Standard convolution (the stem).
    Conv,
    /// Depthwise convolution.
    DwConv,
    /// Pointwise convolution.
    PwConv,
    /// Fully connected.
    Fc,
    /// Global average pool.
    Gap,
    /// Residual add.
    Add,
}

/// Role of a slot in the SuperNet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// First convolution.
    Stem,
    /// Block: pointwise expansion.
    Expand,
    /// Block: depthwise convolution.
    Dw,
    /// Block: pointwise projection.
    Project,
    /// Block: residual add.
    Add,
    /// Head pointwise convolution.
    Head,
    /// Pooling.
    Gap,
    /// Classifier.
    Fc,
}

/// One layer slot of the SuperNet (a SubNet executes a subsequence of them).
#[derive(Debug, Clone)]
pub struct Slot {
    /// Operator.
    pub kind: SlotKind,
    /// Role.
    pub role: Role,
    /// Stage (None outside stages).
    pub stage: Option<u8>,
    /// Stored kernel size.
    pub kmax: usize,
    /// Stride.
    pub stride: usize,
    /// Input channels at full width.
    pub cin_max: usize,
    /// Output channels at full width.
    pub cout_max: usize,
    /// Input height and width.
    pub in_hw: (usize, usize),
    /// Byte range of the weights in `WGHT`.
    pub weights: std::ops::Range<usize>,
    /// GAP multiplier and shift.
    pub gap: (i32, u8),
}

/// Per-SubNet parameters of one slot.
#[derive(Debug, Clone)]
pub struct Node {
    /// Slot.
    pub slot: usize,
    /// Channels stored.
    pub channels: usize,
    /// Byte offset in `PARM`.
    pub offset: usize,
    /// Output clamp.
    pub clamp: Clamp,
}

/// A listed SubNet.
#[derive(Debug, Clone)]
pub struct SubNetEntry {
    /// The config vector: depth per stage, (expand, kernel) per block slot, head width.
    pub config: Vec<u16>,
    /// Node of every slot, None where the slot is not executed.
    pub nodes: Vec<Option<usize>>,
}

/// A loaded artifact.
#[derive(Debug, Clone)]
pub struct SuperNet {
    /// Where it came from.
    pub path: String,
    /// FNV-1a 64 of the payload: the artifact's identity (measured tables are keyed by it).
    pub hash: u64,
    /// Informational metadata (JSON).
    pub meta: serde_json::Value,
    /// Layer slots in execution order.
    pub slots: Vec<Slot>,
    /// Shared int8 weights.
    pub weights: Vec<i8>,
    /// Per-SubNet parameter nodes.
    pub nodes: Vec<Node>,
    parm: Vec<u8>,
    /// The listed SubNets, smallest first.
    pub subnets: Vec<SubNetEntry>,
    /// Stages in the config vector.
    pub stages: usize,
    /// Block slots in the config vector.
    pub block_slots: usize,
}

struct Reader<'a> {
    path: &'a str,
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn err(&self, field: impl Into<String>, message: impl Into<String>) -> SuperNetError {
        SuperNetError::Format {
            path: self.path.to_string(),
            field: field.into(),
            message: message.into(),
        }
    }
    fn slice(&self, at: usize, len: usize, field: &str) -> Result<&[u8], SuperNetError> {
        at.checked_add(len)
            .and_then(|end| self.bytes.get(at..end))
            .ok_or_else(|| {
                self.err(
                    field,
                    format!(
                        "[{at}, +{len}) is beyond the {} bytes available",
                        self.bytes.len()
                    ),
                )
            })
    }
    fn u8(&self, at: usize, field: &str) -> Result<u8, SuperNetError> {
        Ok(self.slice(at, 1, field)?[0])
    }
    fn u16(&self, at: usize, field: &str) -> Result<u16, SuperNetError> {
        let b = self.slice(at, 2, field)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&self, at: usize, field: &str) -> Result<u32, SuperNetError> {
        let b = self.slice(at, 4, field)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn i32(&self, at: usize, field: &str) -> Result<i32, SuperNetError> {
        Ok(self.u32(at, field)? as i32)
    }
    fn u64(&self, at: usize, field: &str) -> Result<u64, SuperNetError> {
        let b = self.slice(at, 8, field)?;
        Ok(u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }
}

/// FNV-1a 64.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl SuperNet {
    /// Loads and validates an artifact.
    pub fn load(path: &Path) -> Result<Self, SuperNetError> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| SuperNetError::Io {
            path: name.clone(),
            source,
        })?;
        Self::parse(&name, &bytes)
    }

    /// Parses an artifact held in memory; `path` names it in errors.
    pub fn parse(path: &str, file: &[u8]) -> Result<Self, SuperNetError> {
        let h = Reader { path, bytes: file };
        if h.slice(0, 8, "header.magic")? != MAGIC {
            return Err(h.err(
                "header.magic",
                "not a SUSHI SuperNet (expected \"SUSHISN\\0\")",
            ));
        }
        let major = h.u16(8, "header.version_major")?;
        if major != 1 {
            return Err(h.err(
                "header.version_major",
                format!("{major}; this reader understands version 1"),
            ));
        }
        let flags = h.u32(12, "header.flags")?;
        if flags & !1 != 0 {
            return Err(h.err("header.flags", format!("{flags:#x} has unknown bits")));
        }
        if h.u32(16, "header.header_size")? != HEADER as u32 {
            return Err(h.err("header.header_size", "must be 64"));
        }
        let sections = h.u32(20, "header.section_count")? as usize;
        let stored = h.u64(24, "header.stored_len")?;
        let payload_len = h.u64(32, "header.payload_len")?;
        let checksum = h.u64(40, "header.payload_fnv1a64")?;
        if h.slice(48, 16, "header.reserved")?.iter().any(|&b| b != 0) {
            return Err(h.err("header.reserved", "must be zero"));
        }
        if file.len() as u64 != HEADER as u64 + stored {
            return Err(h.err(
                "header.stored_len",
                format!(
                    "{stored}, but the file has {} bytes after the header",
                    file.len() - HEADER
                ),
            ));
        }
        if payload_len > MAX_PAYLOAD {
            return Err(h.err(
                "header.payload_len",
                format!("{payload_len} bytes is more than this reader accepts"),
            ));
        }
        let body = &file[HEADER..];
        let payload = if flags & 1 == 1 {
            let mut out = Vec::with_capacity(payload_len as usize);
            flate2::read::ZlibDecoder::new(body)
                .take(payload_len + 1)
                .read_to_end(&mut out)
                .map_err(|e| h.err("payload", format!("zlib: {e}")))?;
            out
        } else {
            body.to_vec()
        };
        if payload.len() as u64 != payload_len {
            return Err(h.err(
                "header.payload_len",
                format!("{payload_len}, but the payload has {} bytes", payload.len()),
            ));
        }
        let hash = fnv1a64(&payload);
        if hash != checksum {
            return Err(h.err(
                "header.payload_fnv1a64",
                format!(
                    "{checksum:#018x}, the payload hashes to {hash:#018x}: the file is corrupt"
                ),
            ));
        }
        let p = Reader {
            path,
            bytes: &payload,
        };
        let mut toc = std::collections::HashMap::new();
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        for i in 0..sections {
            let at = i * 24;
            let tag = String::from_utf8_lossy(p.slice(at, 4, "toc.tag")?).into_owned();
            let off = p.u64(at + 8, &format!("toc[{tag}].offset"))? as usize;
            let len = p.u64(at + 16, &format!("toc[{tag}].length"))? as usize;
            p.slice(off, len, &format!("toc[{tag}]"))?;
            if !off.is_multiple_of(8) || off < 24 * sections {
                return Err(p.err(
                    format!("toc[{tag}].offset"),
                    format!("{off} is not 8-aligned after the table"),
                ));
            }
            if ranges.iter().any(|&(o, l)| off < o + l && o < off + len) {
                return Err(p.err(format!("toc[{tag}]"), "overlaps another section"));
            }
            ranges.push((off, len));
            if toc.insert(tag.clone(), (off, len)).is_some() {
                return Err(p.err(format!("toc[{tag}]"), "appears twice"));
            }
        }
        let section = |tag: &str| -> Result<&[u8], SuperNetError> {
            let &(off, len) = toc
                .get(tag)
                .ok_or_else(|| p.err(format!("toc[{tag}]"), "missing required section"))?;
            Ok(&payload[off..off + len])
        };
        let meta: serde_json::Value = serde_json::from_slice(section("META")?)
            .map_err(|e| p.err("META", format!("not JSON: {e}")))?;

        // LAYR.
        let l = Reader {
            path,
            bytes: section("LAYR")?,
        };
        let count = l.u32(0, "LAYR.count")? as usize;
        l.slice(4, count.saturating_mul(48), "LAYR.records")?;
        let wght = section("WGHT")?;
        let mut slots = Vec::with_capacity(count);
        for i in 0..count {
            let at = 4 + 48 * i;
            let f = |name: &str| format!("LAYR[{i}].{name}");
            let kind = match l.u8(at, &f("kind"))? {
                0 => SlotKind::Conv,
                1 => SlotKind::DwConv,
                2 => SlotKind::PwConv,
                3 => SlotKind::Fc,
                4 => SlotKind::Gap,
                5 => SlotKind::Add,
                k => return Err(l.err(f("kind"), format!("{k} is not a known operator"))),
            };
            let role = match l.u8(at + 1, &f("role"))? {
                0 => Role::Stem,
                1 => Role::Expand,
                2 => Role::Dw,
                3 => Role::Project,
                4 => Role::Add,
                5 => Role::Head,
                6 => Role::Gap,
                7 => Role::Fc,
                r => return Err(l.err(f("role"), format!("{r} is not a known role"))),
            };
            let stage = l.u8(at + 2, &f("stage"))?;
            let kmax = l.u8(at + 4, &f("kmax"))? as usize;
            let stride = l.u8(at + 5, &f("stride"))? as usize;
            let cin_max = l.u16(at + 8, &f("cin_max"))? as usize;
            let cout_max = l.u16(at + 10, &f("cout_max"))? as usize;
            let in_hw = (
                l.u16(at + 12, &f("in_h"))? as usize,
                l.u16(at + 14, &f("in_w"))? as usize,
            );
            let w_off = l.u32(at + 20, &f("weight_offset"))? as usize;
            let w_len = l.u32(at + 24, &f("weight_length"))? as usize;
            let gap = (l.i32(at + 36, &f("gap_m"))?, l.u8(at + 40, &f("gap_s"))?);
            if stride != 1 && stride != 2 {
                return Err(l.err(f("stride"), format!("{stride}; use 1 or 2")));
            }
            let expected = match kind {
                SlotKind::Conv => cout_max * kmax * kmax * cin_max,
                SlotKind::DwConv => cout_max * kmax * kmax,
                SlotKind::PwConv | SlotKind::Fc => cout_max * cin_max,
                SlotKind::Gap | SlotKind::Add => 0,
            };
            if matches!(kind, SlotKind::Conv | SlotKind::DwConv) && ![3, 5, 7].contains(&kmax) {
                return Err(l.err(
                    f("kmax"),
                    format!("{kmax}; the accelerator's kernels are 3, 5 and 7"),
                ));
            }
            if w_len != expected {
                return Err(l.err(
                    f("weight_length"),
                    format!("{w_len}, the shape needs {expected}"),
                ));
            }
            if w_off.checked_add(w_len).is_none_or(|end| end > wght.len()) {
                return Err(l.err(
                    f("weight_offset"),
                    format!("[{w_off}, +{w_len}) is beyond WGHT ({} bytes)", wght.len()),
                ));
            }
            if kind == SlotKind::Gap && !(1..=62).contains(&gap.1) {
                return Err(l.err(f("gap_s"), format!("{}; use 1..=62", gap.1)));
            }
            slots.push(Slot {
                kind,
                role,
                stage: (stage != 255).then_some(stage),
                kmax,
                stride,
                cin_max,
                cout_max,
                in_hw,
                weights: w_off..w_off + w_len,
                gap,
            });
        }
        let weights: Vec<i8> = wght.iter().map(|&b| b as i8).collect();
        if let Some(i) = weights.iter().position(|&w| w == -128) {
            return Err(p.err(
                "WGHT",
                format!("byte {i} is -128; weights are in [-127, 127]"),
            ));
        }

        // NODE and PARM.
        let parm = section("PARM")?.to_vec();
        let n = Reader {
            path,
            bytes: section("NODE")?,
        };
        let count = n.u32(0, "NODE.count")? as usize;
        n.slice(4, count.saturating_mul(32), "NODE.records")?;
        let mut nodes = Vec::with_capacity(count);
        let pr = Reader { path, bytes: &parm };
        for i in 0..count {
            let at = 4 + 32 * i;
            let f = |name: &str| format!("NODE[{i}].{name}");
            let slot = n.u16(at, &f("slot"))? as usize;
            let channels = n.u32(at + 4, &f("channels"))? as usize;
            let offset = n.u32(at + 8, &f("parm_offset"))? as usize;
            let clamp = Clamp {
                lo: n.u8(at + 20, &f("lo"))? as i8,
                hi: n.u8(at + 21, &f("hi"))? as i8,
            };
            let s = slots.get(slot).ok_or_else(|| {
                n.err(
                    f("slot"),
                    format!("{slot} is beyond the {} layer slots", slots.len()),
                )
            })?;
            if clamp.lo > clamp.hi {
                return Err(n.err(
                    f("lo"),
                    format!("clamp [{}, {}] is empty", clamp.lo, clamp.hi),
                ));
            }
            if s.kind == SlotKind::Add {
                let sh = pr.u8(offset + 8, &format!("PARM of NODE[{i}] (add).s"))?;
                if !(1..=62).contains(&sh) {
                    return Err(n.err(f("parm.s"), format!("add shift {sh}; use 1..=62")));
                }
            } else {
                if channels > s.cout_max || channels == 0 {
                    return Err(n.err(
                        f("channels"),
                        format!("{channels}, the slot has {} output channels", s.cout_max),
                    ));
                }
                pr.slice(offset, 9 * channels, &format!("PARM of NODE[{i}]"))?;
                for c in 0..channels {
                    let sh = parm[offset + 8 * channels + c];
                    if !(1..=62).contains(&sh) {
                        return Err(n.err(
                            f("parm.s"),
                            format!("channel {c} has shift {sh}; use 1..=62"),
                        ));
                    }
                }
            }
            nodes.push(Node {
                slot,
                channels,
                offset,
                clamp,
            });
        }

        // SUBN.
        let sb = Reader {
            path,
            bytes: section("SUBN")?,
        };
        let count = sb.u32(0, "SUBN.count")? as usize;
        let vlen = sb.u32(4, "SUBN.vlen")? as usize;
        let n_layers = sb.u32(8, "SUBN.n_layers")? as usize;
        if n_layers != slots.len() {
            return Err(sb.err(
                "SUBN.n_layers",
                format!("{n_layers}, LAYR has {} slots", slots.len()),
            ));
        }
        let block_slots = slots.iter().filter(|s| s.role == Role::Expand).count();
        let stages = vlen.checked_sub(2 * block_slots + 1).ok_or_else(|| {
            sb.err(
                "SUBN.vlen",
                format!("{vlen} is too short for {block_slots} block slots"),
            )
        })?;
        let record = 2 * vlen + 4 * n_layers;
        sb.slice(12, count.saturating_mul(record), "SUBN.records")?;
        let mut subnets = Vec::with_capacity(count);
        for i in 0..count {
            let at = 12 + record * i;
            let config = (0..vlen)
                .map(|j| sb.u16(at + 2 * j, "SUBN.config"))
                .collect::<Result<Vec<_>, _>>()?;
            let mut node_ids = Vec::with_capacity(n_layers);
            for (slot_i, slot) in slots.iter().enumerate() {
                let v = sb.u32(at + 2 * vlen + 4 * slot_i, "SUBN.node")?;
                let node = (v != u32::MAX).then_some(v as usize);
                if let Some(id) = node {
                    let nd = nodes.get(id).ok_or_else(|| {
                        sb.err(
                            format!("SUBN[{i}].node[{slot_i}]"),
                            format!("{id} is beyond the {} nodes", nodes.len()),
                        )
                    })?;
                    if nd.slot != slot_i {
                        return Err(sb.err(
                            format!("SUBN[{i}].node[{slot_i}]"),
                            format!("node {id} belongs to slot {}", nd.slot),
                        ));
                    }
                } else if slot.kind != SlotKind::Gap
                    && slot.role != Role::Expand
                    && slot.role != Role::Dw
                    && slot.role != Role::Project
                    && slot.role != Role::Add
                {
                    return Err(sb.err(
                        format!("SUBN[{i}].node[{slot_i}]"),
                        "a slot outside the blocks must be executed",
                    ));
                }
                node_ids.push(node);
            }
            subnets.push(SubNetEntry {
                config,
                nodes: node_ids,
            });
        }
        let net = SuperNet {
            path: path.to_string(),
            hash,
            meta,
            slots,
            weights,
            nodes,
            parm,
            subnets,
            stages,
            block_slots,
        };
        // Every listed SubNet must build (widths fit the nodes, shapes chain).
        for i in 0..net.subnets.len() {
            net.network(i).map_err(|e| p.err(format!("SUBN[{i}]"), e))?;
        }
        Ok(net)
    }

    fn epilogue(&self, node: &Node, channels: usize) -> Result<Epilogue, String> {
        if channels > node.channels {
            return Err(format!(
                "slot {} uses {channels} channels, its node stores {}",
                node.slot, node.channels
            ));
        }
        let (o, c) = (node.offset, node.channels);
        let i32_at = |a: usize| {
            i32::from_le_bytes([
                self.parm[a],
                self.parm[a + 1],
                self.parm[a + 2],
                self.parm[a + 3],
            ])
        };
        Ok(Epilogue {
            bias: (0..channels).map(|k| i32_at(o + 4 * k)).collect(),
            requant: (0..channels)
                .map(|k| Requant {
                    m: i32_at(o + 4 * c + 4 * k),
                    s: self.parm[o + 8 * c + k],
                })
                .collect(),
            clamp: node.clamp,
        })
    }

    /// Weights of `slot` sliced to `out_c` outputs, `in_c` inputs and kernel `k` (centre crop);
    /// an error when the slice is not inside what the slot stores (a SubNet entry asking for more
    /// channels or a larger kernel than its slot has).
    fn slice_weights(
        &self,
        slot: &Slot,
        out_c: usize,
        in_c: usize,
        k: usize,
    ) -> Result<Vec<i8>, String> {
        let (kmax, cin) = (slot.kmax.max(1), slot.cin_max);
        let depthwise = slot.kind == SlotKind::DwConv;
        if out_c > slot.cout_max
            || (!depthwise && in_c > cin)
            || k > kmax
            || !(kmax - k).is_multiple_of(2)
        {
            return Err(format!(
                "a {out_c} x {in_c} x {k}x{k} slice of a slot storing {} x {cin} x {kmax}x{kmax}",
                slot.cout_max
            ));
        }
        let w = &self.weights[slot.weights.clone()];
        let off = (kmax - k) / 2;
        let mut out = Vec::new();
        match slot.kind {
            SlotKind::Conv => {
                for o in 0..out_c {
                    for ky in 0..k {
                        for kx in 0..k {
                            for i in 0..in_c {
                                out.push(w[((o * kmax + ky + off) * kmax + kx + off) * cin + i]);
                            }
                        }
                    }
                }
            }
            SlotKind::DwConv => {
                for c in 0..out_c {
                    for ky in 0..k {
                        for kx in 0..k {
                            out.push(w[(c * kmax + ky + off) * kmax + kx + off]);
                        }
                    }
                }
            }
            _ => {
                for o in 0..out_c {
                    out.extend_from_slice(&w[o * cin..o * cin + in_c]);
                }
            }
        }
        Ok(out)
    }

    /// SubNet `index` as a network: the executed slots with their sliced weights and nodes.
    pub fn network(&self, index: usize) -> Result<Network, String> {
        let e = self.subnets.get(index).ok_or_else(|| {
            format!(
                "no SubNet {index}; the artifact lists {}",
                self.subnets.len()
            )
        })?;
        let cfg = &e.config;
        let block = |j: usize| {
            (
                cfg[self.stages + 2 * j] as usize,
                cfg[self.stages + 2 * j + 1] as usize,
            )
        };
        let head_w = cfg[self.stages + 2 * self.block_slots] as usize;
        let first = &self.slots[0];
        let mut net = Network {
            input: (first.in_hw.0, first.in_hw.1, first.cin_max),
            layers: Vec::new(),
        };
        let mut cur: TensorId = 0;
        let mut width = first.cin_max;
        let mut block_input: TensorId = 0;
        let mut j = 0usize; // block slot of the current expand
        for (si, slot) in self.slots.iter().enumerate() {
            let Some(node_id) = e.nodes[si] else {
                if slot.role == Role::Expand {
                    j += 1;
                }
                if slot.kind == SlotKind::Gap {
                    let c = width;
                    let rq = Requant {
                        m: slot.gap.0,
                        s: slot.gap.1,
                    };
                    net.layers.push(Layer::Gap {
                        input: cur,
                        requant: vec![rq; c],
                        clamp: Clamp::NONE,
                    });
                    cur = net.layers.len();
                }
                continue;
            };
            let node = &self.nodes[node_id];
            let layer = match slot.role {
                Role::Stem => {
                    let out = slot.cout_max;
                    let l = Layer::Conv {
                        input: cur,
                        k: slot.kmax,
                        stride: slot.stride,
                        out_c: out,
                        weights: self.slice_weights(slot, out, width, slot.kmax)?,
                        epi: self.epilogue(node, out)?,
                    };
                    width = out;
                    l
                }
                Role::Expand => {
                    let (ex, _) = block(j);
                    j += 1;
                    block_input = cur;
                    let out = width * ex;
                    let l = Layer::Conv {
                        input: cur,
                        k: 1,
                        stride: 1,
                        out_c: out,
                        weights: self.slice_weights(slot, out, width, 1)?,
                        epi: self.epilogue(node, out)?,
                    };
                    width = out;
                    l
                }
                Role::Dw => {
                    let (_, k) = block(j - 1);
                    if k == 0 || k > slot.kmax || k % 2 == 0 {
                        return Err(format!(
                            "block slot {} has kernel {k}, the slot stores {}",
                            j - 1,
                            slot.kmax
                        ));
                    }
                    Layer::DwConv {
                        input: cur,
                        k,
                        stride: slot.stride,
                        weights: self.slice_weights(slot, width, 1, k)?,
                        epi: self.epilogue(node, width)?,
                    }
                }
                Role::Project => {
                    let out = slot.cout_max;
                    let l = Layer::Conv {
                        input: cur,
                        k: 1,
                        stride: 1,
                        out_c: out,
                        weights: self.slice_weights(slot, out, width, 1)?,
                        epi: self.epilogue(node, out)?,
                    };
                    width = out;
                    l
                }
                Role::Add => {
                    let o = node.offset;
                    let word = |a: usize| {
                        self.parm
                            .get(a..a + 4)
                            .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                            .ok_or("add parameters beyond PARM")
                    };
                    let (ma, mb) = (word(o)?, word(o + 4)?);
                    let s = *self.parm.get(o + 8).ok_or("add parameters beyond PARM")?;
                    // a = the block's input, b = its projection (format section 2.2).
                    Layer::Add {
                        a: block_input,
                        b: cur,
                        ma,
                        mb,
                        s,
                        clamp: node.clamp,
                    }
                }
                Role::Head => {
                    let l = Layer::Conv {
                        input: cur,
                        k: 1,
                        stride: 1,
                        out_c: head_w,
                        weights: self.slice_weights(slot, head_w, width, 1)?,
                        epi: self.epilogue(node, head_w)?,
                    };
                    width = head_w;
                    l
                }
                Role::Fc => {
                    let out = slot.cout_max;
                    Layer::Conv {
                        input: cur,
                        k: 1,
                        stride: 1,
                        out_c: out,
                        weights: self.slice_weights(slot, out, width, 1)?,
                        epi: self.epilogue(node, out)?,
                    }
                }
                Role::Gap => unreachable!("gap has no node"),
            };
            net.layers.push(layer);
            cur = net.layers.len();
        }
        net.shapes().map_err(|e| e.to_string())?;
        Ok(net)
    }

    /// Bytes of int8 weights SubNet `index` uses.
    pub fn subnet_weight_bytes(&self, index: usize) -> Result<usize, String> {
        let net = self.network(index)?;
        Ok(net
            .layers
            .iter()
            .map(|l| match l {
                Layer::Conv { weights, .. } | Layer::DwConv { weights, .. } => weights.len(),
                _ => 0,
            })
            .sum())
    }

    /// Bytes of int8 weights of the whole SuperNet.
    pub fn total_weight_bytes(&self) -> usize {
        self.weights.len()
    }
}
