//! The `clock` stage: as-of and every instant and length the model's
//! windows, fades and decays need, computed once. With `--as-of` they are
//! worked out here, by the same `time` functions the native evaluator
//! uses, and written as numbers; without it they are expressions over the
//! engine's current timestamp. Every instant in the query is a count of
//! microseconds since 1970-01-01 UTC, so no session time zone can touch it;
//! calendar months are counted on DATEs, which have no zone.

use super::query::{Column, Cte, Select};
use super::Compiler;
use crate::time::{format_duration, seconds_before, sub_duration, Duration, DurationUnit, Instant};

/// Microseconds in a day.
pub const DAY_MICROS: i64 = 86_400_000_000;

/// A duration as the query counts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Length {
    /// Hours, days and weeks: a fixed number of microseconds.
    Fixed(i64),
    /// Months and years: calendar months on the UTC clock.
    Months(i64),
}

/// How the query counts `d`.
pub fn length(d: Duration) -> Length {
    let count = i64::from(d.count);
    match d.unit {
        DurationUnit::Hours => Length::Fixed(count * 3_600_000_000),
        DurationUnit::Days => Length::Fixed(count * DAY_MICROS),
        DurationUnit::Weeks => Length::Fixed(count * 7 * DAY_MICROS),
        DurationUnit::Months => Length::Months(count),
        DurationUnit::Years => Length::Months(count * 12),
    }
}

/// The name a duration goes by in column names (`30d`).
pub fn label(d: Duration) -> String {
    format_duration(d)
}

/// What the query needs of the clock, in the order first asked for.
#[derive(Default)]
pub struct Clock {
    /// as-of minus each duration: window starts.
    starts: Vec<Duration>,
    /// Each fade period's length in seconds, ending at as-of.
    fades: Vec<Duration>,
    /// Whether calendar decay needs as-of's month and day.
    calendar: bool,
}

impl Compiler<'_> {
    /// The column of as-of.
    pub fn as_of(&self) -> String {
        self.id("as of")
    }

    /// The column of as-of minus `d`: where `within d` begins (exclusive).
    pub fn window_start(&mut self, d: Duration) -> String {
        if !self.clock.starts.contains(&d) {
            self.clock.starts.push(d);
        }
        self.id(&format!("since {}", label(d)))
    }

    /// The column of `d`'s length in seconds, counted back from as-of.
    pub fn fade_seconds(&mut self, d: Duration) -> String {
        if !self.clock.fades.contains(&d) {
            self.clock.fades.push(d);
        }
        self.id(&format!("fade {}", label(d)))
    }

    /// Asks for as-of's day, time of day and month index, which whole
    /// calendar periods of decay are counted from.
    pub fn need_calendar(&mut self) {
        self.clock.calendar = true;
    }

    /// The DATE of an instant column (microseconds).
    pub fn date_of(&self, micros: &str) -> String {
        self.d.date_from_days(&self.days_of(micros))
    }

    /// The whole days from 1970-01-01 to an instant (floored).
    pub fn days_of(&self, micros: &str) -> String {
        format!(
            "floor({micros} / {})",
            self.d.double(&DAY_MICROS.to_string())
        )
    }

    /// `year * 12 + month` of an instant, on the UTC calendar.
    pub fn month_index(&self, micros: &str) -> String {
        let date = self.date_of(micros);
        format!("(extract(year FROM {date}) * 12 + extract(month FROM {date}))")
    }

    /// An instant minus `months` calendar months, clamped to the month's
    /// end, given the instant's day number and time of day.
    pub fn months_back(&self, days: &str, time_of_day: &str, months: &str) -> String {
        let date = self
            .d
            .add_months(&self.d.date_from_days(days), &format!("-({months})"));
        format!(
            "({} * {DAY_MICROS} + {time_of_day})",
            self.d.days_from_date(&date)
        )
    }

    /// The `clock` stage, holding what the other stages asked for.
    pub fn clock_cte(&self) -> Cte {
        let mut select = Select::new("");
        match self.options.as_of {
            Some(at) => self.fixed_clock(&mut select, at),
            None => self.running_clock(&mut select),
        }
        Cte {
            name: self.id("clock"),
            about: match self.options.as_of {
                Some(at) => format!(
                    "as of {} and what the model measures from it",
                    at.to_rfc3339()
                ),
                None => {
                    "as of now (the engine's clock) and what the model measures from it".to_string()
                }
            },
            select,
        }
    }

    fn fixed_clock(&self, select: &mut Select, at: Instant) {
        let micros = |t: Instant| t.timestamp_micros();
        select.push(Column::new(self.d.bigint(micros(at)), self.as_of()).comment(&at.to_rfc3339()));
        if self.clock.calendar {
            let days = micros(at).div_euclid(DAY_MICROS);
            select.push(Column::new(self.d.bigint(days), self.id("as of days")));
            select.push(Column::new(
                self.d.bigint(micros(at) - days * DAY_MICROS),
                self.id("as of time"),
            ));
        }
        for d in &self.clock.starts {
            let start = sub_duration(at, *d, 1).unwrap_or(Instant::MIN_UTC);
            select.push(
                Column::new(
                    self.d.bigint(micros(start)),
                    self.id(&format!("since {}", label(*d))),
                )
                .comment(&start.to_rfc3339()),
            );
        }
        for d in &self.clock.fades {
            let seconds = seconds_before(at, *d);
            select.push(Column::new(
                self.number(seconds),
                self.id(&format!("fade {}", label(*d))),
            ));
        }
    }

    fn running_clock(&self, select: &mut Select) {
        let now = self.d.now_micros();
        select.push(Column::new(now.clone(), self.as_of()));
        let days = format!("CAST({} AS {})", self.days_of(&now), self.d.bigint_type());
        let time = format!("({now} - {days} * {DAY_MICROS})");
        if self.clock.calendar {
            select.push(Column::new(days.clone(), self.id("as of days")));
            select.push(Column::new(time.clone(), self.id("as of time")));
        }
        let start = |d: Duration| match length(d) {
            Length::Fixed(us) => format!("({now} - {us})"),
            Length::Months(m) => self.months_back(&days, &time, &m.to_string()),
        };
        for d in &self.clock.starts {
            select.push(Column::new(
                start(*d),
                self.id(&format!("since {}", label(*d))),
            ));
        }
        for d in &self.clock.fades {
            let seconds = match length(*d) {
                Length::Fixed(us) => self.number((us / 1_000_000) as f64),
                Length::Months(_) => format!(
                    "CAST({} AS {}) / {}",
                    self.d.int_div(&format!("({now} - {})", start(*d)), "1000"),
                    self.d.double_type(),
                    self.d.double("1000")
                ),
            };
            select.push(Column::new(
                seconds,
                self.id(&format!("fade {}", label(*d))),
            ));
        }
    }
}
