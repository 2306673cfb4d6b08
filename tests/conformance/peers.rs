//! The two implementations the harness drives: Rust components built with stormpack-multilang
//! (crates/multilang/examples/conformance.rs) and Python components using Storm's own storm.py
//! (tests/conformance/components.py), fetched from Maven Central as the test setup.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::driver::Driver;

/// multilang-python version the known-good storm.py comes from. The issue names 2.8.8, which
/// Maven Central does not serve here; 2.8.3 is the newest Storm runtime that resolves (its
/// storm.py differs from 2.4.0's, the one flux-wrappers 2.4.0 ships, in comments and blank
/// lines only). Override with STORMPACK_STORM_PY_VERSION.
pub fn storm_py_version() -> String {
    std::env::var("STORMPACK_STORM_PY_VERSION").unwrap_or_else(|_| "2.8.3".to_string())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Peer {
    Rust,
    StormPy,
}

impl Peer {
    pub fn spawn(self, mode: &str, auto_task_ids: bool) -> Driver {
        match self {
            Peer::Rust => {
                let exe = rust_component();
                Driver::spawn(
                    &format!("rust:{mode}"),
                    exe,
                    &[mode],
                    exe.parent().unwrap(),
                    auto_task_ids,
                )
            }
            Peer::StormPy => {
                let dir = storm_py_dir();
                Driver::spawn(
                    &format!("storm.py:{mode}"),
                    Path::new("python3"),
                    &["components.py", mode],
                    dir,
                    auto_task_ids,
                )
            }
        }
    }
}

/// Builds crates/multilang/examples/conformance.rs once (release when the tests are).
pub fn rust_component() -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut cmd = Command::new(env!("CARGO"));
        cmd.current_dir(root).args([
            "build",
            "--quiet",
            "-p",
            "stormpack-multilang",
            "--example",
            "conformance",
            "--message-format=json",
        ]);
        if !cfg!(debug_assertions) {
            cmd.arg("--release");
        }
        let out = cmd.output().expect("run cargo");
        assert!(
            out.status.success(),
            "building the conformance example failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "conformance")
            .find_map(|m| m["executable"].as_str().map(PathBuf::from))
            .expect("cargo reported no executable for the conformance example")
    })
}

/// A directory holding storm.py (from the multilang-python jar) and components.py, like the
/// `resources` directory Storm extracts and starts components in.
pub fn storm_py_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let version = storm_py_version();
        let jar = multilang_python_jar(&version);
        let mut archive = zip::ZipArchive::new(std::fs::File::open(&jar).unwrap())
            .unwrap_or_else(|e| panic!("{} is not a readable jar: {e}", jar.display()));
        let mut storm_py = String::new();
        archive
            .by_name("resources/storm.py")
            .unwrap_or_else(|e| panic!("{} has no resources/storm.py: {e}", jar.display()))
            .read_to_string(&mut storm_py)
            .unwrap();
        let dir =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("conformance-storm-py-{version}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("storm.py"), storm_py).unwrap();
        let components =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/components.py");
        std::fs::copy(components, dir.join("components.py")).unwrap();
        dir
    })
}

/// `org.apache.storm:multilang-python:<version>` from the local Maven repository, fetched with
/// `mvn dependency:get` when it is not there yet.
fn multilang_python_jar(version: &str) -> PathBuf {
    let home = std::env::var_os("HOME").expect("HOME is not set");
    let jar = PathBuf::from(home)
        .join(".m2/repository/org/apache/storm/multilang-python")
        .join(version)
        .join(format!("multilang-python-{version}.jar"));
    if !jar.is_file() {
        let artifact = format!("-Dartifact=org.apache.storm:multilang-python:{version}");
        let out = Command::new("mvn")
            .args([
                "-q",
                "-B",
                "-U",
                "dependency:get",
                &artifact,
                "-Dtransitive=false",
            ])
            .output()
            .expect("cannot run mvn (Maven is needed to fetch storm.py for the conformance tests)");
        assert!(
            out.status.success() && jar.is_file(),
            "mvn dependency:get {artifact} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    jar
}

/// Builds the examples/wordcount bins (its own workspace) once; returns their directory.
pub fn wordcount_bins() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/wordcount/Cargo.toml");
        let out = Command::new(env!("CARGO"))
            .args([
                "build",
                "--quiet",
                "--bins",
                "--message-format=json",
                "--manifest-path",
            ])
            .arg(&manifest)
            .output()
            .expect("run cargo");
        assert!(
            out.status.success(),
            "building examples/wordcount failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let exe = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "count-bolt")
            .find_map(|m| m["executable"].as_str().map(PathBuf::from))
            .expect("cargo reported no count-bolt executable");
        exe.parent().unwrap().to_path_buf()
    })
}
