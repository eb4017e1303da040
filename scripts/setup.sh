#!/usr/bin/env bash
# Installs what SUSHI needs on a fresh Debian bookworm machine, and nothing that is already there:
#   verilator (>= 5.006)  simulates the RTL (sushi-sim's build script runs it)
#   libclang-dev          bindgen's libclang, to generate the Rust bindings of the C++ shim
#   dataset-fashion-mnist the images the SuperNet is trained and measured on (IDX files)
#   yosys (with `synth`)  synthesises sushi_top for the default config in the test job
# Rust (cargo) and a C++ compiler are expected on the machine.
set -euo pipefail

missing=()
command -v verilator >/dev/null 2>&1 || missing+=(verilator)
# bindgen loads libclang.so at build time and needs clang's own headers (stddef.h): libclang-dev.
if ! ls /usr/lib/llvm-*/lib/libclang.so /usr/lib/llvm-*/lib/clang/*/include/stddef.h >/dev/null 2>&1; then
  missing+=(libclang-dev)
fi
[ -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ] || missing+=(dataset-fashion-mnist)
# `setup.sh synth` also installs Yosys, for the synthesis check of the test job.
if [ "${1:-}" = "synth" ]; then
  command -v yosys >/dev/null 2>&1 || missing+=(yosys)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v cargo >/dev/null 2>&1 || { echo "setup: cargo not found; install Rust (https://rustup.rs)" >&2; exit 1; }
echo "setup: $(verilator --version | head -n1); $(cargo --version)" >&2
