//! `since FIELD` in the query: the instant each lead's events must come
//! after, joined to its events, and the latest activity of a decaying
//! score that has one. A missing instant, or one after as-of, filters
//! nothing, as in the native evaluator.
//!
//! This is the one module that names the since columns.

use super::input::field_column;
use super::query::{Column, Cte, Select};
use super::Compiler;
use crate::plan::FieldId;

impl Compiler<'_> {
    /// Every date field some aggregate or decaying score counts after, in
    /// field order.
    pub fn since_fields(&self) -> Vec<FieldId> {
        let plan = self.plan;
        let mut fields: Vec<FieldId> = plan
            .aggregates
            .iter()
            .filter_map(|a| a.since)
            .chain(self.decaying_since())
            .collect();
        fields.sort_unstable();
        fields.dedup();
        fields
    }

    /// The `since` fields of the scores that decay.
    fn decaying_since(&self) -> impl Iterator<Item = FieldId> + '_ {
        let plan = self.plan;
        plan.groups
            .iter()
            .filter(|g| g.decay.is_some())
            .filter_map(|g| g.since)
            .chain(plan.total.decay.as_ref().and(plan.total.since))
    }

    /// The `since` fields of the scores that decay, each once, in order.
    fn decaying_since_fields(&self) -> Vec<FieldId> {
        let mut fields: Vec<FieldId> = self.decaying_since().collect();
        fields.sort_unstable();
        fields.dedup();
        fields
    }

    fn field_name(&self, field: FieldId) -> &str {
        self.plan.fields.get(field).map_or("", |f| f.name.as_str())
    }

    /// The column of a lead's instant for `since FIELD`.
    fn since_column(&self, field: FieldId) -> String {
        self.id(&format!("since field {}", self.field_name(field)))
    }

    /// One row per lead id (a repeated id is rejected anyway): the instant
    /// of each `since` field, NULL when missing or after as-of.
    pub fn lead_since_cte(&self, fields: &[FieldId]) -> Cte {
        let key = self.id("lead key");
        let mut select = Select::new(format!("{} AS l", self.id("lead_values")));
        select
            .tail
            .push(format!("WHERE l.{} = 1", self.id("rows with this id")));
        select.push(Column::new(format!("l.{key}"), key));
        for &field in fields {
            let value = self
                .plan
                .fields
                .get(field)
                .map(|f| format!("l.{}", self.id(&field_column(f))))
                .unwrap_or_default();
            select.push(
                Column::new(
                    format!("CASE WHEN {value} <= l.{} THEN {value} END", self.as_of()),
                    self.since_column(field),
                )
                .comment(
                    "events count after this instant (every event when it is missing or after as-of)",
                ),
            );
        }
        Cte {
            name: self.id("lead_since"),
            about: "each lead's `since` instants".to_string(),
            select,
        }
    }

    /// The join that brings the leads' since instants to their events.
    pub fn since_join(&self) -> String {
        let key = self.id("lead key");
        format!(
            "\n  LEFT JOIN {} AS r ON r.{key} = e.{key}",
            self.id("lead_since")
        )
    }

    /// Whether an event (at `at`) counts after the lead's `since` field.
    pub fn after_since(&self, field: FieldId, at: &str) -> String {
        let since = format!("r.{}", self.since_column(field));
        format!("({since} IS NULL OR {at} > {since})")
    }

    /// The column of the latest activity a score sees: every event's, or
    /// with `since`, the latest kept event's.
    pub fn activity_column(&self, since: Option<FieldId>) -> String {
        match since {
            None => self.id("last activity"),
            Some(field) => self.id(&format!("last activity after {}", self.field_name(field))),
        }
    }

    /// The column of whole periods `d` since a score's latest activity.
    pub fn periods_column(&self, d: crate::time::Duration, since: Option<FieldId>) -> String {
        let label = super::clock::label(d);
        match since {
            None => self.id(&format!("periods {label}")),
            Some(field) => self.id(&format!("periods {label} after {}", self.field_name(field))),
        }
    }

    /// The latest-activity columns of the decaying scores with `since`,
    /// computed with the aggregates (`until` bounds events by as-of).
    pub fn since_activity_columns(&self, at: &str, until: &str) -> Vec<Column> {
        self.decaying_since_fields()
            .into_iter()
            .map(|field| {
                let condition = format!("{until} AND {}", self.after_since(field, at));
                Column::new(
                    self.d
                        .aggregate_where(super::dialect::Aggregate::Max, at, &condition),
                    self.activity_column(Some(field)),
                )
                .comment(&format!(
                    "the latest event after {}, for the decay of the scores counting since it",
                    self.field_name(field)
                ))
            })
            .collect()
    }

    /// The names of the latest-activity columns of the decaying scores
    /// with `since`, as `since_activity_columns` makes them.
    pub fn since_activity_names(&self) -> Vec<String> {
        self.decaying_since_fields()
            .into_iter()
            .map(|f| self.activity_column(Some(f)))
            .collect()
    }
}
