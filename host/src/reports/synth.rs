//! Synthesis with Yosys: the resources `sushi_top` takes on its config's FPGA family.
//!
//! The config names the family (`device.synth_family`) and the device's capacity; this module
//! runs the matching `synth_*` pass with the config's parameters (`hw/gen/<config>/params.ys`),
//! reads `stat -json`, and maps the family's primitives to LUTs, flip-flops, DSPs and block RAM.
//! [`synthesize_per_module`] runs the same pass with the hierarchy kept and reports each module.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde::Serialize;
use sushi_hw::HwConfig;

/// Resources of a synthesised design.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resources {
    /// Look-up tables (logic), including LUTs used as distributed RAM.
    pub lut: u64,
    /// Flip-flops.
    pub ff: u64,
    /// DSP blocks / hard multipliers.
    pub dsp: u64,
    /// Block RAM, in bytes of the primitives used.
    pub bram_bytes: u64,
    /// Block RAM primitives used (RAMB18 counts as half a RAMB36).
    pub bram: f64,
    /// Every cell type and its count, as Yosys reported them.
    pub cells: BTreeMap<String, u64>,
}

/// Resources against the device's capacity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SynthReport {
    /// Config name.
    pub config: String,
    /// Yosys pass used.
    pub pass: String,
    /// Resources used.
    pub resources: Resources,
    /// Fraction of the device's LUTs used.
    pub lut_fraction: f64,
    /// Fraction of its flip-flops used.
    pub ff_fraction: f64,
    /// Fraction of its DSPs used.
    pub dsp_fraction: f64,
    /// Fraction of its block RAM bytes used.
    pub bram_fraction: f64,
    /// Every fraction at most 1.
    pub fits: bool,
}

/// One module of a synthesis with the hierarchy kept, over all its instances.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModuleResources {
    /// Module name (its parameterisations merged).
    pub module: String,
    /// Instances in the design.
    pub instances: u64,
    /// The module's own cells (not its submodules'), summed over its instances.
    pub resources: Resources,
}

/// Why synthesis could not run.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// Yosys is not installed.
    #[error(
        "yosys was not found: install it with `apt-get install -y yosys` (Debian's 0.23 works)"
    )]
    NoYosys,
    /// Yosys failed.
    #[error("yosys failed on config `{config}`:\n{stderr}")]
    Failed {
        /// Config.
        config: String,
        /// Its error output (tail).
        stderr: String,
    },
    /// The statistics could not be read.
    #[error("cannot read yosys statistics: {0}")]
    Stat(String),
}

/// The Yosys synthesis command for a family.
pub fn synth_pass(family: &str) -> &'static str {
    match family {
        "xc7" => "synth_xilinx -family xc7 -flatten",
        "xcup" => "synth_xilinx -family xcup -flatten",
        "gowin" => "synth_gowin",
        "ice40" => "synth_ice40 -dsp",
        "ecp5" => "synth_ecp5",
        _ => "synth -flatten",
    }
}

/// The family's synthesis command with the hierarchy kept.
pub fn synth_pass_hier(family: &str) -> String {
    let pass = synth_pass(family);
    match pass.strip_suffix(" -flatten") {
        Some(p) => p.to_string(),
        None => format!("{pass} -noflatten"),
    }
}

/// Bytes of a block RAM primitive, or None for other cells.
fn bram_bytes_of(cell: &str) -> Option<(u64, f64)> {
    match cell {
        "RAMB36E1" | "RAMB36E2" => Some((4608, 1.0)),
        "RAMB18E1" | "RAMB18E2" => Some((2304, 0.5)),
        "DP16KD" | "PDPW16KD" => Some((2304, 1.0)),
        "SB_RAM40_4K" => Some((512, 1.0)),
        "DPB" | "DPX9B" | "SDPB" | "SDPX9B" | "SP" | "SPX9" => Some((2304, 1.0)),
        _ => None,
    }
}

/// Maps `stat -json` cell counts to resources.
pub fn resources_from_stat(stat_json: &str) -> Result<Resources, SynthError> {
    let v: serde_json::Value =
        serde_json::from_str(stat_json).map_err(|e| SynthError::Stat(e.to_string()))?;
    let modules = v["modules"]
        .as_object()
        .ok_or_else(|| SynthError::Stat("no modules".into()))?;
    let top = modules
        .iter()
        .find(|(name, _)| module_name(name) == "sushi_top")
        .map(|(_, m)| m)
        .ok_or_else(|| SynthError::Stat("no sushi_top module".into()))?;
    module_resources(top)
}

/// A module's name without Yosys's escape and parameterisation (`$paramod$<hash>\name`,
/// `$paramod\name\Param=...`).
fn module_name(key: &str) -> &str {
    let key = key.trim_start_matches('\\');
    if key.starts_with("$paramod") {
        key.split('\\').nth(1).unwrap_or(key)
    } else {
        key
    }
}

/// Maps one module's cell counts to resources (submodule instances count nothing).
fn module_resources(module: &serde_json::Value) -> Result<Resources, SynthError> {
    let by_type = module["num_cells_by_type"]
        .as_object()
        .ok_or_else(|| SynthError::Stat("no cell counts".into()))?;
    let mut r = Resources {
        lut: 0,
        ff: 0,
        dsp: 0,
        bram_bytes: 0,
        bram: 0.0,
        cells: BTreeMap::new(),
    };
    for (cell, n) in by_type {
        let n = n.as_u64().unwrap_or(0);
        r.cells.insert(cell.clone(), n);
        let c = cell.trim_start_matches('$');
        if let Some((bytes, units)) = bram_bytes_of(c) {
            r.bram_bytes += bytes * n;
            r.bram += units * n as f64;
        } else if c.starts_with("LUT")
            || c == "INV"
            || c == "SB_LUT4"
            || c == "ALU"
            || c == "TRELLIS_COMB"
        {
            r.lut += n;
        } else if c.starts_with("RAM32M") || c.starts_with("RAM64M") {
            r.lut += 4 * n; // distributed RAM: four LUTs per primitive
        } else if c.starts_with("RAM32X1") || c.starts_with("RAM64X1") {
            r.lut += n;
        } else if c.starts_with("FD")
            || c.starts_with("DFF")
            || c.starts_with("SB_DFF")
            || c == "TRELLIS_FF"
        {
            r.ff += n;
        } else if c.starts_with("DSP48") || c.starts_with("MULT") || c == "SB_MAC16" {
            r.dsp += n;
        }
    }
    Ok(r)
}

/// Per-module resources from `stat -json` of a design synthesised with its hierarchy kept,
/// largest LUT count first. Modules not instantiated under `top` are left out.
pub fn modules_from_stat(stat_json: &str, top: &str) -> Result<Vec<ModuleResources>, SynthError> {
    // Yosys 0.23 leaves a comma after the last module when the design has no top attribute
    // (removed before `stat` so that it does not print the hierarchy as plain text).
    let trimmed = stat_json.trim_end();
    let repaired = match trimmed.strip_suffix('}') {
        Some(body) => format!("{}}}", body.trim_end().trim_end_matches(',')),
        None => trimmed.to_string(),
    };
    let v: serde_json::Value =
        serde_json::from_str(&repaired).map_err(|e| SynthError::Stat(e.to_string()))?;
    let modules = v["modules"]
        .as_object()
        .ok_or_else(|| SynthError::Stat("no modules".into()))?;
    let top_key = modules
        .keys()
        .find(|k| module_name(k) == top)
        .ok_or_else(|| SynthError::Stat(format!("no {top} module")))?;
    // The module key a cell type instantiates: cell types name public modules unescaped
    // (`sushi_x` for the module `\sushi_x`), parameterised ones as their keys.
    let submodule = |cell: &str| {
        modules
            .get_key_value(cell)
            .or_else(|| modules.get_key_value(&format!("\\{cell}")))
            .map(|(k, _)| k.as_str())
    };
    // Instances of every module key, walking down from the top.
    let mut instances: BTreeMap<&str, u64> = BTreeMap::new();
    let mut stack: Vec<(&str, u64)> = vec![(top_key.as_str(), 1)];
    while let Some((key, n)) = stack.pop() {
        *instances.entry(key).or_default() += n;
        if let Some(cells) = modules[key]["num_cells_by_type"].as_object() {
            for (cell, k) in cells {
                if let Some(sub) = submodule(cell) {
                    stack.push((sub, n * k.as_u64().unwrap_or(0)));
                }
            }
        }
    }
    let mut merged: BTreeMap<&str, ModuleResources> = BTreeMap::new();
    for (key, n) in instances {
        let own = module_resources(&modules[key])?;
        let name = module_name(key);
        let m = merged.entry(name).or_insert_with(|| ModuleResources {
            module: name.to_string(),
            instances: 0,
            resources: Resources {
                lut: 0,
                ff: 0,
                dsp: 0,
                bram_bytes: 0,
                bram: 0.0,
                cells: BTreeMap::new(),
            },
        });
        m.instances += n;
        let r = &mut m.resources;
        r.lut += n * own.lut;
        r.ff += n * own.ff;
        r.dsp += n * own.dsp;
        r.bram_bytes += n * own.bram_bytes;
        r.bram += n as f64 * own.bram;
        for (cell, c) in own
            .cells
            .into_iter()
            .filter(|(c, _)| submodule(c).is_none())
        {
            *r.cells.entry(cell).or_default() += n * c;
        }
    }
    let mut out: Vec<ModuleResources> = merged.into_values().collect();
    out.sort_by(|a, b| {
        b.resources
            .lut
            .cmp(&a.resources.lut)
            .then(a.module.cmp(&b.module))
    });
    Ok(out)
}

/// Runs Yosys's `pass` on `sushi_top` with `config`'s parameters and returns `stat -json`
/// (run after `before_stat`).
fn run_yosys(
    config: &HwConfig,
    rtl_dir: &Path,
    gen_dir: &Path,
    pass: &str,
    before_stat: &str,
) -> Result<String, SynthError> {
    let mut files: Vec<String> = std::fs::read_dir(rtl_dir)
        .map_err(|e| SynthError::Stat(format!("{}: {e}", rtl_dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "v"))
        .map(|p| p.display().to_string())
        .collect();
    files.sort();
    let params: String = config
        .derived()
        .rtl_params
        .iter()
        .map(|p| {
            format!(
                "chparam -set {} {} sushi_top; ",
                p.name,
                p.verilog_literal()
            )
        })
        .collect();
    let stat = std::env::temp_dir().join(format!(
        "sushi-synth-{}-{}.json",
        config.name,
        std::process::id()
    ));
    let script = format!(
        "read_verilog -I{} {}; {params}{pass} -top sushi_top; {before_stat}tee -q -o {} stat -json",
        gen_dir.display(),
        files.join(" "),
        stat.display()
    );
    let out = Command::new("yosys")
        .args(["-q", "-p", &script])
        .output()
        .map_err(|_| SynthError::NoYosys)?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(20).collect();
        return Err(SynthError::Failed {
            config: config.name.clone(),
            stderr: tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
        });
    }
    let text = std::fs::read_to_string(&stat).map_err(|e| SynthError::Stat(e.to_string()))?;
    let _ = std::fs::remove_file(&stat);
    Ok(text)
}

/// Synthesises `sushi_top` for `config` with the hierarchy kept and reports each module's own
/// resources. Without flattening, logic is not optimised across module boundaries, so the
/// total is somewhat above [`synthesize`]'s.
pub fn synthesize_per_module(
    config: &HwConfig,
    rtl_dir: &Path,
    gen_dir: &Path,
) -> Result<Vec<ModuleResources>, SynthError> {
    let pass = synth_pass_hier(&config.spec.device.synth_family);
    let text = run_yosys(config, rtl_dir, gen_dir, &pass, "setattr -mod -unset top; ")?;
    modules_from_stat(&text, "sushi_top")
}

/// Synthesises `sushi_top` for `config` from the RTL in `rtl_dir` (headers in `gen_dir`).
pub fn synthesize(
    config: &HwConfig,
    rtl_dir: &Path,
    gen_dir: &Path,
) -> Result<SynthReport, SynthError> {
    let pass = synth_pass(&config.spec.device.synth_family);
    let text = run_yosys(config, rtl_dir, gen_dir, pass, "")?;
    let resources = resources_from_stat(&text)?;
    let d = &config.spec.device;
    let frac = |used: f64, cap: f64| if cap > 0.0 { used / cap } else { f64::INFINITY };
    let lut_fraction = frac(resources.lut as f64, f64::from(d.luts));
    let ff_fraction = frac(resources.ff as f64, f64::from(d.ffs));
    let dsp_fraction = frac(resources.dsp as f64, f64::from(d.dsps));
    let bram_fraction = frac(resources.bram_bytes as f64, d.bram_bytes as f64);
    let fits = [lut_fraction, ff_fraction, dsp_fraction, bram_fraction]
        .iter()
        .all(|&f| f <= 1.0);
    Ok(SynthReport {
        config: config.name.clone(),
        pass: pass.to_string(),
        resources,
        lut_fraction,
        ff_fraction,
        dsp_fraction,
        bram_fraction,
        fits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xilinx_primitives_map_to_resources() {
        let stat = r#"{"modules": {"\\sushi_top": {"num_cells_by_type": {
            "LUT6": 10, "LUT2": 5, "RAM32M": 2, "FDRE": 30, "FDSE": 2, "DSP48E1": 3,
            "RAMB36E1": 2, "RAMB18E1": 1, "CARRY4": 7, "IBUF": 9}}}}"#;
        let r = resources_from_stat(stat).expect("parses");
        assert_eq!((r.lut, r.ff, r.dsp), (15 + 8, 32, 3));
        assert_eq!(r.bram_bytes, 2 * 4608 + 2304);
        assert!((r.bram - 2.5).abs() < 1e-12);
        assert_eq!(r.cells["CARRY4"], 7);
    }

    #[test]
    fn modules_count_their_instances_and_merge_parameterisations() {
        // As Yosys 0.23 writes it without a top attribute: a comma after the last module.
        let stat = r#"{"modules": {
            "\\sushi_top": {"num_cells_by_type": {"LUT2": 1,
                "$paramod$ab\\sushi_fifo": 2, "$paramod\\sushi_fifo\\Width=s32'1": 1,
                "\\sushi_core": 1}},
            "\\sushi_core": {"num_cells_by_type": {"LUT6": 5, "sushi_lane": 4}},
            "\\sushi_lane": {"num_cells_by_type": {"LUT3": 2, "DSP48E1": 1}},
            "$paramod$ab\\sushi_fifo": {"num_cells_by_type": {"LUT4": 3, "FDRE": 8}},
            "$paramod\\sushi_fifo\\Width=s32'1": {"num_cells_by_type": {"LUT4": 1}},
            "\\unused": {"num_cells_by_type": {"LUT6": 99}}
        },
        }"#;
        let m = modules_from_stat(stat, "sushi_top").expect("parses");
        let row = |name: &str| {
            let r = m.iter().find(|r| r.module == name).expect("listed");
            (
                r.instances,
                r.resources.lut,
                r.resources.ff,
                r.resources.dsp,
            )
        };
        assert_eq!(row("sushi_fifo"), (3, 7, 16, 0));
        assert_eq!(row("sushi_lane"), (4, 8, 0, 4));
        assert_eq!(row("sushi_core"), (1, 5, 0, 0));
        assert_eq!(row("sushi_top"), (1, 1, 0, 0));
        assert!(m.iter().all(|r| r.module != "unused"));
        assert_eq!(m[0].module, "sushi_lane");
        assert!(
            m.iter()
                .all(|r| !r.resources.cells.contains_key("sushi_lane"))
        );
    }

    #[test]
    fn the_hierarchy_pass_drops_flattening() {
        assert_eq!(synth_pass_hier("xc7"), "synth_xilinx -family xc7");
        assert_eq!(synth_pass_hier("gowin"), "synth_gowin -noflatten");
        assert_eq!(synth_pass_hier("generic"), "synth");
    }

    #[test]
    fn a_stat_without_sushi_top_is_an_error() {
        let err = resources_from_stat(r#"{"modules": {"\\other": {}}}"#).unwrap_err();
        assert!(err.to_string().contains("sushi_top"));
    }
}
