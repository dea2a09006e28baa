//! SQL: a plan compiled to one SELECT statement that scores every lead of a
//! warehouse table, for one of five engines. The statement reproduces the
//! native evaluator (`eval`) exactly: where an engine cannot say something
//! the same way, compiling fails with a diagnostic instead.
//!
//! The query is built stage by stage (`input`, `events`, `scores`,
//! `outputs`, `accounts`), each writing its expressions through the one
//! [`Dialect`](dialect::Dialect) trait; `query` lays the stages out.

mod accounts;
mod bigquery;
mod clock;
mod cond;
pub mod dialect;
mod duckdb;
mod events;
mod input;
mod outputs;
mod postgres;
mod query;
pub mod regex;
mod scores;
mod since;
mod snowflake;
mod spark;

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::plan::{Origin, Plan, Spans};
use crate::source::Span;
use crate::time::Instant;

use clock::Clock;
use dialect::Dialect;

/// The engines `compile --emit sql` writes for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DialectName {
    Duckdb,
    Postgres,
    Spark,
    Bigquery,
    Snowflake,
}

impl DialectName {
    fn dialect(self) -> &'static dyn Dialect {
        match self {
            DialectName::Duckdb => &duckdb::DuckDb,
            DialectName::Postgres => &postgres::Postgres,
            DialectName::Spark => &spark::Spark,
            DialectName::Bigquery => &bigquery::BigQuery,
            DialectName::Snowflake => &snowflake::Snowflake,
        }
    }

    /// The SQL types of the input columns (text, number, bool, date, list
    /// of text), for documentation and test harnesses.
    pub fn column_types(self) -> [&'static str; 5] {
        self.dialect().column_types()
    }

    /// The expression the queries fold the text `expr` with, and the same
    /// fold as one plain `translate` mapping, for engine tests that check
    /// the two agree on every code point.
    pub fn fold_expressions(self, expr: &str) -> (String, String) {
        let d = self.dialect();
        (d.fold(expr), d.fold_by_mapping(expr))
    }
}

/// A table named on the command line: one to three dot-separated names
/// (`leads`, `crm.leads`, `warehouse.crm.leads`), each quoted in the query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableName(Vec<String>);

impl TableName {
    /// Reads `crm.leads`; `Err` says what a table name may be.
    pub fn parse(text: &str) -> Result<TableName, String> {
        let parts: Vec<&str> = text.split('.').collect();
        let word = |p: &&str| {
            let mut chars = p.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        if (1..=3).contains(&parts.len()) && parts.iter().all(word) {
            Ok(TableName(parts.iter().map(|p| p.to_string()).collect()))
        } else {
            Err(format!(
                "`{text}` is not a table name: write one to three names joined by dots (`leads`, `crm.leads`), each of letters, digits and `_`, not starting with a digit"
            ))
        }
    }

    fn quoted(&self, dialect: &dyn Dialect) -> String {
        self.0
            .iter()
            .map(|p| dialect.ident(p))
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// What `compile --emit sql` was asked for.
pub struct SqlOptions<'a> {
    pub dialect: DialectName,
    /// Written into the query; `None` scores as of the engine's clock.
    pub as_of: Option<Instant>,
    pub leads: TableName,
    pub events: TableName,
    /// One row per account instead of one per lead.
    pub accounts: bool,
    /// Add the `reasons` column (leads only).
    pub reasons: bool,
    /// Where the model's items are written, to point a refusal at them.
    pub spans: Option<&'a Spans>,
}

impl SqlOptions<'_> {
    /// Defaults for `dialect`: tables `leads` and `events`, the engine's clock.
    pub fn new(dialect: DialectName) -> SqlOptions<'static> {
        SqlOptions {
            dialect,
            as_of: None,
            leads: TableName(vec!["leads".to_string()]),
            events: TableName(vec!["events".to_string()]),
            accounts: false,
            reasons: false,
            spans: None,
        }
    }
}

/// The query that scores the leads (or accounts) of `options`' tables as
/// the native evaluator scores them; every construct the dialect cannot
/// say the same way is a diagnostic.
pub fn to_sql(plan: &Plan, options: &SqlOptions) -> Result<String, Vec<Diagnostic>> {
    let mut compiler = Compiler {
        d: options.dialect.dialect(),
        plan,
        options,
        clock: Clock::default(),
        refusals: Vec::new(),
        span: Span::default(),
    };
    input::check_layout(&mut compiler);
    let statement = match (options.accounts, &plan.account) {
        (false, _) => outputs::statement(&mut compiler),
        (true, Some(account)) => accounts::statement(&mut compiler, account),
        (true, None) => {
            compiler.refuse(
                Code::SqlLayout,
                "the model has no `account` block, so it has no accounts to score".to_string(),
                "add an `account by ...` block, or leave out `--accounts`".to_string(),
            );
            String::new()
        }
    };
    if compiler.refusals.is_empty() {
        Ok(statement)
    } else {
        Err(compiler.refusals)
    }
}

/// What every stage shares: the dialect, the plan, the options, the
/// instants the query needs and the refusals found so far.
pub(crate) struct Compiler<'a> {
    pub d: &'static dyn Dialect,
    pub plan: &'a Plan,
    pub options: &'a SqlOptions<'a>,
    pub clock: Clock,
    pub refusals: Vec<Diagnostic>,
    /// Where the construct being compiled was written, for a refusal.
    pub span: Span,
}

impl Compiler<'_> {
    /// A quoted column or stage name.
    pub fn id(&self, name: &str) -> String {
        self.d.ident(name)
    }

    /// A DOUBLE literal of `x`.
    pub fn number(&self, x: f64) -> String {
        let digits = format!("{x}");
        if let Some(positive) = digits.strip_prefix('-') {
            format!("-{}", self.d.double(positive))
        } else {
            self.d.double(&digits)
        }
    }

    /// The leads relation, quoted.
    pub fn leads_table(&self) -> String {
        self.options.leads.quoted(self.d)
    }

    /// The events relation, quoted.
    pub fn events_table(&self) -> String {
        self.options.events.quoted(self.d)
    }

    /// A construct this dialect cannot say as the native evaluator means it.
    pub fn refuse(&mut self, code: Code, message: String, help: String) {
        let span = self.span;
        let label = format!("not expressible in {} SQL", self.d.name());
        self.refusals
            .push(Diagnostic::new(code, span, message).label(label).help(help));
    }

    /// Where a rule is written, as a comment's suffix: ` (model.score:12)`.
    pub fn origin(origin: &Origin) -> String {
        format!(" ({}:{})", origin.file, origin.line)
    }

    /// Points refusals at an item from now on (at the file's start when
    /// the caller gave no spans), `at` picking it from the spans.
    pub fn at(&mut self, at: impl FnOnce(&Spans) -> Option<&Span>) {
        self.span = self.options.spans.and_then(at).copied().unwrap_or_default();
    }

    /// `x` rounded as the native evaluator rounds scores: half away from
    /// zero to two decimals, a fraction within 1e-7 of a half counting as
    /// a half. `x` should be a column: it is written three times.
    pub fn round2(&self, x: &str) -> String {
        let m = format!("abs({x} * 100)");
        format!(
            "CASE WHEN abs({m} - floor({m}) - {half}) < {tolerance} THEN sign({x}) * (floor({m}) + 1) / 100 ELSE sign({x}) * floor({m} + {half}) / 100 END",
            half = self.d.double("0.5"),
            tolerance = self.d.double("0.0000001"),
        )
    }
}
