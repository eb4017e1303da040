//! Embeds every `configs/*.toml` into the library, so a built `sushi` binary knows its named
//! configs wherever it runs. Adding a config file is all it takes to add a named config.
use std::{env, fs, path::PathBuf};

fn main() {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .join("configs");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<(String, PathBuf)> = fs::read_dir(&dir)
        .expect("hw/configs must exist")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            (
                p.file_stem()
                    .expect("file has a stem")
                    .to_string_lossy()
                    .into_owned(),
                p,
            )
        })
        .collect();
    names.sort();
    let mut out =
        String::from("/// Built-in configs: (name, file name, TOML text), sorted by name.\n");
    out.push_str("pub(crate) const BUILTIN: &[(&str, &str, &str)] = &[\n");
    for (name, path) in &names {
        println!("cargo:rerun-if-changed={}", path.display());
        out.push_str(&format!(
            "    ({name:?}, \"hw/configs/{name}.toml\", include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    out.push_str("];\n");
    let dest =
        PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("builtin_configs.rs");
    fs::write(dest, out).expect("write builtin_configs.rs");
}
