//! CLI tests: one integration-test binary whose modules are the test files.

mod cli;
mod meta;
