//! Reading a sample of lead records (and events): the evidence `init
//! --from` infers a schema from, kept per key and per event type.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader};

use super::key_stats::Keys;
use crate::record::{EventsFile, Format, Json, Records};
use crate::text::fold;
use crate::time::{parse_instant, Instant};

/// One event type of the sample.
#[derive(Default)]
pub(super) struct EventStats {
    /// The `type` as first spelt in the data.
    pub(super) spelling: String,
    pub(super) count: usize,
    /// Events whose `at` is missing or unreadable: leadscore rejects them.
    pub(super) bad_at: usize,
    pub(super) props: Keys,
}

/// Everything read from the sample.
#[derive(Default)]
pub(super) struct Sample {
    pub(super) records: usize,
    pub(super) unreadable: Vec<String>,
    pub(super) without_id: usize,
    pub(super) fields: Keys,
    pub(super) event_order: Vec<String>,
    pub(super) events: HashMap<String, EventStats>,
    /// Events whose `type` is missing or not text.
    pub(super) untyped_events: usize,
    /// Records whose `events` is not a list: leadscore rejects them.
    pub(super) events_not_a_list: usize,
    /// The first record, for the example test.
    pub(super) first: Option<Json>,
    /// Its events from the `--events` file.
    pub(super) first_events: Vec<Json>,
    /// The latest instant in the sample, for the example test's `as of`.
    pub(super) latest: Option<Instant>,
}

impl Sample {
    pub(super) fn observe_record(&mut self, record: Json) {
        let Json::Object(entries) = &record else {
            self.unreadable
                .push(format!("a record is {}, not an object", record.show()));
            return;
        };
        self.records += 1;
        let has_id = match record.get("id") {
            Some(Json::String(s)) => !s.trim().is_empty(),
            Some(Json::Number(_)) => true,
            _ => false,
        };
        if !has_id {
            self.without_id += 1;
        }
        for (key, value) in entries {
            match key.as_str() {
                "id" => {}
                "events" => match value {
                    Json::Array(items) => {
                        for item in items {
                            self.observe_event(item);
                        }
                    }
                    Json::Null => {}
                    _ => self.events_not_a_list += 1,
                },
                _ => {
                    self.fields.observe(key, value);
                    self.note_instant(value);
                }
            }
        }
        if self.first.is_none() {
            self.first = Some(record);
        }
    }

    pub(super) fn observe_event(&mut self, item: &Json) {
        let Some(Json::String(kind)) = item.get("type") else {
            self.untyped_events += 1;
            return;
        };
        let key = fold(kind);
        if key.is_empty() {
            self.untyped_events += 1;
            return;
        }
        let at = match item.get("at") {
            Some(Json::String(s)) => parse_instant(s),
            _ => None,
        };
        if let Some(at) = at {
            self.latest = self.latest.max(Some(at));
        }
        if !self.events.contains_key(&key) {
            self.event_order.push(key.clone());
        }
        let stats = self.events.entry(key).or_insert_with(|| EventStats {
            spelling: kind.trim().to_string(),
            ..EventStats::default()
        });
        stats.count += 1;
        if at.is_none() {
            stats.bad_at += 1;
        }
        if let Json::Object(entries) = item {
            for (k, v) in entries {
                if !matches!(k.as_str(), "type" | "at" | "lead_id") {
                    stats.props.observe(k, v);
                }
            }
        }
    }

    pub(super) fn note_instant(&mut self, value: &Json) {
        if let Json::String(s) = value {
            if let Some(at) = parse_instant(s) {
                self.latest = self.latest.max(Some(at));
            }
        }
    }
}

/// Opens a file (or stdin for `-`) as a buffered reader.
pub(super) fn open(path: &str) -> io::Result<Box<dyn BufRead>> {
    Ok(if path == "-" {
        Box::new(BufReader::new(io::stdin()))
    } else {
        Box::new(BufReader::with_capacity(1 << 16, File::open(path)?))
    })
}

/// Reads the leads and the events file; an error names the file it is in.
pub(super) fn read_sample(
    leads: &str,
    events: Option<&str>,
) -> Result<Sample, (String, io::Error)> {
    let mut sample = Sample::default();
    read_leads(&mut sample, leads).map_err(|e| (leads.to_string(), e))?;
    if let Some(path) = events {
        read_events(&mut sample, path).map_err(|e| (path.to_string(), e))?;
    }
    Ok(sample)
}

fn read_leads(sample: &mut Sample, leads: &str) -> io::Result<()> {
    let mut reader = open(leads)?;
    let format = Format::sniff(reader.fill_buf()?, Format::from_path(leads));
    for record in Records::new(reader, format)? {
        let record = record?;
        let line = record.line;
        match record.into_json() {
            Ok(json) => sample.observe_record(json),
            Err(message) => sample.unreadable.push(format!("line {line}: {message}")),
        }
    }
    Ok(())
}

fn read_events(sample: &mut Sample, path: &str) -> io::Result<()> {
    let mut reader = open(path)?;
    let format = Format::sniff(
        reader.fill_buf()?,
        Format::from_path(path).or(Some(Format::Csv)),
    );
    let file = EventsFile::read(reader, format, path)?;
    if let Some(id) = sample.first.as_ref().and_then(|f| f.get("id")) {
        let key = crate::record::id_key(&id.to_serde());
        sample.first_events = file.get(&key).into_iter().map(|(_, row)| row).collect();
    }
    for error in &file.errors {
        sample.unreadable.push(error.to_string());
    }
    for (_, _, row) in file.rows() {
        sample.observe_event(&row);
    }
    Ok(())
}

/// "Now" for the sample: the day after its latest event or date (today
/// when it has none), so examples see every event of the sample.
pub(super) fn sample_as_of(sample: &Sample) -> String {
    sample
        .latest
        .and_then(|at| at.date_naive().succ_opt())
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| chrono::Utc::now().format("%Y-%m-%d").to_string())
}
