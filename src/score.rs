//! Scoring a record stream: each lead's result written in input order,
//! or tallied into its account.

use std::io::{self, Write};

use crate::eval::account::{membership, Accounts, Membership};
use crate::eval::{Evaluator, Outcome};
use crate::output::{LeadResult, Rendered, ResultWriter};
use crate::plan::IdVec;
use crate::record::LeadScratch;
use crate::stream::{convert_in, Reporter, Stop, Stream, Summary};

/// Scores every record of `stream`: each lead's result is written, in
/// input order, or with `accounts` tallied into its account.
pub fn score_stream<W: Write>(
    stream: Stream,
    reporter: &mut dyn Reporter,
    evaluator: &Evaluator,
    writer: &mut ResultWriter<W>,
    explain: bool,
    mut accounts: Option<&mut Accounts>,
) -> Result<Summary, Stop> {
    let plan = evaluator.plan();
    let layout = writer.layout().clone();
    let by_account = accounts.is_some();
    let no_tests = IdVec::new();
    let member_tests = plan.account.as_ref().map_or(&no_tests, |a| &a.member_tests);
    // Conversion, evaluation and rendering run on every core; results are
    // written (or tallied into accounts) in input order.
    stream.for_each(
        reporter,
        // One lead and one outcome per worker, refilled for each record it
        // scores, so that a record allocates little once a worker has
        // scored its first.
        <(LeadScratch, Outcome)>::default,
        |scratch, pending, file| {
            let (scratch, outcome) = scratch;
            let lead = convert_in(plan, pending, file, scratch).map_err(Box::new)?;
            if by_account {
                let passed = evaluator.evaluate_member_into(lead, member_tests, outcome);
                let member = membership(plan, lead, outcome, passed);
                return Ok(Scored::Member(member.map(|m| (m, lead.id.clone()))));
            }
            evaluator.evaluate_into(lead, outcome);
            Ok(Scored::Lead(layout.render_lead(&LeadResult {
                plan,
                id: &lead.id,
                outcome,
                explain,
            })))
        },
        |scored| match scored {
            Scored::Lead(rendered) => rendered.and_then(|r| writer.write(r)).map_err(Stop::Write),
            Scored::Member(member) => {
                if let (Some(accounts), Some((member, id))) = (accounts.as_mut(), member) {
                    accounts.add(member, &id);
                }
                Ok(())
            }
        },
    )
}

/// What scoring one record gives: its result, or what it brings to its
/// account (nothing when it belongs to none).
enum Scored {
    Lead(io::Result<Rendered>),
    Member(Option<(Membership, serde_json::Value)>),
}
