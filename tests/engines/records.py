"""Reads a layout and lead records into typed rows for the `leads` and
`events` tables.

The records are read as `leadscore score` reads them (NDJSON, messy values
allowed) but the values are only *converted to their column's type*, never
cleaned: text keeps its spaces and letter case, because trimming, folding
and dropping empty values is the compiled SQL's job. A value that has no
representation in its column (`"lots"` for a number) is a `DataError`
naming the file, the line, the key and the value.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Optional

# leadscore's value types (LANGUAGE.md §3.1): `enum` is `one of [...]`,
# `list` is `list of text`.
TYPES = ("text", "number", "bool", "date", "enum", "list")
ID_TYPES = ("text", "number", "integer")

# Unicode White_Space, the 25 code points Rust's `str::trim` removes.
# Python's `str.strip()` removes a different set (it adds U+001C..U+001F).
WHITE_SPACE = (
    "\u0009\u000a\u000b\u000c\u000d\u0020\u0085\u00a0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


def trim(s: str) -> str:
    return s.strip(WHITE_SPACE)


class LayoutError(Exception):
    """The layout file is not what the harness reads."""


class DataError(Exception):
    """A record value that cannot be stored in its column."""


@dataclass(frozen=True)
class Column:
    name: str  # the SQL column
    type: str  # one of TYPES, or an id type for the key columns
    key: str  # the record key it is read from
    # Placeholders (`missing if`), trimmed and lowercased: a typed column
    # (number, bool, date) that cannot hold one gets NULL, as a warehouse
    # load would give it; text columns keep them for the query to read.
    missing_if: tuple[str, ...] = ()


@dataclass(frozen=True)
class Layout:
    id_type: str
    leads: tuple[Column, ...]
    # None: the model reads no events, there is no `events` table.
    events: Optional[tuple[Column, ...]]
    # The record key of the lead's id (`id as "KEY"`).
    id_key: str = "id"

    def lead_columns(self) -> list[Column]:
        return [Column("id", self.id_type, self.id_key), *self.leads]

    def event_columns(self) -> list[Column]:
        assert self.events is not None
        return [
            Column("lead_id", self.id_type, "lead_id"),
            Column("type", "text", "type"),
            Column("at", "date", "at"),
            *self.events,
        ]


def _columns(items: Any, where: str, reserved: tuple[str, ...]) -> tuple[Column, ...]:
    if not isinstance(items, list):
        raise LayoutError(f"`{where}` must be a list of {{\"name\", \"type\"}} objects")
    out: list[Column] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        here = f"{where}[{i}]"
        if not isinstance(item, dict):
            raise LayoutError(f"{here} must be an object with `name` and `type`")
        unknown = set(item) - {"name", "type", "key", "missing_if"}
        if unknown:
            raise LayoutError(f"{here} has unknown keys {sorted(unknown)} (known: name, type, key, missing_if)")
        missing_if = item.get("missing_if", [])
        if not isinstance(missing_if, list) or not all(isinstance(m, str) for m in missing_if):
            raise LayoutError(f"{here}: `missing_if` must be a list of text")
        name, ty = item.get("name"), item.get("type")
        if not isinstance(name, str) or not name:
            raise LayoutError(f"{here} needs a `name` (text)")
        if ty not in TYPES:
            raise LayoutError(f"{here} (`{name}`) has type {ty!r}; expected one of {', '.join(TYPES)}")
        key = item.get("key", name)
        if not isinstance(key, str):
            raise LayoutError(f"{here} (`{name}`): `key` must be text")
        if name in reserved:
            raise LayoutError(f"{here}: `{name}` is a column the harness makes itself")
        if name in seen:
            raise LayoutError(f"{here}: `{name}` is given twice")
        seen.add(name)
        out.append(Column(name, ty, key, tuple(missing_if)))
    return tuple(out)


def parse_layout(doc: Any) -> Layout:
    if not isinstance(doc, dict):
        raise LayoutError("a layout is a JSON object with `leads` and optionally `events`")
    unknown = set(doc) - {"leads", "events", "id_type", "id_key"}
    if unknown:
        raise LayoutError(f"unknown layout keys {sorted(unknown)} (known: leads, events, id_type, id_key)")
    id_key = doc.get("id_key", "id")
    if not isinstance(id_key, str) or not id_key:
        raise LayoutError("`id_key` must be text")
    id_type = doc.get("id_type", "text")
    if id_type not in ID_TYPES:
        raise LayoutError(f"`id_type` is {id_type!r}; expected one of {', '.join(ID_TYPES)}")
    leads = _columns(doc.get("leads", []), "leads", ("id",))
    events = None
    if "events" in doc:
        events = _columns(doc["events"], "events", ("lead_id", "type", "at"))
    return Layout(id_type, leads, events, id_key)


def read_layout(path: str) -> Layout:
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        raise LayoutError(f"{path}: {e}") from e
    try:
        return parse_layout(doc)
    except LayoutError as e:
        raise LayoutError(f"{path}: {e}") from e


# --- JSON numbers as serde_json sees them ---------------------------------


class JNum:
    """A JSON number kept as its token, so that it reads as leadscore reads
    it: an integer token that fits 64 bits stays an integer (and prints as
    one), anything else is a double printed the way serde_json prints it."""

    __slots__ = ("token",)

    def __init__(self, token: str):
        self.token = token

    def value(self) -> int | float:
        t = self.token
        if not any(c in t for c in ".eE"):
            n = int(t)
            if n == 0 and t.startswith("-"):
                return -0.0  # serde_json reads `-0` as the double -0.0
            if -(2**63) <= n < 2**64:
                return n
        return float(t)

    def text(self) -> str:
        v = self.value()
        return str(v) if isinstance(v, int) else ryu(v)

    def __repr__(self) -> str:
        return self.token


def ryu(x: float) -> str:
    """A finite double as Rust's `ryu` (and so serde_json) prints it:
    the shortest digits that read back, `1.0`, `0.001`, `1e16`, `1.5e-7`."""
    if x == 0:
        return "-0.0" if math.copysign(1, x) < 0 else "0.0"
    sign = "-" if x < 0 else ""
    digits_t, exp = Decimal(repr(abs(x))).normalize().as_tuple()[1:]
    digits = "".join(map(str, digits_t))
    length = len(digits)
    k = int(exp)
    kk = length + k  # 10^(kk-1) <= |x| < 10^kk
    if 0 <= k and kk <= 16:
        body = digits + "0" * k + ".0"
    elif 0 < kk <= 16:
        body = digits[:kk] + "." + digits[kk:]
    elif -5 < kk <= 0:
        body = "0." + "0" * (-kk) + digits
    elif length == 1:
        body = f"{digits}e{kk - 1}"
    else:
        body = f"{digits[0]}.{digits[1:]}e{kk - 1}"
    return sign + body


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads(text: str) -> Any:
    return json.loads(text, parse_int=JNum, parse_float=JNum, parse_constant=_no_constant)


def show(value: Any) -> str:
    """A value as it stood in the record, for messages."""

    def plain(v: Any) -> Any:
        if isinstance(v, JNum):
            return v.value()
        if isinstance(v, list):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        return v

    if isinstance(value, JNum):
        return value.token
    return json.dumps(plain(value), ensure_ascii=False)


# --- conversions ----------------------------------------------------------

NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
INSTANT = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?([Zz]|[+-][0-9]{2}:[0-9]{2})?)?"
)
TRUE = {"true", "yes", "y", "1"}
FALSE = {"false", "no", "n", "0"}


class Unconvertible(Exception):
    """Carries what was expected; the caller adds where."""


def to_number(v: Any) -> Optional[float]:
    if isinstance(v, JNum):
        n = float(v.value())
        if math.isfinite(n):  # 1e400 is out of range for serde_json too
            return n
        raise Unconvertible("a number")
    if isinstance(v, str):
        s = trim(v)
        if not s:
            return None
        # Rust's `f64::from_str` grammar (no `_`, no `0x`); `inf`/`NaN` are
        # not numbers to leadscore.
        if NUMBER.fullmatch(s):
            n = float(s)
            if math.isfinite(n):
                return n
    raise Unconvertible("a number")


def to_integer(v: Any) -> Optional[int]:
    if isinstance(v, str) and not trim(v):
        return None
    try:
        n = to_number(v)
    except Unconvertible:
        n = None
    if n is not None and n.is_integer() and -(2**63) <= n < 2**63:
        return int(n)
    raise Unconvertible("a whole number")


def to_bool(v: Any) -> Optional[bool]:
    if isinstance(v, bool):
        return v
    if isinstance(v, JNum) and v.value() in (0, 1):
        return v.value() == 1
    if isinstance(v, str):
        s = trim(v).lower()
        if not s:
            return None
        if s in TRUE:
            return True
        if s in FALSE:
            return False
    raise Unconvertible("true or false (or yes/no, y/n, 1/0)")


def to_instant(v: Any) -> Optional[dt.datetime]:
    if isinstance(v, str):
        s = trim(v)
        if not s:
            return None
        m = INSTANT.fullmatch(s)
        if m:
            y, mo, d, h, mi, sec, frac, off = m.groups()
            try:
                t = dt.datetime(
                    int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(sec or 0),
                    # The engines keep microseconds: finer digits are cut.
                    int((frac or "").ljust(6, "0")[:6]),
                    tzinfo=dt.timezone.utc,
                )
                if off and off not in ("Z", "z"):
                    sign = 1 if off[0] == "+" else -1
                    shift = dt.timedelta(hours=int(off[1:3]), minutes=int(off[4:6]))
                    t = t - sign * shift
                return t
            except (ValueError, OverflowError):
                pass
    raise Unconvertible('an RFC 3339 instant ("2026-10-01T09:30:00Z") or a date ("2026-10-01")')


def _unicode(s: str) -> str:
    # Python's json reads a lone surrogate escape ("\ud800"); leadscore's
    # reader refuses it, and no engine can store it.
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raise Unconvertible("text (it holds a lone UTF-16 surrogate)") from None
    return s


def is_placeholder(v: Any, missing_if: tuple[str, ...]) -> bool:
    """Whether a record value is one of a column's placeholders: text
    trimmed and without letter case, or a number spelt by one."""
    if not missing_if:
        return False
    if isinstance(v, str):
        return trim(v).lower() in missing_if
    if isinstance(v, JNum):
        for p in missing_if:
            try:
                if float(p) == float(v.value()):
                    return True
            except ValueError:
                continue
    return False


def to_text(v: Any) -> Optional[str]:
    if isinstance(v, str):
        return _unicode(v)  # unchanged: no trimming, no case change
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, JNum):
        return v.text()
    raise Unconvertible("text")


def to_list(v: Any) -> Optional[list[Optional[str]]]:
    if isinstance(v, list):
        out: list[Optional[str]] = []
        for item in v:
            if item is None:
                out.append(None)  # kept: the SQL must skip NULL elements
            elif isinstance(item, str):
                out.append(_unicode(item))
            elif isinstance(item, JNum):
                out.append(item.text())
            else:
                raise Unconvertible("a list of text")
        return out
    if isinstance(v, str):
        return _unicode(v).split(";")
    raise Unconvertible("a list of text (a JSON array of strings, or text separated by `;`)")


CONVERT = {
    "text": to_text,
    "enum": to_text,
    "number": to_number,
    "integer": to_integer,
    "bool": to_bool,
    "date": to_instant,
    "list": to_list,
}


def convert(value: Any, ty: str) -> Any:
    if value is None:
        return None
    return CONVERT[ty](value)


# --- tables ---------------------------------------------------------------


@dataclass
class Tables:
    layout: Layout
    leads: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)


class Reader:
    """Converts records into rows, remembering where each came from."""

    def __init__(self, layout: Layout):
        self.layout = layout
        self.tables = Tables(layout)

    def _value(self, record: dict, column: Column, where: str, key_path: str) -> Any:
        raw = record.get(column.key)
        if column.type not in ("text", "enum", "list") and is_placeholder(raw, column.missing_if):
            return None
        try:
            return convert(raw, column.type)
        except Unconvertible as e:
            raise DataError(
                f"{where}: key {key_path!r} holds {show(raw)}, which is not {e} "
                f"(column `{column.name}`, type {column.type})"
            ) from None

    def add_lead(self, record: Any, where: str) -> None:
        if not isinstance(record, dict):
            raise DataError(f"{where}: a lead record is a JSON object, not {show(record)}")
        cols = self.layout.lead_columns()
        row = tuple(self._value(record, c, where, c.key) for c in cols)
        self.tables.leads.append(row)
        events = record.get("events")
        if self.layout.events is None or events is None:
            return
        if not isinstance(events, list):
            raise DataError(f"{where}: key 'events' holds {show(events)}, which is not an array of events")
        lead_id = row[0]
        for i, event in enumerate(events):
            self.add_event(event, where, lead_id=lead_id, place=f"events[{i}]")

    def add_event(self, event: Any, where: str, lead_id: Any = None, place: Optional[str] = None) -> None:
        if not isinstance(event, dict):
            raise DataError(f"{where}: {place or 'an event'} is {show(event)}, not an event object")
        cols = self.layout.event_columns()
        row = []
        for c in cols:
            if place is not None and c.name == "lead_id":
                row.append(lead_id)
                continue
            key_path = f"{place}.{c.key}" if place else c.key
            row.append(self._value(event, c, where, key_path))
        self.tables.events.append(tuple(row))

    def read_leads(self, path: str) -> None:
        for line_no, line in _lines(path):
            where = f"{path} line {line_no}"
            try:
                record = loads(line)
            except ValueError as e:
                raise DataError(f"{where}: not JSON ({e})") from None
            self.add_lead(record, where)

    def read_events(self, path: str) -> None:
        if self.layout.events is None:
            raise DataError(f"{path}: an events file was given but the layout has no `events`")
        with open(path, encoding="utf-8-sig", newline="") as f:
            text = f.read()
        first = text.lstrip()[:1]
        if first in ("{", ""):
            for line_no, line in _lines(path, text):
                where = f"{path} line {line_no}"
                try:
                    event = loads(line)
                except ValueError as e:
                    raise DataError(f"{where}: not JSON ({e})") from None
                self.add_event(event, where)
            return
        rows = csv.reader(io.StringIO(text))
        header = next(rows, None) or []
        for cells in rows:
            row_no = rows.line_num
            if not any(cells):
                continue
            if len(cells) != len(header):
                raise DataError(f"{path} line {row_no}: {len(cells)} cells under a header of {len(header)}")
            # An empty CSV cell is NULL, whatever the column's type.
            event = {k: c for k, c in zip(header, cells) if c != ""}
            self.add_event(event, f"{path} line {row_no}")


def _lines(path: str, text: Optional[str] = None):
    if text is None:
        with open(path, encoding="utf-8-sig") as f:
            text = f.read()
    for i, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            yield i, line


def read_tables(layout: Layout, leads_path: str, events_path: Optional[str] = None) -> Tables:
    reader = Reader(layout)
    reader.read_leads(leads_path)
    if events_path:
        reader.read_events(events_path)
    return reader.tables
