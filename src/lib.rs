//! leadscore: a language, compiler and command-line tool for lead scoring.
#![doc = include_str!("../ARCHITECTURE.md")]

pub mod account;
pub mod check;
pub mod cli;
pub mod codes;
pub mod diagnostic;
pub mod eval;
pub mod fmt;
pub mod generate;
pub mod load;
pub mod output;
pub mod plan;
pub mod record;
pub mod refine;
pub mod source;
pub mod sql;
pub mod syntax;
pub mod testing;
pub mod time;
