//! The scoring side of the stream: each unit of records is handed to the
//! pool as soon as it is read and scored whole by one thread, and the
//! results are handed on in input order as the units before them finish.
//! No thread waits at the end of a unit for another to finish its own, as
//! they did when a batch was shared out among the threads and its end
//! awaited before the next was started.

use std::collections::VecDeque;
use std::sync::mpsc::{channel, Receiver, Sender, TryRecvError};
use std::sync::Mutex;

use super::{Outlet, Pending, Read, Stop};
use crate::record::RecordError;

/// A unit's results, in its records' order.
type Results<T> = Vec<Result<T, Box<RecordError>>>;

/// A unit handed to the pool, by its place in the input.
struct Unit<T> {
    /// The events file's bad rows read with the unit, reported before
    /// its records.
    event_errors: Vec<RecordError>,
    /// `None` until the unit is scored.
    results: Option<Results<T>>,
}

/// Scores every unit `units` brings, keeping at most `in_flight` handed
/// out at once, and hands each unit's results to `outlet` in input order.
/// Returns when every unit read has been handed on, or at the first stop.
pub(super) fn run<'scope, S, T, I, E, C>(
    scope: &rayon::Scope<'scope>,
    units: Receiver<Read>,
    in_flight: usize,
    scorer: Scorer<'scope, S, I, E>,
    outlet: &mut Outlet<'_, C>,
) -> Result<(), Stop>
where
    S: Send + 'scope,
    T: Send + 'scope,
    I: Fn() -> S + Sync,
    E: Fn(&mut S, Pending, &str) -> Result<T, Box<RecordError>> + Sync,
    C: FnMut(T) -> Result<(), Stop>,
{
    let file = scorer.file;
    let (done, finished) = channel::<(usize, Option<Results<T>>)>();
    let mut waiting: VecDeque<Unit<T>> = VecDeque::new();
    // The place in the input of `waiting`'s first unit, and of the next.
    let (mut first, mut next) = (0, 0);
    let mut reading = true;
    let mut failure = None;
    loop {
        while waiting.front().is_some_and(|u| u.results.is_some()) {
            let Some(unit) = waiting.pop_front() else {
                break;
            };
            first += 1;
            for error in unit.event_errors {
                outlet.set_aside(Box::new(error))?;
            }
            outlet.hand_on(unit.results.unwrap_or_default())?;
        }
        if reading && waiting.len() < in_flight {
            // With nothing being scored, wait for the input; otherwise
            // take only what is already read, and else wait for a result.
            let read = if waiting.is_empty() {
                units.recv().map_err(|_| TryRecvError::Disconnected)
            } else {
                units.try_recv()
            };
            match read {
                Ok(Ok((records, event_errors))) => {
                    let place = next;
                    next += 1;
                    waiting.push_back(Unit {
                        event_errors,
                        results: None,
                    });
                    let reply = Reply {
                        done: done.clone(),
                        place,
                        sent: false,
                    };
                    scope.spawn(move |_| reply.send(scorer.score(records)));
                    continue;
                }
                Ok(Err(message)) => {
                    // The units read before the failure are handed on first.
                    failure = Some(message);
                    reading = false;
                    continue;
                }
                Err(TryRecvError::Disconnected) => {
                    reading = false;
                    continue;
                }
                Err(TryRecvError::Empty) => {}
            }
        }
        if waiting.is_empty() {
            break;
        }
        // A unit handed out and not yet back is at the front or behind
        // it, so a result will come.
        let (place, results) = finished
            .recv()
            .map_err(|_| Stop::Failed(format!("scoring `{file}` stopped unexpectedly")))?;
        let results = results
            .ok_or_else(|| Stop::Failed(format!("scoring `{file}` stopped unexpectedly")))?;
        if let Some(unit) = waiting.get_mut(place - first) {
            unit.results = Some(results);
        }
    }
    match failure {
        Some(message) => Err(Stop::Failed(message)),
        None => Ok(()),
    }
}

/// What scores a unit: a scratch for each scoring thread (each keeps its
/// own, so that it stays warm in that core's cache), how to make one, and
/// how to score a record with it.
pub(super) struct Scorer<'a, S, I, E> {
    pub scratches: &'a [Mutex<Option<S>>],
    pub init: &'a I,
    pub evaluate: &'a E,
    /// The leads file as named in messages.
    pub file: &'a str,
}

impl<S, I, E> Clone for Scorer<'_, S, I, E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S, I, E> Copy for Scorer<'_, S, I, E> {}

impl<S, I, E> Scorer<'_, S, I, E> {
    /// Scores a unit's records in order on the current thread.
    fn score<T>(self, records: Vec<Pending>) -> Results<T>
    where
        I: Fn() -> S,
        E: Fn(&mut S, Pending, &str) -> Result<T, Box<RecordError>>,
    {
        let slot = rayon::current_thread_index().and_then(|i| self.scratches.get(i));
        let taken = slot.and_then(|s| s.lock().ok().and_then(|mut s| s.take()));
        let mut scratch = taken.unwrap_or_else(self.init);
        let results = records
            .into_iter()
            .map(|pending| (self.evaluate)(&mut scratch, pending, self.file))
            .collect();
        if let Some(mut held) = slot.and_then(|s| s.lock().ok()) {
            *held = Some(scratch);
        }
        results
    }
}

/// Sends a unit's results back, or `None` if its scoring thread panicked,
/// so that the thread handing results on never waits for a unit that will
/// not come.
struct Reply<T> {
    done: Sender<(usize, Option<Results<T>>)>,
    place: usize,
    sent: bool,
}

impl<T> Reply<T> {
    fn send(mut self, results: Results<T>) {
        self.sent = true;
        // Nobody listens only once the run has stopped.
        let _ = self.done.send((self.place, Some(results)));
    }
}

impl<T> Drop for Reply<T> {
    fn drop(&mut self) {
        if !self.sent {
            let _ = self.done.send((self.place, None));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use std::io::Cursor;
    use std::time::Duration;

    use super::super::{
        Input, OnError, Orphan, RecordError, Reporter, Stop, Stream, StreamOptions, Summary, UNIT,
    };
    use crate::record::{Format, Records};

    struct Quiet;

    impl Reporter for Quiet {
        fn progress(&mut self, _: usize) {}
        fn skipped(&mut self, error: &RecordError) {
            panic!("nothing is skipped: {error}");
        }
        fn orphan(&mut self, _: &Orphan<'_>) {}
    }

    /// A stream of `count` one-line records on four scoring threads.
    fn stream(count: usize) -> Stream<'static> {
        let text: String = (1..=count).map(|i| format!("{{\"id\":{i}}}\n")).collect();
        let input: Input = Box::new(Cursor::new(text));
        let records = Records::new(input, Format::Ndjson).unwrap();
        let options = StreamOptions {
            events_file: None,
            events_sorted: false,
            on_error: OnError::Fail,
            rejects: None,
            orphans: None,
            threads: Some(4),
        };
        Stream::new("t.ndjson".to_string(), records, None, options).unwrap()
    }

    /// Every other unit's first record is slow, so the units after it
    /// are back first.
    fn slow_first_of_even_units(line: usize) {
        let unit = (line - 1) / UNIT;
        if unit.is_multiple_of(2) && (line - 1).is_multiple_of(UNIT) {
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    /// Streams `count` records, every other unit slow to score, handing
    /// each record's line on until the one at `stop_at`: the lines handed
    /// on, and how the stream ended.
    fn lines_handed_on(
        count: usize,
        stop_at: Option<usize>,
    ) -> (Vec<usize>, Result<Summary, Stop>) {
        let mut seen = Vec::new();
        let ended = stream(count).for_each(
            &mut Quiet,
            || (),
            |_, pending, _| {
                slow_first_of_even_units(pending.line());
                Ok(pending.line())
            },
            |line| {
                if Some(line) == stop_at {
                    return Err(Stop::Failed("full".to_string()));
                }
                seen.push(line);
                Ok(())
            },
        );
        (seen, ended)
    }

    #[test]
    fn results_come_in_input_order_when_later_units_finish_first() {
        let count = 8 * UNIT + 17;
        let (seen, ended) = lines_handed_on(count, None);
        assert_eq!(seen, (1..=count).collect::<Vec<_>>());
        assert_eq!(ended.unwrap().used, count);
    }

    #[test]
    fn a_stop_hands_on_nothing_after_it() {
        let stop_at = 3 * UNIT + 5;
        let (seen, ended) = lines_handed_on(8 * UNIT, Some(stop_at));
        assert!(matches!(ended, Err(Stop::Failed(m)) if m == "full"));
        assert_eq!(seen, (1..stop_at).collect::<Vec<_>>());
    }
}
