"""Pure rules of telemetry ingest: topics, payloads, readings, dead-letter reasons. No I/O."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

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


@dataclass(frozen=True)
class Status:
    """One status event: from ``ts`` (µs since epoch, UTC) the asset is in ``state``."""

    serial: str
    ts_us: int
    state: str
    reason: str | None


@dataclass(frozen=True)
class Measure:
    """One measurement of a metric at ``ts`` (µs since epoch, UTC)."""

    serial: str
    ts_us: int
    metric: str
    value: float
    unit: str | None


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


def parse_ts(value: object, now_us: int) -> int | Rejected:
    """An ISO 8601 timestamp as µs since epoch; naive times are UTC."""
    if not isinstance(value, str) or not value:
        return Rejected(Reason.bad_timestamp, f"ts must be an ISO 8601 text, got {value!r}")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        return Rejected(Reason.bad_timestamp, f"not an ISO 8601 timestamp: {value!r}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    us = round(moment.timestamp() * 1_000_000)
    if us > now_us + FUTURE_TOLERANCE_S * 1_000_000:
        return Rejected(Reason.future_timestamp, f"{value} is in the future")
    return us


def parse_value(value: object) -> float | Rejected:
    """A finite number (JSON number or numeric text)."""
    if isinstance(value, bool):
        return Rejected(Reason.non_numeric_value, f"value must be a number, got {value!r}")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return Rejected(Reason.non_numeric_value, f"value must be a number, got {value!r}")
    else:
        return Rejected(Reason.non_numeric_value, f"value must be a number, got {value!r}")
    if not math.isfinite(number):
        return Rejected(Reason.non_numeric_value, f"value must be finite, got {value!r}")
    return number


def _text(obj: dict[str, object], key: str) -> str | None:
    value = obj.get(key)
    if value is None or value == "":
        return None
    return str(value)


def reading(kind: str, serial: str, obj: object, now_us: int) -> Status | Measure | Rejected:
    """Validate one JSON object of a status or measure message."""
    if not isinstance(obj, dict):
        return Rejected(Reason.not_an_object, f"expected a JSON object, got {type(obj).__name__}")
    ts = parse_ts(obj.get("ts"), now_us) if "ts" in obj else Rejected(Reason.missing_field, "ts missing")
    if isinstance(ts, Rejected):
        return ts
    if kind == "status":
        state = obj.get("state")
        if state is None:
            return Rejected(Reason.missing_field, "state missing")
        if state not in STATES:
            return Rejected(Reason.unknown_state, f"unknown state {state!r}; one of {', '.join(STATES)}")
        return Status(serial, ts, str(state), _text(obj, "reason"))
    metric = _text(obj, "metric")
    if metric is None:
        return Rejected(Reason.missing_field, "metric missing")
    if "value" not in obj:
        return Rejected(Reason.missing_field, "value missing")
    value = parse_value(obj["value"])
    if isinstance(value, Rejected):
        return value
    return Measure(serial, ts, metric, value, _text(obj, "unit"))


def message(
    kind: str, serial: str, payload: bytes, now_us: int
) -> list[Status | Measure | Rejected]:
    """All readings of one MQTT payload (a JSON object or a list of them)."""
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        return [Rejected(Reason.malformed_json, f"malformed JSON: {exc}")]
    items = data if isinstance(data, list) else [data]
    if not items:
        return [Rejected(Reason.not_an_object, "empty list")]
    return [reading(kind, serial, item, now_us) for item in items]


# --- availability contracts: calendars and settlement --------------------------------------


def calendar_windows(calendar: dict[str, object], start: datetime, end: datetime
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


@dataclass(frozen=True)
class Bands:
    """Penalty and bonus bands: percent of the period fee per step of points, capped."""

    target_pct: float
    penalty_pct_per_step: float = 0.0
    penalty_step_points: float = 0.5
    penalty_cap_pct: float = 0.0
    bonus_pct_per_step: float = 0.0
    bonus_step_points: float = 0.5
    bonus_cap_pct: float = 0.0


@dataclass(frozen=True)
class Settlement:
    """The result of a period: band, steps, percent of the fee and amount (negative = penalty)."""

    band: str  # "penalty", "bonus", "on_target" or "unknown" (no data: no money moves)
    steps: int
    fee_pct: float
    amount_cents: int


def settle(measured_pct: float | None, fee_cents: int, bands: Bands) -> Settlement:
    """Penalty per full step below target, bonus per full step above it, each capped."""
    if measured_pct is None:
        return Settlement("unknown", 0, 0.0, 0)
    gap = round(measured_pct - bands.target_pct, 9)  # float noise must not cost a step
    if gap < 0 and bands.penalty_step_points > 0:
        steps = math.floor(-gap / bands.penalty_step_points + 1e-9)
        pct = min(steps * bands.penalty_pct_per_step, bands.penalty_cap_pct)
        band = "penalty" if steps else "on_target"
        return Settlement(band, steps, -pct, -round(fee_cents * pct / 100))
    if gap > 0 and bands.bonus_step_points > 0:
        steps = math.floor(gap / bands.bonus_step_points + 1e-9)
        pct = min(steps * bands.bonus_pct_per_step, bands.bonus_cap_pct)
        band = "bonus" if steps and pct else "on_target"
        return Settlement(band, steps, pct, round(fee_cents * pct / 100))
    return Settlement("on_target", 0, 0.0, 0)
