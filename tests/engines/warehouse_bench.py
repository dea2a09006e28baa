#!/usr/bin/env python3
"""Times the emitted SQL of the bench model on DuckDB and on Spark (local),
on the bench's generated leads loaded as `leads` and `events` tables, and
checks every row against `leadscore score`. See docs/warehouse.md, "Speed".

    warehouse_bench.py --data BENCH.ndjson --leadscore BIN [--model M]
                       [--as-of INSTANT] [--work DIR] [--engines duckdb,spark]

BENCH.ndjson is what ../shared/bench/gen.py writes (one lead a line, its
events nested). The tables are built once by DuckDB (and written as Parquet
for Spark), then each engine runs the query compiled for it; the load is
timed apart from the query, since in a warehouse the tables already exist.
Prints one line per step with its wall time, then the comparison.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BENCH = os.path.join(os.path.dirname(ROOT), "shared", "bench")

# The bench's records, as DuckDB's read_json should type them (text is
# loaded untrimmed and in its own letter case: the query does the cleaning).
RAW_COLUMNS = """{
    id: 'VARCHAR', title: 'VARCHAR', seniority: 'VARCHAR', employees: 'DOUBLE',
    industry: 'VARCHAR', email: 'VARCHAR', newsletter: 'BOOLEAN',
    events: 'STRUCT("type" VARCHAR, "at" VARCHAR, page VARCHAR, campaign VARCHAR,
                    asset VARCHAR, kind VARCHAR)[]'}"""

NUMBERS = ("score", "fit", "engagement", "product_analytics")
OTHERS = ("mql", "sales_ready", "grade", "priority", "disqualified")


def step(name: str, started: float) -> float:
    now = time.monotonic()
    print(f"{name}: {now - started:.2f} s", flush=True)
    return now


def quoted(path: str) -> str:
    return os.path.abspath(path).replace("'", "''")


def compile_sql(args, dialect: str) -> str:
    out = subprocess.run(
        [args.leadscore, "compile", args.model, "--emit", "sql", "--dialect", dialect,
         "--as-of", args.as_of],
        check=True, capture_output=True, text=True,
    )
    return out.stdout.rstrip().rstrip(";")


def native_scores(args) -> str:
    path = os.path.join(args.work, "native.csv")
    started = time.monotonic()
    subprocess.run(
        [args.leadscore, "score", args.model, args.data, "--as-of", args.as_of,
         "--format", "csv", "-o", path],
        check=True,
    )
    step("leadscore score (NDJSON in, CSV out)", started)
    return path


def compare(con, table: str, native: str) -> int:
    """Rows of `table` that differ from leadscore's, or are missing or extra."""
    con.execute(f"CREATE OR REPLACE TABLE native AS SELECT * FROM read_csv('{quoted(native)}', header = true, all_varchar = true)")
    differs = [f"abs(CAST(s.{c} AS DOUBLE) - CAST(n.{c} AS DOUBLE)) > 0.006" for c in NUMBERS]
    differs += [f"(s.{c} IS NULL) <> (nullif(n.{c}, '') IS NULL)" for c in NUMBERS]
    differs += [f"lower(CAST(s.{c} AS VARCHAR)) IS DISTINCT FROM lower(nullif(n.{c}, ''))" for c in OTHERS]
    differs.append("s.error IS NOT NULL")
    differs.append("s.id IS NULL OR n.id IS NULL")
    sql = f"SELECT count(*) FROM {table} s FULL JOIN native n ON s.id = n.id WHERE {' OR '.join(differs)}"
    return con.execute(sql).fetchone()[0]


def hand_written(args) -> None:
    """The bench's hand-written DuckDB SQL for the same model, reading the
    NDJSON itself (no tables)."""
    started = time.monotonic()
    subprocess.run(
        [sys.executable, os.path.join(BENCH, "duckdb_score.py"), args.data,
         os.path.join(args.work, "hand.json"), "--as-of", args.as_of],
        check=True,
    )
    step("duckdb: hand-written model02.sql (duckdb_score.py, NDJSON in)", started)


def duckdb_run(args, native: str) -> None:
    import duckdb

    con = duckdb.connect(os.path.join(args.work, "bench.duckdb"))
    con.execute("SET TimeZone = 'UTC'")  # a date-only `at` is midnight UTC
    started = time.monotonic()
    con.execute(f"""CREATE OR REPLACE TEMP TABLE raw AS SELECT * FROM read_json('{quoted(args.data)}',
        format = 'newline_delimited', columns = {RAW_COLUMNS})""")
    con.execute("""CREATE OR REPLACE TABLE leads AS
        SELECT id, title, seniority, employees, industry, email, newsletter FROM raw""")
    con.execute("""CREATE OR REPLACE TABLE events AS
        SELECT id AS lead_id, e."type" AS "type", CAST(e."at" AS TIMESTAMPTZ) AS "at",
               e.page AS page, e.campaign AS campaign, e.asset AS asset, e.kind AS kind
        FROM (SELECT id, unnest(events) AS e FROM raw)""")
    con.execute("DROP TABLE raw")
    started = step("duckdb: load leads and events tables", started)
    sql = compile_sql(args, "duckdb")
    started = time.monotonic()
    con.execute(f"CREATE OR REPLACE TABLE out AS {sql}")
    step("duckdb: emitted query (CREATE TABLE out AS ...)", started)
    print(f"duckdb: rows differing from leadscore score: {compare(con, 'out', native)}", flush=True)
    if "spark" in args.engines:
        for table in ("leads", "events"):
            target = os.path.join(args.work, f"{table}.parquet")
            con.execute(f"COPY {table} TO '{quoted(target)}' (FORMAT parquet)")
    con.close()


def spark_run(args, native: str) -> None:
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    from pyspark.sql import SparkSession

    scratch = os.path.join(args.work, "spark")
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("leadscore-warehouse-bench")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.memory", "4g")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.local.dir", os.path.join(scratch, "local"))
        .config("spark.sql.warehouse.dir", os.path.join(scratch, "warehouse"))
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        for table in ("leads", "events"):
            spark.read.parquet(os.path.join(args.work, f"{table}.parquet")).createOrReplaceTempView(table)
        sql = compile_sql(args, "spark")
        out = os.path.join(args.work, "spark-out.parquet")
        started = time.monotonic()
        spark.sql(sql).write.mode("overwrite").parquet(out)
        step("spark: emitted query (to Parquet)", started)
    finally:
        spark.stop()
    import duckdb

    con = duckdb.connect()
    con.execute(f"CREATE TABLE spark_out AS SELECT * FROM read_parquet('{quoted(out)}/*.parquet')")
    print(f"spark: rows differing from leadscore score: {compare(con, 'spark_out', native)}", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--leadscore", required=True)
    ap.add_argument("--model", default=os.path.join(BENCH, "model.score"))
    ap.add_argument("--as-of", default="2026-11-01T00:00:00Z")
    ap.add_argument("--work", default="/tmp/leadscore-warehouse-bench")
    ap.add_argument("--engines", default="duckdb,spark")
    args = ap.parse_args()
    args.engines = args.engines.split(",")
    os.makedirs(args.work, exist_ok=True)
    try:
        native = native_scores(args)
        hand_written(args)
        duckdb_run(args, native)
        if "spark" in args.engines:
            spark_run(args, native)
    finally:
        shutil.rmtree(args.work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
