//! The compiled evaluator: the plan's rules, aggregate filters and outputs
//! turned once, when an evaluator is made, into a flat form that scoring a
//! lead runs without walking the plan: conditions become closures over
//! pre-resolved slots and constants (`cond`), rules a list of effects with
//! their points, aggregates a list of steps per event type whose shared
//! filters are tested once per event.
//!
//! It gives the same [`Outcome`] as the tree-walking evaluator of the
//! parent module, which stays the reference: a property test and every
//! eval fixture run both and compare their outputs byte for byte.

mod cond;

use regex::Regex;

use super::numbers::{each_points, per_unit_points};
use super::texts::TextSet;
use super::{count, since, AggValue, Evaluator, Outcome, OutputValue, Step, Tally};
use crate::lead::{FieldValue, Lead};
use crate::plan::{
    BlockId, Effect, EventId, FieldId, GroupId, IdVec, Output, OutputId, PatternId, Plan, RuleId,
    TextSetId,
};
use crate::time::Instant;
use cond::{Ctx, Pools, Test};

/// A plan compiled for one as-of instant.
pub(super) struct Program {
    /// For each event type, the aggregates counted over it.
    events: IdVec<EventId, EventSteps>,
    rules: Vec<Rule>,
    outputs: Vec<CompiledOutput>,
}

/// The aggregates of one event type: their steps, and the distinct
/// filters the steps share (`visits(pricing)` read with and without a
/// window is one filter, tested once per event).
struct EventSteps {
    filters: Vec<Test>,
    steps: Vec<CompiledStep>,
}

struct CompiledStep {
    slot: usize,
    /// Events at or before this instant are outside the window.
    after: Option<Instant>,
    /// An index into the event type's filters.
    filter: Option<usize>,
    /// The lead's date field that events must come after.
    since: Option<FieldId>,
    counting: super::Counting,
}

struct Rule {
    id: RuleId,
    group: Option<GroupId>,
    block: Option<BlockId>,
    effect: CompiledEffect,
}

enum CompiledEffect {
    When(Test, f64),
    Disqualify(Test),
    Each {
        slot: usize,
        points: f64,
        max: Option<f64>,
    },
    PerUnit {
        field: usize,
        per: f64,
        points: f64,
        max: Option<f64>,
    },
}

enum CompiledOutput {
    Threshold(Test),
    /// `(value index, condition)`; `None` is the fallback.
    Label(Vec<(usize, Option<Test>)>),
}

/// Filters an event type's steps test at most this many times an event
/// before they are tested once per step that reads them.
const CACHED_FILTERS: usize = 64;

impl Program {
    pub(super) fn new(
        plan: &Plan,
        as_of: Instant,
        steps: &IdVec<EventId, Vec<Step>>,
        text_sets: &IdVec<TextSetId, TextSet>,
        patterns: &IdVec<PatternId, Regex>,
    ) -> Program {
        let pools = Pools {
            text_sets,
            patterns,
            as_of,
        };
        let events = steps
            .iter()
            .map(|steps| {
                let mut keys: Vec<String> = Vec::new();
                let mut filters = Vec::new();
                let steps = steps
                    .iter()
                    .map(|step| CompiledStep {
                        slot: step.slot.index(),
                        after: step.after,
                        filter: step.filter.map(|c| {
                            // The plan's conditions hold floats, so no `Eq`:
                            // two filters are one when they print the same.
                            let key = format!("{c:?}");
                            keys.iter().position(|k| *k == key).unwrap_or_else(|| {
                                keys.push(key);
                                filters.push(pools.compile(c));
                                filters.len() - 1
                            })
                        }),
                        since: step.since,
                        counting: step.counting,
                    })
                    .collect();
                EventSteps { filters, steps }
            })
            .collect();
        let rules = plan
            .rules
            .iter_enumerated()
            .map(|(id, rule)| Rule {
                id,
                group: rule.group,
                block: rule.block,
                effect: match &rule.effect {
                    Effect::When { condition, points } => {
                        CompiledEffect::When(pools.compile(condition), *points)
                    }
                    Effect::Disqualify { condition, .. } => {
                        CompiledEffect::Disqualify(pools.compile(condition))
                    }
                    Effect::Each {
                        aggregate,
                        points,
                        max,
                    } => CompiledEffect::Each {
                        slot: aggregate.index(),
                        points: *points,
                        max: *max,
                    },
                    Effect::PerUnit {
                        field,
                        per,
                        points,
                        max,
                    } => CompiledEffect::PerUnit {
                        field: field.index(),
                        per: *per,
                        points: *points,
                        max: *max,
                    },
                },
            })
            .collect();
        let outputs = plan
            .outputs
            .iter()
            .map(|output| match output {
                Output::Threshold { condition, .. } => {
                    CompiledOutput::Threshold(pools.compile(condition))
                }
                Output::Label { cases, .. } => CompiledOutput::Label(
                    cases
                        .iter()
                        .map(|(v, c)| (*v, c.as_ref().map(|c| pools.compile(c))))
                        .collect(),
                ),
            })
            .collect();
        Program {
            events,
            rules,
            outputs,
        }
    }

    /// Every aggregate, from its initial value in `values`, in one pass
    /// over the lead's events; the time of the latest event at or before
    /// as-of.
    pub(super) fn aggregate(
        &self,
        as_of: Instant,
        lead: &Lead,
        values: &mut [AggValue],
    ) -> Option<Instant> {
        let mut last_activity: Option<Instant> = None;
        for event in &lead.events {
            if event.at > as_of {
                continue;
            }
            if last_activity.is_none_or(|t| event.at > t) {
                last_activity = Some(event.at);
            }
            let Some(EventSteps { filters, steps }) = self.events.get(event.event) else {
                continue;
            };
            let context = Ctx {
                props: &event.props,
                ..Ctx::of_lead(lead)
            };
            // A bit per filter tested, and a bit per filter passed.
            let (mut tested, mut passed) = (0u64, 0u64);
            for step in steps {
                if step.after.is_some_and(|start| event.at <= start)
                    || step
                        .since
                        .is_some_and(|f| !since::keeps(lead, f, as_of, event.at))
                {
                    continue;
                }
                if let Some(f) = step.filter {
                    let holds = match filters.get(f) {
                        Some(filter) if f < CACHED_FILTERS => {
                            let bit = 1u64 << f;
                            if tested & bit == 0 {
                                tested |= bit;
                                if filter(&context) {
                                    passed |= bit;
                                }
                            }
                            passed & bit != 0
                        }
                        Some(filter) => filter(&context),
                        None => false,
                    };
                    if !holds {
                        continue;
                    }
                }
                if let Some(value) = values.get_mut(step.slot) {
                    count(step.counting, value, event.at, as_of);
                }
            }
        }
        last_activity
    }

    /// The outcome of a lead whose aggregates are known, as
    /// [`Evaluator::evaluate_with`] gives it.
    pub(super) fn evaluate_with(
        &self,
        evaluator: &Evaluator,
        lead: &Lead,
        aggregates: &[AggValue],
        last_activity: Option<Instant>,
        outcome: &mut Outcome,
    ) {
        let context = Ctx {
            aggregates,
            ..Ctx::of_lead(lead)
        };
        let mut tally = Tally::start(outcome, evaluator.plan.groups.len(), last_activity);
        let Outcome {
            score,
            groups,
            outputs,
            disqualified_by,
            reasons,
            adjustments,
            ..
        } = outcome;
        for rule in &self.rules {
            if tally.skips(rule.block) {
                continue;
            }
            let points = match &rule.effect {
                CompiledEffect::When(test, points) => {
                    if !test(&context) {
                        continue;
                    }
                    *points
                }
                CompiledEffect::Disqualify(test) => {
                    if test(&context) {
                        disqualified_by.push(rule.id);
                    }
                    continue;
                }
                CompiledEffect::Each { slot, points, max } => {
                    let n = match aggregates.get(*slot) {
                        Some(AggValue::Number(n)) => *n,
                        _ => 0.0,
                    };
                    let Some(points) = each_points(n, *points, *max) else {
                        continue;
                    };
                    points
                }
                CompiledEffect::PerUnit {
                    field,
                    per,
                    points,
                    max,
                } => {
                    let Some(FieldValue::Number(v)) = lead.fields.get(*field) else {
                        continue;
                    };
                    let Some(points) = per_unit_points(*v, *per, *points, *max) else {
                        continue;
                    };
                    points
                }
            };
            tally.add(rule.id, rule.group, rule.block, points, groups, reasons);
        }
        *score = evaluator.finish_scores(lead, groups, tally.top_sum, last_activity, adjustments);

        let template = Ctx {
            score: *score,
            groups: groups.as_slice(),
            disqualified: !disqualified_by.is_empty(),
            ..context
        };
        self.outputs_into(template, outputs);
    }

    /// Thresholds and labels in order, each seeing those before it. A
    /// disqualified lead passes no threshold.
    fn outputs_into(&self, template: Ctx, outputs: &mut IdVec<OutputId, OutputValue>) {
        outputs.clear();
        for output in &self.outputs {
            let context = Ctx {
                outputs: outputs.as_slice(),
                ..template
            };
            let value = match output {
                CompiledOutput::Threshold(test) => {
                    OutputValue::Threshold(!context.disqualified && test(&context))
                }
                CompiledOutput::Label(cases) => OutputValue::Label(
                    cases
                        .iter()
                        .find(|(_, c)| c.as_ref().is_none_or(|c| c(&context)))
                        .map(|(v, _)| *v),
                ),
            };
            outputs.push(value);
        }
    }
}

impl<'a> Ctx<'a> {
    fn of_lead(lead: &'a Lead) -> Self {
        Ctx {
            fields: &lead.fields,
            props: &[],
            aggregates: &[],
            score: 0.0,
            groups: &[],
            outputs: &[],
            disqualified: false,
        }
    }
}
