//! Deciding the schema: a name and a type for every lead field, event type
//! and event property of the sample, and a note for each that cannot be
//! declared.

use super::key_stats::Type;
use super::sample::Sample;
use super::spelling::{is_identifier, is_reserved, snake_case, Names};

pub(super) struct Field {
    pub(super) name: String,
    /// The key in the data; the field reads it with `as` when it differs
    /// from the name.
    pub(super) key: String,
    pub(super) ty: Type,
}

/// An event property: its name is its key in the data, as the language
/// has no `as` for properties.
pub(super) struct Prop {
    pub(super) name: String,
    pub(super) ty: Type,
}

pub(super) struct Event {
    pub(super) name: String,
    pub(super) props: Vec<Prop>,
    pub(super) count: usize,
    pub(super) bad_at: usize,
    /// The key's most frequent value, when it repeats: for an example rule.
    pub(super) example_key: Option<String>,
}

/// Decides names and types, noting everything that could not be declared.
pub(super) struct Inference {
    pub(super) fields: Vec<Field>,
    pub(super) events: Vec<Event>,
    pub(super) skipped: Vec<String>,
    pub(super) names: Names,
}

pub(super) fn infer(sample: &Sample) -> Inference {
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
