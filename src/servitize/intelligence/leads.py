"""Turn rule hits into leads: one per account and offering, with its story and evidence. Pure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from servitize.core.settings import IntelligenceSettings
from servitize.installed_base import catalogue
from servitize.intelligence import stories
from servitize.intelligence.rules import Hit

MAX_MACHINES = 10


@dataclass
class Candidate:
    """A lead about to be written: what to offer whom and why."""

    account_id: int
    offering_id: int | None
    offering_key: str
    offering_name: str
    rule: str
    source: str
    score: float
    value_cents: int
    story: str
    evidence: dict[str, Any]
    asset_ids: list[int] = field(default_factory=list)


def pick_offering(
    rule: str, offerings: list[dict[str, Any]], s: IntelligenceSettings
) -> dict[str, Any] | None:
    """The catalogue item a rule points to: first family that exists, else a shell fallback."""
    for family in s.offer_families.get(rule, []):
        found = [o for o in offerings if o.get("family") == family]
        if found:
            # A price without an exchange rate (null) is not "cheapest": it sorts last.
            return min(
                found,
                key=lambda o: (
                    o["list_price_cents"] is None,
                    o["list_price_cents"] or 0,
                    o["offering_id"],
                ),
            )
    for shell in s.fallback_shells.get(rule, []):
        found = [o for o in offerings if o.get("shell") == shell]
        if found:
            return min(found, key=lambda o: o["offering_id"])
    return None


def offer_name(offer: dict[str, Any] | None, rule: str, s: IntelligenceSettings) -> str:
    """The offering's name, or the rule's first family in words when none exists."""
    if offer:
        return str(offer["name"])
    return s.offer_families.get(rule, ["service"])[0].replace("_", " ").capitalize()


def candidate(
    rule: str,
    group: list[Hit],
    offer: dict[str, Any] | None,
    s: IntelligenceSettings,
    currency: str,
) -> Candidate:
    """One lead from all hits of one rule at one account (the strongest tells the story)."""
    group = sorted(group, key=lambda h: (-h.score, h.asset_id or 0))
    top = group[0]
    name = offer_name(offer, rule, s)
    story = stories.tell(rule, top.evidence, name, currency)
    machines = [h.asset_id for h in group if h.asset_id is not None]
    story = stories.with_more(story, len(machines) - 1)
    value = sum(h.value_cents for h in group)
    model, unit = (
        (offer.get("revenue_model") or "one_time", offer.get("unit")) if offer else ("", "")
    )
    if value == 0 and offer:
        # A recurring item is worth its fee over the standard term (installed_base.catalogue).
        each = catalogue.term_value_cents(model, offer["list_price_cents"] or 0, unit)
        value = each * max(1, len(machines))
    key = (
        offer.get("family") or offer["external_id"]
        if offer
        else s.offer_families.get(rule, ["service"])[0]
    )
    evidence = {
        "rule": rule,
        "facts": top.evidence,
        "machines": [h.evidence for h in group[:MAX_MACHINES]],
        "machine_count": len(machines),
    }
    if offer and catalogue.is_recurring(model) and offer["list_price_cents"] is not None:
        # The story stays the technician's facts; the price travels with the lead's evidence.
        evidence["price"] = catalogue.price_words(model, offer["list_price_cents"], currency, unit)
    return Candidate(
        top.account_id,
        offer["offering_id"] if offer else None,
        str(key),
        name,
        rule,
        "rule",
        top.score,
        int(value),
        story,
        evidence,
        machines,
    )


def assemble(
    hits: Iterable[Hit],
    offerings: list[dict[str, Any]],
    s: IntelligenceSettings,
    currency: str = "EUR",
) -> list[Candidate]:
    """Group hits by account and rule, then merge rules that point to the same offering."""
    by_rule: dict[tuple[int, str], list[Hit]] = defaultdict(list)
    for h in hits:
        by_rule[(h.account_id, h.rule)].append(h)
    offers = {rule: pick_offering(rule, offerings, s) for _, rule in by_rule}
    cands = [candidate(rule, g, offers[rule], s, currency) for (_, rule), g in by_rule.items()]
    return merge(cands)


def merge(cands: Iterable[Candidate]) -> list[Candidate]:
    """One candidate per account and offering: the strongest, with the others noted."""
    by_key: dict[tuple[int, str], list[Candidate]] = defaultdict(list)
    for c in cands:
        by_key[(c.account_id, c.offering_key)].append(c)
    out = []
    for group in by_key.values():
        group.sort(key=lambda c: (-c.score, c.rule))
        best = group[0]
        if len(group) > 1:
            best.evidence["also"] = [
                {"rule": c.rule, "source": c.source, "story": c.story, "score": c.score}
                for c in group[1:]
            ]
            best.value_cents = max(c.value_cents for c in group)
            best.asset_ids = sorted({a for c in group for a in c.asset_ids})
        out.append(best)
    return sorted(out, key=lambda c: (c.account_id, c.offering_key))
