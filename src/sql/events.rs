//! The event aggregates stage: every count, faded sum, latest and earliest
//! instant the model reads, for every lead, in one pass over the events
//! (one GROUP BY), with the time of the lead's latest activity and the
//! first event error. Events after as-of do not exist for the evaluation.
//!
//! This is the one module that reads the plan's aggregates.

use super::cond::Scope;
use super::dialect::Aggregate as Function;
use super::query::{Column, Cte, Select};
use super::Compiler;
use crate::plan::{AggId, AggKind};
use crate::text::fold;
use crate::time::format_duration;

impl Compiler<'_> {
    pub fn event_aggregates_cte(&mut self) -> Cte {
        let join = if self.since_fields().is_empty() {
            String::new()
        } else {
            self.since_join()
        };
        let mut select = Select::new(format!(
            "{} AS e\n  CROSS JOIN {} AS c{join}",
            self.id("event_values"),
            self.id("clock")
        ));
        let key = format!("e.{}", self.id("lead key"));
        select.tail.push(format!("GROUP BY {key}"));
        select.push(Column::new(key, self.id("lead key")));
        let at = self.id("event at");
        let until = format!("{at} <= {}", self.as_of());
        select.push(
            Column::new(
                self.d.aggregate_where(Function::Max, &at, &until),
                self.id("last activity"),
            )
            .comment("the latest event of any declared type, for decay"),
        );
        for column in self.since_activity_columns(&at, &until) {
            select.push(column);
        }
        let plan = self.plan;
        for (a, aggregate) in plan.aggregates.iter_enumerated() {
            let event = plan.events.get(aggregate.event);
            let event_name = event.map(|e| e.name.as_str()).unwrap_or_default();
            let mut conditions = vec![
                format!(
                    "{} = {}",
                    self.id("event type"),
                    self.d.string(&fold(event_name))
                ),
                until.clone(),
            ];
            let mut about = match aggregate.kind {
                AggKind::Count => format!("agg {a}: how many {event_name} events"),
                AggKind::Faded(d) => format!(
                    "agg {a}: {event_name} events, each weighted by its age over {}",
                    format_duration(d)
                ),
                AggKind::Latest => format!("agg {a}: the latest {event_name} event"),
                AggKind::Earliest => format!("agg {a}: the earliest {event_name} event"),
            };
            if let Some(w) = aggregate.window {
                conditions.push(format!("{at} > {}", self.window_start(w)));
                about.push_str(&format!(" within {}", format_duration(w)));
            }
            if let Some(field) = aggregate.since {
                conditions.push(self.after_since(field, &at));
                let name = plan.fields.get(field).map_or("", |f| f.name.as_str());
                about.push_str(&format!(" after the lead's {name}"));
            }
            if let Some(filter) = &aggregate.filter {
                conditions.push(self.cond(filter, Scope::Event(aggregate.event)));
                about.push_str(" that match its `where`");
            }
            let condition = conditions.join(" AND ");
            let expr = match aggregate.kind {
                AggKind::Count => self.d.aggregate_where(Function::Count, "", &condition),
                AggKind::Faded(d) => {
                    let seconds = self.fade_seconds(d);
                    let age_ms = self
                        .d
                        .int_div(&format!("({} - {at})", self.as_of()), "1000");
                    let weight = format!(
                        "greatest(1 - CAST({age_ms} AS {}) / {} / {seconds}, 0)",
                        self.d.double_type(),
                        self.d.double("1000")
                    );
                    self.d.aggregate_where(Function::Sum, &weight, &condition)
                }
                AggKind::Latest => self.d.aggregate_where(Function::Max, &at, &condition),
                AggKind::Earliest => self.d.aggregate_where(Function::Min, &at, &condition),
            };
            select.push(Column::new(expr, self.id(&format!("agg {a}"))).comment(&about));
        }
        select.push(Column::new(
            format!("min({})", self.event_error()),
            self.id("event error"),
        ));
        Cte {
            name: self.id("event_aggregates"),
            about: "per lead: what the model counts of its events".to_string(),
            select,
        }
    }

    /// How an aggregate's value reads when the lead has no events: counts
    /// and faded sums are 0, instants missing.
    pub fn aggregate_default(&self, a: AggId) -> Option<String> {
        match self.plan.aggregates.get(a).map(|x| x.kind) {
            Some(AggKind::Count | AggKind::Faded(_)) => Some(self.number(0.0)),
            _ => None,
        }
    }
}
