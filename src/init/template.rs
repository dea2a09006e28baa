//! The starter model of `leadscore init` without sample data.

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

/// The starter model, its commands naming the file it is written to.
pub fn template(model_name: &str) -> String {
    TEMPLATE.replace("model.score", model_name)
}
