//! CLI tests: one integration-test binary whose modules are the test files.

mod browser;
mod cli;
mod common;
mod extract;
mod fulltext;
mod import;
mod library;
mod living;
mod meta;
mod report;
mod screen;
mod search;
mod web;
