//! A deterministic generator of realistic synthetic leads for the example
//! model's schema: for benchmarks, memory measurements and tests. The same
//! seed always gives the same leads.

pub mod history;

use std::fmt::Write as _;

const TITLES: &[&str] = &[
    "VP Marketing",
    "Director of Growth",
    "Marketing Ops Manager",
    "Data Analyst",
    "CTO",
    "Head of Product",
    "Software Engineer",
    "PhD Student",
    "Revenue Operations Lead",
    "Chief Data Officer",
    "Intern",
    "",
];
const SENIORITY: &[&str] = &["IC", "Manager", "Director", "VP", "CXO", ""];
const INDUSTRIES: &[&str] = &[
    "Software",
    "Banking",
    "Insurance",
    "Retail",
    "Education",
    "Healthcare",
    "Manufacturing",
];
const COUNTRIES: &[&str] = &["US", "GB", "DE", "FR", "CA", "AU", "IN", "BR", "NL", ""];
const DOMAINS: &[&str] = &[
    "acme.com",
    "northwind.io",
    "gmail.com",
    "globex.de",
    "rival.io",
    "initech.co.uk",
    "umbrella.org",
];
const PAGES: &[&str] = &[
    "pricing",
    "analytics",
    "automation",
    "docs",
    "careers",
    "blog",
    "analytics-pricing",
];
const ASSETS: &[&str] = &[
    "analytics-buyers-guide",
    "roi-calculator",
    "state-of-analytics-2026",
    "automation-playbook",
];
const KINDS: &[&str] = &["pdf", "xlsx", "video"];
const STACK: &[&str] = &[
    "snowflake",
    "bigquery",
    "segment",
    "zapier",
    "hubspot",
    "salesforce",
];

/// A small, fast, deterministic pseudo-random source (xorshift64*).
pub(crate) struct Random(pub(crate) u64);

impl Random {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub(crate) fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items.get(self.below(items.len())).copied().unwrap_or("")
    }
}

/// One generated lead: its CSV cells and its events (type, at, property).
pub struct Lead {
    pub id: String,
    pub title: String,
    pub seniority: String,
    pub employees: u64,
    pub industry: String,
    pub country: String,
    pub email: String,
    pub newsletter: bool,
    pub tech_stack: Vec<String>,
    pub events: Vec<Event>,
    /// More fields as JSON values (`"referral"`, `true`), for the history set.
    pub extra: Vec<(&'static str, String)>,
}

pub struct Event {
    pub kind: &'static str,
    pub at: String,
    pub property: Option<(&'static str, String)>,
    pub second: Option<(&'static str, String)>,
}

/// The leads for `seed`, numbered from 1, with their events spread over the
/// year before 2026-11-20.
pub fn leads(count: usize, seed: u64) -> impl Iterator<Item = Lead> {
    let mut random = Random(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let width = id_width(count);
    (1..=count).map(move |n| lead(n, width, &mut random))
}

/// How many digits the ids of `count` leads are written with, so that
/// they sort as text in the order they are numbered (as `--events-sorted`
/// needs): seven, or more past 9,999,999 leads.
pub(crate) fn id_width(count: usize) -> usize {
    count.to_string().len().max(7)
}

pub(crate) fn lead(n: usize, width: usize, random: &mut Random) -> Lead {
    let domain = random.pick(DOMAINS);
    let tech_stack = (0..random.below(3))
        .map(|_| random.pick(STACK).to_string())
        .collect();
    let event_count = random.below(16);
    let events = (0..event_count).map(|_| event(random)).collect();
    Lead {
        id: format!("G-{n:0width$}"),
        title: random.pick(TITLES).to_string(),
        seniority: random.pick(SENIORITY).to_string(),
        employees: [5, 40, 120, 450, 900, 2500, 12000][random.below(7)],
        industry: random.pick(INDUSTRIES).to_string(),
        country: random.pick(COUNTRIES).to_string(),
        email: format!("lead{n}@{domain}"),
        newsletter: random.below(2) == 0,
        tech_stack,
        events,
        extra: Vec::new(),
    }
}

fn event(random: &mut Random) -> Event {
    // Seconds before 2026-11-20T00:00:00Z, up to about a year.
    let age = random.below(365 * 86_400) as i64;
    let at = chrono::DateTime::from_timestamp(1_795_132_800 - age, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default();
    match random.below(10) {
        0..=4 => Event {
            kind: "visit",
            at,
            property: Some(("page", random.pick(PAGES).to_string())),
            second: None,
        },
        5 | 6 => Event {
            kind: "email_open",
            at,
            property: Some(("campaign", "q4-launch".to_string())),
            second: None,
        },
        7 => Event {
            kind: "download",
            at,
            property: Some(("asset", random.pick(ASSETS).to_string())),
            second: Some(("kind", random.pick(KINDS).to_string())),
        },
        8 => Event {
            kind: "webinar",
            at,
            property: Some(("name", "Analytics 101".to_string())),
            second: None,
        },
        _ => Event {
            kind: "demo_request",
            at,
            property: None,
            second: None,
        },
    }
}

impl Lead {
    /// The lead as one NDJSON line (no newline), events embedded.
    pub fn to_ndjson(&self) -> String {
        let mut line = format!(
            "{{\"id\":\"{}\",\"title\":\"{}\",\"seniority\":\"{}\",\"Number of Employees\":{},\"industry\":\"{}\",\"country\":\"{}\",\"email\":\"{}\",\"newsletter\":{},\"tech_stack\":[{}],\"events\":[",
            self.id,
            self.title,
            self.seniority,
            self.employees,
            self.industry,
            self.country,
            self.email,
            self.newsletter,
            self.tech_stack.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(",")
        );
        // Extra fields go before the events, so `events` stays last.
        if let Some(at) = line.rfind(",\"events\":[") {
            let extra: String = self
                .extra
                .iter()
                .map(|(key, value)| format!(",\"{key}\":{value}"))
                .collect();
            line.insert_str(at, &extra);
        }
        for (i, e) in self.events.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            let _ = write!(line, "{{\"type\":\"{}\",\"at\":\"{}\"", e.kind, e.at);
            for (key, value) in e.property.iter().chain(e.second.iter()) {
                let _ = write!(line, ",\"{key}\":\"{value}\"");
            }
            line.push('}');
        }
        line.push_str("]}");
        line
    }

    /// The lead as a CSV row under [`CSV_HEADER`].
    pub fn to_csv(&self) -> String {
        format!(
            "{},{},{},{},{},{},{},{},{}",
            self.id,
            self.title,
            self.seniority,
            self.employees,
            self.industry,
            self.country,
            self.email,
            self.newsletter,
            self.tech_stack.join(";")
        )
    }

    /// The lead's events as rows under [`EVENTS_CSV_HEADER`].
    pub fn events_csv(&self) -> impl Iterator<Item = String> + '_ {
        self.events.iter().map(move |e| {
            let value = |name: &str| {
                e.property
                    .iter()
                    .chain(e.second.iter())
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            format!(
                "{},{},{},{},{},{},{},{}",
                self.id,
                e.kind,
                e.at,
                value("page"),
                value("campaign"),
                value("asset"),
                value("kind"),
                value("name")
            )
        })
    }
}

pub const CSV_HEADER: &str =
    "id,title,seniority,Number of Employees,industry,country,email,newsletter,tech_stack";
pub const EVENTS_CSV_HEADER: &str = "lead_id,type,at,page,campaign,asset,kind,name";

#[cfg(test)]
mod tests {
    use super::id_width;

    #[test]
    fn ids_sort_as_text_in_the_order_they_are_numbered() {
        for count in [1, 9_999_999, 10_000_000, 123_456_789] {
            let width = id_width(count);
            let ids: Vec<String> = [1, 9, 10, 9_999_999, 10_000_000, count]
                .into_iter()
                .filter(|n| *n <= count)
                .map(|n| format!("G-{n:0width$}"))
                .collect();
            assert!(ids.is_sorted(), "{count}: {ids:?}");
        }
        assert_eq!(id_width(9_999_999), 7);
    }
}
