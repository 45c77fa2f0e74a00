//! Helpers shared by the CLI test modules.

use assert_cmd::Command;
use serde_json::Value;

/// The built `concur` binary.
pub fn concur() -> Command {
    Command::cargo_bin("concur").expect("the concur binary is built")
}

/// Runs concur with `args`, expects success, and parses its standard output as JSON.
pub fn json(args: &[&str]) -> Value {
    serde_json::from_str(&stdout(args)).expect("valid JSON")
}

/// Runs concur with `args`, expects success, and returns its standard output as text.
pub fn stdout(args: &[&str]) -> String {
    let out = concur()
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).expect("UTF-8 output")
}
