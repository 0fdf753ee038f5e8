"""Leads built as columns: the same leads as ``rules.hits`` + ``leads.assemble`` (same set, fields,
order, stories and evidence), but as Arrow arrays over the feature tables instead of one Python
object per hit. Pure: Arrow in, one Arrow table of leads out.

Arithmetic runs on whole columns in the order Python evaluates it (so every float is the same);
each text piece (a number in words, a money amount, a JSON value) is formatted by Python once per
*distinct* value and spread back over the rows, so stories and evidence read exactly as the row
path writes them. Grouping (one candidate per account and rule, the strongest telling the story)
and merging (one lead per account and offering) are sorts and segment reductions.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from servitize.core.settings import IntelligenceSettings, LeadRules
from servitize.installed_base import catalogue
from servitize.intelligence import stories
from servitize.intelligence.leads import MAX_MACHINES, Candidate, offer_name, pick_offering
from servitize.intelligence.rules import RULES, Rule, life_of

I64, F64, STR = pa.int64(), pa.float64(), pa.string()

# The columns of a lead table, in this order (``LEADS.empty_table()`` when nothing hits).
LEADS = pa.schema(
    [
        ("account_id", I64),
        ("offering_id", I64),
        ("offering_key", STR),
        ("offering_name", STR),
        ("rule", STR),
        ("source", STR),
        ("score", F64),
        ("score_json", STR),  # the score as the row path writes it in JSON (80, not 80.0)
        ("value_cents", I64),
        ("story", STR),
        ("evidence", STR),  # JSON text, keys in the row path's order
        ("asset_ids", pa.list_(I64)),
    ]
)


def _arr(values: Any, type_: pa.DataType | None = None) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        return values if type_ is None or values.type == type_ else values.cast(type_)
    return pa.array(values, type_)


def each_value(values: Any, fn: Callable[[Any], str]) -> pa.Array:
    """``fn`` (Python's own formatting) applied once per distinct value, spread over the rows."""
    arr = _arr(values)
    if len(arr) == 0:
        return pa.array([], STR)
    uniq = pc.unique(arr)
    out = pa.array([fn(v) for v in uniq.to_pylist()], STR)
    return out.take(pc.index_in(arr, value_set=uniq))


def _plain(v: Any) -> Any:
    return v.isoformat() if isinstance(v, date) else v


def _json(v: Any) -> str:
    return json.dumps(_plain(v))


def _spread(mask: np.ndarray, subset: pa.Array, base: pa.Array) -> pa.Array:
    """``base`` with the rows under ``mask`` replaced, in order, by ``subset``."""
    if not len(subset):
        return base
    at = np.maximum(np.cumsum(mask) - 1, 0)
    return _arr(pc.if_else(pa.array(mask), subset.take(pa.array(at)), base))


def _odd_rows(values: pa.Array, ok: np.ndarray, text: pa.Array) -> pa.Array:
    """Python's ``json.dumps`` for the rows the vectorised text does not cover."""
    odd = ~ok
    if not odd.any():
        return text
    return _spread(odd, each_value(values.filter(pa.array(odd)), _json), text)


# json.dumps writes these strings as they are, between quotes (no escapes, ASCII only).
_PLAIN_TEXT = r"^[ !#-\[\]-~]*$"


def json_values(values: Any) -> pa.Array:
    """Each value as ``json.dumps`` writes it: ints and dates as text, floats as ``repr`` (the
    shortest digits that read back, Arrow's where it writes them the same way), strings quoted;
    anything else by Python once per distinct value."""
    a = _arr(values)
    if len(a) == 0:
        return pa.array([], STR)
    valid = np.asarray(pc.is_valid(a).to_numpy(zero_copy_only=False))
    if pa.types.is_integer(a.type):
        return _arr(pc.fill_null(pc.cast(a, STR), "null"))
    if pa.types.is_date(a.type):
        quoted = _cat('"', pc.cast(a, STR), '"')
        return _arr(pc.fill_null(quoted, "null"))
    if pa.types.is_string(a.type):
        plain = np.asarray(
            pc.fill_null(pc.match_substring_regex(a, _PLAIN_TEXT), False).to_numpy(
                zero_copy_only=False
            )
        )
        return _odd_rows(a, plain & valid, _arr(pc.fill_null(_cat('"', a, '"'), "")))
    if pa.types.is_floating(a.type):
        a = _arr(a, F64)
        x = np.asarray(pc.fill_null(a, 0.0).to_numpy(zero_copy_only=False))
        mag = np.abs(x)
        with np.errstate(invalid="ignore"):
            whole = (x == np.floor(x)) & (mag < 1e16) & (mag >= 1)
        text = _arr(pc.fill_null(pc.cast(a, STR), ""))
        ints = _cat(pc.cast(pa.array(np.where(whole, x, 0).astype(np.int64)), STR), ".0")
        text = _arr(pc.if_else(pa.array(whole), ints, text))
        dotted = pc.and_(pc.match_substring(text, "."), pc.invert(pc.match_substring(text, "e")))
        fixed = np.asarray(dotted.to_numpy(zero_copy_only=False)) & (mag >= 1e-4) & (mag < 1e16)
        return _odd_rows(a, (whole | fixed) & valid, text)
    return each_value(a, _json)


def json_lists(lists: Any) -> pa.Array:
    """Lists of integers as ``json.dumps`` writes them: "[10, 11]"."""
    texts = pc.list_value_length(lists)  # keeps nulls where a list is null
    joined = pc.binary_join(pc.cast(_arr(lists), pa.list_(STR)), ", ")
    return _arr(pc.if_else(pc.is_valid(texts), _cat("[", joined, "]"), "null"))


def json_object(values: dict[str, Any]) -> pa.Array:
    """Rows of JSON values (text columns, keys in this order) as ``json.dumps`` of a dict."""
    parts: list[pa.Array | str] = ["{"]
    for i, (key, column) in enumerate(values.items()):
        parts += [("" if i == 0 else ", ") + json.dumps(key) + ": ", _arr(column)]
    return _cat(*parts, "}")


def _cat(*parts: pa.Array | str) -> pa.Array:
    """Row-wise concatenation of text columns and literals (at least one column)."""
    return _arr(pc.binary_join_element_wise(*parts, ""))


def _const(n: int, value: Any, type_: pa.DataType) -> pa.Array:
    return pa.array([value] * n, type_) if n else pa.array([], type_)


def _float(t: pa.Table, name: str) -> np.ndarray:
    """``rules._f``: the column as floats, missing or null as 0.0."""
    if name not in t.column_names:
        return np.zeros(t.num_rows)
    return np.asarray(pc.fill_null(_arr(t[name], F64), 0.0).to_numpy(zero_copy_only=False))


def _int(t: pa.Table, name: str, null_as: int | None = None) -> np.ndarray:
    """``int(r[name])`` (or ``int(r.get(name) or null_as)``) over the column."""
    if name not in t.column_names:
        return np.full(t.num_rows, null_as or 0, np.int64)
    col = _arr(t[name])
    if null_as is not None:
        col = pc.fill_null(col, null_as)
    if pa.types.is_floating(col.type):
        col = pc.trunc(col)
    return np.asarray(col.cast(I64).to_numpy(zero_copy_only=False))


def _round(x: np.ndarray) -> np.ndarray:
    """Python's ``round(x)`` of floats (half to even) as integers."""
    return np.rint(x).astype(np.int64)


@dataclass
class Scored:
    """A rule's hits as columns: raw score (before the cap), whether Python holds it as an int,
    the cap, the value estimate and the evidence fields (in the row path's key order)."""

    account_id: np.ndarray
    asset_id: np.ndarray | None
    raw: np.ndarray
    raw_int: np.ndarray
    hi: float
    value: np.ndarray
    fields: dict[str, pa.Array]


def _asset_fields(t: pa.Table) -> dict[str, pa.Array]:
    return {
        "asset_id": _arr(t["asset_id"]),
        "asset": _arr(t["external_id"]),
        "model": _arr(t["model"]),
        "product_line": _arr(t["product_line"]),
    }


def _ids(t: pa.Table) -> tuple[np.ndarray, np.ndarray | None]:
    acc = np.asarray(_arr(t["account_id"], I64).to_numpy(zero_copy_only=False))
    if "asset_id" not in t.column_names:
        return acc, None
    return acc, np.asarray(pc.fill_null(_arr(t["asset_id"], I64), 0).to_numpy())


def _drift(t: pa.Table, s: LeadRules) -> Scored:
    own = _int(t, "own_assets")
    n = t.num_rows
    return Scored(
        _ids(t)[0],
        None,
        (40 + 3 * own).astype(float),
        np.ones(n, bool),
        80,
        _round((own * s.yearly_need_per_asset_cents).astype(float) * s.wallet_capture),
        {
            "own_assets": pa.array(own),
            "days_since_purchase": _arr(t["days_since_purchase"]),
            "drift_days": _const(n, s.drift_days, I64),
        },
    )


def _wallet(t: pa.Table, s: LeadRules) -> Scored:
    n = t.num_rows
    own = _int(t, "own_assets")
    need = _float(t, "own_assets") * s.yearly_need_per_asset_cents
    spend = _float(t, "service_spend_12m_cents")
    share = spend / need
    return Scored(
        _ids(t)[0],
        None,
        40 + 40 * (1 - share / s.wallet_share_below),
        np.zeros(n, bool),
        80,
        _round((need - spend) * s.wallet_capture),
        {
            "own_assets": pa.array(own),
            "service_spend_12m_cents": pa.array(spend.astype(np.int64)),
            "need_12m_cents": pa.array(need.astype(np.int64)),
            "wallet_share": pa.array(share),
            "window_days": _const(n, 365, I64),
            "unconverted_orders_12m": pa.array(_int(t, "unconverted_orders_12m", 0)),
        },
    )


def _fleet(t: pa.Table, s: LeadRules) -> Scored:
    comp = _int(t, "competitor_assets")
    return Scored(
        _ids(t)[0],
        None,
        35 + 40 * _float(t, "competitor_share"),
        np.zeros(t.num_rows, bool),
        75,
        _round((comp * s.yearly_need_per_asset_cents).astype(float) * s.wallet_capture),
        {
            "competitor_assets": pa.array(comp),
            "own_assets": pa.array(_int(t, "own_assets")),
            "competitor_share": _arr(t["competitor_share"]),
        },
    )


def _downtime_value(hours: np.ndarray, s: LeadRules) -> np.ndarray:
    return _round(hours * s.downtime_cost_per_hour_cents * s.value_share_of_downtime)


def _repeat(t: pa.Table, s: LeadRules) -> Scored:
    n, hours = _int(t, "rep_n"), _float(t, "rep_downtime_h")
    fifth = hours / 5
    return Scored(
        *_ids(t),
        50 + 10 * (n - s.repeat_min_repairs) + np.where(fifth < 20, fifth, 20),
        ~(fifth < 20),  # min(20, h / 5) is the int 20 from there on
        95.0,
        _downtime_value(hours, s),
        {
            **_asset_fields(t),
            "component": _arr(t["rep_component"]),
            "repairs": pa.array(n),
            "window_days": _const(t.num_rows, s.repeat_window_days, I64),
            "downtime_hours": pa.array(hours),
            "flaggable": pa.array(n - 1),
            "first": _arr(t["rep_first"]),
            "last": _arr(t["rep_last"]),
        },
    )


def _life(t: pa.Table, s: LeadRules) -> Scored:
    life = _lives(t, s)
    age = _float(t, "age_years")
    return Scored(
        *_ids(t),
        40 + 2 * (age - life),
        np.zeros(t.num_rows, bool),
        80,
        np.zeros(t.num_rows, np.int64),
        {**_asset_fields(t), "age_years": pa.array(age), "typical_life_years": pa.array(life)},
    )


def _ending(t: pa.Table, s: LeadRules) -> Scored:
    w, c = _arr(t["warranty_days_left"], I64), _arr(t["contract_days_left"], I64)
    cd = s.coverage_days
    warranty = pc.fill_null(pc.and_(pc.greater_equal(w, 0), pc.less_equal(w, cd)), False).to_numpy(
        zero_copy_only=False
    )
    contract = each_value(t["coverage"], lambda v: f"{v.replace('_', ' ')} contract")
    what = pc.if_else(pa.array(warranty), "warranty", contract)
    days = np.where(
        warranty,
        pc.fill_null(w, 0).to_numpy(zero_copy_only=False),
        pc.fill_null(c, 0).to_numpy(zero_copy_only=False),
    ).astype(np.int64)
    return Scored(
        *_ids(t),
        60 + (30 * (cd - days)).astype(float) / cd,
        np.zeros(t.num_rows, bool),
        95.0,
        np.zeros(t.num_rows, np.int64),
        {**_asset_fields(t), "ending": what, "days_left": pa.array(days)},
    )


def _downtime(t: pa.Table, s: LeadRules) -> Scored:
    hours = _float(t, "downtime_12m_h")
    n = t.num_rows
    return Scored(
        *_ids(t),
        45 + (hours - s.downtime_hours) / 2,
        np.zeros(n, bool),
        90,
        _downtime_value(hours, s),
        {
            **_asset_fields(t),
            "downtime_hours": pa.array(hours),
            "repairs_12m": _arr(t["repairs_12m"]),
            "connectivity": _arr(t["connectivity"]),
            "window_days": _const(n, 365, I64),
        },
    )


def _busy(t: pa.Table, s: LeadRules) -> Scored:
    u, n = _float(t, "utilisation"), t.num_rows
    energy = _arr(t["energy_kwh_30d"]) if "energy_kwh_30d" in t.column_names else None
    return Scored(
        *_ids(t),
        50 + 100 * (u - s.utilisation_min),
        np.zeros(n, bool),
        95.0,
        np.zeros(n, np.int64),
        {
            **_asset_fields(t),
            "utilisation": pa.array(u),
            "coverage": _arr(t["coverage"]),
            "operating_hours": pa.array(_float(t, "operating_hours_30d")),
            "known_hours": pa.array(_float(t, "known_hours_30d")),
            "unplanned_stops": pa.array(_int(t, "unplanned_stops_30d", 0)),
            "energy_kwh": energy if energy is not None else _const(n, None, F64),
            "window_days": _const(n, s.usage_window_days, I64),
        },
    )


# --- stories: the row path's sentences (stories.tell) as templates over the evidence -------

OFFER = object()  # where the offer's name goes
Part = Any  # a literal, OFFER, MACHINE or (evidence key, formatter or None for money)


def _comp(v: Any) -> str:
    return str(v).replace("_", " ")


def _apart(left: int) -> str:
    if not left:
        return ""
    return f" (plus {stories.plural(left, 'order')} in a currency without an exchange rate, not counted)"


def _when(since: int | None) -> str:
    if since is None:
        return "has never bought from us"
    return f"has not bought anything for {stories.plural(since, 'day')}"


MACHINE = object()  # "Pump P-104": the product line's kind and the machine's name
STORIES: dict[str, Sequence[Part]] = {
    "repeat_repairs": [
        MACHINE,
        " needed ",
        ("repairs", stories.number),
        " ",
        ("component", _comp),
        " repairs in the last ",
        ("window_days", stories.months),
        ", ",
        ("downtime_hours", stories.hours),
        " of downtime. ",
        OFFER,
        " of the ",
        ("component", lambda v: stories.plural_of(_comp(v))),
        " would have flagged ",
        ("flaggable", stories.number),
        " of them.",
    ],
    "downtime_without_monitoring": [
        MACHINE,
        " stood still for ",
        ("downtime_hours", stories.hours),
        " in the last ",
        ("window_days", stories.months),
        " over ",
        ("repairs_12m", lambda v: stories.plural(v, "repair")),
        " (unplanned stops only), and it has ",
        ("connectivity", lambda v: "no sensors" if v == "none" else "only older sensors"),
        ". ",
        OFFER,
        " would show the trouble coming.",
    ],
    "past_typical_life": [
        MACHINE,
        " is ",
        ("age_years", lambda v: f"{v:.0f}"),
        " years old; machines of its line usually run ",
        ("typical_life_years", lambda v: f"{v:.0f}"),
        ". Talk about ",
        OFFER,
        " before it fails.",
    ],
    "coverage_ending": [
        "The ",
        ("ending", str),
        " of ",
        MACHINE,
        " ends in ",
        ("days_left", lambda v: stories.plural(v, "day")),
        ". ",
        OFFER,
        " keeps it covered without a gap.",
    ],
    "high_utilisation_no_contract": [
        MACHINE,
        " ran ",
        ("operating_hours", stories.hours),
        " of ",
        ("known_hours", stories.hours),
        " with telemetry in the last ",
        ("window_days", stories.months),
        " (",
        ("utilisation", lambda v: f"{v:.0%}"),
        ")",
        ("energy_kwh", lambda v: f", used {v:,.0f} kWh" if v is not None else ""),
        ", with ",
        ("unplanned_stops", lambda v: stories.plural(v or 0, "unplanned stop")),
        " and no maintenance contract. ",
        OFFER,
        " protects that output.",
    ],
    "drifted_customer": [
        "The customer runs ",
        ("own_assets", lambda v: stories.plural(v, "machine")),
        " of ours but ",
        ("days_since_purchase", _when),
        ". A visit with ",
        OFFER,
        " brings them back.",
    ],
    "wallet_share": [
        "The customer spent ",
        ("service_spend_12m_cents", None),  # money: needs the currency (see _story)
        " on service and parts in the last ",
        ("window_days", stories.months),
        ("unconverted_orders_12m", _apart),
        "; ",
        ("own_assets", lambda v: stories.plural(v, "machine")),
        " of ours would need about ",
        ("need_12m_cents", None),
        ". ",
        OFFER,
        " wins back the rest.",
    ],
    "competitor_fleet": [
        "Next to ",
        ("own_assets", lambda v: stories.plural(v, "machine")),
        " of ours the customer runs ",
        ("competitor_assets", lambda v: stories.plural(v, "competitor machine")),
        " (",
        ("competitor_share", lambda v: f"{v:.0%}"),
        " of the base). ",
        OFFER,
        " can serve the whole fleet.",
    ],
}


def _kind(line: Any) -> str:
    return stories.singular_of((line or "machine").replace("_", " ")).capitalize()


def _machine(fields: dict[str, pa.Array]) -> pa.Array:
    """``stories._machine``: "<Kind> <asset or model>"."""
    asset, model = fields["asset"], fields["model"]
    named = pc.fill_null(pc.and_(pc.is_valid(asset), pc.not_equal(asset, "")), False)
    name = pc.if_else(named, asset, each_value(model, str))
    return _cat(each_value(fields["product_line"], _kind), " ", name)


def _story(rule: str, fields: dict[str, pa.Array], offer: str, currency: str) -> pa.Array:
    parts: list[pa.Array | str] = []
    for part in STORIES[rule]:
        if part is OFFER:
            parts.append(offer)
        elif part is MACHINE:
            parts.append(_machine(fields))
        elif isinstance(part, str):
            parts.append(part)
        else:
            key, fn = part
            say = fn or (lambda v: stories.money(v, currency))
            parts.append(each_value(fields[key], say))
    return _cat(*parts)


def _more(count: np.ndarray) -> pa.Array:
    """``stories.with_more``: the sentence about further machines, or nothing."""
    return each_value(
        pa.array(count - 1),
        lambda k: f" The same shows on {stories.plural(k, 'more machine')}." if k > 0 else "",
    )


def _facts(fields: dict[str, pa.Array]) -> pa.Array:
    """The evidence dict of each hit as JSON text (``json.dumps`` of the row path's dict)."""
    return json_object({key: json_values(values) for key, values in fields.items()})


SCORED: dict[str, Callable[[pa.Table, LeadRules], Scored]] = {
    "drifted_customer": _drift,
    "wallet_share": _wallet,
    "competitor_fleet": _fleet,
    "repeat_repairs": _repeat,
    "past_typical_life": _life,
    "coverage_ending": _ending,
    "downtime_without_monitoring": _downtime,
    "high_utilisation_no_contract": _busy,
}


def _capped(raw: np.ndarray, raw_int: np.ndarray, hi: float) -> tuple[np.ndarray, pa.Array]:
    """``rules._cap`` (``round(max(0.0, min(hi, x)), 1)``) and its JSON text: Python keeps an int
    where ``min`` picks an int cap or an int score passes through."""
    low = raw < hi
    m = np.where(low, raw, hi)
    m_int = np.where(low, raw_int, isinstance(hi, int))
    pos = m > 0.0
    capped = np.where(pos, m, 0.0)
    is_int = pos & m_int
    score = np.asarray(
        pc.cast(each_value(pa.array(capped, F64), lambda v: repr(round(v, 1))), F64).to_numpy(
            zero_copy_only=False
        )
    )
    text = pc.if_else(
        pa.array(is_int),
        each_value(pa.array(score), lambda v: str(int(v))),
        each_value(pa.array(score), json.dumps),
    )
    return score, text


def _segments(keys: Sequence[np.ndarray]) -> np.ndarray:
    """Start index of each run of equal keys in sorted rows."""
    n = len(keys[0])
    if n == 0:
        return np.zeros(0, np.int64)
    change = np.zeros(n, bool)
    change[0] = True
    for k in keys:
        change[1:] |= k[1:] != k[:-1]
    return np.flatnonzero(change)


def _lists(starts: np.ndarray, n: int, values: pa.Array) -> pa.ListArray:
    offsets = pa.array(np.append(starts, n).astype(np.int32))
    return pa.ListArray.from_arrays(offsets, _arr(values))


def _rule_leads(
    rule: str,
    table: pa.Table,
    s: IntelligenceSettings,
    offer: dict[str, Any] | None,
    currency: str,
) -> pa.Table:
    """One candidate per account for one rule (``leads.candidate`` over every group at once)."""
    hit = SCORED[rule](table, s.leads)
    score, score_json = _capped(hit.raw, hit.raw_int, hit.hi)
    asset0 = hit.asset_id if hit.asset_id is not None else np.zeros(len(score), np.int64)
    order = np.lexsort((asset0, -score, hit.account_id))  # stable, like sorted()
    account = hit.account_id[order]
    n = len(order)
    starts = _segments([account])
    size = np.diff(np.append(starts, n))
    rank = np.arange(n) - np.repeat(starts, size)
    top_rows = pa.array(order[starts])
    top_fields = {k: v.take(top_rows) for k, v in hit.fields.items()}

    name = offer_name(offer, rule, s)
    first = np.concatenate([[0], np.cumsum(np.minimum(size, MAX_MACHINES))[:-1]]).astype(int)
    shown_rows = pa.array(order[np.flatnonzero(rank < MAX_MACHINES)])
    facts = _facts({k: v.take(shown_rows) for k, v in hit.fields.items()})
    machines_json = pc.binary_join(_lists(first, len(shown_rows), facts), ", ")
    if hit.asset_id is not None:
        machines = np.asarray(size, np.int64)
        asset_ids = _lists(starts, n, pa.array(hit.asset_id[order]))
    else:
        machines = np.zeros(len(starts), np.int64)
        asset_ids = _lists(np.zeros(len(starts), np.int64), 0, pa.array([], I64))
    story = _cat(_story(rule, top_fields, name, currency), _more(machines))
    value = (np.add.reduceat(hit.value[order], starts) if n else np.zeros(0, np.int64)).astype(
        np.int64
    )
    model, unit = (
        (offer.get("revenue_model") or "one_time", offer.get("unit")) if offer else ("", "")
    )
    tail = ""
    if offer:
        # A recurring item is worth its fee over the standard term (installed_base.catalogue).
        each = catalogue.term_value_cents(model, offer["list_price_cents"] or 0, unit)
        value = np.where(value == 0, each * np.maximum(1, machines), value)
        if catalogue.is_recurring(model) and offer["list_price_cents"] is not None:
            words = catalogue.price_words(model, offer["list_price_cents"], currency, unit)
            tail = f', "price": {json.dumps(words)}'
    key = (
        offer.get("family") or offer["external_id"]
        if offer
        else s.offer_families.get(rule, ["service"])[0]
    )
    rows = len(starts)
    evidence = _cat(
        f'{{"rule": {json.dumps(rule)}, "facts": ',
        facts.take(pa.array(first)),
        ', "machines": [',
        machines_json,
        '], "machine_count": ',
        pc.cast(pa.array(machines), STR),
        tail,
    )
    return pa.table(
        {
            "account_id": pa.array(account[starts] if n else [], I64),
            "offering_id": _const(rows, offer["offering_id"] if offer else None, I64),
            "offering_key": _const(rows, str(key), STR),
            "offering_name": _const(rows, name, STR),
            "rule": _const(rows, rule, STR),
            "source": _const(rows, "rule", STR),
            "score": pa.array(score[order][starts] if n else [], F64),
            "score_json": score_json.take(pa.array(order[starts] if n else [], I64)),
            "value_cents": pa.array(value, I64),
            "story": story,
            "evidence": evidence,  # still open: merge adds "also" and closes it
            "asset_ids": asset_ids,
        },
        schema=LEADS,
    )


def merge(cands: pa.Table) -> pa.Table:
    """``leads.merge`` over a table: one lead per account and offering, the strongest, with the
    others noted under "also"; the best value of the group and every machine of it. Expects the
    evidence still open (without its closing brace) and closes it."""
    n = cands.num_rows
    if n == 0:
        return LEADS.empty_table()
    keys = cands.select(["account_id", "offering_key", "score", "rule"])
    order = pc.sort_indices(
        keys,
        sort_keys=[
            ("account_id", "ascending"),
            ("offering_key", "ascending"),
            ("score", "descending"),
            ("rule", "ascending"),
        ],
    )  # stable, like list.sort
    # Everything but the long texts in this order; those are taken once, for the rows kept.
    t = cands.drop_columns(["story", "evidence"]).take(order)
    account = t["account_id"].to_numpy()
    key = np.asarray(pc.dictionary_encode(t["offering_key"]).combine_chunks().indices)
    starts = _segments([account, key])
    size = np.diff(np.append(starts, n))
    rank = np.arange(n) - np.repeat(starts, size)
    merged = size > 1
    order_np = order.to_numpy()
    best = t.take(pa.array(starts))
    kept = pa.array(order_np[starts])

    # "also": the others of each merged group, strongest first.
    rest = np.flatnonzero(rank > 0)
    r = t.take(pa.array(rest))
    entries = _cat(
        '{"rule": ',
        json_values(r["rule"]),
        ', "source": ',
        json_values(r["source"]),
        ', "story": ',
        json_values(cands["story"].take(pa.array(order_np[rest]))),
        ', "score": ',
        r["score_json"],
        "}",
    )
    per_group = np.where(merged, size - 1, 0)
    also = pc.binary_join(_lists(np.cumsum(per_group) - per_group, len(rest), entries), ", ")
    also = pc.if_else(pa.array(merged), _cat(', "also": [', also, "]"), "")
    evidence = _cat(cands["evidence"].take(kept), also, "}")

    value = np.maximum.reduceat(t["value_cents"].to_numpy(), starts)
    # Every machine of a merged group, sorted and once.
    flat = pc.list_flatten(t["asset_ids"]).to_numpy(zero_copy_only=False)
    lens = pc.list_value_length(t["asset_ids"]).to_numpy(zero_copy_only=False)
    group = np.repeat(np.repeat(np.arange(len(starts)), size), lens)
    o = np.lexsort((flat, group))
    g, a = group[o], flat[o]
    keep = np.ones(len(a), bool)
    keep[1:] = (g[1:] != g[:-1]) | (a[1:] != a[:-1])
    g, a = g[keep], a[keep]
    union = _lists(np.searchsorted(g, np.arange(len(starts))), len(a), pa.array(a, I64))
    asset_ids = pc.if_else(pa.array(merged), union, best["asset_ids"].combine_chunks())
    columns = {name: best[name] for name in best.column_names}
    columns |= {
        "value_cents": pa.array(value, I64),
        "story": cands["story"].take(kept),
        "evidence": evidence,
        "asset_ids": asset_ids,
    }
    return pa.table({f.name: columns[f.name] for f in LEADS}, schema=LEADS)


def _lives(t: pa.Table, s: LeadRules) -> np.ndarray:
    """``rules.life_of`` of each row's product line (once per line)."""
    lines = each_value(t["product_line"], lambda x: repr(life_of(x, s)))
    return np.asarray(pc.cast(lines, F64).to_numpy(zero_copy_only=False))


def _mask(rule: Rule, t: pa.Table, s: LeadRules) -> pa.Array:
    """The rule's rows; past typical life looks each product line's life up once, not per row."""
    if rule.name == "past_typical_life":
        old = pc.greater(t["age_years"], pa.array(_lives(t, s)))
        return pc.and_(pc.equal(t["origin"], "own"), old)
    return rule.mask(t, s)


def build(
    tables: dict[str, pa.Table],
    offerings: list[dict[str, Any]],
    s: IntelligenceSettings,
    currency: str = "EUR",
) -> pa.Table:
    """Every lead of the rules over the feature tables by level ("account", "asset"), as
    ``LEADS`` columns sorted by account and offering key: what ``rules.hits`` and
    ``leads.assemble`` give, row for row."""
    parts = []
    for rule in RULES:
        table = tables.get(rule.level)
        if table is None or not table.num_rows:
            continue
        mask = pc.fill_null(_mask(rule, table, s.leads), False)
        hits = table.filter(mask)
        if hits.num_rows:
            offer = pick_offering(rule.name, offerings, s)
            parts.append(_rule_leads(rule.name, hits, s, offer, currency))
    if not parts:
        return LEADS.empty_table()
    return merge(pa.concat_tables(parts))


def candidates(leads: pa.Table) -> list[Candidate]:
    """The leads as ``Candidate`` objects (evidence parsed), e.g. to compare with the row path."""
    return [
        Candidate(
            r["account_id"],
            r["offering_id"],
            r["offering_key"],
            r["offering_name"],
            r["rule"],
            r["source"],
            r["score"],
            r["value_cents"],
            r["story"],
            json.loads(r["evidence"]),
            r["asset_ids"],
        )
        for r in leads.to_pylist()
    ]
