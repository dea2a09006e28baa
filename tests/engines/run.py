#!/usr/bin/env python3
"""Runs a SQL query on a real engine over leads loaded from NDJSON records,
and prints the result rows as NDJSON. See docs/engines.md.

One job:
    run.py --engine duckdb|postgres|spark --layout L.json --leads LEADS.ndjson
           [--events EVENTS.ndjson|.csv] --sql Q.sql
Many jobs in one engine session (Spark takes ~10 s to start):
    run.py --engine ENGINE --batch JOBS.json
    JOBS.json: [{"layout": PATH or {...}, "leads": PATH, "events": PATH?,
                 "sql": PATH, "out": PATH, "name": TEXT?}, ...]
    Relative paths are read from the folder of JOBS.json.
Also:
    --timezone ZONE   the session time zone (default: the engine's own; UTC for Spark)
    --timing          how long the engine took to start and each job, on stderr
    --cleanup-stale   stop and remove PostgreSQL clusters of runs that were killed

Exit status: 0 all jobs ran; 1 a job failed (a value that does not convert,
an engine error), each failure on stderr naming its job; 2 usage errors or an
engine that cannot start.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import signal
import sys
import time
from decimal import Decimal
from typing import Any, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import engines  # noqa: E402
import records  # noqa: E402


class UsageError(Exception):
    pass


# --- results as JSON ---------------------------------------------------------


def instant(t: dt.datetime) -> str:
    """RFC 3339 in UTC with `Z`, fractions only when there are some (3 or 6
    digits), as leadscore prints instants."""
    if t.tzinfo is not None:
        t = t.astimezone(dt.timezone.utc)
    text = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        frac = f"{t.microsecond:06d}"
        text += "." + (frac[:3] if frac.endswith("000") else frac)
    return text + "Z"


def dump(v: Any) -> str:
    """One value as JSON text. Floats print their shortest round-trip digits;
    NaN and infinities, which JSON lacks, become the strings "NaN",
    "Infinity", "-Infinity"; DECIMAL prints its exact digits."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isfinite(v):
            return repr(v)
        return json.dumps("NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity"))
    if isinstance(v, Decimal):
        if v.is_finite():
            return str(v)
        return json.dumps("NaN" if v.is_nan() else ("Infinity" if v > 0 else "-Infinity"))
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, dt.datetime):
        return json.dumps(instant(v))
    if isinstance(v, (dt.date, dt.time)):
        return json.dumps(v.isoformat())
    if hasattr(v, "asDict"):  # a Spark Row (a struct)
        return dump_object(list(v.asDict().items()))
    if isinstance(v, dict):
        return dump_object(list(v.items()))
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(dump(x) for x in v) + "]"
    if isinstance(v, (bytes, bytearray, memoryview)):
        return json.dumps(bytes(v).hex())
    return json.dumps(str(v), ensure_ascii=False)


def dump_object(items: list[tuple[str, Any]]) -> str:
    return "{" + ",".join(json.dumps(str(k), ensure_ascii=False) + ":" + dump(x) for k, x in items) + "}"


def ndjson(columns: list[str], rows: list[tuple]) -> str:
    seen = set()
    for c in columns:
        if c in seen:
            raise engines.EngineError(f"the result has two columns named {c!r}")
        seen.add(c)
    return "".join(dump_object(list(zip(columns, row))) + "\n" for row in rows)


# --- jobs ------------------------------------------------------------------


class Job:
    def __init__(self, index: int, name: Optional[str], layout: Any, leads: str,
                 events: Optional[str], sql: str, out: Optional[str]):
        self.index, self.name = index, name
        self.layout, self.leads, self.events, self.sql, self.out = layout, leads, events, sql, out

    def label(self) -> str:
        return f"job {self.index}" + (f" ({self.name})" if self.name else "")


def read_jobs(path: str) -> list[Job]:
    base = os.path.dirname(os.path.abspath(path))
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        raise UsageError(f"{path}: {e}") from None
    if not isinstance(doc, list):
        raise UsageError(f"{path}: a batch is a JSON list of jobs")

    def at(p: Any, what: str, i: int) -> str:
        if not isinstance(p, str) or not p:
            raise UsageError(f"{path}: job {i}: `{what}` must be a path")
        return p if os.path.isabs(p) else os.path.join(base, p)

    jobs = []
    for i, item in enumerate(doc):
        if not isinstance(item, dict):
            raise UsageError(f"{path}: job {i} is not an object")
        unknown = set(item) - {"name", "layout", "leads", "events", "sql", "out"}
        if unknown:
            raise UsageError(f"{path}: job {i}: unknown keys {sorted(unknown)}")
        layout = item.get("layout")
        if not isinstance(layout, dict):
            layout = at(layout, "layout", i)
        events = item.get("events")
        jobs.append(Job(
            i, item.get("name"), layout, at(item.get("leads"), "leads", i),
            at(events, "events", i) if events is not None else None,
            at(item.get("sql"), "sql", i), at(item.get("out"), "out", i),
        ))
    return jobs


def prepare(job: Job) -> tuple[records.Tables, str]:
    """Reads a job's files; raises LayoutError/DataError/OSError."""
    if isinstance(job.layout, dict):
        layout = records.parse_layout(job.layout)
    else:
        layout = records.read_layout(job.layout)
    tables = records.read_tables(layout, job.leads, job.events)
    with open(job.sql, encoding="utf-8") as f:
        sql = f.read()
    return tables, sql


def run(engine_name: str, jobs: list[Job], timezone: Optional[str], timing: bool, single: bool) -> int:
    # Read every job first: a bad file should not cost a Spark start.
    prepared: list[Any] = []
    failures = 0
    for job in jobs:
        try:
            prepared.append(prepare(job))
        except (records.LayoutError, records.DataError, OSError) as e:
            prepared.append(None)
            failures += 1
            print(f"error: {job.label()}: {e}", file=sys.stderr)
            if job.out and os.path.exists(job.out):
                os.remove(job.out)
    if failures == len(jobs):
        return 1
    t0 = time.monotonic()
    engine = engines.make(engine_name, timezone)
    try:
        try:
            engine.start()
        except engines.EngineError as e:
            print(f"error: {engine_name}: {e}", file=sys.stderr)
            return 2
        if timing:
            print(f"timing: {engine_name} started in {time.monotonic() - t0:.2f} s", file=sys.stderr)
        t_jobs = time.monotonic()
        for job, ready in zip(jobs, prepared):
            if ready is None:
                continue
            tables, sql = ready
            t1 = time.monotonic()
            try:
                engine.load(tables)
                text = ndjson(*engine.query(sql))
            except engines.EngineError as e:
                failures += 1
                print(f"error: {job.label()} on {engine_name}: {e}", file=sys.stderr)
                if job.out and os.path.exists(job.out):
                    os.remove(job.out)
                continue
            if single:
                sys.stdout.write(text)
            else:
                with open(job.out, "w", encoding="utf-8") as f:
                    f.write(text)
            if timing:
                print(f"timing: {job.label()} took {time.monotonic() - t1:.3f} s", file=sys.stderr)
        if timing:
            print(f"timing: {len(jobs)} jobs took {time.monotonic() - t_jobs:.2f} s", file=sys.stderr)
    finally:
        engine.stop()
    if failures:
        if not single:
            print(f"error: {failures} of {len(jobs)} jobs failed on {engine_name}", file=sys.stderr)
        return 1
    return 0


def _exit_on_signal(signum: int, _frame: Any) -> None:
    # A plain exit runs the `finally` blocks and atexit: the cluster is
    # stopped and removed.
    raise SystemExit(128 + signum)


def main(argv: Optional[list[str]] = None) -> int:
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, _exit_on_signal)
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--engine", choices=engines.ENGINES)
    p.add_argument("--layout")
    p.add_argument("--leads")
    p.add_argument("--events")
    p.add_argument("--sql")
    p.add_argument("--batch")
    p.add_argument("--timezone")
    p.add_argument("--timing", action="store_true")
    p.add_argument("--cleanup-stale", action="store_true")
    a = p.parse_args(argv)
    try:
        if a.cleanup_stale:
            for d in engines.cleanup_stale():
                print(f"removed {d}", file=sys.stderr)
            return 0
        if not a.engine:
            raise UsageError("--engine is required")
        if a.batch:
            if any([a.layout, a.leads, a.events, a.sql]):
                raise UsageError("--batch takes its files from the jobs file")
            jobs = read_jobs(a.batch)
            single = False
        else:
            missing = [f"--{n}" for n in ("layout", "leads", "sql") if not getattr(a, n)]
            if missing:
                raise UsageError(f"missing {', '.join(missing)} (or give --batch)")
            jobs = [Job(0, a.sql, a.layout, a.leads, a.events, a.sql, None)]
            single = True
        return run(a.engine, jobs, a.timezone, a.timing, single)
    except UsageError as e:
        print(f"usage error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
