//! Writing the model a sample suggests: the declarations inferred, and
//! commented example rules, outputs and a test in the shape of the data.

use super::inference::{Field, Inference};
use super::key_stats::{Counts, KeyStats, Type};
use super::sample::{sample_as_of, Sample};
use super::spelling::{number_text, round_number, type_text, Names};
use super::test_example::write_test_example;
use crate::syntax::print::quote;
use crate::text::plural;

/// Accumulates the model text.
pub(super) struct Text(String);

impl Text {
    pub(super) fn line(&mut self, line: impl AsRef<str>) {
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

    pub(super) fn heading(&mut self, title: &str) {
        self.line("# ---------------------------------------------------------------------------");
        self.line(format!("# {title}"));
        self.line("# ---------------------------------------------------------------------------");
        self.blank();
    }
}

pub(super) fn write_sample_model(
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
        plural(sample.records)
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

/// Event names that sound like a lead turning away: their example rule
/// takes points away rather than adding them.
fn sounds_negative(name: &str) -> bool {
    [
        "unsub", "bounce", "opt_out", "optout", "spam", "complain", "churn", "cancel",
    ]
    .iter()
    .any(|w| name.contains(w))
}
