//! The example test of a sample model: the first sample lead with its
//! fields and events, ready for the expectations sales has of it.

use super::inference::Inference;
use super::key_stats::Type;
use super::model_text::Text;
use super::sample::{sample_as_of, Sample};
use super::spelling::{instant_text, number_text, Names};
use crate::record::Json;
use crate::syntax::print::quote;
use crate::text::fold;
use crate::time::parse_instant;

/// Events of one lead shown in the example test.
const TEST_EVENTS_CAP: usize = 8;

/// A commented test of the first sample lead, with its fields and events,
/// ready for expectations.
pub(super) fn write_test_example(t: &mut Text, sample: &Sample, inference: &Inference) {
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
