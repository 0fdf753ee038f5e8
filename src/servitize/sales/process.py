"""The solution-sales process as data: phases, layers, actors, templates, policy."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from servitize.core.settings import Settings

PHASES: dict[int, str] = {
    1: "Information acquisition and opportunity identification",
    2: "Opportunity validation and offering positioning",
    3: "Negotiation and value proposition",
    4: "Solution deployment and value verification",
    5: "Sales follow-up and customer retention",
}


class Layer(enum.StrEnum):
    """A lane of the blueprint, top (customer) to bottom (management)."""

    customer = "customer"
    onstage = "onstage"
    backstage = "backstage"
    support = "support"
    capabilities = "capabilities"
    management = "management"


LAYER_TITLES = {
    Layer.customer: "Customer actions",
    Layer.onstage: "Onstage frontline",
    Layer.backstage: "Backstage frontline",
    Layer.support: "Back-office support",
    Layer.capabilities: "Provider capabilities",
    Layer.management: "Management",
}

# The blueprint line drawn below each lane, except the last.
LINES = (
    "line of interaction",
    "line of visibility",
    "line of internal interaction",
    "line of order penetration",
    "line of implementation",
)


class ActorRole(enum.StrEnum):
    """Who performs a micro-activity."""

    customer = "customer"
    sales = "sales"
    project = "project"
    design = "design"
    tender = "tender"
    service = "service"
    management = "management"
    partner = "partner"


class Gate(enum.StrEnum):
    """The decision gates of the blueprint (drawn as diamonds)."""

    pursue = "pursue"
    tender = "tender"
    approval = "approval"
    acceptance = "acceptance"


class TeamRole(enum.StrEnum):
    """Roles an opportunity's team is nominated into."""

    sales = "sales"
    project = "project"
    design = "design"
    tender = "tender"
    service_sales = "service_sales"


@dataclass(frozen=True)
class ActivityTemplate:
    """One template micro-activity of a phase."""

    code: str
    phase: int
    title: str
    actor: str
    layer: str
    touchpoint: bool = False
    required: bool = False
    due_days: int | None = None


@dataclass(frozen=True)
class GateTemplate:
    """A gate of a template; ``when`` is "always" or "threshold" (approval)."""

    gate: str
    phase: int
    title: str
    when: str = "always"


@dataclass(frozen=True)
class ProcessTemplate:
    """The micro-activities and gates of one offering type."""

    offering_type: str
    title: str
    activities: tuple[ActivityTemplate, ...]
    gates: tuple[GateTemplate, ...]

    def gate(self, name: str) -> GateTemplate | None:
        """The gate of this name, if the template has it."""
        return next((g for g in self.gates if g.gate == name), None)


@dataclass(frozen=True)
class Policy:
    """The provider's sales policy: borderline of terms, thresholds, defaults."""

    borderline: dict[str, dict[str, Any]]
    approval_value_cents: int
    approval_risk: tuple[str, ...]
    phase_probability: dict[int, int]
    stall_days: dict[int, int]
    dormant_days: int
    handover_checklist: dict[str, str]
    loss_reasons: tuple[str, ...]
    win_reasons: tuple[str, ...] = field(default=())


def _read(name: str) -> dict[str, Any]:
    text = resources.files("servitize.sales").joinpath("process_templates", name).read_text("utf-8")
    return yaml.safe_load(text)


def parse_template(data: dict[str, Any]) -> ProcessTemplate:
    """Validate a template document and build it; ValueError names what is wrong."""
    activities = []
    for phase, items in sorted((int(k), v) for k, v in data["activities"].items()):
        if phase not in PHASES:
            raise ValueError(f"phase {phase} is not one of 1..5")
        for item in items:
            a = ActivityTemplate(phase=phase, **item)
            if a.layer not in Layer.__members__ or a.actor not in ActorRole.__members__:
                raise ValueError(f"activity {a.code}: unknown layer {a.layer} or actor {a.actor}")
            activities.append(a)
    gates = tuple(GateTemplate(**g) for g in data.get("gates", []))
    for g in gates:
        if g.gate not in Gate.__members__:
            raise ValueError(f"unknown gate {g.gate}")
    return ProcessTemplate(data["offering_type"], data["title"], tuple(activities), gates)


@lru_cache(maxsize=8)
def template(offering_type: str) -> ProcessTemplate:
    """The process template of an offering type (project, service_agreement, subscription)."""
    if offering_type not in {"project", "service_agreement", "subscription"}:
        raise ValueError(f"no process template for {offering_type!r}")
    return parse_template(_read(f"{offering_type}.yaml"))


def policy(path: Path | str | None = None) -> Policy:
    """The sales policy from the YAML file at ``path`` (``settings.sales.policy``, which
    SERVITIZE_SALES_POLICY sets), else the packaged one; each file is read once."""
    return _policy(str(path) if path else None)


def policy_of(settings: Settings) -> Policy:
    """The sales policy the settings name (the edge's ``ctx.settings``)."""
    return policy(settings.sales.policy)


@lru_cache(maxsize=8)
def _policy(path: str | None) -> Policy:
    data = yaml.safe_load(Path(path).read_text("utf-8")) if path else _read("policy.yaml")
    return Policy(
        borderline=data["borderline"],
        approval_value_cents=int(data["approval_value_cents"]),
        approval_risk=tuple(data["approval_risk"]),
        phase_probability={int(k): int(v) for k, v in data["phase_probability"].items()},
        stall_days={int(k): int(v) for k, v in data["stall_days"].items()},
        dormant_days=int(data["dormant_days"]),
        handover_checklist=dict(data["handover_checklist"]),
        loss_reasons=tuple(data["loss_reasons"]),
        win_reasons=tuple(data.get("win_reasons", ())),
    )
