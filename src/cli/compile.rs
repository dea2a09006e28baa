//! `leadscore compile`: print what a model compiles to: its plan, its
//! syntax tree, or the SQL query that scores it in a warehouse.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{as_of, checked_model, plan_model, Exit};
use crate::sql::{to_sql, DialectName, SqlOptions, TableName};

#[derive(Args, Debug)]
pub struct CompileArgs {
    /// The model file (.score).
    pub model: PathBuf,
    /// What to print.
    #[arg(long, value_enum, default_value_t = Emit::Plan)]
    pub emit: Emit,
    /// How to write the plan: readable text, or JSON for other tools.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    /// The SQL engine to write for (with `--emit sql`).
    #[arg(long, value_enum, required_if_eq("emit", "sql"))]
    pub dialect: Option<DialectName>,
    /// Score as of this date or instant, written into the query (default:
    /// the engine's clock when the query runs).
    #[arg(long, value_name = "INSTANT")]
    pub as_of: Option<String>,
    /// The leads relation: one to three dot-separated names.
    #[arg(long, value_name = "TABLE", value_parser = TableName::parse)]
    pub leads: Option<TableName>,
    /// The events relation: one to three dot-separated names.
    #[arg(long, value_name = "TABLE", value_parser = TableName::parse)]
    pub events: Option<TableName>,
    /// One row per account (the model's `account` block) instead of one
    /// per lead.
    #[arg(long)]
    pub accounts: bool,
    /// Add a `reasons` column: as JSON, every rule that gave points (and,
    /// with `--accounts`, the members each counted).
    #[arg(long)]
    pub reasons: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Emit {
    /// The evaluation plan.
    Plan,
    /// The syntax tree, conditions fully parenthesised.
    Ast,
    /// One SQL query that scores the leads of a warehouse table.
    Sql,
}

pub fn run(args: &CompileArgs, color: bool) -> Exit {
    if args.emit != Emit::Sql {
        let sql_only = [
            ("--dialect", args.dialect.is_some()),
            ("--as-of", args.as_of.is_some()),
            ("--leads", args.leads.is_some()),
            ("--events", args.events.is_some()),
            ("--reasons", args.reasons),
            ("--accounts", args.accounts),
        ];
        if let Some((flag, _)) = sql_only.iter().find(|(_, given)| *given) {
            eprintln!("error: `{flag}` applies to `--emit sql` only");
            return Exit::Usage;
        }
    }
    if args.emit != Emit::Plan && args.format == PlanFormat::Json {
        eprintln!("error: `--format json` applies to `--emit plan`");
        eprintln!("help: the syntax tree and the SQL are printed as text only");
        return Exit::Usage;
    }
    match args.emit {
        Emit::Plan => match plan_model(&args.model, color) {
            Ok(plan) => {
                match args.format {
                    PlanFormat::Text => out!("{plan}"),
                    PlanFormat::Json => outln!("{:#}", plan.to_json()),
                }
                Exit::Success
            }
            Err(exit) => exit,
        },
        Emit::Ast => emit_ast(args, color),
        Emit::Sql => emit_sql(args, color),
    }
}

fn emit_ast(args: &CompileArgs, color: bool) -> Exit {
    let loaded = match crate::load::load(&args.model) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot read model `{}`: {e}", args.model.display());
            return Exit::Usage;
        }
    };
    if loaded.has_errors() {
        eprint!(
            "{}",
            crate::diagnostic::render(&loaded.diagnostics, &loaded.sources, color)
        );
        return Exit::Findings;
    }
    let file = crate::syntax::ast::File {
        items: loaded.items,
    };
    out!("{file}");
    Exit::Success
}

fn emit_sql(args: &CompileArgs, color: bool) -> Exit {
    let Some(dialect) = args.dialect else {
        eprintln!("error: `--emit sql` needs `--dialect`");
        return Exit::Usage;
    };
    let instant = match &args.as_of {
        Some(text) => match as_of(Some(text)) {
            Ok(t) => Some(t),
            Err(exit) => return exit,
        },
        None => None,
    };
    let planned = match checked_model(&args.model, color) {
        Ok(p) => p,
        Err(exit) => return exit,
    };
    if args.accounts && planned.plan.account.is_none() {
        eprintln!(
            "error: `--accounts`: {} has no `account` block",
            args.model.display()
        );
        eprintln!("help: add an `account by ...` block to score accounts");
        return Exit::Usage;
    }
    let mut options = SqlOptions::new(dialect);
    options.as_of = instant;
    options.reasons = args.reasons;
    options.accounts = args.accounts;
    options.spans = Some(&planned.spans);
    if let Some(leads) = &args.leads {
        options.leads = leads.clone();
    }
    if let Some(events) = &args.events {
        options.events = events.clone();
    }
    match to_sql(&planned.plan, &options) {
        Ok(sql) => {
            out!("{sql}");
            Exit::Success
        }
        Err(diagnostics) => {
            eprint!(
                "{}",
                crate::diagnostic::render(&diagnostics, &planned.sources, color)
            );
            Exit::Findings
        }
    }
}
