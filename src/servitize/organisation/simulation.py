"""What-if simulation of a customer group's sales organisation: a small stock-and-flow model,
stepped month by month (Euler, one month a step), pure: no I/O.

Stocks: open opportunities, service contracts and subscriptions (product sales are one-off),
and two levels between 0 and 1 that follow a reorganisation with a delay: *structure* (who sells
what: the offering mix moves with it) and *culture* (how well they sell it: the win-rate uplift
moves with it). Both are first-order smoothing toward their target, ``level += (target −
level) / delay`` each month; structure is fast (3 months by default), culture slow (18: the
seed's point that culture changes slowly).

Each month ``t`` (all flows use the stocks at the start of the month):
- leads = analytics + dealers + technicians × technician lead rate (× culture level for a
  technician-selling programme: technicians learn to sell slowly);
- new opportunities = leads × qualified share;
- decided = min(opportunities, salespeople × capacity) / cycle months (a full desk decides no
  faster);
- wins = decided × win rate; the wins split into product, service and subscription by the mix;
- contracts += wins of the stream − contracts × monthly churn;
- revenue: product wins × product value, service contracts × fee, subscriptions × fee;
- sales cost = salespeople × cost + technician leads × hours per lead × hour rate; CAC = cost / wins;
  CLV of a recurring contract = fee × margin / churn; load = opportunities / desk capacity.

- digital adoption: where a Bass diffusion feeds the model (``digital_market`` > 0), each month
  m × (F(age + t) − F(age + t − 1)) accounts adopt the digital service on their own diffusion
  path and join the subscriptions (organisation.bass; ``age``: the months of history so far).

Parameters are defaults stated here (``Parameters``); organisation.simulation_measured reads
them from the measured data of a customer group where enough exists, and says which
(``Source``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from servitize.core.errors import InvalidInput
from servitize.organisation import bass
from servitize.organisation.bass import DEFAULT_P, DEFAULT_Q, Diffusion

Scenario = Literal[
    "baseline", "type_2", "type_3", "technician_programme", "lead_threshold", "subscription_sellers"
]
SCENARIOS: dict[str, str] = {
    "baseline": "as today (type 1: product, service and digital sold separately)",
    "type_2": "move the group from type 1 to type 2 (service and digital integrated)",
    "type_3": "move the group from type 1 to type 3 (a Smart PSS bundle)",
    "technician_programme": "start a technician-selling programme",
    "lead_threshold": "change the lead threshold (the share of leads qualified)",
    "subscription_sellers": "add subscription sellers",
}
STREAMS = ("product", "service", "subscription")
# Fewer wins than this are none: CAC is not shown (no cost divided by a vanishing number).
MIN_WINS = 1e-6


@dataclass(frozen=True)
class Mix:
    """How wins split into product sales, service contracts and subscriptions (sum 1)."""

    product: float
    service: float
    subscription: float


@dataclass(frozen=True)
class Parameters:
    """The model's parameters, with their defaults (per month where a rate)."""

    months: int = 36
    leads_analytics: float = 20.0
    leads_dealers: float = 15.0
    technicians: float = 10.0
    technician_lead_rate: float = 1.0  # leads per technician a month
    technician_hours_per_lead: float = 2.0  # a technician's selling hours per lead
    technician_hour_cents: int = 6_000
    qualified_share: float = 0.4
    cycle_months: float = 6.0
    win_rate: float = 0.3
    salespeople: float = 4.0
    capacity_per_seller: float = 20.0  # open opportunities one salesperson carries
    seller_cost_cents: int = 800_000  # a month, fully loaded
    product_value_cents: int = 5_000_000
    service_fee_cents: int = 200_000  # a month
    subscription_fee_cents: int = 300_000  # a month
    margin: float = 0.35
    churn: float = 0.015  # a month, of recurring contracts
    mix: Mix = field(default_factory=lambda: Mix(0.6, 0.3, 0.1))
    structure_delay: float = 3.0
    culture_delay: float = 18.0
    opportunities: float = 40.0
    service_contracts: float = 50.0
    subscriptions: float = 5.0
    digital_market: float = 0.0  # accounts the Bass diffusion runs over (0: no such stream)
    bass_p: float = DEFAULT_P  # a month
    bass_q: float = DEFAULT_Q  # a month
    digital_age_months: float = 0.0  # months of adoption history before month 1


@dataclass(frozen=True)
class Change:
    """What a scenario changes: a new mix (through structure), a win-rate uplift (through
    culture), more technician leads (through culture), a new qualified share, more sellers."""

    mix: Mix | None = None
    win_uplift: float = 0.0
    technician_lead_rate: float | None = None
    qualified_share: float | None = None
    extra_sellers: float = 0.0


def change_of(scenario: str, value: float | None = None) -> Change:
    """The stated change of each scenario (``value``: the new qualified share, or the number
    of subscription sellers added)."""
    if scenario == "baseline":
        return Change()
    if scenario == "type_2":
        return Change(mix=Mix(0.5, 0.35, 0.15), win_uplift=0.05)
    if scenario == "type_3":
        return Change(mix=Mix(0.4, 0.3, 0.3), win_uplift=0.08)
    if scenario == "technician_programme":
        return Change(technician_lead_rate=3.0)
    if scenario == "lead_threshold":
        share = 0.6 if value is None else value
        if not 0 < share <= 1:
            raise InvalidInput("value: the qualified share is above 0 and at most 1")
        return Change(qualified_share=share)
    if scenario == "subscription_sellers":
        extra = 2.0 if value is None else value
        if not 0 <= extra <= 1000:
            raise InvalidInput("value: add 0 to 1000 subscription sellers")
        return Change(mix=Mix(0.55, 0.25, 0.2), extra_sellers=extra)
    raise InvalidInput(f"scenario: one of {', '.join(SCENARIOS)}")


@dataclass(frozen=True)
class Month:
    """One month's outputs (money in cents)."""

    month: int
    leads: float
    opportunities: float
    wins: float
    service_contracts: float
    subscriptions: float
    revenue_cents: dict[str, float]
    sales_cost_cents: float
    cac_cents: float | None
    clv_cents: float
    load: float
    structure: float
    culture: float
    adopters: float = 0.0  # accounts adopting the digital service this month (Bass)

    @property
    def revenue_total_cents(self) -> float:
        return sum(self.revenue_cents.values())


def _blend(a: float, b: float, level: float) -> float:
    return a + (b - a) * level


def simulate(p: Parameters, change: Change | None = None) -> list[Month]:
    """Month 1 … ``p.months`` under the change (None: the baseline); the reorganisation starts
    at month 1 with structure and culture at 0 of the way."""
    if not 1 <= p.months <= 240:
        raise InvalidInput("months: 1 to 240")
    c = change or Change()
    opportunities, service, subscriptions = p.opportunities, p.service_contracts, p.subscriptions
    structure = culture = 0.0
    target_mix = c.mix or p.mix
    share = c.qualified_share if c.qualified_share is not None else p.qualified_share
    # The extra (or dropped) qualified leads win at half the base rate: the weakest ones.
    win_base = p.win_rate * (p.qualified_share + 0.5 * (share - p.qualified_share)) / share
    tech_rate = (
        c.technician_lead_rate if c.technician_lead_rate is not None else p.technician_lead_rate
    )
    sellers = p.salespeople + c.extra_sellers
    out = []
    for month in range(1, p.months + 1):
        structure += (1 - structure) / p.structure_delay
        culture += (1 - culture) / p.culture_delay
        mix = Mix(
            _blend(p.mix.product, target_mix.product, structure),
            _blend(p.mix.service, target_mix.service, structure),
            _blend(p.mix.subscription, target_mix.subscription, structure),
        )
        technician_leads = p.technicians * _blend(p.technician_lead_rate, tech_rate, culture)
        leads = p.leads_analytics + p.leads_dealers + technician_leads
        capacity = sellers * p.capacity_per_seller
        decided = min(opportunities, capacity) / p.cycle_months
        win_rate = min(1.0, win_base + c.win_uplift * culture)
        wins = decided * win_rate
        load = opportunities / capacity if capacity else float("inf")
        revenue = {
            "product": wins * mix.product * p.product_value_cents,
            "service": service * p.service_fee_cents,
            "subscription": subscriptions * p.subscription_fee_cents,
        }
        selling_hours = technician_leads * p.technician_hours_per_lead
        cost = sellers * p.seller_cost_cents + selling_hours * p.technician_hour_cents
        adopters = 0.0
        if p.digital_market > 0:
            age = p.digital_age_months + month
            adopters = p.digital_market * (
                bass.share(age, p.bass_p, p.bass_q) - bass.share(age - 1, p.bass_p, p.bass_q)
            )
        recurring_fee = (
            (mix.service * p.service_fee_cents + mix.subscription * p.subscription_fee_cents)
            / (mix.service + mix.subscription)
            if mix.service + mix.subscription
            else 0.0
        )
        out.append(
            Month(
                month=month,
                leads=leads,
                opportunities=opportunities,
                wins=wins,
                service_contracts=service,
                subscriptions=subscriptions,
                revenue_cents=revenue,
                sales_cost_cents=cost,
                cac_cents=cost / wins if wins > MIN_WINS else None,
                clv_cents=recurring_fee * p.margin / p.churn if p.churn else 0.0,
                load=load,
                structure=structure,
                culture=culture,
                adopters=adopters,
            )
        )
        opportunities += leads * share - decided
        service += wins * mix.service - service * p.churn
        subscriptions += wins * mix.subscription + adopters - subscriptions * p.churn
    return out


# The range of each parameter that may be changed (others: 0 up to 10^12).
LIMITS: dict[str, tuple[float, float]] = {
    "months": (1, 120),
    "qualified_share": (0.01, 1),
    "win_rate": (0, 1),
    "margin": (0, 1),
    "churn": (0, 1),
    "cycle_months": (1, 120),
    "structure_delay": (1, 120),
    "culture_delay": (1, 120),
    "salespeople": (0.1, 100_000),
    "capacity_per_seller": (0.1, 100_000),
    "bass_p": (1e-6, 1),
    "bass_q": (0, 3),
    "digital_age_months": (0, 600),
    "digital_market": (0, 10_000_000),
}


@dataclass(frozen=True)
class Source:
    """Where a parameter's value comes from: measured (on how many, over which period, how) or
    a default (and why), or set by the person asking."""

    name: str
    value: float
    measured: bool
    n: int | None
    period: str | None
    why: str

    @property
    def origin(self) -> str:
        return "measured" if self.measured else ("set" if self.why == SET else "default")

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "value": self.value,
            "origin": self.origin,
            "n": self.n,
            "period": self.period,
            "why": self.why,
        }


SET = "set by you for this run"


@dataclass(frozen=True)
class Measured:
    """The parameters of a customer group as measured (defaults where too little data), each
    with its source, and the Bass diffusion of its digital service (and of each segment)."""

    group: str
    period: str
    parameters: Parameters
    sources: tuple[Source, ...]
    diffusion: Diffusion | None = None
    segments: tuple[tuple[str, Diffusion], ...] = ()


def defaults() -> Measured:
    """The stated defaults, each said to be one."""
    p = Parameters()
    return Measured(
        "defaults",
        "",
        p,
        tuple(
            Source(k, float(v), False, None, None, "the model's stated default")
            for k, v in asdict(p).items()
            if isinstance(v, int | float) and k != "months"
        ),
    )


def with_overrides(p: Parameters, overrides: dict[str, float]) -> Parameters:
    """The parameters with some numbers changed (by name); an unknown name is refused."""
    known = {k for k, v in asdict(p).items() if isinstance(v, int | float)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise InvalidInput(f"parameters: unknown {', '.join(unknown)}")
    typed: dict[str, Any] = {
        k: (int(v) if isinstance(getattr(p, k), int) else float(v)) for k, v in overrides.items()
    }
    for k, v in typed.items():
        low, high = LIMITS.get(k, (0.0, 1e12))
        if not low <= v <= high:
            raise InvalidInput(f"{k}: {v:g} is outside {low:g} to {high:g}")
    return replace(p, **typed)


@dataclass(frozen=True)
class Comparison:
    """The baseline and one scenario over the same months."""

    scenario: str
    value: float | None
    parameters: Parameters
    baseline: list[Month]
    changed: list[Month]
    measured: Measured = field(default_factory=defaults)
    overridden: tuple[str, ...] = ()

    def sources(self) -> list[Source]:
        """Each parameter's value in this run and where it comes from."""
        out = []
        for src in self.measured.sources:
            if src.name in self.overridden:
                value = float(getattr(self.parameters, src.name))
                out.append(Source(src.name, value, False, None, None, SET))
            else:
                out.append(src)
        return out

    def totals(self, run: list[Month]) -> dict[str, float | None]:
        """Sums over the horizon (revenue, cost, wins) and the last month's stocks."""
        wins = sum(m.wins for m in run)
        cost = sum(m.sales_cost_cents for m in run)
        last = run[-1]
        return {
            **{f"revenue_{s}_cents": round(sum(m.revenue_cents[s] for m in run)) for s in STREAMS},
            "revenue_cents": round(sum(m.revenue_total_cents for m in run)),
            "sales_cost_cents": round(cost),
            "wins": round(wins, 2),
            "cac_cents": round(cost / wins) if wins > MIN_WINS else None,
            "clv_cents": round(last.clv_cents),
            "service_contracts": round(last.service_contracts, 2),
            "subscriptions": round(last.subscriptions, 2),
            "load": round(last.load, 3),
            "digital_adopters": round(sum(m.adopters for m in run), 2),
        }

    def as_dict(self) -> dict[str, object]:
        def series(run: list[Month]) -> list[dict[str, object]]:
            return [
                {
                    "month": m.month,
                    "revenue_cents": {s: round(v) for s, v in m.revenue_cents.items()},
                    "wins": round(m.wins, 4),
                    "opportunities": round(m.opportunities, 4),
                    "service_contracts": round(m.service_contracts, 4),
                    "subscriptions": round(m.subscriptions, 4),
                    "cac_cents": None if m.cac_cents is None else round(m.cac_cents),
                    "clv_cents": round(m.clv_cents),
                    "load": round(m.load, 4),
                    "adopters": round(m.adopters, 4),
                }
                for m in run
            ]

        return {
            "scenario": self.scenario,
            "describes": SCENARIOS[self.scenario],
            "value": self.value,
            "parameters": asdict(self.parameters),
            "group": self.measured.group,
            "measured_period": self.measured.period,
            "parameters_source": [x.as_dict() for x in self.sources()],
            "diffusion": _diffusion_dict(self.measured.diffusion),
            "segments": [
                {"segment": name, **(_diffusion_dict(d) or {})}
                for name, d in self.measured.segments
            ],
            "totals": {
                "baseline": self.totals(self.baseline),
                "scenario": self.totals(self.changed),
            },
            "baseline": series(self.baseline),
            "changed": series(self.changed),
        }


def _diffusion_dict(d: Diffusion | None) -> dict[str, object] | None:
    if d is None:
        return None
    return {
        "p": round(d.p, 6),
        "q": round(d.q, 6),
        "m": round(d.m, 2),
        "fitted": d.fitted,
        "reason": d.reason,
        "months": d.months,
        "adopters": d.adopters,
        "fit_error": None if d.rmse is None else round(d.rmse, 4),
        "actual": [round(x, 4) for x in d.actual],
        "fitted_curve": [round(x, 4) for x in d.curve],
    }


def what_if(
    scenario: str,
    value: float | None = None,
    months: int = 36,
    overrides: dict[str, float] | None = None,
    measured: Measured | None = None,
) -> Comparison:
    """The scenario against the baseline over ``months``, from the measured parameters (the
    stated defaults when None), some changed by name."""
    found = measured or defaults()
    p = with_overrides(replace(found.parameters, months=months), overrides or {})
    change = change_of(scenario, value)
    return Comparison(
        scenario,
        value,
        p,
        simulate(p),
        simulate(p, change),
        found,
        tuple(sorted(overrides or {})),
    )


def parse_settings(pairs: list[str]) -> dict[str, float]:
    """``NAME=NUMBER`` pairs as given on the command line or in the query."""
    out: dict[str, float] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        try:
            number = float(text)
        except ValueError:
            number = float("nan")
        if not sep or number != number or number in (float("inf"), float("-inf")):
            raise InvalidInput(f"set: give NAME=NUMBER, not {pair!r}")
        out[name.strip()] = number
    return out
