//! Eval: the native backend. A plan and one lead, as of an instant, to
//! scores, thresholds, labels and the reasons for every point.
//!
//! The plan says what to compute; what makes it fast here (compiled
//! regexes, text sets with a first-byte index, the aggregates grouped by
//! event type) is built from the plan when an evaluator is made. Leads are
//! scored by the plan compiled into closures (`compiled`); the walk over
//! the plan's conditions here is the reference it is tested against, and
//! what tests, explanations and accounts ask of single conditions.

pub mod account;
mod compiled;
mod numbers;
mod since;
mod texts;
mod values;

pub use numbers::round2;
pub(crate) use numbers::whole_and_fraction;
use numbers::{clamp, each_points, per_unit_points};
pub use since::since_instant;

use std::sync::Arc;

use regex::Regex;

use crate::lead::{Event, FieldValue, Lead};
use crate::plan::{
    AccountRuleId, AggId, AggKind, Aggregate, BlockId, Cond, DecayAmount, DecayMode, DecaySpec,
    Effect, EventId, FieldId, GroupId, IdVec, MemberTest, MemberTestId, Output, OutputId,
    PatternId, Plan, Pred, RuleId, TextSetId, Value,
};
use crate::time::{seconds_before, sub_duration, whole_periods, Instant};
use texts::TextSet;
use values::{above, below, field_value, Resolved};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OutputValue {
    Threshold(bool),
    Label(Option<usize>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Reason {
    pub rule: RuleId,
    pub points: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum AdjustmentKind {
    /// Decay for `periods` whole periods of inactivity.
    Decay {
        periods: u32,
    },
    Clamp,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Adjustment {
    /// `None` for the total.
    pub group: Option<GroupId>,
    pub kind: AdjustmentKind,
    pub before: f64,
    pub after: f64,
}

/// The result of evaluating one lead.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    pub score: f64,
    pub groups: IdVec<GroupId, f64>,
    pub outputs: IdVec<OutputId, OutputValue>,
    /// Every disqualify rule that fired, in declaration order.
    pub disqualified_by: Vec<RuleId>,
    /// Every points rule that fired, in declaration order.
    pub reasons: Vec<Reason>,
    pub adjustments: Vec<Adjustment>,
    /// Time of the latest event at or before as-of.
    pub last_activity: Option<Instant>,
}

/// An aggregate's value for one lead: a count (or a faded sum), or the
/// time of the latest or earliest matching event.
#[derive(Clone, Copy, Debug)]
pub enum AggValue {
    Number(f64),
    Time(Option<Instant>),
}

/// One aggregate as counted over one event type, with what depends on
/// as-of worked out once: the loop over a lead's events runs it for every
/// event of that type.
struct Step<'p> {
    /// The aggregate, whose value is in the same slot of a lead's values.
    slot: AggId,
    /// Events at or before this instant are outside the window.
    after: Option<Instant>,
    filter: Option<&'p Cond>,
    /// The lead's date field that events must come after.
    since: Option<FieldId>,
    counting: Counting,
}

#[derive(Clone, Copy)]
enum Counting {
    Count,
    /// The fade period, in seconds back from as-of.
    Faded {
        seconds: f64,
    },
    Latest,
    Earliest,
}

impl<'p> Step<'p> {
    fn new(slot: AggId, aggregate: &'p Aggregate, as_of: Instant) -> Self {
        Step {
            slot,
            after: aggregate
                .window
                .map(|w| sub_duration(as_of, w, 1).unwrap_or(Instant::MIN_UTC)),
            filter: aggregate.filter.as_ref(),
            since: aggregate.since,
            counting: match aggregate.kind {
                AggKind::Count => Counting::Count,
                AggKind::Faded(d) => Counting::Faded {
                    seconds: seconds_before(as_of, d),
                },
                AggKind::Latest => Counting::Latest,
                AggKind::Earliest => Counting::Earliest,
            },
        }
    }
}

/// Models with up to this many aggregates keep a lead's aggregate values on
/// the stack: one allocation fewer per lead.
const INLINE_AGGREGATES: usize = 32;

/// Evaluates leads against one plan at one instant; the window starts of
/// the plan's aggregates are computed once here.
pub struct Evaluator<'p> {
    plan: &'p Plan,
    as_of: Instant,
    /// For each event type, the aggregates counted over it.
    steps: IdVec<EventId, Vec<Step<'p>>>,
    /// The plan's text constants, indexed for fast tests.
    text_sets: Arc<IdVec<TextSetId, TextSet>>,
    /// The plan's regular expressions, compiled.
    patterns: Arc<IdVec<PatternId, Regex>>,
    /// Every aggregate's value before any event is counted.
    initial: Vec<AggValue>,
    /// How many rules can give points: room enough for any lead's reasons.
    points_rules: usize,
    /// The plan's rules, filters and outputs compiled for this as-of.
    program: compiled::Program,
}

#[derive(Clone, Copy)]
struct Context<'a> {
    lead: &'a Lead,
    event: Option<&'a Event>,
    aggregates: &'a [AggValue],
    score: f64,
    // Slices rather than the outcome's tables: one load fewer on every
    // read, and the values read are indexed by the plan's typed ids.
    groups: &'a [f64],
    outputs: &'a [OutputValue],
    disqualified: bool,
    /// In account scope, the number of members passing each member test.
    members: &'a [f64],
    as_of: Instant,
}

impl<'a> Context<'a> {
    /// A lead's context before anything of it is evaluated.
    fn new(lead: &'a Lead, as_of: Instant) -> Self {
        Context {
            lead,
            event: None,
            aggregates: &[],
            score: 0.0,
            groups: &[],
            outputs: &[],
            disqualified: false,
            members: &[],
            as_of,
        }
    }
}

/// Account conditions read no lead; their context points here.
static NO_LEAD: Lead = Lead {
    id: serde_json::Value::Null,
    fields: Vec::new(),
    events: Vec::new(),
};

/// An account's points, score and outputs from its members' tallies.
#[derive(Clone, Debug, PartialEq)]
pub struct AccountScore {
    /// `(rule, points)` of every account rule that fired, in order.
    pub fired: Vec<(AccountRuleId, f64)>,
    /// Base plus rules, before the clamp.
    pub sum: f64,
    pub score: f64,
    pub outputs: IdVec<OutputId, OutputValue>,
}

/// What an evaluator makes of a plan whatever the instant (its text sets
/// indexed, its patterns compiled), kept by a caller that scores with one
/// plan at many instants (a server: one evaluator a request).
#[derive(Clone)]
pub struct Prepared {
    text_sets: Arc<IdVec<TextSetId, TextSet>>,
    patterns: Arc<IdVec<PatternId, Regex>>,
}

impl Prepared {
    pub fn new(plan: &Plan) -> Prepared {
        Prepared {
            text_sets: Arc::new(
                plan.text_sets
                    .iter()
                    .map(|values| TextSet::new(values.clone()))
                    .collect(),
            ),
            patterns: Arc::new(plan.patterns.iter().map(|p| compile_pattern(p)).collect()),
        }
    }
}

/// One lead's points as its rules give them, in rule order: the sums of
/// the groups (in the outcome) and of the top level, and the `first` block
/// that has given its points, whose later rules (which follow it in the
/// table) give none. Both evaluators tally through it.
struct Tally {
    top_sum: f64,
    block_done: Option<BlockId>,
}

impl Tally {
    /// Empties `outcome` for a new lead, its groups' sums at zero.
    fn start(outcome: &mut Outcome, groups: usize, last_activity: Option<Instant>) -> Tally {
        outcome.last_activity = last_activity;
        outcome.disqualified_by.clear();
        outcome.reasons.clear();
        outcome.adjustments.clear();
        outcome.groups.clear();
        outcome.groups.resize(groups, 0.0);
        Tally {
            top_sum: 0.0,
            block_done: None,
        }
    }

    /// Whether a rule of this block comes after the one that gave.
    fn skips(&self, block: Option<BlockId>) -> bool {
        block.is_some() && block == self.block_done
    }

    /// A rule's points into its score and the reasons.
    fn add(
        &mut self,
        rule: RuleId,
        group: Option<GroupId>,
        block: Option<BlockId>,
        points: f64,
        groups: &mut IdVec<GroupId, f64>,
        reasons: &mut Vec<Reason>,
    ) {
        match group {
            Some(g) => groups[g] += points,
            None => self.top_sum += points,
        }
        self.block_done = block;
        reasons.push(Reason { rule, points });
    }
}

impl<'p> Evaluator<'p> {
    pub fn new(plan: &'p Plan, as_of: Instant) -> Self {
        Self::prepared(plan, as_of, &Prepared::new(plan))
    }

    /// An evaluator of `plan` as of `as_of`, with what [`Prepared::new`]
    /// made of the same plan.
    pub fn prepared(plan: &'p Plan, as_of: Instant, prepared: &Prepared) -> Self {
        let aggregates = &plan.aggregates;
        let steps = plan
            .events
            .ids()
            .map(|event| {
                aggregates
                    .iter_enumerated()
                    .filter(|(_, a)| a.event == event)
                    .map(|(slot, a)| Step::new(slot, a, as_of))
                    .collect()
            })
            .collect();
        let text_sets = prepared.text_sets.clone();
        let patterns = prepared.patterns.clone();
        let initial = aggregates
            .iter()
            .map(|a| match a.kind {
                AggKind::Count | AggKind::Faded(_) => AggValue::Number(0.0),
                AggKind::Latest | AggKind::Earliest => AggValue::Time(None),
            })
            .collect();
        let points_rules = plan
            .rules
            .iter()
            .filter(|r| !matches!(r.effect, Effect::Disqualify { .. }))
            .count();
        let program = compiled::Program::new(plan, as_of, &steps, &text_sets, &patterns);
        Evaluator {
            plan,
            as_of,
            steps,
            text_sets,
            patterns,
            initial,
            points_rules,
            program,
        }
    }

    pub fn as_of(&self) -> Instant {
        self.as_of
    }

    pub fn plan(&self) -> &'p Plan {
        self.plan
    }

    pub fn evaluate(&self, lead: &Lead) -> Outcome {
        let model = &self.plan;
        let mut outcome = Outcome {
            groups: IdVec::with_capacity(model.groups.len()),
            outputs: IdVec::with_capacity(model.outputs.len()),
            reasons: Vec::with_capacity(self.points_rules),
            ..Outcome::default()
        };
        self.evaluate_into(lead, &mut outcome);
        outcome
    }

    /// [`Evaluator::evaluate`] into an outcome whose buffers are reused:
    /// a thread scoring many leads allocates nothing here after the first.
    pub fn evaluate_into(&self, lead: &Lead, outcome: &mut Outcome) {
        self.with_compiled_aggregates(lead, |aggregates, last_activity| {
            self.program
                .evaluate_with(self, lead, aggregates, last_activity, outcome);
        });
    }

    /// What [`Evaluator::evaluate_into`] gives, by walking the plan's
    /// conditions rather than running their compiled form: the reference
    /// the compiled evaluator is tested against.
    pub fn evaluate_reference_into(&self, lead: &Lead, outcome: &mut Outcome) {
        self.with_aggregates(lead, |aggregates, last_activity| {
            self.evaluate_with(lead, aggregates, last_activity, outcome);
        });
    }

    fn evaluate_with(
        &self,
        lead: &Lead,
        aggregates: &[AggValue],
        last_activity: Option<Instant>,
        outcome: &mut Outcome,
    ) {
        let model = &self.plan;
        let context = Context {
            aggregates,
            ..Context::new(lead, self.as_of)
        };

        let mut tally = Tally::start(outcome, model.groups.len(), last_activity);
        let Outcome {
            score,
            groups,
            outputs,
            disqualified_by,
            reasons,
            adjustments,
            ..
        } = outcome;
        for (id, rule) in model.rules.iter_enumerated() {
            if tally.skips(rule.block) {
                continue;
            }
            let points = match &rule.effect {
                Effect::When { condition, points } => {
                    if !self.test(condition, &context) {
                        continue;
                    }
                    *points
                }
                Effect::Disqualify { condition, .. } => {
                    if self.test(condition, &context) {
                        disqualified_by.push(id);
                    }
                    continue;
                }
                Effect::Each {
                    aggregate,
                    points,
                    max,
                } => {
                    let n = match aggregates[aggregate.index()] {
                        AggValue::Number(n) => n,
                        AggValue::Time(_) => 0.0,
                    };
                    let Some(points) = each_points(n, *points, *max) else {
                        continue;
                    };
                    points
                }
                Effect::PerUnit {
                    field,
                    per,
                    points,
                    max,
                } => {
                    let FieldValue::Number(v) = lead.field(*field) else {
                        continue;
                    };
                    let Some(points) = per_unit_points(*v, *per, *points, *max) else {
                        continue;
                    };
                    points
                }
            };
            tally.add(id, rule.group, rule.block, points, groups, reasons);
        }

        *score = self.finish_scores(lead, groups, tally.top_sum, last_activity, adjustments);

        let context = Context {
            score: *score,
            groups: groups.as_slice(),
            disqualified: !disqualified_by.is_empty(),
            ..context
        };
        self.outputs_into(&model.outputs, context, outputs);
    }

    /// Each group's sum and then the total finished (decay, clamp,
    /// round): the groups' values in place, the score returned.
    fn finish_scores(
        &self,
        lead: &Lead,
        groups: &mut IdVec<GroupId, f64>,
        top_sum: f64,
        last_activity: Option<Instant>,
        adjustments: &mut Vec<Adjustment>,
    ) -> f64 {
        let model = self.plan;
        // Only a decaying score with `since` looks at its events again.
        let active = |since, decay: Option<&DecaySpec>| match (since, decay) {
            (Some(_), Some(_)) => since::last_activity(lead, since, self.as_of, last_activity),
            _ => last_activity,
        };
        for (g, group) in model.groups.iter_enumerated() {
            groups[g] = self.finish(
                groups[g],
                group.decay.as_ref(),
                group.max,
                group.min,
                Some(g),
                active(group.since, group.decay.as_ref()),
                adjustments,
            );
        }
        let counted: f64 = model
            .groups
            .iter()
            .zip(groups.iter())
            .filter(|(g, _)| !g.separate)
            .map(|(_, v)| *v)
            .sum();
        self.finish(
            top_sum + counted,
            model.total.decay.as_ref(),
            model.total.max,
            model.total.min,
            None,
            active(model.total.since, model.total.decay.as_ref()),
            adjustments,
        )
    }

    /// Thresholds and labels in order, each seeing those before it. A
    /// disqualified lead passes no threshold.
    fn outputs_into(
        &self,
        defs: &IdVec<OutputId, Output>,
        template: Context,
        outputs: &mut IdVec<OutputId, OutputValue>,
    ) {
        outputs.clear();
        for output in defs {
            let context = Context {
                outputs: outputs.as_slice(),
                ..template
            };
            let value = match output {
                Output::Threshold { condition, .. } => {
                    OutputValue::Threshold(!context.disqualified && self.test(condition, &context))
                }
                Output::Label { cases, .. } => OutputValue::Label(
                    cases
                        .iter()
                        .find(|(_, c)| c.as_ref().is_none_or(|c| self.test(c, &context)))
                        .map(|(v, _)| *v),
                ),
            };
            outputs.push(value);
        }
    }

    /// Evaluates a lead into `outcome` and, in the same pass over its
    /// events, whether it passes each of an account's member tests.
    pub fn evaluate_member_into(
        &self,
        lead: &Lead,
        tests: &IdVec<MemberTestId, MemberTest>,
        outcome: &mut Outcome,
    ) -> IdVec<MemberTestId, bool> {
        self.with_compiled_aggregates(lead, |aggregates, last_activity| {
            self.program
                .evaluate_with(self, lead, aggregates, last_activity, outcome);
            let context = self.outcome_context(lead, aggregates, outcome);
            tests
                .iter()
                .map(|t| t.condition.as_ref().is_none_or(|c| self.test(c, &context)))
                .collect()
        })
    }

    /// One aggregate's value for a lead (what a failing test shows).
    pub fn aggregate_value(&self, lead: &Lead, aggregate: AggId) -> Option<AggValue> {
        self.with_aggregates(lead, |values, _| values.get(aggregate.index()).copied())
    }

    /// Evaluates a condition that may read the outcome (a test's `expect`).
    pub fn test_outcome(&self, condition: &Cond, lead: &Lead, outcome: &Outcome) -> bool {
        self.with_aggregates(lead, |aggregates, _| {
            self.test(condition, &self.outcome_context(lead, aggregates, outcome))
        })
    }

    /// Where a condition reads a lead's evaluated outcome.
    fn outcome_context<'a>(
        &self,
        lead: &'a Lead,
        aggregates: &'a [AggValue],
        outcome: &'a Outcome,
    ) -> Context<'a> {
        Context {
            aggregates,
            score: outcome.score,
            groups: outcome.groups.as_slice(),
            outputs: outcome.outputs.as_slice(),
            disqualified: !outcome.disqualified_by.is_empty(),
            ..Context::new(lead, self.as_of)
        }
    }

    /// Runs `f` on the lead's aggregates and the time of its latest event.
    fn with_aggregates<R>(
        &self,
        lead: &Lead,
        f: impl FnOnce(&[AggValue], Option<Instant>) -> R,
    ) -> R {
        self.with_values(|values| self.aggregate(lead, values), f)
    }

    /// [`Evaluator::with_aggregates`], the aggregates counted by the
    /// compiled program.
    fn with_compiled_aggregates<R>(
        &self,
        lead: &Lead,
        f: impl FnOnce(&[AggValue], Option<Instant>) -> R,
    ) -> R {
        self.with_values(|values| self.program.aggregate(self.as_of, lead, values), f)
    }

    /// Runs `f` on the aggregates `fill` counts from their initial values,
    /// and the time of the latest event it returns.
    fn with_values<R>(
        &self,
        fill: impl FnOnce(&mut [AggValue]) -> Option<Instant>,
        f: impl FnOnce(&[AggValue], Option<Instant>) -> R,
    ) -> R {
        let mut inline = [AggValue::Number(0.0); INLINE_AGGREGATES];
        let mut heap = Vec::new();
        let values = match inline.get_mut(..self.initial.len()) {
            Some(values) => {
                values.copy_from_slice(&self.initial);
                values
            }
            None => {
                heap.extend_from_slice(&self.initial);
                heap.as_mut_slice()
            }
        };
        let last_activity = fill(values);
        f(values, last_activity)
    }

    /// Every aggregate of the plan, from its initial value in `values`, in
    /// one pass over the lead's events; returns the time of the latest event
    /// at or before as-of.
    fn aggregate(&self, lead: &Lead, values: &mut [AggValue]) -> Option<Instant> {
        let mut last_activity: Option<Instant> = None;
        for event in &lead.events {
            if event.at > self.as_of {
                continue;
            }
            if last_activity.is_none_or(|t| event.at > t) {
                last_activity = Some(event.at);
            }
            let steps = &self.steps[event.event];
            let context = Context {
                event: Some(event),
                ..Context::new(lead, self.as_of)
            };
            for step in steps {
                if step.after.is_some_and(|start| event.at <= start)
                    || step
                        .since
                        .is_some_and(|f| !since::keeps(lead, f, self.as_of, event.at))
                    || step.filter.is_some_and(|c| !self.test(c, &context))
                {
                    continue;
                }
                count(
                    step.counting,
                    &mut values[step.slot.index()],
                    event.at,
                    self.as_of,
                );
            }
        }
        last_activity
    }

    /// Sum, then decay, then clamp, then round: one score's last steps.
    #[allow(clippy::too_many_arguments)]
    fn finish(
        &self,
        sum: f64,
        decay: Option<&DecaySpec>,
        max: Option<f64>,
        min: Option<f64>,
        group: Option<GroupId>,
        last_activity: Option<Instant>,
        adjustments: &mut Vec<Adjustment>,
    ) -> f64 {
        let mut value = sum;
        if let (Some(decay), Some(last)) = (decay, last_activity) {
            if value > 0.0 {
                let periods = whole_periods(last, self.as_of, decay.period);
                let applied = match decay.mode {
                    DecayMode::After => periods.min(1),
                    DecayMode::Every => periods,
                };
                if applied > 0 {
                    let decayed = match decay.amount {
                        DecayAmount::Points(p) => (value - p * f64::from(applied)).max(0.0),
                        DecayAmount::Percent(p) => {
                            let factor = (1.0 - p / 100.0).max(0.0);
                            value * factor.powi(i32::try_from(applied).unwrap_or(i32::MAX))
                        }
                    };
                    adjustments.push(Adjustment {
                        group,
                        kind: AdjustmentKind::Decay { periods: applied },
                        before: value,
                        after: decayed,
                    });
                    value = decayed;
                }
            }
        }
        let clamped = clamp(value, max, min);
        if clamped != value {
            adjustments.push(Adjustment {
                group,
                kind: AdjustmentKind::Clamp,
                before: value,
                after: clamped,
            });
        }
        round2(clamped)
    }

    fn test(&self, condition: &Cond, context: &Context) -> bool {
        match condition {
            Cond::And(items) => items.iter().all(|c| self.test(c, context)),
            Cond::Or(items) => items.iter().any(|c| self.test(c, context)),
            Cond::Not(c) => !self.test(c, context),
            Cond::Truthy(v) => matches!(resolve(v, context), Resolved::Bool(true)),
            Cond::Within(v, d) => match resolve(v, context) {
                Resolved::Date(t) => {
                    let start = sub_duration(context.as_of, *d, 1).unwrap_or(Instant::MIN_UTC);
                    t > start && t <= context.as_of
                }
                _ => false,
            },
            Cond::Test(v, p) => self.holds(p, &resolve(v, context)),
        }
    }

    fn holds(&self, pred: &Pred, value: &Resolved) -> bool {
        match (pred, value) {
            (Pred::Missing, v) => matches!(v, Resolved::Missing),
            (Pred::Present, v) => !matches!(v, Resolved::Missing),
            (_, Resolved::Missing) => false,
            (Pred::Text(op, set), Resolved::Text(_, folded)) => {
                self.text_sets[*set].holds(*op, folded)
            }
            (Pred::ListHas(set), Resolved::List(items)) => self.text_sets[*set].has_any(items),
            (Pred::Matches(p), Resolved::Text(raw, _)) => self.patterns[*p].is_match(raw),
            (Pred::Number(o, n), Resolved::Number(x)) => o.holds(*x, *n),
            (Pred::NumberBetween(a, b), Resolved::Number(x)) => *a <= *x && *x <= *b,
            (Pred::NumberIn(values), Resolved::Number(x)) => values.contains(x),
            (Pred::Ordinal(o, i), Resolved::Ordinal(x)) => o.holds(*x, *i),
            (Pred::OrdinalBetween(a, b), Resolved::Ordinal(x)) => *a <= *x && *x <= *b,
            (Pred::OrdinalIn(values), Resolved::Ordinal(x)) => values.contains(x),
            (Pred::Date { low, high }, Resolved::Date(t)) => {
                low.is_none_or(|b| above(*t, b)) && high.is_none_or(|b| below(*t, b))
            }
            (Pred::Bool(b), Resolved::Bool(x)) => b == x,
            // The checker admits only predicates that fit the value's type,
            // and records are converted to the declared types before
            // evaluation: a present value of another type never gets here.
            _ => false,
        }
    }
}

/// Counts an event at `at` into an aggregate's value.
#[inline]
fn count(counting: Counting, value: &mut AggValue, at: Instant, as_of: Instant) {
    match (counting, value) {
        (Counting::Count, AggValue::Number(n)) => *n += 1.0,
        (Counting::Faded { seconds }, AggValue::Number(n)) => {
            let age = (as_of - at).num_milliseconds() as f64 / 1000.0;
            if seconds > 0.0 {
                *n += (1.0 - age / seconds).max(0.0);
            }
        }
        (Counting::Latest, AggValue::Time(t)) if t.is_none_or(|t| at > t) => *t = Some(at),
        (Counting::Earliest, AggValue::Time(t)) if t.is_none_or(|t| at < t) => *t = Some(at),
        _ => {}
    }
}

/// Compiles a pattern of the plan.
#[allow(
    clippy::expect_used,
    reason = "the checker compiled this very pattern with the same crate before it entered the plan"
)]
fn compile_pattern(pattern: &str) -> Regex {
    Regex::new(pattern).expect("a pattern the checker accepted")
}

// Called for every test of every rule and filter; inlined into `test`,
// whose match then sees the value's kind directly.
#[inline(always)]
fn resolve<'a>(value: &Value, context: &Context<'a>) -> Resolved<'a> {
    match value {
        Value::Field(id) => field_value(context.lead.field(*id)),
        // A property is read only inside its event's `where`, whose
        // context always has the event.
        Value::Prop(i) => context
            .event
            .map_or(Resolved::Missing, |e| field_value(e.prop(*i))),
        Value::Aggregate(a) => match context.aggregates[a.index()] {
            AggValue::Number(n) => Resolved::Number(n),
            AggValue::Time(Some(t)) => Resolved::Date(t),
            AggValue::Time(None) => Resolved::Missing,
        },
        Value::Score => Resolved::Number(context.score),
        Value::Group(g) => Resolved::Number(context.groups[g.index()]),
        Value::Output(o) => match context.outputs[o.index()] {
            OutputValue::Threshold(b) => Resolved::Bool(b),
            OutputValue::Label(Some(i)) => Resolved::Ordinal(i),
            OutputValue::Label(None) => Resolved::Missing,
        },
        Value::Disqualified => Resolved::Bool(context.disqualified),
        Value::Members(i) => Resolved::Number(context.members[i.index()]),
    }
}
