//! The input stages: the leads and events relations read as the native
//! reader reads records. Text is trimmed of Unicode white space, empty
//! text is missing, text and `one of` values are folded, `one of` values
//! become their position, instants become microseconds since the epoch,
//! lists are folded with empty items dropped; a value the native reader
//! would reject (a `one of` value outside its set, an event without `at`,
//! a missing or repeated id) is named in the row's `error`.
//!
//! This is the one module that reads the plan's fields and event
//! properties (and their types).

use super::query::{Column, Cte, Select};
use super::Compiler;
use crate::codes::Code;
use crate::plan::{EventType, Field, GroupDef, Prop, ValueType};
use crate::text::fold;

/// The leads relation's alias in the input stage.
const LEAD: &str = "l";
/// The events relation's alias in the input stage.
const EVENT: &str = "e";

/// One column of the events relation: the property's name, its type,
/// and the folded name of each event declaring it with the type it gives.
type PropertyColumn<'a> = (&'a str, ValueType, Vec<(String, ValueType)>);

/// How a value of a type is held in the query: one column, plus the raw
/// trimmed text for text (read by `matches`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Text,
    Number,
    Bool,
    Date,
    /// A position among the declared values.
    Ordinal,
    List,
}

pub fn shape(ty: ValueType) -> Shape {
    match ty {
        ValueType::Text => Shape::Text,
        ValueType::Number => Shape::Number,
        ValueType::Bool => Shape::Bool,
        ValueType::Date => Shape::Date,
        ValueType::Enum(_) => Shape::Ordinal,
        ValueType::TextList => Shape::List,
    }
}

/// The column of a field or property's raw (trimmed, unfolded) text.
pub fn raw_name(name: &str) -> String {
    format!("{name} raw")
}

/// Refuses what the relations cannot lay out: an event property name
/// holding two types, and a score or output named like a column of the
/// result that is not one (`error`).
pub fn check_layout(c: &mut Compiler) {
    let plan = c.plan;
    let mut seen: Vec<(&str, Shape, &str)> = Vec::new();
    for (id, EventType { name: event, props }) in plan.events.iter_enumerated() {
        for prop in props.iter() {
            let this = shape(prop.ty);
            match seen.iter().find(|(name, _, _)| *name == prop.name) {
                Some((_, other, first)) if *other != this => {
                    let message = format!(
                        "the events relation cannot hold the property `{}` of `{event}` and of `{first}`: their types differ",
                        prop.name
                    );
                    let help = format!(
                        "rename the property in one of the events, so that each column of the `events` relation has one type ({} SQL)",
                        c.d.name()
                    );
                    c.at(|s| s.events.get(id));
                    c.refuse(Code::SqlLayout, message, help);
                }
                Some(_) => {}
                None => seen.push((&prop.name, this, event)),
            }
        }
    }
    for (id, GroupDef { name, .. }) in plan.groups.iter_enumerated() {
        if name == "error" {
            c.at(|s| s.groups.get(id));
            let message =
                "a group named `error` would share its column with the error of a rejected lead"
                    .to_string();
            c.refuse(Code::SqlLayout, message, "rename the group".to_string());
        }
    }
    for (id, output) in plan.outputs.iter_enumerated() {
        let output = output.name();
        if output == "error" {
            c.at(|s| s.outputs.get(id));
            let message =
                format!("`{output}` would share its column with the error of a rejected lead");
            c.refuse(Code::SqlLayout, message, "rename it".to_string());
        }
    }
}

impl Compiler<'_> {
    /// `nullif(trim(x), '')`: text as the native reader keeps it.
    fn trimmed(&self, column: &str) -> String {
        format!("nullif({}, '')", self.d.trim(column))
    }

    /// The stage that reads the leads relation: trimmed text, typed values.
    pub fn lead_input_cte(&self) -> Cte {
        let mut select = Select::new(format!("{} AS {LEAD}", self.leads_table()));
        let id = format!("{LEAD}.{}", self.id("id"));
        select.push(Column::new(id.clone(), self.id("id")));
        let key = self
            .d
            .trim(&format!("CAST({id} AS {})", self.d.text_type()));
        select.push(Column::new(key, self.id("lead key")).comment("the id as events name it"));
        for field in self.plan.fields.iter() {
            select.push(self.input_column(&field.name, field.ty, LEAD));
        }
        Cte {
            name: self.id("lead_input"),
            about: "the leads, trimmed and typed as the native reader reads records".to_string(),
            select,
        }
    }

    /// The stage that folds the leads' text and places their `one of`
    /// values, next to the clock.
    pub fn lead_values_cte(&self) -> Cte {
        let mut select = Select::new(format!(
            "{} AS s\n  CROSS JOIN {} AS c",
            self.id("lead_input"),
            self.id("clock")
        ));
        select.push(Column::all("s.*"));
        select.push(Column::new(
            format!("count(*) OVER (PARTITION BY s.{})", self.id("lead key")),
            self.id("rows with this id"),
        ));
        for field in self.plan.fields.iter() {
            if let Some(column) = self.value_column(&field.name, field.ty, None) {
                select.push(column);
            }
        }
        select.push(Column::all("c.*"));
        Cte {
            name: self.id("lead_values"),
            about: "the leads' text folded, their `one of` values placed".to_string(),
            select,
        }
    }

    /// The column a value is read into: the trimmed text (NULL when empty)
    /// for text and `one of`, the typed value otherwise.
    fn input_column(&self, name: &str, ty: ValueType, table: &str) -> Column {
        let source = format!("{table}.{}", self.id(name));
        let about = format!("{name}: {}", self.type_name(ty));
        let (expr, alias) = match shape(ty) {
            Shape::Text | Shape::Ordinal => (self.trimmed(&source), raw_name(name)),
            Shape::Number => (
                format!("CAST({source} AS {})", self.d.double_type()),
                name.to_string(),
            ),
            Shape::Bool => (source, name.to_string()),
            Shape::Date => (self.d.epoch_micros(&source), name.to_string()),
            Shape::List => (self.d.fold_list(&source), name.to_string()),
        };
        Column::new(expr, self.id(&alias)).comment(&about)
    }

    /// The folded text, or the position of a `one of` value, from the
    /// trimmed text; `None` for other types. For an event property of a
    /// `one of` type, `per_event` gives the type each event gives it.
    fn value_column(
        &self,
        name: &str,
        ty: ValueType,
        per_event: Option<&[(String, ValueType)]>,
    ) -> Option<Column> {
        let raw = self.id(&raw_name(name));
        let folded = self.d.fold(&raw);
        let expr = match (shape(ty), per_event) {
            (Shape::Text, _) => folded,
            (Shape::Ordinal, None) => self.position(&folded, ty),
            (Shape::Ordinal, Some(types)) => {
                let mut cases = format!("CASE {}", self.id("event type"));
                for (event, ty) in types {
                    cases.push_str(&format!(
                        "\n  WHEN {} THEN {}",
                        self.d.string(event),
                        self.position(&folded, *ty)
                    ));
                }
                cases.push_str("\nEND");
                cases
            }
            _ => return None,
        };
        Some(Column::new(expr, self.id(name)))
    }

    /// `CASE folded WHEN 'ic' THEN 0 ... END`: a `one of` value's position.
    fn position(&self, folded: &str, ty: ValueType) -> String {
        let values = self.enum_values(ty);
        let mut out = format!("CASE {folded}");
        for (i, value) in values.iter().enumerate() {
            let key = fold(value);
            out.push_str(&format!(" WHEN {} THEN {i}", self.d.string(&key)));
        }
        out.push_str(" END");
        out
    }

    /// The declared values of a `one of` type, in order.
    pub fn enum_values(&self, ty: ValueType) -> &[String] {
        match ty {
            ValueType::Enum(e) => self.plan.enums.get(e).map(Vec::as_slice).unwrap_or(&[]),
            _ => &[],
        }
    }

    fn type_name(&self, ty: ValueType) -> String {
        match ty {
            ValueType::Text => "text".to_string(),
            ValueType::Number => "number".to_string(),
            ValueType::Bool => "bool".to_string(),
            ValueType::Date => "date".to_string(),
            ValueType::TextList => "list of text".to_string(),
            ValueType::Enum(_) => format!("one of [{}]", self.enum_values(ty).join(", ")),
        }
    }

    /// The error a field's value gives, or NULL: only `one of` values can
    /// fail to convert once the columns have their natural types.
    pub fn field_errors(&self) -> Vec<String> {
        self.plan
            .fields
            .iter()
            .filter(|f| shape(f.ty) == Shape::Ordinal)
            .map(|f| self.field_error(f))
            .collect()
    }

    fn field_error(&self, field: &Field) -> String {
        let raw = self.id(&raw_name(&field.name));
        let message = format!(
            "{}: expected {}, found ",
            field.name,
            self.type_name(field.ty)
        );
        format!(
            "CASE WHEN {raw} IS NOT NULL AND {} IS NULL THEN {} END",
            self.id(&field.name),
            self.d.concat(&[self.d.string(&message), raw.clone()])
        )
    }

    /// The folded event type, over the events relation.
    fn event_type_expr(&self) -> String {
        self.d
            .fold(&self.d.trim(&format!("{EVENT}.{}", self.id("type"))))
    }

    /// Every property name of the model's events with its type, once, and
    /// for `one of` properties the type each event gives it.
    fn property_columns(&self) -> Vec<PropertyColumn<'_>> {
        let mut out: Vec<PropertyColumn> = Vec::new();
        for event in self.plan.events.iter() {
            for Prop { name, ty } in event.props.iter() {
                let folded = fold(&event.name);
                match out.iter_mut().find(|(n, _, _)| n == name) {
                    Some((_, _, types)) => types.push((folded, *ty)),
                    None => out.push((name, *ty, vec![(folded, *ty)])),
                }
            }
        }
        out
    }

    /// The folded names of the declared event types.
    pub fn event_type_names(&self) -> Vec<String> {
        self.plan.events.iter().map(|e| fold(&e.name)).collect()
    }

    /// The stage that reads the events relation: events of declared types
    /// only, as the native reader ignores the others.
    pub fn event_input_cte(&self) -> Cte {
        let types: Vec<String> = self
            .event_type_names()
            .iter()
            .map(|t| self.d.string(t))
            .collect();
        let mut select = Select::new(format!("{} AS {EVENT}", self.events_table()));
        select.tail.push(format!(
            "WHERE {} IN ({})",
            self.event_type_expr(),
            types.join(", ")
        ));
        let key = self.d.trim(&format!(
            "CAST({EVENT}.{} AS {})",
            self.id("lead_id"),
            self.d.text_type()
        ));
        select.push(Column::new(key, self.id("lead key")));
        select.push(Column::new(self.event_type_expr(), self.id("event type")));
        select.push(Column::new(
            self.d.epoch_micros(&format!("{EVENT}.{}", self.id("at"))),
            self.id("event at"),
        ));
        for (name, ty, _) in self.property_columns() {
            select.push(self.input_column(name, ty, EVENT));
        }
        Cte {
            name: self.id("event_input"),
            about: "the events of declared types, trimmed and typed".to_string(),
            select,
        }
    }

    /// The stage that folds the events' text and places their `one of`
    /// values.
    pub fn event_values_cte(&self) -> Cte {
        let mut select = Select::new(format!("{} AS s", self.id("event_input")));
        select.push(Column::all("s.*"));
        for (name, ty, types) in self.property_columns() {
            let per_event = (shape(ty) == Shape::Ordinal).then_some(types.as_slice());
            if let Some(column) = self.value_column(name, ty, per_event) {
                select.push(column);
            }
        }
        Cte {
            name: self.id("event_values"),
            about: "the events' text folded, their `one of` values placed".to_string(),
            select,
        }
    }

    /// The error an event row gives, or NULL: no `at`, or a `one of`
    /// property outside its set.
    pub fn event_error(&self) -> String {
        let mut cases = vec![format!(
            "WHEN {} IS NULL THEN {}",
            self.id("event at"),
            self.d.concat(&[
                self.d.string("events: a "),
                self.id("event type"),
                self.d.string(" event without a readable `at`")
            ])
        )];
        for (name, ty, _) in self.property_columns() {
            if shape(ty) == Shape::Ordinal {
                let raw = self.id(&raw_name(name));
                cases.push(format!(
                    "WHEN {raw} IS NOT NULL AND {} IS NULL THEN {}",
                    self.id(name),
                    self.d.concat(&[
                        self.d.string("events: a "),
                        self.id("event type"),
                        self.d
                            .string(&format!(" event's `{name}` is not one of its values: ")),
                        raw.clone(),
                    ])
                ));
            }
        }
        format!("CASE {} END", cases.join(" "))
    }

    /// The errors of the lead itself: its id, then its fields in schema
    /// order.
    pub fn lead_errors(&self) -> Vec<String> {
        let id = self.id("id");
        let key = self.id("lead key");
        let mut errors = vec![format!(
            "CASE WHEN {id} IS NULL OR {key} = '' THEN {} WHEN {} > 1 THEN {} END",
            self.d.string("id: missing"),
            self.id("rows with this id"),
            self.d
                .concat(&[self.d.string("id: on more than one row: "), key.clone()])
        )];
        errors.extend(self.field_errors());
        errors
    }
}
