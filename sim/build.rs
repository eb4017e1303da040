//! Builds the Verilated `sushi_top` models, one per hw config, and their C ABI.
//!
//! 1. Verilate `rtl/*.v` once per config with that config's `-G` parameters (from sushi-hw, the
//!    single source), `-Wall` (any lint warning fails the build).
//! 2. Compile the generated C++ and the harness (`csrc/`) with `cc` at -O2 whatever the cargo
//!    profile: at -O0 the models simulate about 15x slower.
//! 3. Compile the Verilator runtime into its own static library, cached in OUT_DIR under a key of
//!    Verilator version, files and flags, so an RTL edit does not recompile it.
//! 4. Run bindgen over the plain-C header `csrc/sushi_sim.h` only (first, so that a missing
//!    libclang stops the build at once).
//!
//! Knobs: `SUSHI_SIM_CONFIGS=tiny,zynq7020` builds only those models (all built-in configs by
//! default); the cargo feature `vcd` compiles tracing in; `VERILATOR_ROOT` overrides the root.
//! A missing or too old Verilator, or a missing libclang, stops the build with the set-up command.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs, thread};

const SETUP_HINT: &str =
    "run `scripts/setup.sh` (it does: apt-get update && apt-get install -y verilator libclang-dev)";
const MIN_VERILATOR: (u32, u32) = (5, 6);
const CXX_OPT_LEVEL: u32 = 2;

/// Stops the build with a message and no backtrace.
fn fail(msg: &str) -> ! {
    eprintln!("\nerror: {msg}\n");
    std::process::exit(1);
}

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let repo = manifest
        .parent()
        .expect("sim/ lives in the repository")
        .to_path_buf();
    let out = PathBuf::from(env::var("OUT_DIR").expect("set by cargo"));
    let rtl_dir = repo.join("rtl");
    let gen_dir = repo.join("hw/gen");
    for p in [
        rtl_dir.as_path(),
        gen_dir.as_path(),
        &repo.join("hw/configs"),
        &manifest.join("csrc"),
    ] {
        println!("cargo:rerun-if-changed={}", p.display());
    }
    for v in ["SUSHI_SIM_CONFIGS", "VERILATOR_ROOT"] {
        println!("cargo:rerun-if-env-changed={v}");
    }
    let trace = env::var_os("CARGO_FEATURE_VCD").is_some();

    let version = verilator_version();
    let root = verilator_root();
    let inc = root.join("include");

    // Bindings for the C header first: a missing libclang should stop the build in seconds,
    // not after the C++ has compiled.
    let header = manifest.join("csrc/sushi_sim.h");
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {})); // bindgen panics when libclang is missing
    let bindings = std::panic::catch_unwind(|| {
        bindgen::Builder::default()
            .header(header.to_string_lossy())
            .allowlist_function("sushi_sim_.*")
            .allowlist_type("SushiSim.*")
            .allowlist_var("SUSHI_SIM_.*")
            .derive_default(true)
            .generate()
    });
    std::panic::set_hook(quiet);
    match bindings {
        Ok(Ok(b)) => b
            .write_to_file(out.join("bindings.rs"))
            .expect("write bindings.rs"),
        Ok(Err(e)) => fail(&format!("bindgen could not parse csrc/sushi_sim.h: {e}")),
        Err(payload) => {
            let detail = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("");
            fail(&format!(
                "bindgen needs libclang, which was not found: {SETUP_HINT}\n({detail})"
            ))
        }
    }

    let configs = selected_configs();
    let mut rtl: Vec<PathBuf> = fs::read_dir(&rtl_dir)
        .unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", rtl_dir.display())))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "v"))
        .collect();
    rtl.sort();
    if rtl.is_empty() {
        fail(&format!("no Verilog files in {}", rtl_dir.display()));
    }

    // 1. Verilate every config (in parallel: each run is single-threaded).
    let jobs: Vec<_> = configs
        .iter()
        .map(|cfg| {
            let mdir = out.join("verilated").join(&cfg.name);
            let prefix = model_class(&cfg.name);
            let mut cmd = Command::new("verilator");
            cmd.args([
                "--cc",
                "--top-module",
                "sushi_top",
                "--prefix",
                &prefix,
                "-Wall",
            ])
            .args([
                "-O3",
                "--x-assign",
                "fast",
                "--x-initial",
                "fast",
                "--noassert",
            ])
            .arg(format!("-I{}", gen_dir.display()))
            .arg("--Mdir")
            .arg(&mdir);
            for p in &cfg.derived().rtl_params {
                cmd.arg(format!("-G{}={}", p.name, p.verilog_literal()));
            }
            if trace {
                cmd.arg("--trace");
            }
            cmd.args(&rtl);
            let name = cfg.name.clone();
            thread::spawn(move || {
                let _ = fs::remove_dir_all(&mdir); // stale hashed file names would be compiled too
                fs::create_dir_all(&mdir)
                    .unwrap_or_else(|e| fail(&format!("cannot create {}: {e}", mdir.display())));
                let output = cmd
                    .output()
                    .unwrap_or_else(|e| fail(&format!("cannot run verilator: {e}")));
                (name, mdir, output)
            })
        })
        .collect();
    let mut verilated = Vec::new();
    for job in jobs {
        let (name, mdir, output) = job.join().expect("verilator thread");
        if !output.status.success() {
            fail(&format!(
                "verilator rejected the RTL for config `{name}` (lint warnings are errors; see rtl/README.md):\n{}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        verilated.push((name, mdir));
    }

    // 2. Models, harness and the generated registry in one static library.
    let base = |b: &mut cc::Build| {
        b.cpp(true)
            .std("c++17")
            .opt_level(CXX_OPT_LEVEL)
            .debug(false)
            .warnings(false) // generated code is noisy under -Wall -Wextra
            .include(&inc)
            .include(inc.join("vltstd"))
            .include(manifest.join("csrc"))
            .define("VM_COVERAGE", "0")
            .define("VM_SC", "0")
            .define("VM_TRACE", if trace { "1" } else { "0" })
            .define("VM_TRACE_VCD", if trace { "1" } else { "0" })
            .define("VM_TRACE_FST", "0")
            .flag_if_supported("-faligned-new")
            .flag_if_supported("-fcf-protection=none");
    };
    let mut models = cc::Build::new();
    base(&mut models);
    let mut globals = Vec::new();
    for (name, mdir) in &verilated {
        let mk = fs::read_to_string(mdir.join(format!("{}_classes.mk", model_class(name))))
            .unwrap_or_else(|e| fail(&format!("verilator wrote no classes.mk for `{name}`: {e}")));
        models.include(mdir);
        for var in [
            "VM_CLASSES_FAST",
            "VM_CLASSES_SLOW",
            "VM_SUPPORT_FAST",
            "VM_SUPPORT_SLOW",
        ] {
            for c in mk_list(&mk, var) {
                models.file(mdir.join(format!("{c}.cpp")));
            }
        }
        for var in ["VM_GLOBAL_FAST", "VM_GLOBAL_SLOW"] {
            for g in mk_list(&mk, var) {
                if !globals.contains(&g) {
                    globals.push(g);
                }
            }
        }
    }
    let registry = out.join("models.cpp");
    fs::write(&registry, registry_source(&configs)).expect("write models.cpp");
    models
        .file(&registry)
        .file(manifest.join("csrc/sushi_sim.cpp"));
    models.compile("sushi_models");

    // 3. The Verilator runtime, rebuilt only when its key changes.
    globals.sort();
    let rt_dir = out.join("verilator_runtime");
    let key = format!(
        "{}|{version}|{globals:?}|O{CXX_OPT_LEVEL}|trace={trace}",
        root.display()
    );
    let stamp = rt_dir.join("key.txt");
    if fs::read_to_string(&stamp).ok().as_deref() != Some(key.as_str()) {
        let _ = fs::remove_dir_all(&rt_dir);
        fs::create_dir_all(&rt_dir).expect("create runtime dir");
        let mut rt = cc::Build::new();
        base(&mut rt);
        for g in &globals {
            rt.file(inc.join(format!("{g}.cpp")));
        }
        rt.out_dir(&rt_dir)
            .cargo_metadata(false)
            .compile("verilated_runtime");
        fs::write(&stamp, &key).expect("write runtime key");
    }
    println!("cargo:rustc-link-search=native={}", rt_dir.display());
    println!("cargo:rustc-link-lib=static=verilated_runtime");

    let names: Vec<&str> = configs.iter().map(|c| c.name.as_str()).collect();
    println!(
        "cargo:rustc-env=SUSHI_SIM_BUILT_CONFIGS={}",
        names.join(",")
    );
}

/// `Vsushi_<config>`: the C++ class of one config's model.
fn model_class(config: &str) -> String {
    format!("Vsushi_{config}")
}

fn selected_configs() -> Vec<sushi_hw::HwConfig> {
    let all = sushi_hw::HwConfig::builtin_names();
    let wanted: Vec<String> = match env::var("SUSHI_SIM_CONFIGS") {
        Ok(list) if !list.trim().is_empty() => {
            list.split(',').map(|s| s.trim().to_string()).collect()
        }
        _ => all.iter().map(|s| s.to_string()).collect(),
    };
    wanted
        .iter()
        .map(|n| {
            sushi_hw::HwConfig::builtin(n).unwrap_or_else(|e| {
                fail(&format!(
                    "SUSHI_SIM_CONFIGS names a config that cannot be built: {e}"
                ))
            })
        })
        .collect()
}

fn registry_source(configs: &[sushi_hw::HwConfig]) -> String {
    let mut s =
        String::from("// Generated by sim/build.rs: the configs whose models are compiled in.\n");
    s.push_str("#include <cstring>\n#include \"harness.h\"\n");
    for c in configs {
        s.push_str(&format!("#include \"{}.h\"\n", model_class(&c.name)));
    }
    s.push_str("namespace sushi {\n");
    let names: Vec<&str> = configs.iter().map(|c| c.name.as_str()).collect();
    s.push_str(&format!(
        "const char* model_names() {{ return \"{}\"; }}\n",
        names.join(",")
    ));
    s.push_str(
        "SimBase* make_model(const char* name, const SushiSimMemConfig& mem, const SushiSimStalls& stalls, uint64_t seed) {\n",
    );
    for c in configs {
        s.push_str(&format!(
            "    if (std::strcmp(name, \"{}\") == 0) return new Harness<{}>(mem, stalls, seed, {});\n",
            c.name,
            model_class(&c.name),
            c.spec.axi.data_bytes
        ));
    }
    s.push_str("    return nullptr;\n}\n}  // namespace sushi\n");
    s
}

fn verilator_root() -> PathBuf {
    if let Ok(r) = env::var("VERILATOR_ROOT") {
        return PathBuf::from(r);
    }
    let out = Command::new("verilator")
        .args(["--getenv", "VERILATOR_ROOT"])
        .output()
        .unwrap_or_else(|_| fail(&format!("Verilator was not found on PATH: {SETUP_HINT}")));
    let root = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    if !Path::new(&root).join("include/verilated.cpp").exists() {
        fail(&format!(
            "Verilator's root {} has no include/verilated.cpp; set VERILATOR_ROOT or {SETUP_HINT}",
            root.display()
        ));
    }
    root
}

/// Checks `verilator --version` against MIN_VERILATOR and returns the version line.
fn verilator_version() -> String {
    let out = Command::new("verilator")
        .arg("--version")
        .output()
        .unwrap_or_else(|_| {
            fail(&format!(
                "Verilator was not found on PATH: sushi-sim needs Verilator >= 5.006; {SETUP_HINT}"
            ))
        });
    let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
    // "Verilator 5.006 2023-01-22 rev (Debian 5.006-3)". Some builds print no number: allow them.
    let parsed = line.split_whitespace().nth(1).and_then(|v| {
        let (major, minor) = v.split_once('.')?;
        Some((major.parse::<u32>().ok()?, minor.parse::<u32>().ok()?))
    });
    match parsed {
        Some(v) if v < MIN_VERILATOR => fail(&format!(
            "{line} is too old: sushi-sim needs Verilator >= {}.{:03}; {SETUP_HINT}",
            MIN_VERILATOR.0, MIN_VERILATOR.1
        )),
        Some(_) => {}
        None => println!(
            "cargo:warning=could not read a version from `verilator --version` ({line}); assuming it is recent"
        ),
    }
    line
}

/// Reads a `VAR += \ a \ b` list from a Verilator-generated `<prefix>_classes.mk`.
fn mk_list(mk: &str, var: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_var = false;
    for line in mk.lines() {
        let t = line.trim();
        if t.starts_with(var) && t.contains("+=") {
            in_var = true;
            continue;
        }
        if in_var {
            let name = t.trim_end_matches('\\').trim();
            if name.is_empty() {
                in_var = false;
            } else {
                out.push(name.to_string());
            }
        }
    }
    out
}
