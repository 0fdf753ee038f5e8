"""Pure rules of the field: routing by value, working-day SLAs, escalation, stages, points."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from servitize.field.models import PointKind, Route, Stage
from servitize.kit.money import Rates

OPEN_STAGES = (Stage.reported.value, Stage.actioned.value, Stage.proposed.value)
CLOSED_STAGES = (Stage.won.value, Stage.lost.value, Stage.dismissed.value)

# What a technician can report having seen; each points to a catalogue family.
SEEN: dict[str, tuple[str, str]] = {
    "wear": ("Wear or ageing parts", "spare_parts"),
    "leak": ("Leak, noise or vibration", "inspection"),
    "repeat_fault": ("The same fault again", "condition_monitoring"),
    "old_machine": ("Old machine, near end of life", "retrofit"),
    "competitor_machine": ("Competitor machine on site", "multi_brand_service"),
    "no_contract": ("No service contract", "maintenance_contract"),
    "customer_asked": ("Customer asked for something", "service"),
    "energy": ("High energy use", "energy_audit"),
    "other": ("Something else", "service"),
}
# Size buttons of the lead report, in major units of the account's currency.
SIZES: dict[str, tuple[str, int]] = {
    "s": ("Under 2,000", 1_000),
    "m": ("2,000 – 5,000", 4_000),
    "l": ("5,000 – 25,000", 15_000),
    "xl": ("Over 25,000", 50_000),
}
# The close reason of an owner's large lead sold on a sign-up sheet, until the owner confirms.
SOLD_ON_SITE = "sold on site, awaiting the owner's confirmation"


def sheet_closes_lead(route: str, value_cents: int, threshold_cents: int) -> bool:
    """Whether a signed sheet line closes its lead as won at once.

    A technician's lead, or an owner's lead below the field threshold: yes. An owner's lead at
    or above the threshold: no, a small line signed on site must not close a large deal; the
    lead waits as proposed ("sold on site") until its owner confirms it won.
    """
    return not (route == Route.account_owner.value and value_cents >= threshold_cents)


def awaiting_owner(stage: str, close_reason: str | None) -> bool:
    """A lead sold on site that waits for its owner's confirmation."""
    return stage == Stage.proposed.value and (close_reason or "").startswith(SOLD_ON_SITE)


POINTS = {
    PointKind.confirmed_lead.value: 10,
    PointKind.won_lead.value: 15,
    PointKind.signed_sheet.value: 20,
}


@dataclass(frozen=True)
class Decision:
    """Where one lead goes and why."""

    route: str
    assigned_to_id: int | None
    visit_id: int | None
    reason: str


@dataclass(frozen=True)
class NextVisit:
    """The account's next planned visit and the load of its technician."""

    visit_id: int
    technician_id: int
    day: date
    open_leads: int


def route(
    value_cents: int,
    threshold_cents: int,
    owner_id: int | None,
    next_visit: NextVisit | None,
    max_open: int,
) -> Decision:
    """Below the threshold to the next visit's technician (while under N open leads), else owner."""
    owner = Route.account_owner.value
    if value_cents >= threshold_cents:
        return Decision(owner, owner_id, None, "value at or above the threshold")
    if next_visit is None:
        return Decision(owner, owner_id, None, "small lead, but no visit is planned")
    if next_visit.open_leads >= max_open:
        return Decision(
            owner,
            owner_id,
            None,
            f"small lead, but the technician already has {max_open} open leads",
        )
    return Decision(
        Route.technician.value,
        next_visit.technician_id,
        next_visit.visit_id,
        f"small lead for the visit on {next_visit.day.isoformat()}",
    )


def convert_to(cents: int, currency: str, target: str, rates: Rates, day: date) -> int | None:
    """Minor units of ``currency`` in ``target`` by kit.money's convention: through the company
    currency at the rates in force on ``day``, rounding half to even; None without a rate."""
    return rates.convert_to(cents, currency, target, day)


def is_working_day(day: date, holidays: Collection[date] = ()) -> bool:
    """Monday to Friday and not a holiday."""
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, days: int, holidays: Sequence[date] = ()) -> date:
    """The day ``days`` working days after ``start``."""
    return _add_working_days(start, days, frozenset(holidays))


@lru_cache(maxsize=8192)  # every inbox row asks for its due day: few distinct questions
def _add_working_days(start: date, days: int, holidays: frozenset[date]) -> date:
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            left -= 1
    return day


def working_days_between(start: date, end: date, holidays: Sequence[date] = ()) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
    off = frozenset(holidays)
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day, off):
            count += 1
    return count


@dataclass(frozen=True)
class Sla:
    """Working days allowed for each step of the turnaround clock."""

    first_action: int
    proposal: int
    close: int
    holidays: tuple[date, ...] = ()


def due(
    stage: str,
    reported: datetime,
    first_action: datetime | None,
    proposal: datetime | None,
    sla: Sla,
) -> date | None:
    """The day the next step of the clock is due; None once the lead is closed."""
    if stage == Stage.reported.value:
        return add_working_days(reported.date(), sla.first_action, sla.holidays)
    if stage == Stage.actioned.value:
        return add_working_days((first_action or reported).date(), sla.proposal, sla.holidays)
    if stage == Stage.proposed.value:
        return add_working_days(
            (proposal or first_action or reported).date(), sla.close, sla.holidays
        )
    return None


def overdue(due_day: date | None, today: date) -> bool:
    """True when the next step was due before today."""
    return due_day is not None and today > due_day


def should_escalate(
    stage: str, due_day: date | None, today: date, escalated_at: datetime | None
) -> bool:
    """An open lead past its SLA that nobody escalated yet goes to the service manager."""
    return stage in OPEN_STAGES and escalated_at is None and overdue(due_day, today)


# Which actions move the clock from which stage.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "confirm": ((Stage.reported.value,), Stage.actioned.value),
    "act": ((Stage.reported.value,), Stage.actioned.value),
    "propose": ((Stage.reported.value, Stage.actioned.value), Stage.proposed.value),
    "win": (OPEN_STAGES, Stage.won.value),
    "lose": (OPEN_STAGES, Stage.lost.value),
    "dismiss": (OPEN_STAGES, Stage.dismissed.value),
}


def next_stage(stage: str, action: str) -> str:
    """The stage after an action; ValueError when the action does not fit the stage."""
    if action not in TRANSITIONS:
        raise ValueError(f"unknown action {action!r}")
    allowed, target = TRANSITIONS[action]
    if stage not in allowed:
        raise ValueError(f"a lead in stage {stage!r} cannot be {action!r}ed")
    return target


def feedback_points(rating: int) -> int:
    """Points for a customer's rating of a visit: 10 for 5 stars, 5 for 4, none below."""
    return {5: 10, 4: 5}.get(rating, 0)


@dataclass(frozen=True)
class Tally:
    """What one technician did in a period."""

    user_id: int
    points: int
    confirmed_leads: int
    signed_sheets: int
    good_feedback: int


BADGES = (
    ("first_lead", "First lead", "confirmed a first lead"),
    ("lead_hunter", "Lead hunter", "10 confirmed leads"),
    ("sign_up_starter", "Sign-up starter", "a first signed sign-up sheet"),
    ("sign_up_pro", "Sign-up pro", "10 signed sign-up sheets"),
    ("customer_favourite", "Customer favourite", "3 visits rated 4 or 5 stars"),
    ("centurion", "Centurion", "100 points"),
)


def badges(t: Tally) -> list[str]:
    """Badge keys earned by a tally (of all time)."""
    earned = {
        "first_lead": t.confirmed_leads >= 1,
        "lead_hunter": t.confirmed_leads >= 10,
        "sign_up_starter": t.signed_sheets >= 1,
        "sign_up_pro": t.signed_sheets >= 10,
        "customer_favourite": t.good_feedback >= 3,
        "centurion": t.points >= 100,
    }
    return [key for key, _label, _why in BADGES if earned[key]]


def rank(tallies: Iterable[Tally]) -> list[tuple[int, Tally]]:
    """Competition ranking by points (ties share a rank: 1, 2, 2, 4), then by user id."""
    ordered = sorted(tallies, key=lambda t: (-t.points, t.user_id))
    ranked: list[tuple[int, Tally]] = []
    for i, t in enumerate(ordered):
        same = ranked and ranked[-1][1].points == t.points
        ranked.append((ranked[-1][0] if same else i + 1, t))
    return ranked


@dataclass(frozen=True)
class Behaviour:
    """The customer's service behaviour over the last 12 months, as the sheet proposal reads it."""

    repairs: int
    maintenance: int
    inspections: int
    uncovered_assets: int
    old_assets: int


@dataclass(frozen=True)
class Eligible:
    """A sign-up-eligible catalogue item."""

    offering_id: int
    family: str
    name: str


@dataclass(frozen=True)
class OpenLead:
    """An open lead of the account, as far as the proposal needs it."""

    lead_id: int
    offering_id: int | None
    offering_key: str


# Families a behaviour points to: a sign-up sheet is lightly adapted to service behaviour.
BEHAVIOUR_FAMILIES = (
    (
        "repairs",
        2,
        ("inspection", "condition_monitoring", "spare_parts"),
        "{n} repairs in 12 months",
    ),
    (
        "uncovered_assets",
        1,
        ("maintenance_contract", "inspection", "service"),
        "{n} machines without a service contract",
    ),
    ("old_assets", 1, ("retrofit", "upgrade", "spare_parts"), "{n} machines older than 15 years"),
    ("maintenance", 0, ("maintenance", "service"), "regular maintenance customer"),
)


def propose(
    eligible: Sequence[Eligible], behaviour: Behaviour, leads: Sequence[OpenLead], limit: int
) -> list[tuple[int, int | None, str]]:
    """Sheet lines (offering id, lead id, reason): open leads first, then service behaviour."""
    lines: list[tuple[int, int | None, str]] = []
    taken: set[int] = set()
    by_id = {e.offering_id: e for e in eligible}
    for lead in leads:
        match = by_id.get(lead.offering_id) if lead.offering_id else None
        key = lead.offering_key.removeprefix("tech:")
        match = match or next((e for e in eligible if e.family == key), None)
        if match and match.offering_id not in taken:
            lines.append((match.offering_id, lead.lead_id, "answers an open lead"))
            taken.add(match.offering_id)
    for attr, minimum, families, why in BEHAVIOUR_FAMILIES:
        n = getattr(behaviour, attr)
        if n == 0 or n < minimum:
            continue
        pick = next(
            (
                e
                for fam in families
                for e in eligible
                if e.family == fam and e.offering_id not in taken
            ),
            None,
        )
        if pick is not None:
            lines.append((pick.offering_id, None, why.format(n=n)))
            taken.add(pick.offering_id)
    for e in eligible:  # fill with the rest of the sign-up catalogue, in catalogue order
        if e.offering_id not in taken:
            lines.append((e.offering_id, None, "standard sign-up activity"))
            taken.add(e.offering_id)
    return lines[:limit]


def month_of(day: date) -> str:
    """The contest month of a day, as YYYY-MM."""
    return f"{day.year:04d}-{day.month:02d}"
