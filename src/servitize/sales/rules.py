"""Pure rules of the solution-sales process: phase moves, gates, terms, forecast, retention."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import mean
from typing import Any

from servitize.sales.process import PHASES, Policy, ProcessTemplate

GO, NO_GO = "go", "no_go"
LAST_PHASE = max(PHASES)
# A gate "no" ends the opportunity with this status; approval and acceptance can be retried.
NO_GO_STATUS = {"pursue": "rejected", "tender": "no_bid"}


@dataclass(frozen=True)
class ActivityFact:
    """What the rules need of an activity."""

    phase: int
    title: str
    required: bool
    status: str


@dataclass(frozen=True)
class OpportunityFacts:
    """What the rules need of an opportunity: its state, activities and newest decisions."""

    phase: int
    status: str
    risk: str = "medium"
    value_cents: int | None = None
    contract_value_cents: int | None = None
    activities: tuple[ActivityFact, ...] = ()
    decisions: Mapping[str, str] = field(default_factory=dict)


def approval_needed(value_cents: int | None, risk: str, policy: Policy) -> bool:
    """Management approval is needed at or above the value threshold, or at a listed risk."""
    return (value_cents or 0) >= policy.approval_value_cents or risk in policy.approval_risk


def gates_of_phase(
    facts: OpportunityFacts, template: ProcessTemplate, policy: Policy, phase: int
) -> list[str]:
    """The gates that must say "go" before the opportunity may leave this phase."""
    value = facts.contract_value_cents or facts.value_cents
    return [
        g.gate
        for g in template.gates
        if g.phase == phase
        and (g.when != "threshold" or approval_needed(value, facts.risk, policy))
    ]


def advance_blockers(
    facts: OpportunityFacts, template: ProcessTemplate, policy: Policy
) -> list[str]:
    """Every reason the opportunity may not move to the next phase; empty when it may."""
    if facts.status not in ("open", "won"):
        return [f"the opportunity is closed ({facts.status.replace('_', ' ')})"]
    if facts.phase >= LAST_PHASE:
        return [f"phase {LAST_PHASE} is the last phase"]
    target = facts.phase + 1
    reasons = [
        f"required activity not done: {a.title}"
        for a in facts.activities
        if a.phase == facts.phase and a.required and a.status != "done"
    ]
    for gate in gates_of_phase(facts, template, policy, facts.phase):
        if facts.decisions.get(gate) != GO:
            reasons.append(f"gate {gate} has no go decision")
    if (
        target >= 3
        and facts.decisions.get("pursue") != GO
        and "gate pursue has no go decision" not in reasons
    ):
        reasons.append("phase 3 needs a recorded pursue go decision")
    if target >= 4 and facts.status != "won":
        reasons.append("phase 4 starts after the contract: mark the opportunity won first")
    return reasons


def win_blockers(facts: OpportunityFacts, template: ProcessTemplate, policy: Policy) -> list[str]:
    """Every reason the opportunity may not be marked won; empty when it may."""
    reasons = []
    if facts.status != "open":
        reasons.append(f"the opportunity is not open ({facts.status.replace('_', ' ')})")
    if facts.phase < 3:
        reasons.append("an opportunity is won in phase 3 (negotiation) or later")
    if not facts.contract_value_cents:
        reasons.append("a won opportunity needs a contract value")
    for gate in gates_of_phase(facts, template, policy, 3):
        if facts.decisions.get(gate) != GO:
            reasons.append(f"gate {gate} has no go decision")
    return reasons


# Gates decided only in the phase they sit at the end of (pursue may come early, in phase 1).
IN_THEIR_PHASE = ("tender", "approval")


def decision_blockers(
    gate: str, facts: OpportunityFacts, gate_phase: int | None = None
) -> list[str]:
    """Why this gate cannot be decided now; empty when it can."""
    if gate == "acceptance":
        if facts.status != "won" or facts.phase != 4:
            return ["the acceptance test is decided in phase 4, after the contract is won"]
        return []
    if facts.status != "open":
        return [f"the opportunity is closed ({facts.status.replace('_', ' ')})"]
    reasons = []
    if gate in IN_THEIR_PHASE and gate_phase is not None and facts.phase != gate_phase:
        reasons.append(
            f"the {gate} gate is decided in phase {gate_phase}, "
            f"and the opportunity is in phase {facts.phase}"
        )
    if gate in IN_THEIR_PHASE and facts.decisions.get("pursue") != GO:
        reasons.append(f"the {gate} gate comes after a pursue go decision")
    return reasons


def repeat_blocker(gate: str, decision: str, current: str | None) -> str | None:
    """A decision equal to the gate's current one adds nothing: say so instead of a duplicate."""
    if current == decision:
        return f"the {gate} gate is already {decision.replace('_', ' ')}; nothing new to record"
    return None


def confirmation_needed(gate: str, decision: str, confirmed: bool) -> str | None:
    """A no-go must be confirmed; the reason says what it does (closes, or blocks the phase)."""
    if decision != NO_GO or confirmed:
        return None
    effect = (
        f"closes the opportunity as {NO_GO_STATUS[gate].replace('_', ' ')}"
        if gate in NO_GO_STATUS
        else "blocks the next phase"
    )
    return f"a no-go at the {gate} gate {effect}: confirm it (confirm=true, --yes, or the box)"


def reopen_blockers(status: str, decisions: Mapping[str, str]) -> list[str]:
    """Why a closed opportunity cannot be reopened: only a pursue or tender no-go is reopened."""
    closing = [g for g, s in NO_GO_STATUS.items() if s == status and decisions.get(g) == NO_GO]
    if not closing:
        return [
            (
                "only an opportunity closed by a pursue or tender no-go is reopened "
                f"(this one is {status.replace('_', ' ')})"
            )
        ]
    return []


def status_after_decision(gate: str, decision: str, status: str) -> str:
    """The status a decision leaves: pursue no-go rejects, tender no-go is no bid."""
    if decision == NO_GO and status == "open" and gate in NO_GO_STATUS:
        return NO_GO_STATUS[gate]
    return status


def terms_outside_borderline(
    terms: Mapping[str, Any] | None, borderline: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """Why the requested contract terms lie outside the acceptable borderline; empty if inside."""
    reasons = []
    for key, rule in borderline.items():
        if not terms or terms.get(key) is None:
            continue
        asked = float(terms[key])
        unit, label = rule.get("unit", ""), rule.get("label", key)
        if "max" in rule and asked > float(rule["max"]):
            reasons.append(
                f"{label} {asked:g} {unit} is above the acceptable {rule['max']:g} {unit}"
            )
        if "min" in rule and asked < float(rule["min"]):
            reasons.append(
                f"{label} {asked:g} {unit} is below the acceptable {rule['min']:g} {unit}"
            )
    return reasons


def is_late(status: str, due_on: date | None, today: date) -> bool:
    """An open activity past its due date is late."""
    return status == "open" and due_on is not None and due_on < today


def early_engagement(engaged_phase: int) -> bool:
    """Engaged before negotiation (phase 1 or 2): early engagement, as solution sales recommends."""
    return engaged_phase <= 2


def probability(phase: int, own: int | None, policy: Policy) -> int:
    """The opportunity's own win probability, or the policy's default for its phase."""
    return own if own is not None else policy.phase_probability.get(phase, 0)


@dataclass
class ForecastRow:
    """Open pipeline of one phase in one currency."""

    phase: int
    currency: str
    count: int = 0
    value_cents: int = 0
    weighted_cents: int = 0


def weighted_forecast(
    rows: Iterable[tuple[int, str, int | None, int | None]], policy: Policy
) -> list[ForecastRow]:
    """Sum (phase, currency, value, probability) rows into value and weighted value per phase."""
    out: dict[tuple[int, str], ForecastRow] = {}
    for phase, currency, value, own in rows:
        row = out.setdefault((phase, currency), ForecastRow(phase, currency))
        row.count += 1
        row.value_cents += value or 0
        row.weighted_cents += round((value or 0) * probability(phase, own, policy) / 100)
    return [out[k] for k in sorted(out)]


@dataclass(frozen=True)
class Journey:
    """One opportunity's path: when it entered each phase, where it is, how it ended."""

    entered: Mapping[int, datetime]
    phase: int
    status: str


@dataclass
class PhaseStats:
    """Conversion, cycle time and stalls of one phase over many opportunities."""

    phase: int
    reached: int = 0
    moved_on: int = 0
    open_here: int = 0
    stalled: int = 0
    conversion: float | None = None
    cycle_days: float | None = None


def phase_stats(journeys: Iterable[Journey], now: datetime, policy: Policy) -> list[PhaseStats]:
    """Per phase: how many reached it, moved on, average days spent, open ones stalled there."""
    stats = {p: PhaseStats(p) for p in PHASES}
    stays: dict[int, list[float]] = {p: [] for p in PHASES}
    for j in journeys:
        for phase, start in j.entered.items():
            stats[phase].reached += 1
            nxt = j.entered.get(phase + 1)
            if nxt is not None:
                stats[phase].moved_on += 1
                stays[phase].append((nxt - start).total_seconds() / 86400)
        if j.status == "open" and j.phase in j.entered:
            stats[j.phase].open_here += 1
            if (now - j.entered[j.phase]).days > policy.stall_days.get(j.phase, 10**6):
                stats[j.phase].stalled += 1
    for p, s in stats.items():
        if s.reached and p < LAST_PHASE:
            s.conversion = round(s.moved_on / s.reached, 3)
        s.cycle_days = round(mean(stays[p]), 1) if stays[p] else None
    return [stats[p] for p in PHASES]


def is_dormant(
    commissioned_on: date | None, last_touchpoint: date | None, today: date, dormant_days: int
) -> bool:
    """After commissioning, no customer touch-point for ``dormant_days``: dormant."""
    if commissioned_on is None or commissioned_on > today:
        return False
    last = max(d for d in (commissioned_on, last_touchpoint) if d is not None)
    return (today - last).days > dormant_days
