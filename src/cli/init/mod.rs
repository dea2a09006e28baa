//! `leadscore init`: start a new model, from a template or from sample data.
//!
//! With `--from`, the lead schema and the event declarations are inferred
//! from sample records; the rules are left to people, with commented
//! examples in the shape of the data. Whatever is generated is formatted
//! and checked before it is written, so a new model always checks.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};

use clap::Args;

use super::Exit;
use crate::diagnostic::render;
use crate::record::{EventsFile, Format, Json, Records};
use crate::syntax::display::quote;
use crate::syntax::KEYWORDS;
use crate::text::fold;
use crate::time::{parse_instant, Instant};

mod sample;

use sample::*;

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Where to write the new model (.score); `-` prints it instead.
    pub model: PathBuf,
    /// Sample lead records to infer the schema and the events from:
    /// .csv (with a header), .ndjson/.jsonl, or .json (an array); `-` for stdin.
    #[arg(long, value_name = "LEADS")]
    pub from: Option<String>,
    /// Events for CSV leads (lead_id,type,at,<properties>), to infer the
    /// event declarations from.
    #[arg(long, value_name = "FILE", requires = "from")]
    pub events: Option<String>,
    /// Replace MODEL if it exists.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: &InitArgs) -> Exit {
    let to_stdout = args.model.as_os_str() == "-";
    if !to_stdout && !args.force && args.model.exists() {
        eprintln!(
            "error: `{}` already exists; `leadscore init` does not overwrite a model",
            args.model.display()
        );
        eprintln!("help: choose another file name, or pass --force to replace it");
        return Exit::Usage;
    }
    let model_name = if to_stdout {
        "model.score".to_string()
    } else {
        args.model.display().to_string()
    };
    let text = match &args.from {
        None => TEMPLATE.replace("model.score", &model_name),
        Some(leads) => match sample_model(leads, args.events.as_deref(), &model_name) {
            Ok(text) => text,
            Err(exit) => return exit,
        },
    };
    let text = canonical(&text);
    let written = if to_stdout {
        outln!("{}", text.trim_end());
        Ok(())
    } else {
        write_model(&args.model, &text, args.force)
    };
    if let Err(e) = written {
        eprintln!("error: cannot write `{}`: {e}", args.model.display());
        if e.kind() == io::ErrorKind::AlreadyExists {
            eprintln!("help: choose another file name, or pass --force to replace it");
        }
        return Exit::Usage;
    }
    if !self_check(&text, &model_name) {
        return Exit::Findings;
    }
    if !to_stdout {
        eprintln!("wrote {model_name}");
        eprintln!("next: leadscore check {model_name} && leadscore test {model_name}");
    }
    Exit::Success
}

/// Writes the model; without `--force` the file is created only if it does
/// not exist at that moment (no check-then-write race).
fn write_model(path: &Path, text: &str, force: bool) -> io::Result<()> {
    let mut file = if force {
        File::create(path)?
    } else {
        OpenOptions::new().write(true).create_new(true).open(path)?
    };
    file.write_all(text.as_bytes())?;
    file.flush()
}

/// The text in the formatter's canonical layout, so that `fmt --check` in CI
/// passes on a fresh model. Text that does not parse is left as it is (the
/// self-check then reports it).
fn canonical(text: &str) -> String {
    let (ast, diagnostics) = crate::syntax::parse(0, text);
    match ast {
        Some(ast) if diagnostics.iter().all(|d| !d.is_error()) => crate::fmt::format(&ast, text),
        _ => text.to_string(),
    }
}

/// Checks the generated model; a problem here is a bug in `init`, reported
/// with the diagnostics so the file can still be fixed by hand.
fn self_check(text: &str, name: &str) -> bool {
    let loaded = crate::load::load_text(name, text, Path::new("."));
    let checked = crate::check::check(&loaded);
    let mut all = loaded.diagnostics.clone();
    all.extend(checked.diagnostics);
    if all.is_empty() {
        return true;
    }
    eprint!("{}", render(&all, &loaded.sources, false));
    eprintln!("error: the model `leadscore init` wrote does not check cleanly; this is a bug in leadscore, please report it");
    false
}

/// The starter model: every kind of item once, all of it used, one test
/// that passes.
const TEMPLATE: &str = r#"# A lead scoring model, started with `leadscore init`.
#
# A model says which leads are ready for sales: what we know about a lead,
# what leads do, the points each signal is worth, and when a lead becomes an
# MQL. Replace the examples with what marketing and sales agree on.
#
#   leadscore check model.score                 # is the model well formed?
#   leadscore test model.score                  # do the tests at the end pass?
#   leadscore score model.score leads.ndjson    # score a file of leads

# ---------------------------------------------------------------------------
# What we know about a lead: one field per CRM column or JSON key
# ---------------------------------------------------------------------------

lead {
  title: text
  seniority: one of [IC, Manager, Director, VP, CXO]
  employees: number as "Number of Employees"  # `as`: the column's name in the data
  email: text
}

# ---------------------------------------------------------------------------
# What leads do: one declaration per event type in the data
# ---------------------------------------------------------------------------

# The first property is the event's key: `visits(pricing)` counts the visits
# whose page is pricing.
event visit(page: text)
event email_open(campaign: text)
event demo_request

# Companies that compete with us: their staff are not buyers.
list competitors = ["rival.io", "othercorp.com"]

when email ends with competitors disqualify "competitor"

# ---------------------------------------------------------------------------
# Fit: is this someone we can sell to? Capped, so fit alone never makes an MQL.
# ---------------------------------------------------------------------------

score fit max 50 {
  when seniority in [VP, CXO] +20 "decision maker"
  when seniority = Director +10 "champion"
  when employees >= 200 +15 "company size we serve"
  when title contains [marketing, growth] +5 "works in marketing"
}

# ---------------------------------------------------------------------------
# Engagement: are they ready to talk? Points drain away when a lead goes quiet.
# ---------------------------------------------------------------------------

score engagement {
  when demo_request within 30d +30 "asked for a demo"
  when visits(pricing) within 30d >= 2 +15 "keeps coming back to pricing"
  each email_open within 90d +2 max 10
  decay 5 every 30d  # minus 5 points for every 30 days without any event
}

# ---------------------------------------------------------------------------
# Who goes to sales
# ---------------------------------------------------------------------------

threshold mql 50  # an MQL: 50 points or more
label grade from fit: A >= 35, B >= 20, C  # A: the best fit

# ---------------------------------------------------------------------------
# Tests: what the model must do, checked by `leadscore test`
# ---------------------------------------------------------------------------

test "a VP at a mid-sized company who asked for a demo is an MQL" {
  as of 2026-11-01
  lead { title: "VP Marketing", seniority: VP, employees: 400, email: "ana@acme.com" }
  events {
    demo_request 3d ago
    visit(pricing) x2 5d ago
    email_open(campaign: launch) 10d ago
  }
  expect fit = 40 and grade = A  # 20 + 15 + 5
  expect engagement = 47  # 30 + 15 + 2
  expect mql
}
"#;

// -- reading the sample -------------------------------------------------------

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Words a declaration cannot take: the keywords and the built-in names.
fn is_reserved(name: &str) -> bool {
    KEYWORDS.contains(&name) || name == "disqualified"
}

/// `Number of Employees` → `number_of_employees`; `LeadSource` → `lead_source`.
fn snake_case(key: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in key.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && previous_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            previous_lower = false;
        }
    }
    let out = out.trim_end_matches('_').to_string();
    if out.is_empty() {
        "field".to_string()
    } else if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("field_{out}")
    } else {
        out
    }
}

/// The one namespace of fields, events (and their plurals), groups,
/// thresholds and labels.
#[derive(Default)]
struct Names {
    taken: Vec<String>,
    /// Event properties: not in the namespace, but a bare word spelt like
    /// one draws a warning inside `where`.
    properties: Vec<String>,
}

impl Names {
    fn is_free(&self, name: &str) -> bool {
        !is_reserved(name) && !self.taken.iter().any(|t| t == name)
    }

    fn take(&mut self, name: &str) {
        self.taken.push(name.to_string());
    }

    /// `wanted` if it is free, else `wanted_<suffix>`, then numbered.
    fn allocate(&mut self, wanted: &str, suffix: &str) -> String {
        let mut name = wanted.to_string();
        if !self.is_free(&name) {
            name = format!("{wanted}_{suffix}");
        }
        let mut n = 2;
        while !self.is_free(&name) {
            name = format!("{wanted}_{suffix}_{n}");
            n += 1;
        }
        self.take(&name);
        name
    }

    /// A constant as a model writes it: a bare word when that is safe (an
    /// identifier that names nothing, so `check` has nothing to warn about),
    /// else quoted.
    fn constant(&self, value: &str) -> String {
        if is_identifier(value)
            && self.is_free(value)
            && !self.properties.iter().any(|p| p == value)
        {
            value.to_string()
        } else {
            quote(value)
        }
    }
}

/// A number as a model writes it (no exponent, no trailing zeros).
fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{n:.0}")
    } else {
        let text = format!("{n:.6}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A round number near `n` (two significant digits), for an example bound.
fn round_number(n: f64) -> f64 {
    if n == 0.0 || !n.is_finite() {
        return n;
    }
    let magnitude = 10f64.powf(n.abs().log10().floor() - 1.0);
    let rounded = (n / magnitude).round() * magnitude;
    // Undo the float noise of the scaling (3.7000000000000002).
    number_text(rounded).parse().unwrap_or(rounded)
}

/// An instant as a model constant: a date when it is midnight UTC.
fn instant_text(at: Instant) -> String {
    if at.time() == chrono::NaiveTime::MIN {
        at.format("%Y-%m-%d").to_string()
    } else {
        at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
    }
}

fn type_text(ty: &Type, names: &Names) -> String {
    match ty {
        Type::Text => "text".to_string(),
        Type::Number => "number".to_string(),
        Type::Bool => "bool".to_string(),
        Type::Date => "date".to_string(),
        Type::ListOfText => "list of text".to_string(),
        Type::OneOf(values) => format!(
            "one of [{}]",
            values
                .iter()
                .map(|v| names.constant(v))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

// -- the inferred model -----------------------------------------------------

struct Field {
    name: String,
    /// The key in the data; the field reads it with `as` when it differs
    /// from the name.
    key: String,
    ty: Type,
}

/// An event property: its name is its key in the data, as the language
/// has no `as` for properties.
struct Prop {
    name: String,
    ty: Type,
}

struct Event {
    name: String,
    props: Vec<Prop>,
    count: usize,
    bad_at: usize,
    /// The key's most frequent value, when it repeats: for an example rule.
    example_key: Option<String>,
}

/// Decides names and types, noting everything that could not be declared.
struct Inference {
    fields: Vec<Field>,
    events: Vec<Event>,
    skipped: Vec<String>,
    names: Names,
}

fn infer(sample: &Sample) -> Inference {
    let mut names = Names::default();
    let mut skipped = Vec::new();
    let mut events = Vec::new();
    // Events first: their names must be the types in the data, while a
    // field can take another name and keep its key with `as`.
    for key in &sample.event_order {
        let Some(stats) = sample.events.get(key) else {
            continue;
        };
        if !is_identifier(key) {
            skipped.push(format!(
                "event type {:?}: not a name a model can declare (letters, digits and `_`); rename it in the data, e.g. to `{}`",
                stats.spelling,
                snake_case(key)
            ));
            continue;
        }
        if is_reserved(key) {
            skipped.push(format!(
                "event type {:?}: `{key}` is a reserved word; rename it in the data",
                stats.spelling
            ));
            continue;
        }
        let plural = format!("{key}s");
        let clash = if !names.is_free(key) {
            Some(key.as_str())
        } else if !names.is_free(&plural) {
            Some(plural.as_str())
        } else {
            None
        };
        if let Some(clash) = clash {
            skipped.push(format!(
                "event type {:?}: `{clash}` already names another event type (an event is also counted by its name with an `s`: `visits` counts `visit` events); rename one of them in the data",
                stats.spelling
            ));
            continue;
        }
        names.take(key);
        names.take(&plural);
        let mut props = Vec::new();
        for (prop_key, prop_stats) in stats.props.iter() {
            // A property no event of this type fills is another type's
            // column in a shared events file.
            if prop_stats.present == 0 {
                continue;
            }
            let place = format!("property {prop_key:?} of `{key}` events");
            if !is_identifier(prop_key) {
                skipped.push(format!(
                    "{place}: not a name a model can declare (letters, digits and `_`); rename it in the data, e.g. to `{}`",
                    snake_case(prop_key)
                ));
                continue;
            }
            if is_reserved(prop_key) {
                skipped.push(format!(
                    "{place}: `{prop_key}` is a reserved word; rename it in the data"
                ));
                continue;
            }
            match prop_stats.infer() {
                Ok(ty) => {
                    names.properties.push(prop_key.to_string());
                    props.push(Prop {
                        name: prop_key.to_string(),
                        ty,
                    });
                }
                Err(why) => skipped.push(format!("{place}: {why}")),
            }
        }
        // The first property is the key of `visits(pricing)`: make it a
        // text one when there is one.
        if let Some(i) = props
            .iter()
            .position(|p| matches!(p.ty, Type::Text | Type::OneOf(_)))
        {
            let key_prop = props.remove(i);
            props.insert(0, key_prop);
        }
        let example_key = props
            .first()
            .filter(|p| matches!(p.ty, Type::Text | Type::OneOf(_)))
            .and_then(|p| stats.props.stats.get(&p.name))
            .and_then(|s| s.values.by_frequency().first().copied())
            .filter(|(n, _)| *n >= 2)
            .map(|(_, v)| v.to_string());
        events.push(Event {
            name: key.clone(),
            props,
            count: stats.count,
            bad_at: stats.bad_at,
            example_key,
        });
    }
    let mut fields = Vec::new();
    for (key, stats) in sample.fields.iter() {
        let ty = match stats.infer() {
            Ok(ty) => ty,
            Err(why) => {
                skipped.push(format!("key {key:?}: {why}"));
                continue;
            }
        };
        let wanted = if is_identifier(key) {
            key.to_string()
        } else {
            snake_case(key)
        };
        let name = names.allocate(&wanted, "field");
        fields.push(Field {
            name,
            key: key.to_string(),
            ty,
        });
    }
    Inference {
        fields,
        events,
        skipped,
        names,
    }
}

/// Event names that sound like a lead turning away: their example rule
/// takes points away rather than adding them.
fn sounds_negative(name: &str) -> bool {
    [
        "unsub", "bounce", "opt_out", "optout", "spam", "complain", "churn", "cancel",
    ]
    .iter()
    .any(|w| name.contains(w))
}

fn sample_model(leads: &str, events: Option<&str>, model_name: &str) -> Result<String, Exit> {
    let sample = read_sample(leads, events).map_err(|(file, e)| {
        eprintln!("error: cannot read `{file}`: {e}");
        Exit::Usage
    })?;
    if sample.records == 0 {
        eprintln!("error: `{leads}` holds no lead records to learn from");
        for problem in sample.unreadable.iter().take(3) {
            eprintln!("  {problem}");
        }
        return Err(Exit::Findings);
    }
    let mut inference = infer(&sample);
    report(&sample, &inference, leads);
    Ok(write_sample_model(
        &sample,
        &mut inference,
        leads,
        events,
        model_name,
    ))
}

/// What was inferred, on stderr, so the user can review it before writing
/// any rule.
fn report(sample: &Sample, inference: &Inference, leads: &str) {
    eprintln!(
        "read {} lead record{} from {leads}",
        sample.records,
        if sample.records == 1 { "" } else { "s" }
    );
    let width = inference
        .fields
        .iter()
        .map(|f| f.name.len())
        .chain(inference.events.iter().map(|e| e.name.len()))
        .max()
        .unwrap_or(0);
    eprintln!("lead fields ({}):", inference.fields.len());
    for f in &inference.fields {
        let present = sample.fields.stats.get(&f.key).map_or(0, |s| s.present);
        let mut line = format!(
            "  {:width$}  {}",
            f.name,
            type_text(&f.ty, &inference.names)
        );
        if f.key != f.name {
            line.push_str(&format!(" as {}", quote(&f.key)));
        }
        line.push_str(&format!(
            "  ({present} of {} record{} with a value)",
            sample.records,
            if sample.records == 1 { "" } else { "s" }
        ));
        eprintln!("{line}");
    }
    eprintln!("events ({}):", inference.events.len());
    for e in &inference.events {
        let mut line = format!(
            "  {:width$}  {} event{}",
            e.name,
            e.count,
            if e.count == 1 { "" } else { "s" }
        );
        if let Some(key) = e.props.first() {
            line.push_str(&format!(", key `{}`", key.name));
        }
        if e.bad_at > 0 {
            line.push_str(&format!(
                "; {} without a readable `at` (records holding them will be rejected)",
                e.bad_at
            ));
        }
        eprintln!("{line}");
    }
    let mut notes: Vec<String> = inference.skipped.clone();
    if sample.without_id > 0 {
        notes.push(format!(
            "{} record{} without an `id`: leadscore needs one (text or a number) on every lead",
            sample.without_id,
            if sample.without_id == 1 { "" } else { "s" }
        ));
    }
    if sample.events_not_a_list > 0 {
        notes.push(format!(
            "{} record{} with an `events` that is not a list of events: leadscore rejects them",
            sample.events_not_a_list,
            if sample.events_not_a_list == 1 {
                ""
            } else {
                "s"
            }
        ));
    }
    if sample.untyped_events > 0 {
        notes.push(format!(
            "{} event{} without a `type`, ignored",
            sample.untyped_events,
            if sample.untyped_events == 1 { "" } else { "s" }
        ));
    }
    if !sample.unreadable.is_empty() {
        notes.push(format!(
            "{} unreadable record{} ignored, the first: {}",
            sample.unreadable.len(),
            if sample.unreadable.len() == 1 {
                ""
            } else {
                "s"
            },
            sample.unreadable.first().map_or("", String::as_str)
        ));
    }
    for note in notes {
        eprintln!("note: {note}");
    }
}

/// Accumulates the model text.
struct Text(String);

impl Text {
    fn line(&mut self, line: impl AsRef<str>) {
        self.0.push_str(line.as_ref());
        self.0.push('\n');
    }

    fn blank(&mut self) {
        self.0.push('\n');
    }

    /// A comment paragraph, wrapped at 78 columns.
    fn paragraph(&mut self, text: &str) {
        let mut line = String::from("#");
        for word in text.split_whitespace() {
            if line.len() + 1 + word.len() > 78 && line != "#" {
                self.line(&line);
                line = String::from("#");
            }
            line.push(' ');
            line.push_str(word);
        }
        self.line(line);
    }

    fn heading(&mut self, title: &str) {
        self.line("# ---------------------------------------------------------------------------");
        self.line(format!("# {title}"));
        self.line("# ---------------------------------------------------------------------------");
        self.blank();
    }
}

fn write_sample_model(
    sample: &Sample,
    inference: &mut Inference,
    leads: &str,
    events_file: Option<&str>,
    model_name: &str,
) -> String {
    let mut t = Text(String::new());
    let from = match events_file {
        Some(events) => format!("--from {leads} --events {events}"),
        None => format!("--from {leads}"),
    };
    t.line(format!(
        "# A lead scoring model, started with\n#   leadscore init {from}"
    ));
    t.line("#");
    t.line(format!(
        "# The lead schema and the events were inferred from {} sample record{}.",
        sample.records,
        if sample.records == 1 { "" } else { "s" }
    ));
    t.line("# Check the types, then write the rules: what each signal is worth is for");
    t.line("# marketing and sales to agree, so no rule reads the fields yet.");
    t.line("#");
    let events_option = events_file.map_or(String::new(), |e| format!(" --events {e}"));
    t.line(format!("#   leadscore check {model_name}"));
    t.line(format!(
        "#   leadscore score {model_name} {leads}{events_option} --as-of {}",
        sample_as_of(sample)
    ));
    t.blank();

    write_schema(&mut t, sample, inference);
    write_event_declarations(&mut t, inference);
    write_fit_examples(&mut t, sample, inference);
    write_engagement(&mut t, inference);
    write_outputs_example(&mut t, inference);
    write_test_example(&mut t, sample, inference);
    t.0
}

fn write_schema(t: &mut Text, sample: &Sample, inference: &Inference) {
    t.heading("What we know about a lead");
    t.paragraph(
        "One field per column (or JSON key) of the sample; `id` is read without being declared.",
    );
    if inference
        .fields
        .iter()
        .any(|f| matches!(f.ty, Type::OneOf(_)))
    {
        t.line("#");
        t.paragraph("A `one of` field rejects a record whose value is not in its list: if the sample did not show every value, add the others or make the field `text`. The list's order is the order of `<` and `>=` (`seniority >= Director`).");
    }
    if inference.fields.is_empty() {
        t.blank();
        t.line("# The sample has no fields besides `id`.");
        t.line("lead {");
        t.line("}");
        t.blank();
        return;
    }
    // Until rules read them, every field would draw a warning that fails
    // `check --deny warnings` in CI; the allow says so and is easy to drop.
    t.line("#");
    t.paragraph("No rule reads the fields yet, so `check` would warn that each one is unused (W006): remove the next line once the rules use them.");
    t.line("# leadscore: allow(W006)");
    t.line("lead {");
    for f in &inference.fields {
        let present = sample.fields.stats.get(&f.key).map_or(0, |s| s.present);
        if present == 0 {
            t.line("  # No values in the sample: declared as text.");
        }
        let mut line = format!("  {}: {}", f.name, type_text(&f.ty, &inference.names));
        if f.key != f.name {
            line.push_str(&format!(" as {}", quote(&f.key)));
        }
        t.line(line);
    }
    t.line("}");
    t.blank();
}

fn write_event_declarations(t: &mut Text, inference: &Inference) {
    t.heading("What leads do");
    if inference.events.is_empty() {
        t.line("# The sample has no events. Declare the ones your data has, such as");
        t.line("#   event visit(page: text)");
        t.line("# then count them in rules: `each visit within 30d +1 max 10`.");
        t.blank();
        return;
    }
    let mut about = "One declaration per event type of the sample.".to_string();
    let keyed = inference
        .events
        .iter()
        .find_map(|e| Some((e, e.props.first()?, e.example_key.as_ref()?)));
    if let Some((event, key, value)) = keyed {
        about.push_str(&format!(
            " The first property of an event is its key: `{}s({})` counts the `{}` events whose `{}` is {value}.",
            event.name,
            inference.names.constant(value),
            event.name,
            key.name
        ));
    }
    t.paragraph(&about);
    t.blank();
    for e in &inference.events {
        if e.props.is_empty() {
            t.line(format!("event {}", e.name));
        } else {
            let props: Vec<String> = e
                .props
                .iter()
                .map(|p| format!("{}: {}", p.name, type_text(&p.ty, &inference.names)))
                .collect();
            t.line(format!("event {}({})", e.name, props.join(", ")));
        }
    }
    t.blank();
}

fn write_engagement(t: &mut Text, inference: &mut Inference) {
    if inference.events.is_empty() {
        return;
    }
    let group = inference.names.allocate("engagement", "score");
    t.heading("Engagement: what the lead does");
    t.line("# A starting point: every event of the last 30 days is worth a point, up to");
    t.line("# 10 points for each kind of event. Give each kind the points it deserves;");
    t.line("# the commented lines show how to count one key of an event.");
    t.blank();
    t.line(format!("score {group} {{"));
    for e in &inference.events {
        if sounds_negative(&e.name) {
            t.line(format!(
                "  # `{}` sounds like a lead turning away, so it takes points away.",
                e.name
            ));
            t.line(format!("  each {} within 30d -1 max 10", e.name));
        } else {
            t.line(format!("  each {} within 30d +1 max 10", e.name));
        }
        if let Some(key) = &e.example_key {
            t.line(format!(
                "  # each {}s({}) within 30d +5 max 15",
                e.name,
                inference.names.constant(key)
            ));
        }
    }
    t.line("  # decay 5 every 30d  # minus 5 points for every 30 days without any event");
    t.line("}");
    t.blank();
}

/// One commented rule per field, in the shape its type takes, with values
/// from the sample.
fn field_example(f: &Field, stats: Option<&KeyStats>, names: &Names) -> String {
    let top = |counts: &Counts, n: usize| -> Vec<String> {
        counts
            .by_frequency()
            .into_iter()
            .filter(|(count, _)| *count >= 2)
            .take(n)
            .map(|(_, v)| names.constant(v))
            .collect()
    };
    let present = format!("when {} is present +5", f.name);
    let Some(stats) = stats.filter(|s| s.present > 0) else {
        return present;
    };
    match &f.ty {
        Type::Number => match stats.median() {
            Some(m) => format!("when {} >= {} +5", f.name, number_text(round_number(m))),
            None => present,
        },
        Type::Bool => format!("when {} +5", f.name),
        Type::Date => format!("when {} within 30d +5", f.name),
        Type::ListOfText => match top(&stats.elements, 1).first() {
            Some(v) => format!("when {} contains {v} +5", f.name),
            None => present,
        },
        Type::OneOf(_) | Type::Text => {
            let values = top(&stats.values, 2);
            if values.is_empty() {
                present
            } else {
                format!("when {} in [{}] +5", f.name, values.join(", "))
            }
        }
    }
}

fn write_fit_examples(t: &mut Text, sample: &Sample, inference: &mut Inference) {
    if inference.fields.is_empty() {
        return;
    }
    let group = inference.names.allocate("fit", "score");
    t.heading("Fit: who the lead is");
    t.line("# Rules in the shape of the sample data, to uncomment and edit. Each is worth");
    t.line("# +5 only as a placeholder; the values are the most frequent in the sample.");
    t.line("#");
    t.line(format!("# score {group} max 50 {{"));
    for f in &inference.fields {
        let example = field_example(f, sample.fields.stats.get(&f.key), &inference.names);
        t.line(format!("#   {example}"));
    }
    t.line("# }");
    t.blank();
}

fn write_outputs_example(t: &mut Text, inference: &mut Inference) {
    let threshold = inference.names.allocate("mql", "threshold");
    let label = inference.names.allocate("priority", "label");
    t.heading("Who goes to sales");
    t.line(format!(
        "# threshold {threshold} 50  # an MQL: 50 points or more"
    ));
    t.line(format!(
        "# label {label} from score: hot >= 50, warm >= 20, cold"
    ));
    t.blank();
}

/// "Now" for the sample: the day after its latest event or date (today
/// when it has none), so examples see every event of the sample.
fn sample_as_of(sample: &Sample) -> String {
    sample
        .latest
        .and_then(|at| at.date_naive().succ_opt())
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| chrono::Utc::now().format("%Y-%m-%d").to_string())
}

/// A commented test of the first sample lead, with its fields and events,
/// ready for expectations.
fn write_test_example(t: &mut Text, sample: &Sample, inference: &Inference) {
    let Some(first) = &sample.first else { return };
    let names = &inference.names;
    let name = match first.get("id") {
        Some(Json::String(s)) => format!("sample lead {}", s.trim()),
        Some(Json::Number(n)) => format!("sample lead {n}"),
        _ => "the first sample lead".to_string(),
    };
    let as_of = sample_as_of(sample);
    let mut lead = Vec::new();
    for f in &inference.fields {
        if let Some(v) = first.get(&f.key).and_then(|v| test_value(v, &f.ty, names)) {
            lead.push(format!("{}: {v}", f.name));
        }
    }
    let mut events = Vec::new();
    let embedded = match first.get("events") {
        Some(Json::Array(items)) => items.as_slice(),
        _ => &[],
    };
    for item in embedded.iter().chain(&sample.first_events) {
        if events.len() >= TEST_EVENTS_CAP {
            break;
        }
        if let Some(line) = test_event(item, inference) {
            events.push(line);
        }
    }
    t.heading("Tests");
    t.line("# A test pins down what the model must do for one lead; `leadscore test` runs");
    t.line("# them all, and CI should too. The first sample lead, ready for what sales");
    t.line("# expects of it (`expect mql`, `expect fit >= 20`, ...):");
    t.line("#");
    t.line(format!("# test {} {{", quote(&name)));
    t.line(format!("#   as of {as_of}"));
    t.line("#   lead {");
    for l in &lead {
        t.line(format!("#     {l}"));
    }
    t.line("#   }");
    if !events.is_empty() {
        t.line("#   events {");
        for e in &events {
            t.line(format!("#     {e}"));
        }
        t.line("#   }");
    }
    t.line("#   expect not disqualified");
    t.line("# }");
}

/// A value of the sample as a constant of the field's type in a test.
fn test_value(value: &Json, ty: &Type, names: &Names) -> Option<String> {
    let scalar = match value {
        Json::String(s) if !s.trim().is_empty() => s.trim().to_string(),
        Json::Number(n) => n.to_string(),
        Json::Bool(b) => b.to_string(),
        Json::Array(items) if *ty == Type::ListOfText => {
            let items: Vec<String> = items
                .iter()
                .filter_map(|i| match i {
                    Json::String(s) if !s.trim().is_empty() => Some(quote(s.trim())),
                    Json::Number(n) => Some(quote(&n.to_string())),
                    _ => None,
                })
                .collect();
            return (!items.is_empty()).then(|| format!("[{}]", items.join(", ")));
        }
        _ => return None,
    };
    match ty {
        Type::Text => Some(quote(&scalar)),
        Type::Number => scalar
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(number_text),
        Type::Bool => Some(scalar.to_lowercase()),
        Type::Date => parse_instant(&scalar).map(instant_text),
        Type::OneOf(_) => Some(names.constant(&scalar)),
        Type::ListOfText => {
            let items: Vec<String> = scalar
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(quote)
                .collect();
            (!items.is_empty()).then(|| format!("[{}]", items.join(", ")))
        }
    }
}

/// An event of the sample as a line of a test's `events { ... }`.
fn test_event(item: &Json, inference: &Inference) -> Option<String> {
    let Some(Json::String(kind)) = item.get("type") else {
        return None;
    };
    let event = inference.events.iter().find(|e| e.name == fold(kind))?;
    let at = match item.get("at") {
        Some(Json::String(s)) => parse_instant(s)?,
        _ => return None,
    };
    let props: Vec<String> = event
        .props
        .iter()
        .filter_map(|p| {
            let v = item.get(&p.name)?;
            test_value(v, &p.ty, &inference.names).map(|v| format!("{}: {v}", p.name))
        })
        .collect();
    let args = if props.is_empty() {
        String::new()
    } else {
        format!("({})", props.join(", "))
    };
    Some(format!("{}{args} {}", event.name, instant_text(at)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_names() {
        assert_eq!(snake_case("Number of Employees"), "number_of_employees");
        assert_eq!(snake_case("lead-source"), "lead_source");
        assert_eq!(snake_case("LeadSource (CRM)"), "lead_source_crm");
        assert_eq!(snake_case("2024 revenue"), "field_2024_revenue");
        assert_eq!(snake_case("%%"), "field");
    }

    #[test]
    fn names_avoid_keywords_and_clashes() {
        let mut names = Names::default();
        names.take("visit");
        assert_eq!(names.allocate("score", "field"), "score_field");
        assert_eq!(names.allocate("visit", "field"), "visit_field");
        assert_eq!(names.allocate("visit", "field"), "visit_field_2");
        assert_eq!(names.constant("VP"), "VP");
        assert_eq!(names.constant("visit"), "\"visit\"");
        assert_eq!(names.constant("Vice President"), "\"Vice President\"");
    }

    #[test]
    fn numbers_as_written_in_a_model() {
        assert_eq!(number_text(2500.0), "2500");
        assert_eq!(number_text(2.5), "2.5");
        assert_eq!(number_text(round_number(2437.0)), "2400");
        assert_eq!(number_text(round_number(3.74)), "3.7");
        assert_eq!(quote("a \"b\"\n"), "\"a \\\"b\\\"\\n\"");
    }
}
