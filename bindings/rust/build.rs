//! Build script of the `pinky` crate.
//!
//! 1. Generates the raw FFI layer (`pinky::sys`) by running the `bindgen`
//!    executable (Debian's package `bindgen`) on include/pinky/pinky.h into
//!    OUT_DIR, keeping only `pinky_*` / `PINKY_*` items.
//! 2. Adds the header's field-mask macros (`#define PINKY_X (UINT64_C(1) << n)`),
//!    which bindgen cannot evaluate, as `u64` constants of the same names.
//! 3. Links libpinky from the repository's build directory, with an rpath so
//!    tests and examples run without LD_LIBRARY_PATH.
//!
//! Environment (relative paths are taken from this crate's directory):
//!   PINKY_INCLUDE_DIR  directory holding pinky/pinky.h   (default ../../include)
//!   PINKY_LIB_DIR      directory holding libpinky.so     (default ../../build)
//!   BINDGEN            the bindgen executable            (default `bindgen` on PATH)

use std::env;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{self, Command};

fn fail(msg: &str) -> ! {
    eprintln!("error: {}", msg);
    process::exit(1);
}

fn dir_from_env(var: &str, base: &Path, default: &str) -> PathBuf {
    match env::var_os(var) {
        Some(v) if !v.is_empty() => base.join(PathBuf::from(v)),
        _ => base.join(default),
    }
}

/// (major, minor) of `bindgen --version` ("bindgen 0.60.1").
fn bindgen_version(bindgen: &std::ffi::OsStr) -> (u32, u32) {
    let out = match Command::new(bindgen).arg("--version").output() {
        Ok(out) => out,
        Err(e) if e.kind() == io::ErrorKind::NotFound => fail(
            "the `bindgen` executable was not found: install it (Debian: \
             `apt-get install bindgen libclang1-14 libclang-common-14-dev`) or name it in BINDGEN",
        ),
        Err(e) => fail(&format!("cannot run {:?}: {}", bindgen, e)),
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text.split_whitespace().nth(1).unwrap_or("");
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// `pub const NAME: u64 = 1 << n;` for every `#define NAME (UINT64_C(1) << n)` in the headers.
fn mask_constants(header_dir: &Path) -> String {
    let mut files: Vec<PathBuf> = match fs::read_dir(header_dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().map_or(false, |x| x == "h"))
            .collect(),
        Err(e) => fail(&format!("{}: {}", header_dir.display(), e)),
    };
    files.sort();
    let mut out = String::from("// Field masks from the headers' `(UINT64_C(1) << n)` macros.\n");
    for file in files {
        let text = match fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) => fail(&format!("{}: {}", file.display(), e)),
        };
        for line in text.lines() {
            let rest = match line.trim_start().strip_prefix("#define ") {
                Some(r) => r.trim_start(),
                None => continue,
            };
            let name_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let (name, body) = rest.split_at(name_end);
            if !name.starts_with("PINKY_") {
                continue;
            }
            let body = body.split("/*").next().unwrap_or("");
            let body: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            let shift = body
                .strip_prefix("(UINT64_C(1)<<")
                .and_then(|b| b.strip_suffix(')'))
                .and_then(|n| n.parse::<u32>().ok());
            if let Some(n) = shift.filter(|&n| n < 64) {
                out.push_str(&format!("pub const {}: u64 = 1 << {};\n", name, n));
            }
        }
    }
    out
}

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    for var in ["PINKY_INCLUDE_DIR", "PINKY_LIB_DIR", "BINDGEN"] {
        println!("cargo:rerun-if-env-changed={}", var);
    }
    println!("cargo:rerun-if-changed=build.rs");

    let include = dir_from_env("PINKY_INCLUDE_DIR", &manifest, "../../include");
    let header_dir = include.join("pinky");
    let header = header_dir.join("pinky.h");
    if !header.is_file() {
        fail(&format!(
            "{} not found: set PINKY_INCLUDE_DIR to the directory that holds pinky/pinky.h",
            header.display()
        ));
    }
    // A directory: cargo reruns this script when any file in it changes.
    println!("cargo:rerun-if-changed={}", header_dir.display());

    // ---- the raw layer ------------------------------------------------------
    let bindgen = env::var_os("BINDGEN").unwrap_or_else(|| "bindgen".into());
    let (major, minor) = bindgen_version(&bindgen);
    let bindings = out_dir.join("pinky_sys.rs");
    let mut cmd = Command::new(&bindgen);
    cmd.arg(&header)
        .args(["--allowlist-function", "pinky_.*"])
        .args(["--allowlist-type", "pinky_.*"])
        .args(["--allowlist-var", "PINKY_.*"])
        // Status codes and other enums as plain constants named as in C (PINKY_OK).
        .arg("--no-prepend-enum-name");
    if major == 0 && minor < 65 {
        // Defaults from bindgen 0.65 on; Debian 12 ships 0.60.
        cmd.arg("--size_t-is-usize").arg("--no-rustfmt-bindings");
    }
    cmd.arg("-o")
        .arg(&bindings)
        .arg("--")
        .arg(format!("-I{}", include.display()));
    match cmd.status() {
        Ok(s) if s.success() => {}
        Ok(s) => fail(&format!(
            "bindgen failed on {} ({}); it needs libclang (Debian: libclang1-14 and \
             libclang-common-14-dev)",
            header.display(),
            s
        )),
        Err(e) => fail(&format!("cannot run {:?}: {}", bindgen, e)),
    }
    if let Err(e) = fs::write(out_dir.join("pinky_masks.rs"), mask_constants(&header_dir)) {
        fail(&format!("cannot write to {}: {}", out_dir.display(), e));
    }

    // ---- linking ------------------------------------------------------------
    let lib = dir_from_env("PINKY_LIB_DIR", &manifest, "../../build");
    if !lib.join("libpinky.so").exists() {
        fail(&format!(
            "{} has no libpinky.so: build the C library first (`make lib` at the \
             repository's root, or `make B=DIR lib` and PINKY_LIB_DIR=DIR)",
            lib.display()
        ));
    }
    let lib = fs::canonicalize(&lib).unwrap_or(lib);
    println!("cargo:rustc-link-search=native={}", lib.display());
    println!("cargo:rustc-link-lib=pinky");
    // Applies to this crate's tests, examples and binaries.
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    // For crates that depend on this one (DEP_PINKY_LIB_DIR, DEP_PINKY_INCLUDE).
    println!("cargo:lib_dir={}", lib.display());
    println!("cargo:include={}", include.display());
}
