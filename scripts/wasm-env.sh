# Sourced by the build scripts: picks the toolchain that builds std for
# wasm32 with atomics, and exports CARGO_WASM (the cargo to call),
# WASM_LINKER_FLAGS, and for wasm-pack (which calls `cargo` and `rustc` from
# PATH) WASM_PACK_ENV (an `env ...` prefix that makes those the toolchain's)
# and WASM_PACK_MODE.
#
# 1. rustup's nightly with the rust-src component (the usual way on a
#    developer machine: `rustup toolchain install nightly -c rust-src`).
# 2. Debian's rustc-web + rust-web-src + lld-19 (machines that cannot reach
#    rustup's servers): the stable compiler is allowed -Z flags with
#    RUSTC_BOOTSTRAP=1, and links with wasm-ld-19.
pick_wasm_toolchain() {
  if command -v rustup >/dev/null 2>&1 && rustup run nightly rustc --version >/dev/null 2>&1; then
    local sysroot
    sysroot=$(rustup run nightly rustc --print sysroot)
    if [ -d "$sysroot/lib/rustlib/src/rust/library/std" ]; then
      CARGO_WASM="rustup run nightly cargo"
      WASM_LINKER_FLAGS=""
      WASM_TOOLCHAIN="rustup nightly ($(rustup run nightly rustc --version))"
      # no-install: wasm-pack never downloads wasm-bindgen or wasm-opt (it
      # uses the wasm-bindgen on PATH; our own wasm-opt step runs after it);
      # its check for the wasm32 target passes once rustup has it.
      WASM_PACK_ENV="env RUSTUP_TOOLCHAIN=nightly"
      WASM_PACK_MODE=no-install
      export CARGO_WASM WASM_LINKER_FLAGS WASM_TOOLCHAIN WASM_PACK_ENV WASM_PACK_MODE
      return 0
    fi
  fi
  if [ -x /usr/bin/cargo ] && [ -d /usr/lib/rustlib/src/rust/library/std ] && command -v wasm-ld-19 >/dev/null 2>&1; then
    CARGO_WASM="env RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc /usr/bin/cargo"
    WASM_LINKER_FLAGS="-C linker=wasm-ld-19"
    WASM_TOOLCHAIN="Debian ($(/usr/bin/rustc --version)) + wasm-ld-19"
    # force: skips wasm-pack's checks, whose wasm32 one looks for a prebuilt
    # std that Debian does not ship and -Z build-std makes unnecessary (and
    # would call rustup). wasm-bindgen still comes from PATH when its
    # version matches Cargo.lock, which setup.sh makes sure of.
    WASM_PACK_ENV="env RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc PATH=/usr/bin:$PATH"
    WASM_PACK_MODE=force
    export CARGO_WASM WASM_LINKER_FLAGS WASM_TOOLCHAIN WASM_PACK_ENV WASM_PACK_MODE
    return 0
  fi
  return 1
}
