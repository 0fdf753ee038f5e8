"""Pure rules of telemetry ingest: topics, payloads, readings, dead-letter reasons. No I/O."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from servitize.core.dates import check_date_in_range

STATES = ("running", "idle", "down", "planned_maintenance")
KINDS = ("status", "measure")
FUTURE_TOLERANCE_S = 3600  # a clock up to an hour fast is tolerated, more is "far in the future"


class Reason:
    """Dead-letter reason codes (stable: counted in stats and the API)."""

    bad_topic = "bad_topic"
    malformed_json = "malformed_json"
    not_an_object = "not_an_object"
    unknown_serial = "unknown_serial"
    missing_field = "missing_field"
    bad_timestamp = "bad_timestamp"
    future_timestamp = "future_timestamp"
    unknown_state = "unknown_state"
    non_numeric_value = "non_numeric_value"
    payload_too_large = "payload_too_large"
    field_too_long = "field_too_long"
    out_of_range_timestamp = "out_of_range_timestamp"
    before_install = "before_install"
    wrong_tenant = "wrong_tenant"
    bad_sequence = "bad_sequence"
    unreadable = "unreadable"


@dataclass(frozen=True)
class Limits:
    """Bounds on what one message may carry (settings ``SERVITIZE_TELEMETRY_*``)."""

    max_payload_bytes: int = 64 * 1024
    max_field_chars: int = 200
    # The accepted years (first, last) as ``core.dates.check_date_in_range`` judges every date;
    # None: SERVITIZE_DATE_MIN_YEAR..SERVITIZE_DATE_MAX_YEAR (default 1900-2100).
    years: tuple[int, int] | None = None


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Status:
    """One status event: from ``ts`` (µs since epoch, UTC) the asset is in ``state``."""

    serial: str
    ts_us: int
    state: str
    reason: str | None
    seq: int | None = None


@dataclass(frozen=True)
class Measure:
    """One measurement of a metric at ``ts`` (µs since epoch, UTC)."""

    serial: str
    ts_us: int
    metric: str
    value: float
    unit: str | None
    seq: int | None = None


@dataclass(frozen=True)
class Rejected:
    """An input that cannot be stored, with its reason code and a human detail."""

    reason: str
    detail: str


def split_topic(topic: str) -> tuple[str, str, str] | None:
    """``servitize/<tenant>/<serial>/<status|measure>`` → (tenant, serial, kind), or None."""
    parts = topic.split("/")
    if len(parts) != 4 or parts[0] != "servitize" or parts[3] not in KINDS or not parts[2]:
        return None
    return parts[1], parts[2], parts[3]


def parse_ts(
    value: object, now_us: int, limits: Limits = DEFAULT_LIMITS, not_before_us: int | None = None
) -> int | Rejected:
    """An ISO 8601 timestamp as µs since epoch; naive times are UTC.

    Rejected when outside the configured range, before ``not_before_us`` (the machine's install
    date) or more than an hour ahead of ``now_us``.
    """
    if not isinstance(value, str) or not value:
        return Rejected(Reason.bad_timestamp, f"ts must be an ISO 8601 text, got {_short(value)}")
    if len(value) > 64:
        return Rejected(Reason.bad_timestamp, f"not an ISO 8601 timestamp: {_short(value)}")
    try:
        moment = datetime.fromisoformat(
            value.replace("Z", "+00:00") if value.endswith("Z") else value
        )
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        us = round(moment.timestamp() * 1_000_000)
    except (ValueError, OverflowError):
        return Rejected(Reason.bad_timestamp, f"not an ISO 8601 timestamp: {value!r}")
    if us > now_us + FUTURE_TOLERANCE_S * 1_000_000:
        return Rejected(Reason.future_timestamp, f"{value} is in the future")
    try:  # judged in UTC, like every other date, by the one shared rule
        outside = check_date_in_range(
            datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us), limits.years
        )
    except OverflowError:  # before year 1 or after 9999 in UTC
        outside = f"{value} is outside the years a date can hold"
    if outside:
        return Rejected(Reason.out_of_range_timestamp, outside)
    if not_before_us is not None and us < not_before_us:
        return Rejected(
            Reason.before_install,
            f"{value} is before the machine's install date {_iso(not_before_us)[:10]}",
        )
    return us


def _iso(us: int) -> str:
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)).isoformat()


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


def parse_value(value: object) -> float | Rejected:
    """A finite number (JSON number or numeric text)."""
    if isinstance(value, bool):
        return Rejected(Reason.non_numeric_value, f"value must be a number, got {value!r}")
    if isinstance(value, (int, float)) or (isinstance(value, str) and len(value) <= 64):
        try:
            number = float(value)
        except (ValueError, OverflowError):  # a 400-digit integer overflows a float
            return Rejected(
                Reason.non_numeric_value, f"value must be a number, got {_short(value)}"
            )
    else:
        return Rejected(Reason.non_numeric_value, f"value must be a number, got {_short(value)}")
    if not math.isfinite(number):
        return Rejected(Reason.non_numeric_value, f"value must be finite, got {value!r}")
    return number


def _text(obj: dict[str, object], key: str, limits: Limits) -> str | Rejected | None:
    value = obj.get(key)
    if type(value) is str and 0 < len(value) <= limits.max_field_chars:  # the usual case, fast
        return value
    if value is None or value == "":
        return None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        return Rejected(Reason.not_an_object, f"{key} must be a text, got {type(value).__name__}")
    text = str(value)
    if len(text) > limits.max_field_chars:
        return Rejected(
            Reason.field_too_long,
            f"{key} has {len(text)} characters; at most {limits.max_field_chars}",
        )
    return text


def parse_seq(value: object) -> int | Rejected | None:
    """The optional per-machine sequence number: a whole number from 0 to 2**63 - 1."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        return Rejected(
            Reason.bad_sequence, f"seq must be a whole number >= 0, got {_short(value)}"
        )
    return value


def reading(
    kind: str,
    serial: str,
    obj: object,
    now_us: int,
    limits: Limits = DEFAULT_LIMITS,
    not_before_us: int | None = None,
) -> Status | Measure | Rejected:
    """Validate one JSON object of a status or measure message."""
    if not isinstance(obj, dict):
        return Rejected(Reason.not_an_object, f"expected a JSON object, got {type(obj).__name__}")
    ts = (
        parse_ts(obj.get("ts"), now_us, limits, not_before_us)
        if "ts" in obj
        else Rejected(Reason.missing_field, "ts missing")
    )
    if isinstance(ts, Rejected):
        return ts
    seq = obj.get("seq")
    if seq is not None:
        seq = parse_seq(seq)
        if isinstance(seq, Rejected):
            return seq
    if kind == "status":
        state = obj.get("state")
        if state is None:
            return Rejected(Reason.missing_field, "state missing")
        if not isinstance(state, str) or state not in STATES:
            return Rejected(
                Reason.unknown_state, f"unknown state {_short(state)}; one of {', '.join(STATES)}"
            )
        reason = _text(obj, "reason", limits)
        if isinstance(reason, Rejected):
            return reason
        return Status(serial, ts, state, reason, seq)
    metric = _text(obj, "metric", limits)
    if metric is None:
        return Rejected(Reason.missing_field, "metric missing")
    if isinstance(metric, Rejected):
        return metric
    if "value" not in obj:
        return Rejected(Reason.missing_field, "value missing")
    value = parse_value(obj["value"])
    if isinstance(value, Rejected):
        return value
    unit = _text(obj, "unit", limits)
    if isinstance(unit, Rejected):
        return unit
    return Measure(serial, ts, metric, value, unit, seq)


def message(
    kind: str,
    serial: str,
    payload: bytes,
    now_us: int,
    limits: Limits = DEFAULT_LIMITS,
    not_before_us: int | None = None,
) -> list[Status | Measure | Rejected]:
    """All readings of one MQTT payload (a JSON object or a list of them).

    Never raises: a payload over the size bound, one nested too deep for the parser, not
    UTF-8 or not JSON is one ``Rejected`` with its reason.
    """
    if len(payload) > limits.max_payload_bytes:
        return [
            Rejected(
                Reason.payload_too_large,
                f"payload has {len(payload)} bytes; at most {limits.max_payload_bytes}",
            )
        ]
    try:
        data = json.loads(payload)
    except RecursionError:
        return [Rejected(Reason.malformed_json, "malformed JSON: nested too deeply")]
    except (ValueError, UnicodeDecodeError) as exc:
        return [Rejected(Reason.malformed_json, f"malformed JSON: {str(exc)[:200]}")]
    items = data if isinstance(data, list) else [data]
    if not items:
        return [Rejected(Reason.not_an_object, "empty list")]
    return [reading(kind, serial, item, now_us, limits, not_before_us) for item in items]


# --- scheduled time: calendars --------------------------------------------------------------


def calendar_windows(
    calendar: dict[str, object], start: datetime, end: datetime
) -> list[tuple[datetime, datetime]] | None:
    """Scheduled windows of a calendar in [start, end); None means 24/7.

    ``{"kind": "24/7"}`` or ``{"kind": "shifts", "weekdays": [0, 1, 2, 3, 4], "start": "06:00",
    "end": "22:00"}`` (UTC, Monday = 0; an end at or before the start runs past midnight).
    """
    if calendar.get("kind", "24/7") == "24/7":
        return None

    weekdays = set(calendar.get("weekdays", [0, 1, 2, 3, 4]))  # type: ignore[call-overload]
    sh, sm = (int(x) for x in str(calendar.get("start", "06:00")).split(":"))
    eh, em = (int(x) for x in str(calendar.get("end", "22:00")).split(":"))
    out = []
    day = start.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    while day < end:
        if day.weekday() in weekdays:
            ws = day.replace(hour=sh, minute=sm)
            we = day.replace(hour=eh, minute=em)
            if we <= ws:
                we += timedelta(days=1)
            s, e = max(ws, start), min(we, end)
            if e > s:
                out.append((s, e))
        day += timedelta(days=1)
    return out
