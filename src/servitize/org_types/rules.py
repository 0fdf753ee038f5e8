"""The four types of sales organisation and what each decides, as plain data and pure functions.

The seed (a Smart PSS sales organisation paper) names four types: (1) product, service and
digital sold separately; (2) service and digital integrated; (3) a Smart PSS bundle whose
components keep their own revenue models; (4) a subscription of the whole Smart PSS. A type
decides who owns which offering family (the account owner stays the one face), which quote
structures are allowed, which process template an opportunity follows, which recognition rules
apply and where a lead of each family goes. No database here: the service loads, these decide.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

TYPE_NUMBERS = (1, 2, 3, 4)
DEFAULT_TYPE = 1


class Basis(enum.StrEnum):
    """What a customer group is made of; the order of the members is the precedence."""

    account = "account"
    segment = "segment"
    industry = "industry"
    country = "country"
    default = "default"


# Highest first: an account named in a list beats its segment, which beats its industry, which
# beats its country; the company default serves what nothing else covers.
PRECEDENCE: tuple[Basis, ...] = (
    Basis.account,
    Basis.segment,
    Basis.industry,
    Basis.country,
    Basis.default,
)
GROUP_BASES: tuple[Basis, ...] = PRECEDENCE[:-1]


class Family(enum.StrEnum):
    """An offering family as the sales organisation divides the catalogue."""

    product = "product"
    service = "service"
    digital = "digital"
    bundle = "bundle"
    subscription = "subscription"


class Desk(enum.StrEnum):
    """Who sells a family under a type: the sellers table says which users sit at which desk."""

    product = "product"
    service = "service"
    digital = "digital"
    service_digital = "service_digital"
    bundle = "bundle"
    subscription = "subscription"


DESK_NAMES: dict[Desk, str] = {
    Desk.product: "product seller",
    Desk.service: "service seller",
    Desk.digital: "digital seller",
    Desk.service_digital: "service-and-digital seller",
    Desk.bundle: "bundle owner",
    Desk.subscription: "subscription team",
}

# Catalogue shells (installed_base.models.Shell values) and their family.
SHELL_FAMILY: dict[str, Family] = {
    "product": Family.product,
    "spare_parts": Family.product,
    "expanded_range": Family.product,
    "service": Family.service,
    "digital_service": Family.digital,
    "smart_pss_bundle": Family.bundle,
}

# Segment labels intelligence gives (intelligence.segments.label_and_mode); a label seen in the
# segment table is accepted too.
KNOWN_SEGMENTS = (
    "Digital partner",
    "Service buyer",
    "Digital potential",
    "Product buyer",
    "Developing",
)

# The go-to-market mode intelligence's segments suggest (intelligence.segments.label_and_mode),
# as the type it names: shown beside the assigned type, never applied by itself.
MODE_TYPE = {"separate": 1, "integrated": 2, "bundle": 3, "subscription": 4}

# Revenue models (installed_base.models.RevenueModel values) that recur: what a subscription
# quote may carry.
RECURRING = frozenset({"subscription", "availability_contract", "licence", "usage"})


@dataclass(frozen=True)
class OrgType:
    """One type of sales organisation with the seed's four aspects and what it decides."""

    number: int
    name: str
    summary: str
    organisational_form: str
    focus: str
    culture: str
    integration: str
    owners: dict[Family, Desk]
    quote_rule: str
    process_template: str
    recognition: str
    recognition_rules: tuple[str, ...]

    @property
    def title(self) -> str:
        """``Type 2 · service and digital integrated``."""
        return f"Type {self.number} · {self.name}"


TYPES: dict[int, OrgType] = {
    1: OrgType(
        1,
        "product, service and digital sold separately",
        "The offering is divided into three categories, each sold on its own.",
        organisational_form="functional: separate product, service and digital sales units",
        focus="the product; services and digital services follow the machine",
        culture="product and engineering culture; each unit defends its own numbers",
        integration="none: three offers, three contacts behind the account owner",
        owners={
            Family.product: Desk.product,
            Family.service: Desk.service,
            Family.digital: Desk.digital,
            Family.bundle: Desk.product,
            Family.subscription: Desk.digital,
        },
        quote_rule="separate quotes per family (product, service, digital); no bundle",
        process_template="project",
        recognition=(
            "each seller is recognised for the leads of their own family: a won lead counts for "
            "the family's seller, a confirmed lead for whoever found it"
        ),
        recognition_rules=("confirmed_lead", "won_lead"),
    ),
    2: OrgType(
        2,
        "service and digital integrated",
        "Service and digital departments sell together from the customer's point of view.",
        organisational_form="a joint service-and-digital unit beside product sales",
        focus="the customer's operation: uptime and use of the machines",
        culture="customer-centric in service and digital; product sales still apart",
        integration="partial: service and digital on one offer, the product apart",
        owners={
            Family.product: Desk.product,
            Family.service: Desk.service_digital,
            Family.digital: Desk.service_digital,
            Family.bundle: Desk.service_digital,
            Family.subscription: Desk.service_digital,
        },
        quote_rule=(
            "service and digital together on one quote; the product on a quote of its own; "
            "no Smart PSS bundle"
        ),
        process_template="service_agreement",
        recognition=(
            "the service-and-digital seller is recognised for service and digital wins together; "
            "technicians for the leads they confirm and the sign-up sheets customers sign"
        ),
        recognition_rules=("confirmed_lead", "won_lead", "signed_sheet"),
    ),
    3: OrgType(
        3,
        "Smart PSS bundle with individual revenue models",
        "A Smart PSS is offered as one bundle; its components keep their own revenue models.",
        organisational_form="a bundle owner leads a team across product, service and digital",
        focus="the solution: product, service and digital designed together",
        culture="solution selling; shared targets across the units",
        integration="high in the offer, the revenue models stay separate",
        owners={
            Family.product: Desk.bundle,
            Family.service: Desk.bundle,
            Family.digital: Desk.bundle,
            Family.bundle: Desk.bundle,
            Family.subscription: Desk.bundle,
        },
        quote_rule=(
            "one bundle quote: product, service and digital lines on it, each with its own "
            "revenue model"
        ),
        process_template="project",
        recognition=(
            "the bundle owner and the team are recognised for the bundle as a whole; "
            "customer feedback counts for the team"
        ),
        recognition_rules=("won_lead", "customer_feedback"),
    ),
    4: OrgType(
        4,
        "subscription of the whole Smart PSS",
        "The whole Smart PSS is sold as a subscription in the digital ecosystem.",
        organisational_form="a subscription team owns the customer's recurring revenue",
        focus="the customer's lifetime: renewal, expansion, churn",
        culture="customer success; recurring revenue over one-time deals",
        integration="complete: one subscription, one contract, one team",
        owners=dict.fromkeys(Family, Desk.subscription),
        quote_rule="one subscription quote for the whole Smart PSS: every line recurs",
        process_template="subscription",
        recognition=(
            "the subscription team is recognised for recurring revenue kept and grown; "
            "customer feedback and signed sheets count for the team"
        ),
        recognition_rules=("won_lead", "signed_sheet", "customer_feedback"),
    ),
}


def org_type(number: int) -> OrgType:
    """The type numbered 1 to 4 (ValueError naming the allowed numbers otherwise)."""
    if number not in TYPES:
        raise ValueError(f"type: choose 1, 2, 3 or 4 (got {number!r})")
    return TYPES[number]


def family_of_shell(shell: str | None) -> Family | None:
    """The offering family of a catalogue shell (None for an unknown one)."""
    return SHELL_FAMILY.get(str(shell)) if shell is not None else None


def desk_for(number: int, family: Family) -> Desk:
    """Who owns a family under a type."""
    return org_type(number).owners[family]


# --- which assignment serves an account ---------------------------------------------------------


@dataclass(frozen=True)
class Assigned:
    """An assignment as the rules read it: a group, a type, a period and who and why."""

    id: int
    basis: Basis
    value: str
    number: int
    valid_from: date
    valid_to: date | None  # the first day it no longer applies; None: open
    by: str
    reason: str

    def in_force(self, day: date) -> bool:
        """Whether it applies on ``day``."""
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)

    def overlaps(self, start: date, end: date | None) -> bool:
        """Whether its period shares a day with [start, end)."""
        if self.valid_to is not None and self.valid_to <= self.valid_from:
            return False  # ended on its first day: it never applied
        before_end = end is None or self.valid_from < end
        after_start = self.valid_to is None or start < self.valid_to
        return before_end and after_start


@dataclass(frozen=True)
class Facts:
    """What groups an account belongs to."""

    account_id: int
    segment: str | None
    industry: str | None
    country: str | None


def key_of(facts: Facts, basis: Basis) -> str | None:
    """The account's value for a basis (its id for ``account``)."""
    if basis is Basis.account:
        return str(facts.account_id)
    if basis is Basis.segment:
        return facts.segment
    if basis is Basis.industry:
        return facts.industry
    if basis is Basis.country:
        return facts.country
    return None


def index(assignments: Iterable[Assigned], day: date) -> dict[tuple[Basis, str], Assigned]:
    """The assignments in force on ``day`` by (basis, value); the later start wins a tie."""
    found: dict[tuple[Basis, str], Assigned] = {}
    for a in sorted(assignments, key=lambda x: (x.valid_from, x.id)):
        if a.in_force(day):
            found[(a.basis, a.value)] = a
    return found


def choose(facts: Facts, in_force: dict[tuple[Basis, str], Assigned]) -> Assigned | None:
    """The assignment that serves an account: the first basis in the precedence that matches."""
    for basis in GROUP_BASES:
        key = key_of(facts, basis)
        if key is not None and (basis, key) in in_force:
            return in_force[(basis, key)]
    return None


def overlapping(
    existing: Iterable[Assigned], basis: Basis, value: str, start: date, end: date | None
) -> Assigned | None:
    """An assignment of the same group whose period shares a day with [start, end)."""
    for a in existing:
        if a.basis == basis and a.value == value and a.overlaps(start, end):
            return a
    return None


def group_words(basis: Basis | str, value: str | None, account_name: str | None = None) -> str:
    """A customer group in words: ``segment 'Digital partner'``, ``country DE``."""
    basis = Basis(basis)
    if basis is Basis.account:
        return f"account '{account_name}'" if account_name else f"account {value}"
    if basis is Basis.segment:
        return f"segment '{value}'"
    if basis is Basis.industry:
        return f"industry '{value}'"
    if basis is Basis.country:
        return f"country {value}"
    return "the company default"


# --- quote structures ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteLine:
    """A quote line as the structure rule reads it."""

    name: str
    shell: str | None
    revenue_model: str | None
    bundle: str | None = None


def quote_breaks(number: int, lines: Sequence[QuoteLine]) -> str | None:
    """Why a quote's lines break the type's allowed structure, or None when they do not.

    Type 1: one family per quote, no bundle; type 2: service and digital may share a quote, the
    product stays on its own and there is no bundle; type 3: anything, the components keep their
    revenue models; type 4: every line recurs (one subscription for the whole Smart PSS).
    """
    kind = org_type(number)
    head = f"account served by type {number}: {kind.quote_rule}"
    families = [(line, family_of_shell(line.shell)) for line in lines]
    if number == 4:
        for line, _ in families:
            if line.revenue_model not in RECURRING:
                model = (line.revenue_model or "no revenue model").replace("_", "-")
                return f"{head}; line '{line.name}' is {model}"
        return None
    if number == 3:
        return None
    for line, family in families:
        if family is Family.bundle:
            return f"{head}; line '{line.name}' is a Smart PSS bundle"
        if line.bundle and number == 1:
            return f"{head}; line '{line.name}' is part of the bundle '{line.bundle}'"
    seen: dict[str, QuoteLine] = {}
    for line, family in families:
        if family is None:
            continue
        side = "service_digital" if number == 2 and family is not Family.product else family.value
        seen.setdefault(side, line)
    if len(seen) > 1:
        (a_side, a), (b_side, b) = list(seen.items())[:2]
        return (
            f"{head}; line '{a.name}' ({_side_words(a_side)}) and line '{b.name}' "
            f"({_side_words(b_side)}) belong on separate quotes"
        )
    return None


def _side_words(side: str) -> str:
    return "service and digital" if side == "service_digital" else side


# --- lead routing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seller:
    """A user at a desk, optionally for one territory (None: every territory)."""

    user_id: int
    name: str
    desk: Desk
    territory: str | None


@dataclass(frozen=True)
class SellerChoice:
    """Who sells a lead under a type, and why in words."""

    user_id: int | None
    desk: Desk
    reason: str


def seller_for(
    number: int,
    family: Family,
    territory: str | None,
    sellers: Sequence[Seller],
    owner_id: int | None,
) -> SellerChoice:
    """The seller of the lead's family under the type: the desk's seller in the account's
    territory, else one for every territory (lowest user id first), else the account owner."""
    desk = desk_for(number, family)
    at_desk = sorted((s for s in sellers if s.desk == desk), key=lambda s: s.user_id)
    local = [s for s in at_desk if territory is not None and s.territory == territory]
    anywhere = [s for s in at_desk if s.territory is None]
    chosen = (local or anywhere)[0] if local or anywhere else None
    where = f"territory {territory}" if territory else "the account's territory"
    head = f"type {number}: {family.value} lead to the {DESK_NAMES[desk]}"
    if chosen is None:
        return SellerChoice(owner_id, desk, f"{head}, but none for {where}: the account owner")
    place = f"for {where}" if chosen in local else "for every territory"
    return SellerChoice(chosen.user_id, desk, f"{head} {chosen.name} ({place})")
