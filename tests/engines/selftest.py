#!/usr/bin/env python3
"""Checks the engine harness itself on DuckDB, PostgreSQL and Spark: a
hand-written query over 3 leads and 2 events must give the same, exact
rows everywhere (text kept as given, a number read from text under another
key, booleans, instants in UTC, NULLs, lists). A missing engine is a
failure, never a skip.

Per engine, one batch (one engine session) of three jobs:
  0. the query of selftest/ -> selftest/expected.ndjson, byte for byte;
  1. a layout without events and with number ids -> doubles exact;
  2. the same layout, querying `events` -> must fail, naming the job (the
     events table of job 0 must not survive into job 2).
Then: a bad value stops a run with exit 1 naming line, key and value; the
single-job CLI prints the same rows with a non-UTC session zone; no
PostgreSQL cluster is left behind.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RUN = os.path.join(HERE, "run.py")
FIXTURE = os.path.join(HERE, "selftest")
ENGINES = ("duckdb", "postgres", "spark")

NUMBERS_LAYOUT = {"id_type": "number", "leads": [{"name": "score", "type": "number"}]}
NUMBERS_LEADS = '{"id": 7, "score": "0.1"}\n{"id": 3.5, "score": 1e16}\n'
NUMBERS_SQL = "SELECT id, score * 3 AS x, score IS NULL AS missing FROM leads ORDER BY id"
NUMBERS_EXPECTED = (
    '{"id":3.5,"x":3e+16,"missing":false}\n'
    '{"id":7.0,"x":0.30000000000000004,"missing":false}\n'
)

failures: list[str] = []


def check(ok: bool, what: str) -> None:
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, RUN, *args], capture_output=True, text=True, env={**os.environ, **(env or {})}
    )


def clusters() -> set[str]:
    return set(glob.glob(os.path.join(tempfile.gettempdir(), "leadscore-pg-*")))


def main() -> int:
    with open(os.path.join(FIXTURE, "expected.ndjson"), encoding="utf-8") as f:
        expected = f.read()
    fixture = [
        "--layout", os.path.join(FIXTURE, "layout.json"),
        "--leads", os.path.join(FIXTURE, "leads.ndjson"),
        "--sql", os.path.join(FIXTURE, "query.sql"),
    ]
    before = clusters()
    with tempfile.TemporaryDirectory(prefix="leadscore-selftest-") as tmp:
        with open(os.path.join(tmp, "numbers.json"), "w") as f:
            json.dump(NUMBERS_LAYOUT, f)
        with open(os.path.join(tmp, "numbers.ndjson"), "w") as f:
            f.write(NUMBERS_LEADS)
        with open(os.path.join(tmp, "numbers.sql"), "w") as f:
            f.write(NUMBERS_SQL)
        with open(os.path.join(tmp, "events.sql"), "w") as f:
            f.write("SELECT count(*) AS n FROM events")

        for engine in ENGINES:
            jobs = [
                {"name": "selftest", "layout": os.path.join(FIXTURE, "layout.json"),
                 "leads": os.path.join(FIXTURE, "leads.ndjson"), "sql": os.path.join(FIXTURE, "query.sql"),
                 "out": f"{engine}-0.ndjson"},
                {"name": "numbers", "layout": "numbers.json", "leads": "numbers.ndjson",
                 "sql": "numbers.sql", "out": f"{engine}-1.ndjson"},
                {"name": "no events table", "layout": NUMBERS_LAYOUT, "leads": "numbers.ndjson",
                 "sql": "events.sql", "out": f"{engine}-2.ndjson"},
            ]
            batch = os.path.join(tmp, f"{engine}.json")
            with open(batch, "w") as f:
                json.dump(jobs, f)
            t0 = time.monotonic()
            # A non-UTC zone in the environment: the harness must still
            # print instants in UTC (Spark's collect() reads this zone).
            p = run(["--engine", engine, "--batch", batch], env={"TZ": "America/New_York"})
            took = time.monotonic() - t0
            print(f"---- {engine}: batch exit {p.returncode} (1 expected: job 2 must fail) in {took:.1f} s", flush=True)

            def out(i: int) -> str | None:
                try:
                    with open(os.path.join(tmp, f"{engine}-{i}.ndjson"), encoding="utf-8") as f:
                        return f.read()
                except OSError:
                    return None

            got = out(0)
            check(got == expected, f"{engine}: selftest rows\n{got}" if got != expected else f"{engine}: selftest rows")
            got = out(1)
            check(got == NUMBERS_EXPECTED, f"{engine}: number ids and exact doubles" + ("" if got == NUMBERS_EXPECTED else f"\n{got}"))
            check(p.returncode == 1, f"{engine}: a failing job makes the batch exit 1 (got {p.returncode})")
            check(out(2) is None, f"{engine}: a failing job writes no output")
            named = [line for line in p.stderr.splitlines() if "job 2 (no events table)" in line]
            check(bool(named) and "events" in named[0].lower(),
                  f"{engine}: the engine's error names the job")
            if not named or p.returncode not in (0, 1):
                sys.stderr.write(p.stderr[-3000:])

        # A value that does not convert: exit 1, naming line, key and value.
        bad = os.path.join(tmp, "bad.ndjson")
        with open(bad, "w") as f:
            f.write('{"id": "a1"}\n{"id": "a2", "Company Size": "lots"}\n')
        p = run(["--engine", "duckdb", "--layout", os.path.join(FIXTURE, "layout.json"), "--leads", bad,
                 "--sql", os.path.join(FIXTURE, "query.sql")])
        check(p.returncode == 1 and "line 2" in p.stderr and "'Company Size'" in p.stderr and '"lots"' in p.stderr,
              f"a bad value: exit 1 naming line, key and value (exit {p.returncode}: {p.stderr.strip()})")

    # The single-job CLI, with a session zone far from UTC.
    for engine in ("duckdb", "postgres"):
        p = run(["--engine", engine, "--timezone", "Asia/Kolkata", *fixture])
        check(p.returncode == 0 and p.stdout == expected,
              f"{engine}: one job on stdout, session zone Asia/Kolkata" + ("" if p.returncode == 0 else f": {p.stderr}"))

    left = clusters() - before
    check(not left, f"no PostgreSQL cluster left behind {sorted(left)}")

    if failures:
        print(f"selftest: {len(failures)} failed", file=sys.stderr)
        return 1
    print("selftest: all engines agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
