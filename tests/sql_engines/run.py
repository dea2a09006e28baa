#!/usr/bin/env python3
"""Runs a query that `leadscore compile --emit sql` wrote on a real engine,
over leads loaded from the NDJSON files `leadscore score` reads, and prints
the result rows as NDJSON (one object a row, columns by name).

    run.py --engine duckdb|postgres --layout L.json --leads LEADS.ndjson --sql Q.sql

The layout names the columns of the two relations and their types:
{"leads": [{"name": "title", "type": "text"}, ...],
 "events": [{"name": "page", "type": "text"}, ...]}
with types text|number|bool|date|enum|list (and "key" where a field reads
another record key). Events embedded in the records (`"events": [...]`)
are loaded into the events relation. Values are loaded as a warehouse would
hold them: each column has its natural type; a value that does not fit the
type (a text for a number) is NULL, which the comparison reports.

PostgreSQL runs in a throwaway cluster (initdb, pg_ctl) in a temporary
directory, on a Unix socket only, stopped when the run ends.
"""

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile


def parse_instant(text):
    """An instant as leadscore reads it (RFC 3339, a date alone at midnight
    UTC, no offset meaning UTC), as a naive UTC datetime; None if unreadable."""
    if not isinstance(text, str):
        return None
    t = text.strip()
    if len(t) < 10 or t[4] != "-" or t[7] != "-":
        return None
    try:
        if len(t) == 10:
            return dt.datetime.fromisoformat(t)
        v = dt.datetime.fromisoformat(t.replace("z", "Z").replace("t", "T"))
    except ValueError:
        return None
    if v.tzinfo is not None:
        v = v.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return v


def json_text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return json.dumps(v)
    return v


def convert(value, ty):
    """A record value as the column of type `ty` holds it."""
    if value is None:
        return None
    if ty in ("text", "enum"):
        if isinstance(value, (str, int, float, bool)):
            return json_text(value)
        return None
    if ty == "number":
        if isinstance(value, bool):
            return None
        if isinstance(value, (int, float)):
            return float(value)
        try:
            return float(str(value).strip())
        except ValueError:
            return None
    if ty == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        return None
    if ty == "date":
        return parse_instant(value)
    if ty == "list":
        if isinstance(value, str):
            return value.split(";")
        if isinstance(value, list):
            return [None if x is None else json_text(x) for x in value]
        return None
    raise ValueError(f"unknown type {ty}")


def read_rows(layout, leads_path):
    leads, events = [], []
    with open(leads_path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            record = json.loads(line)
            rid = record.get("id")
            rid = json_text(rid) if rid is not None else None
            row = [rid]
            for col in layout["leads"]:
                row.append(convert(record.get(col.get("key", col["name"])), col["type"]))
            leads.append(row)
            for event in record.get("events") or []:
                erow = [rid, event.get("type"), parse_instant(event.get("at"))]
                for col in layout["events"]:
                    erow.append(convert(event.get(col["name"]), col["type"]))
                events.append(erow)
    return leads, events


TYPES = {
    "duckdb": {"text": "VARCHAR", "enum": "VARCHAR", "number": "DOUBLE", "bool": "BOOLEAN",
               "date": "TIMESTAMP", "list": "VARCHAR[]", "id": "VARCHAR"},
    "postgres": {"text": "text", "enum": "text", "number": "double precision", "bool": "boolean",
                 "date": "timestamp", "list": "text[]", "id": "text"},
}


def columns(layout, engine):
    t = TYPES[engine]
    leads = [("id", t["id"])] + [(c["name"], t[c["type"]]) for c in layout["leads"]]
    events = [("lead_id", t["id"]), ("type", t["text"]), ("at", t["date"])] + [
        (c["name"], t[c["type"]]) for c in layout["events"]
    ]
    return leads, events


def quote(name):
    return '"' + name.replace('"', '""') + '"'


def run_duckdb(layout, leads, events, sql):
    import duckdb

    con = duckdb.connect()
    # A zone far from UTC: the query must not depend on the session's.
    con.execute("SET TimeZone = 'Pacific/Kiritimati'")
    lead_cols, event_cols = columns(layout, "duckdb")
    for table, cols, rows in (("leads", lead_cols, leads), ("events", event_cols, events)):
        con.execute(f"CREATE TABLE {table} ({', '.join(quote(n) + ' ' + t for n, t in cols)})")
        if rows:
            marks = ", ".join("?" for _ in cols)
            con.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r)) for r in cursor.fetchall()]


def pg_literal(value, ty):
    if value is None:
        return "NULL"
    if ty == "list":
        items = ",".join("NULL" if v is None else pg_literal(v, "text") for v in value)
        return f"ARRAY[{items}]::text[]"
    if ty == "bool":
        return "TRUE" if value else "FALSE"
    if ty == "number":
        return repr(float(value)) + "::float8"
    if ty == "date":
        return "'" + value.isoformat(sep=" ") + "'::timestamp"
    return "'" + str(value).replace("'", "''") + "'"


def run_postgres_cluster(layout, leads, events, sql):
    """A throwaway cluster: initdb in a temporary directory, a Unix socket
    in it and no TCP listener, psql for the statements, stopped at the end."""
    base = tempfile.mkdtemp(prefix="leadscore-pg-")
    data = os.path.join(base, "data")
    env = dict(os.environ)
    run_as = []
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root.
        shutil.chown(base, "nobody")
        os.chmod(base, 0o777)
        run_as = ["runuser", "-u", "nobody", "--"]
    try:
        subprocess.run(run_as + ["initdb", "-D", data, "-U", "postgres", "--encoding=UTF8",
                                 "--locale=C.UTF-8", "--auth=trust"],
                       check=True, capture_output=True, env=env)
        subprocess.run(run_as + ["pg_ctl", "-D", data, "-w", "-l", os.path.join(base, "log"),
                                 "-o", f"-k {base} -c listen_addresses='' -c TimeZone=Pacific/Kiritimati",
                                 "start"], check=True, capture_output=True, env=env)
        lead_cols, event_cols = columns(layout, "postgres")
        lead_types = ["id"] + [c["type"] for c in layout["leads"]]
        event_types = ["id", "text", "date"] + [c["type"] for c in layout["events"]]
        script = []
        for table, cols, types, rows in (("leads", lead_cols, lead_types, leads),
                                         ("events", event_cols, event_types, events)):
            script.append(f"CREATE TABLE {table} ({', '.join(quote(n) + ' ' + t for n, t in cols)});")
            for row in rows:
                values = ", ".join(pg_literal(v, t) for v, t in zip(row, types))
                script.append(f"INSERT INTO {table} VALUES ({values});")
        query = sql.strip().rstrip(";")
        script.append(f"SELECT json_agg(q) FROM ({query}) AS q;")
        path = os.path.join(base, "script.sql")
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(script))
        os.chmod(path, 0o644)
        out = subprocess.run(run_as + ["psql", "-h", base, "-U", "postgres", "-X", "-q", "-t", "-A",
                                       "-v", "ON_ERROR_STOP=1", "-f", path],
                             check=False, capture_output=True, env=env, text=True)
        if out.returncode != 0:
            raise RuntimeError(out.stderr)
        text = out.stdout.strip()
        return json.loads(text) if text else []
    finally:
        subprocess.run(run_as + ["pg_ctl", "-D", data, "-w", "-m", "immediate", "stop"],
                       capture_output=True, env=env)
        shutil.rmtree(base, ignore_errors=True)


def plain(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", required=True, choices=["duckdb", "postgres"])
    parser.add_argument("--layout", required=True)
    parser.add_argument("--leads", required=True)
    parser.add_argument("--sql", required=True)
    args = parser.parse_args()
    with open(args.layout, encoding="utf-8") as f:
        layout = json.load(f)
    with open(args.sql, encoding="utf-8") as f:
        sql = f.read()
    leads, events = read_rows(layout, args.leads)
    if args.engine == "duckdb":
        rows = run_duckdb(layout, leads, events, sql)
    else:
        rows = run_postgres_cluster(layout, leads, events, sql)
    for row in rows:
        sys.stdout.write(json.dumps({k: plain(v) for k, v in row.items()}) + "\n")


if __name__ == "__main__":
    main()
