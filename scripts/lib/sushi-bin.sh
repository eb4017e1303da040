# Sourced by scripts that run the CLI: sets $sushi to the `sushi` binary. SUSHI_BIN=path uses an
# already built one; otherwise the release binary is built (with the default `rtl` feature).
# Expects $root, the repository's top directory.
if [ -n "${SUSHI_BIN:-}" ]; then
  sushi=$(realpath "$SUSHI_BIN")
else
  cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p sushi-host --bin sushi
  sushi="$root/target/release/sushi"
fi
