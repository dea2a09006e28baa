"""The three SQL engines the compiled queries are run on, each behind the
same four calls: start(), load(tables), query(sql) -> (columns, rows),
stop().

Every engine is a throwaway: DuckDB in memory, PostgreSQL a cluster of its
own in a temporary directory, Spark a local[2] session with its scratch
space in a temporary directory. stop() removes everything; it is also
registered with atexit, and run.py turns SIGTERM/SIGHUP into a normal exit
so that the PostgreSQL cluster goes away on failure too. A cluster left by
a killed run (SIGKILL) is removed by the next run (cleanup_stale).
"""

from __future__ import annotations

import atexit
import datetime as dt
import glob
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from typing import Any, Optional

from records import Column, Tables

ENGINES = ("duckdb", "postgres", "spark")


class EngineError(Exception):
    """The engine could not start, load or answer; the message is the
    engine's own where it gave one."""


class Engine:
    name = "?"

    def __init__(self, timezone: Optional[str] = None):
        # The session time zone to set, or None for the engine's default
        # (Spark: UTC). A query must not depend on it (LANGUAGE.md §15).
        self.timezone = timezone
        self.started = False

    def start(self) -> None:
        raise NotImplementedError

    def load(self, tables: Tables) -> None:
        raise NotImplementedError

    def query(self, sql: str) -> tuple[list[str], list[tuple]]:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> "Engine":
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def quote(name: str) -> str:
    """A "quoted" identifier for DuckDB and PostgreSQL (`at` is reserved in
    DuckDB 2.0)."""
    return '"' + name.replace('"', '""') + '"'


def backtick(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _column_type(c: Column, types: dict[str, str]) -> str:
    return types[c.type]


# --- DuckDB ------------------------------------------------------------------

DUCKDB_TYPES = {
    "text": "VARCHAR",
    "enum": "VARCHAR",
    "number": "DOUBLE",
    "integer": "BIGINT",
    "bool": "BOOLEAN",
    "date": "TIMESTAMPTZ",
    "list": "VARCHAR[]",
}


class DuckDB(Engine):
    name = "duckdb"

    def start(self) -> None:
        import duckdb

        self.duckdb = duckdb
        self.con = duckdb.connect(":memory:")
        if self.timezone:
            zone = self.timezone.replace("'", "''")
            self.con.execute(f"SET TimeZone = '{zone}'")
        self.started = True

    def load(self, tables: Tables) -> None:
        try:
            self._load(tables)
        except self.duckdb.Error as e:
            raise EngineError(f"loading the tables: {type(e).__name__}: {e}") from None

    def _load(self, tables: Tables) -> None:
        con = self.con
        con.execute("DROP TABLE IF EXISTS leads")
        con.execute("DROP TABLE IF EXISTS events")
        _create_and_fill(
            con.execute,
            "leads",
            tables.layout.lead_columns(),
            tables.leads,
            DUCKDB_TYPES,
            "?",
        )
        if tables.layout.events is not None:
            _create_and_fill(
                con.execute,
                "events",
                tables.layout.event_columns(),
                tables.events,
                DUCKDB_TYPES,
                "?",
            )

    def query(self, sql: str) -> tuple[list[str], list[tuple]]:
        try:
            result = self.con.execute(sql)
            if result.description is None:
                raise EngineError("the statement returned no result set")
            columns = [d[0] for d in result.description]
            return columns, result.fetchall()
        except self.duckdb.Error as e:
            raise EngineError(f"{type(e).__name__}: {e}") from None

    def stop(self) -> None:
        if self.started:
            self.con.close()
            self.started = False


# Rows per INSERT: one statement of many rows binds its parameters once,
# where executemany runs the statement row by row (10,000 leads with their
# events took 83 s that way).
INSERT_CHUNK = 500


def _create_and_fill(execute, table, columns, rows, types, mark) -> None:
    cols = ", ".join(f"{quote(c.name)} {_column_type(c, types)}" for c in columns)
    execute(f"CREATE TABLE {table} ({cols})")
    names = ", ".join(quote(c.name) for c in columns)
    row_marks = "(" + ", ".join(mark for _ in columns) + ")"
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start : start + INSERT_CHUNK]
        values = ", ".join(row_marks for _ in chunk)
        params = [v for row in chunk for v in row]
        execute(f"INSERT INTO {table} ({names}) VALUES {values}", params)


# --- PostgreSQL --------------------------------------------------------------
#
# Talked to with psycopg 3 rather than `psql`: psql prints text, so every
# result would have to be re-parsed by type (arrays, NULL against empty
# text, float digits), while psycopg hands back Python values typed by the
# server (float8 -> float, text[] -> list, timestamptz -> aware datetime) and
# loads rows with COPY from Python values, with no quoting to get wrong.

PG_TYPES = {
    "text": "text",
    "enum": "text",
    "number": "double precision",
    "integer": "bigint",
    "bool": "boolean",
    "date": "timestamptz",
    "list": "text[]",
}

# The same types by the names psycopg's binary COPY knows them by.
PG_COPY_TYPES = {
    "text": "text",
    "enum": "text",
    "number": "float8",
    "integer": "int8",
    "bool": "bool",
    "date": "timestamptz",
    "list": "text[]",
}

PG_PREFIX = "leadscore-pg-"


def find_pg_bin() -> str:
    """The newest /usr/lib/postgresql/*/bin holding initdb and pg_ctl."""
    found = []
    for d in glob.glob("/usr/lib/postgresql/*/bin"):
        if os.access(os.path.join(d, "initdb"), os.X_OK) and os.access(os.path.join(d, "pg_ctl"), os.X_OK):
            version = os.path.basename(os.path.dirname(d))
            found.append((int(version) if version.isdigit() else 0, d))
    if not found:
        raise EngineError("no PostgreSQL server under /usr/lib/postgresql/*/bin: run .ci/setup-engines")
    return max(found)[1]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def cleanup_stale() -> list[str]:
    """Stops and removes clusters whose harness process is gone (one killed
    with SIGKILL has no chance to clean up). Returns what it removed."""
    removed = []
    bin_dir = None
    for d in glob.glob(os.path.join(tempfile.gettempdir(), PG_PREFIX + "*")):
        try:
            with open(os.path.join(d, "owner.pid")) as f:
                owner = int(f.read().strip())
        except (OSError, ValueError):
            continue
        if _alive(owner):
            continue
        data = os.path.join(d, "data")
        if os.path.exists(os.path.join(data, "postmaster.pid")):
            try:
                bin_dir = bin_dir or find_pg_bin()
                _run_as_owner(d, [os.path.join(bin_dir, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"])
            except (EngineError, OSError):
                _kill_postmaster(data)
        shutil.rmtree(d, ignore_errors=True)
        removed.append(d)
    return removed


def _kill_postmaster(data: str) -> None:
    try:
        with open(os.path.join(data, "postmaster.pid")) as f:
            pid = int(f.readline().strip())
        os.kill(pid, signal.SIGQUIT)
    except (OSError, ValueError):
        pass


def _run_as_owner(directory: str, cmd: list[str], check: bool = True) -> subprocess.CompletedProcess:
    """Runs a PostgreSQL tool as the owner of `directory` (initdb and the
    server refuse to run as root, so as root the cluster belongs to the
    `postgres` user)."""
    st = os.stat(directory)
    kwargs: dict[str, Any] = {}
    if os.geteuid() == 0 and st.st_uid != 0:
        kwargs = {"user": st.st_uid, "group": st.st_gid, "extra_groups": []}
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": directory,
        "LC_ALL": "C.UTF-8",
    }
    if "TZ" in os.environ:
        env["TZ"] = os.environ["TZ"]
    proc = subprocess.run(cmd, cwd=directory, env=env, capture_output=True, text=True, **kwargs)
    if check and proc.returncode != 0:
        raise EngineError(f"{os.path.basename(cmd[0])} failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}")
    return proc


class Postgres(Engine):
    name = "postgres"

    def start(self) -> None:
        import psycopg

        self.psycopg = psycopg
        cleanup_stale()
        self.bin = find_pg_bin()
        self.dir = tempfile.mkdtemp(prefix=PG_PREFIX)
        atexit.register(self.stop)
        self.started = True
        with open(os.path.join(self.dir, "owner.pid"), "w") as f:
            f.write(str(os.getpid()))
        self.password = secrets.token_hex(16)
        pwfile = os.path.join(self.dir, "pwfile")
        with open(os.open(pwfile, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write(self.password + "\n")
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise EngineError(
                    "running as root, and initdb refuses root: a `postgres` user is needed (.ci/setup-engines makes one)"
                ) from None
            for p in (self.dir, pwfile):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        self.data = os.path.join(self.dir, "data")
        _run_as_owner(
            self.dir,
            [
                os.path.join(self.bin, "initdb"),
                "-D", self.data,
                "-U", "leadscore",
                f"--pwfile={pwfile}",
                "--auth=scram-sha-256",
                # Fixed rather than inherited from the environment: CI may
                # have no LANG, and the C locale would make the database
                # SQL_ASCII. TimeZone is left to initdb (the machine's zone).
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
        )
        last_error = None
        for _ in range(3):  # the free port may be taken before the server binds it
            self.port = _free_port()
            options = " ".join(
                [
                    "-c listen_addresses=127.0.0.1",
                    f"-c port={self.port}",
                    f"-c unix_socket_directories={self.dir}",
                    # Throwaway data: durability is not wanted.
                    "-c fsync=off",
                    "-c synchronous_commit=off",
                    "-c full_page_writes=off",
                ]
            )
            proc = _run_as_owner(
                self.dir,
                [
                    os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-l", os.path.join(self.dir, "server.log"),
                    "-w", "-t", "60", "-o", options, "start",
                ],
                check=False,
            )
            if proc.returncode == 0:
                break
            last_error = self._log_tail() or proc.stderr
        else:
            raise EngineError(f"pg_ctl start failed: {last_error}")
        options = f"-c TimeZone={self.timezone}" if self.timezone else ""
        try:
            self.con = psycopg.connect(
                host="127.0.0.1", port=self.port, user="leadscore", password=self.password,
                dbname="postgres", autocommit=True, options=options, connect_timeout=30,
            )
        except psycopg.Error as e:
            raise EngineError(f"cannot connect to the cluster: {e}") from None

    def _log_tail(self) -> str:
        try:
            with open(os.path.join(self.dir, "server.log")) as f:
                return "".join(f.readlines()[-5:]).strip()
        except OSError:
            return ""

    def load(self, tables: Tables) -> None:
        try:
            with self.con.cursor() as cur:
                cur.execute("DROP TABLE IF EXISTS leads, events")
                self._fill(cur, "leads", tables.layout.lead_columns(), tables.leads)
                if tables.layout.events is not None:
                    self._fill(cur, "events", tables.layout.event_columns(), tables.events)
        except self.psycopg.Error as e:
            raise EngineError(f"loading the tables: {e}") from None

    def _fill(self, cur, table: str, columns: list[Column], rows: list[tuple]) -> None:
        cols = ", ".join(f"{quote(c.name)} {PG_TYPES[c.type]}" for c in columns)
        cur.execute(f"CREATE TABLE {table} ({cols})")
        names = ", ".join(quote(c.name) for c in columns)
        with cur.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types([PG_COPY_TYPES[c.type] for c in columns])
            for row in rows:
                copy.write_row(row)

    def query(self, sql: str) -> tuple[list[str], list[tuple]]:
        try:
            with self.con.cursor() as cur:
                cur.execute(sql)
                if cur.description is None:
                    raise EngineError("the statement returned no result set")
                return [d.name for d in cur.description], cur.fetchall()
        except self.psycopg.Error as e:
            raise EngineError(f"{type(e).__name__}: {str(e).strip()}") from None

    def stop(self) -> None:
        if not self.started:
            return
        self.started = False
        con = getattr(self, "con", None)
        if con is not None:
            try:
                con.close()
            except Exception:
                pass
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            proc = _run_as_owner(
                self.dir, [os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-m", "fast", "-w", "-t", "30", "stop"],
                check=False,
            )
            if proc.returncode != 0:
                _kill_postmaster(self.data)
                time.sleep(1)
        shutil.rmtree(self.dir, ignore_errors=True)


# --- Spark ---------------------------------------------------------------------

LOG4J2 = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n%ex
"""


class Spark(Engine):
    name = "spark"

    def start(self) -> None:
        # The driver binds to the first non-loopback address unless told.
        os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
        # collect() turns TIMESTAMP values into naive datetimes in the
        # *Python process's* zone: make that UTC, whatever the session zone.
        os.environ["TZ"] = "UTC"
        time.tzset()
        from pyspark.sql import SparkSession

        self.dir = tempfile.mkdtemp(prefix="leadscore-spark-")
        atexit.register(self.stop)
        self.started = True
        log4j = os.path.join(self.dir, "log4j2.properties")
        with open(log4j, "w") as f:
            f.write(LOG4J2)
        java_options = f"-Dlog4j2.configurationFile=file:{log4j} -Duser.timezone=UTC -Dderby.system.home={self.dir}"
        builder = (
            SparkSession.builder.master("local[2]")
            .appName("leadscore-engines")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.session.timeZone", self.timezone or "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            # 200 shuffle partitions (the default) make every GROUP BY of a
            # tiny table take seconds.
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.default.parallelism", "2")
            .config("spark.sql.warehouse.dir", os.path.join(self.dir, "warehouse"))
            .config("spark.local.dir", os.path.join(self.dir, "local"))
            .config("spark.driver.extraJavaOptions", java_options)
        )
        try:
            self.spark = builder.getOrCreate()
        except Exception as e:
            raise EngineError(f"Spark did not start: {e}") from None
        self.spark.sparkContext.setLogLevel("ERROR")
        # PySpark 4 also logs every SQL error, with the JVM stack, as JSON
        # on stderr; the harness reports the error itself, once.
        import logging

        from pyspark.logger import PySparkLogger

        for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
            PySparkLogger.getLogger(name).setLevel(logging.CRITICAL)

    def load(self, tables: Tables) -> None:
        # The rows go in as SQL literals (a temporary view over VALUES),
        # not through createDataFrame: a DataFrame made from Python rows is
        # read by Python worker processes at every query, which made each
        # tiny job take ~2 s instead of a few hundred ms.
        spark = self.spark
        try:
            spark.catalog.dropTempView("leads")
            spark.catalog.dropTempView("events")
            self._view("leads", tables.layout.lead_columns(), tables.leads)
            if tables.layout.events is not None:
                self._view("events", tables.layout.event_columns(), tables.events)
        except Exception as e:
            raise EngineError(f"loading the tables: {e}") from None

    def _view(self, table: str, columns: list[Column], rows: list[tuple]) -> None:
        if len(rows) <= SPARK_LITERAL_ROWS:
            self.spark.sql(_spark_view(table, columns, rows))
            return
        # Many rows: a JSON Lines file read by the JVM with an explicit
        # schema, failing on any value that does not fit it (never a NULL
        # in its place); instants go in as microseconds.
        path = os.path.join(self.dir, f"{table}.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for row in rows:
                record = {f"c{i}": _spark_json(v, c.type) for i, (v, c) in enumerate(zip(row, columns))}
                f.write(json.dumps(record, allow_nan=False) + "\n")
        schema = ", ".join(f"c{i} {SPARK_JSON_TYPES[c.type]}" for i, c in enumerate(columns))
        frame = self.spark.read.schema(schema).option("mode", "FAILFAST").json(path)
        raw = f"{table}_raw"
        frame.createOrReplaceTempView(raw)
        select = ", ".join(
            (f"timestamp_micros(c{i})" if c.type == "date" else f"c{i}") + f" AS {backtick(c.name)}"
            for i, c in enumerate(columns)
        )
        self.spark.sql(f"CREATE OR REPLACE TEMPORARY VIEW {table} AS SELECT {select} FROM {raw}")

    def query(self, sql: str) -> tuple[list[str], list[tuple]]:
        # spark.sql() takes one statement and no closing `;`.
        text = sql.rstrip()
        if text.endswith(";"):
            text = text[:-1]
        try:
            df = self.spark.sql(text)
            columns = list(df.columns)
            # collect() gives Python values (float, bool, list, datetime):
            # doubles and booleans come back exactly, unlike a CSV dump.
            rows = [tuple(r) for r in df.collect()]
            return columns, rows
        except Exception as e:
            raise EngineError(f"{type(e).__name__}: {str(e).strip()}") from None

    def stop(self) -> None:
        if not self.started:
            return
        self.started = False
        spark = getattr(self, "spark", None)
        if spark is not None:
            try:
                spark.stop()
            except Exception:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)


SPARK_TYPES = {
    "text": "STRING",
    "enum": "STRING",
    "number": "DOUBLE",
    "integer": "BIGINT",
    "bool": "BOOLEAN",
    "date": "TIMESTAMP",
    "list": "ARRAY<STRING>",
}

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)

# Up to this many rows a table is a view over literal VALUES (no job to
# read a file, which matters for the many tiny fixtures); beyond it the SQL
# text would be megabytes, so the rows go through a JSON Lines file.
SPARK_LITERAL_ROWS = 1000

SPARK_JSON_TYPES = {**SPARK_TYPES, "date": "BIGINT"}


def _spark_json(value: Any, ty: str) -> Any:
    if value is None:
        return None
    if ty == "date":
        return (value - EPOCH) // dt.timedelta(microseconds=1)
    if ty == "integer":
        return int(value)
    return value


def _spark_string(s: str) -> str:
    # From its UTF-8 bytes: no escaping rules to get right (Spark string
    # literals treat backslashes as escapes), any character goes through.
    return f"CAST(X'{s.encode('utf-8').hex()}' AS STRING)"


def _spark_literal(value: Any, ty: str) -> str:
    if value is None:
        return f"CAST(NULL AS {SPARK_TYPES[ty]})"
    if ty in ("text", "enum"):
        return _spark_string(value)
    if ty == "number":
        return f"CAST('{value!r}' AS DOUBLE)"  # repr reads back exactly
    if ty == "integer":
        return f"{int(value)}L"
    if ty == "bool":
        return "true" if value else "false"
    if ty == "date":
        return f"timestamp_micros({(value - EPOCH) // dt.timedelta(microseconds=1)})"
    if ty == "list":
        items = ", ".join("CAST(NULL AS STRING)" if x is None else _spark_string(x) for x in value)
        return f"CAST(array({items}) AS ARRAY<STRING>)"
    raise EngineError(f"no Spark literal for type {ty}")


def _spark_view(table: str, columns: list[Column], rows: list[tuple]) -> str:
    select = ", ".join(
        f"CAST(c{i} AS {SPARK_TYPES[c.type]}) AS {backtick(c.name)}" for i, c in enumerate(columns)
    )
    if not rows:
        nulls = ", ".join(f"CAST(NULL AS {SPARK_TYPES[c.type]}) AS c{i}" for i, c in enumerate(columns))
        return f"CREATE OR REPLACE TEMPORARY VIEW {table} AS SELECT {select} FROM (SELECT {nulls}) WHERE false"
    values = ",\n".join(
        "(" + ", ".join(_spark_literal(v, c.type) for v, c in zip(row, columns)) + ")" for row in rows
    )
    names = ", ".join(f"c{i}" for i in range(len(columns)))
    return f"CREATE OR REPLACE TEMPORARY VIEW {table} AS SELECT {select} FROM VALUES\n{values}\nAS t({names})"


def make(name: str, timezone: Optional[str] = None) -> Engine:
    classes = {"duckdb": DuckDB, "postgres": Postgres, "spark": Spark}
    if name not in classes:
        raise EngineError(f"unknown engine {name!r}; expected one of {', '.join(ENGINES)}")
    return classes[name](timezone)
