//! A history set for backtests: leads with their activity up to a cut-off
//! instant, some activity after it, and whether they converted after it.
//!
//! Conversion is drawn from a logistic model of the lead's signals, so it
//! follows them plausibly but noisily. The generating weights differ from
//! the example model's points on purpose — newsletter subscribers convert
//! a little *less*, webinars and downloads help less than the model thinks,
//! budget and demo requests more — so a backtest has something to find.

use super::{lead, Event, Lead, Random};

/// The cut-off: activity before it is what a backtest scores.
pub const CUT_OFF: i64 = 1_790_726_400; // 2026-09-30T00:00:00Z

const DAY: i64 = 86_400;
const SOURCES: &[&str] = &[
    "organic-search",
    "paid-social",
    "partner-marketplace",
    "referral-customer",
    "event-booth",
    "",
];
const WEBINARS: &[&str] = &["Analytics 101", "Automation for RevOps", "Data Summit"];

/// `count` history leads for `seed`, numbered from 1.
pub fn history(count: usize, seed: u64) -> impl Iterator<Item = Lead> {
    let mut random = Random(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let width = super::id_width(count);
    (1..=count).map(move |n| history_lead(n, width, &mut random))
}

fn history_lead(n: usize, width: usize, random: &mut Random) -> Lead {
    let mut lead = lead(n, width, random);
    lead.id = format!("H-{n:05}");
    let source = random.pick(SOURCES);
    let budget = random.below(4) == 0;
    let phone = random.below(3) == 0;
    let product = ["analytics", "automation", "both", ""][random.below(4)];
    let signed_up = CUT_OFF - random.below(700) as i64 * DAY;
    // How interested the lead is: drives how much it does before the cut-off.
    let interest = random.below(100) as f64 / 100.0;
    let mut events = Vec::new();
    let mut signals = Signals::default();
    let activity = (interest * 14.0) as usize + random.below(4);
    for _ in 0..activity {
        let age = random.below(120) as i64 * DAY + random.below(DAY as usize) as i64;
        let event = pre_cut_off_event(random, interest, CUT_OFF - age);
        signals.count(&event, age);
        events.push(event);
    }

    let domain = lead.email.rsplit('@').next().unwrap_or("");
    let title = lead.title.to_lowercase();
    let mut logit = -3.4;
    logit += match lead.seniority.as_str() {
        "CXO" | "VP" => 1.0,
        "Director" => 0.7,
        "Manager" => 0.2,
        "IC" => -0.4,
        _ => -0.2,
    };
    logit += match lead.employees {
        e if e >= 1000 => 0.6,
        e if e >= 200 => 0.7,
        e if e < 50 => -0.9,
        _ => 0.0,
    };
    if budget {
        logit += 1.1;
    }
    if source.starts_with("partner") || source.starts_with("referral") {
        logit += 0.5;
    }
    if domain == "gmail.com" {
        logit -= 0.8;
    }
    if title.contains("student") || title.contains("intern") {
        logit -= 1.5;
    }
    if lead.newsletter {
        logit -= 0.15;
    }
    logit += 1.6 * f64::from(signals.demo_recent);
    logit += 0.35 * f64::from(signals.pricing_30d.min(5));
    logit += 0.1 * f64::from(signals.downloads.min(3));
    logit -= 0.3 * f64::from(signals.careers.min(3));
    logit += 0.6 * f64::from(signals.trial_recent);
    logit -= 0.7 * f64::from(signals.unsubscribed);
    let probability = 1.0 / (1.0 + (-logit).exp());
    let draw = random.below(1_000_000) as f64 / 1_000_000.0;
    // Competitors sign up to look, never to buy.
    let converted = draw < probability && domain != "rival.io";

    // Life goes on after the cut-off; converting leads are busier. None of
    // this may show in a backtest as of the cut-off.
    let after = if converted {
        3 + random.below(5)
    } else {
        random.below(3)
    };
    for _ in 0..after {
        let at = CUT_OFF + 3600 + random.below(45) as i64 * DAY;
        let kind = if converted && random.below(3) == 0 {
            "demo_request"
        } else {
            "visit"
        };
        events.push(Event {
            kind,
            at: instant(at),
            property: (kind == "visit").then(|| ("page", "pricing".to_string())),
            second: None,
        });
    }
    events.sort_by(|a, b| a.at.cmp(&b.at));
    lead.events = events;
    let text = |s: &str| format!("\"{s}\"");
    lead.extra = vec![
        ("lead_source", text(source)),
        ("phone", text(if phone { "+1 555 0100" } else { "" })),
        ("product_interest", text(product)),
        ("budget_confirmed", budget.to_string()),
        (
            "signed_up",
            text(instant(signed_up).get(..10).unwrap_or("")),
        ),
        ("converted", converted.to_string()),
    ];
    lead
}

/// What the conversion draw reads from a lead's activity.
#[derive(Default)]
struct Signals {
    demo_recent: u8,
    pricing_30d: u32,
    downloads: u32,
    careers: u32,
    trial_recent: u8,
    unsubscribed: u8,
}

impl Signals {
    fn count(&mut self, event: &Event, age: i64) {
        let page = event.property.as_ref().map(|p| p.1.as_str());
        match (event.kind, page) {
            ("demo_request", _) if age < 60 * DAY => self.demo_recent = 1,
            ("visit", Some(p)) if p.ends_with("pricing") && age < 30 * DAY => self.pricing_30d += 1,
            ("visit", Some("careers")) => self.careers += 1,
            ("download", _) => self.downloads += 1,
            ("trial_signup", _) if age < 30 * DAY => self.trial_recent = 1,
            ("unsubscribe", _) => self.unsubscribed = 1,
            _ => {}
        }
    }
}

fn pre_cut_off_event(random: &mut Random, interest: f64, at: i64) -> Event {
    let at = instant(at);
    let keen = (interest * 100.0) as usize;
    let roll = random.below(100);
    let (kind, property, second) = match roll {
        r if r < keen / 8 => ("demo_request", None, None),
        r if r < keen / 3 => (
            "visit",
            Some((
                "page",
                ["pricing", "analytics-pricing", "automation-pricing"][random.below(3)].to_string(),
            )),
            None,
        ),
        r if r < 40 => (
            "visit",
            Some((
                "page",
                ["analytics", "automation", "docs", "blog", "careers"][random.below(5)].to_string(),
            )),
            None,
        ),
        r if r < 60 => (
            "email_open",
            Some(("campaign", "q3-nurture".to_string())),
            None,
        ),
        r if r < 72 => (
            "download",
            Some((
                "asset",
                [
                    "analytics-buyers-guide",
                    "roi-calculator",
                    "automation-playbook",
                ][random.below(3)]
                .to_string(),
            )),
            Some((
                "kind",
                ["pdf", "xlsx", "video"][random.below(3)].to_string(),
            )),
        ),
        r if r < 82 => (
            "webinar",
            Some(("name", random.pick(WEBINARS).to_string())),
            None,
        ),
        r if r < 88 => (
            "trial_signup",
            Some((
                "plan",
                ["analytics", "automation"][random.below(2)].to_string(),
            )),
            None,
        ),
        r if r < 90 => ("unsubscribe", None, None),
        _ => ("visit", Some(("page", "blog".to_string())), None),
    };
    Event {
        kind,
        at,
        property,
        second,
    }
}

fn instant(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}
