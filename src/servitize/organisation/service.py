"""Use cases of the network-thinking lab: make a model, score it (each person on their own),
see where the scorers disagree, record the consensus as a new version, compare versions, read
the indices, roles and loops of a version.

Every use case takes a ``Context``; the edge owns the transaction. Reading is open to every
signed-in user; scoring asks ``network.score``, making models and recording the consensus asks
``network.edit`` (installed_base.access).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from servitize.core.errors import InvalidInput, NotFound
from servitize.installed_base.access import may, require
from servitize.organisation import charts, rules
from servitize.organisation import repository as repo
from servitize.organisation.models import NetworkModel, NetworkScoring, NetworkVersion
from servitize.organisation.rules import Matrix, Threshold
from servitize.trust import audit
from servitize.trust.context import Context
from servitize.trust.editing import check_version

LOOP_LIMIT = 5000
SHOWN_LOOPS = 50


@dataclass(frozen=True)
class View:
    """How the lab reads a matrix: the line of the quadrant rule and the weakest link a loop
    may use."""

    threshold: Threshold = "mean"
    number: float | None = None
    min_score: int = 1


@dataclass
class Lab:
    """A model as the lab shows it: its newest (or a chosen) version with the indices, roles and
    loops, the scorers' own matrices, where they disagree and the proposed consensus."""

    model: NetworkModel
    version: NetworkVersion | None
    matrix: Matrix
    view: View
    indices: list[rules.Index]
    roles: rules.Roles
    loops: rules.Loops
    scorers: list[str]
    disagreements: list[rules.Disagreement]
    proposed: Matrix | None
    versions: list[NetworkVersion]
    mine: Matrix | None
    may_edit: bool = False
    may_score: bool = False
    changes: list[rules.CellChange] = field(default_factory=list)

    @property
    def variables(self) -> list[str]:
        return list(self.model.variables)

    def name(self, k: int) -> str:
        return self.variables[k]

    def loop_names(self, loop: rules.Loop) -> list[str]:
        return [self.variables[k] for k in loop.nodes]

    def role_map(self) -> Markup:
        return charts.role_map(self.indices, self.roles)

    def effect_graph(self) -> Markup:
        return charts.effect_graph(self.variables, self.matrix)

    def as_dict(self) -> dict[str, Any]:
        """The lab as the API and the command print it."""
        v = self.variables
        return {
            "id": self.model.id,
            "name": self.model.name,
            "scale_max": self.model.scale_max,
            "variables": v,
            "version": self.version.number if self.version else None,
            "matrix": rules.as_text(self.matrix),
            "totals": {
                "active": sum(x.active for x in self.indices),
                "passive": sum(x.passive for x in self.indices),
                "cells": sum(c.score for row in self.matrix for c in row),
            },
            "indices": [
                {
                    "variable": x.name,
                    "active": x.active,
                    "passive": x.passive,
                    "product": x.product,
                    "quotient": None if x.quotient is None else round(x.quotient, 4),
                    "quadrant": self.roles.quadrant[x.name],
                }
                for x in self.indices
            ],
            "roles": {
                "rule": self.roles.rule,
                "active_line": self.roles.active_line,
                "passive_line": self.roles.passive_line,
                "on_line": self.roles.on_line,
                "ranking": self.roles.ranking,
            },
            "loops": {
                "count": len(self.loops.loops),
                "complete": self.loops.complete,
                "min_score": self.view.min_score,
                "strongest": [
                    {
                        "variables": [v[k] for k in x.nodes],
                        "polarity": x.polarity,
                        "speed": x.speed,
                        "strength": x.strength,
                    }
                    for x in self.loops.loops[:SHOWN_LOOPS]
                ],
            },
            "scorers": self.scorers,
            "disagreements": [
                {
                    "from": v[d.row],
                    "to": v[d.column],
                    "spread": d.spread,
                    "signs_differ": d.signs_differ,
                    "speeds_differ": d.speeds_differ,
                    "written": list(d.written),
                }
                for d in self.disagreements
            ],
            "proposed_consensus": None if self.proposed is None else rules.as_text(self.proposed),
            "versions": [
                {"number": x.number, "by": x.by, "at": x.at.isoformat(), "note": x.note}
                for x in self.versions
            ],
        }


def model(ctx: Context, model_id: int) -> NetworkModel:
    """A model by id (NotFound if there is none)."""
    return _model(ctx, model_id)


def _model(ctx: Context, model_id: int) -> NetworkModel:
    found = repo.model(ctx.session, model_id)
    if found is None:
        raise NotFound(f"network model {model_id} not found")
    return found


def matrix_of(model: NetworkModel, cells: Sequence[Sequence[object]]) -> Matrix:
    """A stored or sent matrix checked against the model's variables and scale."""
    return rules.check_matrix(model.variables, cells, model.scale_max)


def create_model(
    ctx: Context,
    name: str,
    variables: Sequence[str] | None = None,
    scale_max: int = rules.DEFAULT_SCALE_MAX,
    cells: Sequence[Sequence[object]] | None = None,
    note: str | None = None,
) -> NetworkModel:
    """A new model (the seed's eleven variables unless given); a matrix given is version 1."""
    require(ctx.user, "network.edit")
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("name: give the model a name of up to 200 characters")
    names = rules.check_variables(variables or rules.DEFAULT_VARIABLES)
    scale = rules.check_scale(scale_max)
    matrix = rules.check_matrix(names, cells, scale) if cells is not None else None
    model = NetworkModel(
        name=name, variables=list(names), scale_max=scale, created_by=ctx.user.username
    )
    repo.add(ctx.session, model)
    audit.record(
        ctx.session,
        ctx.actor,
        "network.create",
        "network_model",
        model.id,
        after={"name": name, "variables": list(names), "scale_max": scale},
    )
    if matrix is not None:
        _add_version(ctx, model, matrix, note or "imported")
    return model


def _add_version(
    ctx: Context, model: NetworkModel, matrix: Matrix, note: str | None
) -> NetworkVersion:
    number = repo.last_number(ctx.session, model.id) + 1
    version = NetworkVersion(
        model_id=model.id,
        number=number,
        cells=rules.as_text(matrix),
        note=(note or "").strip()[:2000] or None,
        by=ctx.user.username,
        at=ctx.now,
    )
    repo.add(ctx.session, version)
    audit.record(
        ctx.session,
        ctx.actor,
        "network.version",
        "network_model",
        model.id,
        after={"version": number, "note": version.note},
    )
    return version


def record_version(
    ctx: Context,
    model_id: int,
    cells: Sequence[Sequence[object]] | None,
    note: str | None = None,
    based_on: int | None = None,
) -> NetworkVersion:
    """Record the consensus as the model's next version: the matrix given, or (None) the
    proposed consensus of everyone's scoring. ``based_on``: the version the editor read (an
    older one is refused: someone recorded another in between)."""
    require(ctx.user, "network.edit")
    model = _model(ctx, model_id)
    check_version(based_on, repo.last_number(ctx.session, model.id), "the model's consensus")
    if cells is None:
        scored = [matrix_of(model, s.cells) for s in repo.scorings(ctx.session, model.id)]
        if not scored:
            raise InvalidInput("matrix: nobody has scored this model yet; give the matrix")
        matrix = rules.proposed_consensus(scored)
    else:
        matrix = matrix_of(model, cells)
    return _add_version(ctx, model, matrix, note)


def save_scoring(ctx: Context, model_id: int, cells: Sequence[Sequence[object]]) -> NetworkScoring:
    """Keep the user's own scoring of the model (replacing their earlier one)."""
    require(ctx.user, "network.score")
    model = _model(ctx, model_id)
    matrix = matrix_of(model, cells)
    mine = repo.scoring_of(ctx.session, model.id, ctx.user.username)
    before = None if mine is None else {"cells": mine.cells}
    if mine is None:
        mine = NetworkScoring(model_id=model.id, scorer=ctx.user.username, cells=[], at=ctx.now)
        ctx.session.add(mine)
    mine.cells = rules.as_text(matrix)
    mine.at = ctx.now
    repo.saved(ctx.session)
    audit.record(
        ctx.session,
        ctx.actor,
        "network.score",
        "network_model",
        model.id,
        before=before,
        after={"cells": mine.cells},
    )
    return mine


def models(ctx: Context) -> list[NetworkModel]:
    """The lab's models, newest first."""
    return repo.models(ctx.session)


def lab(ctx: Context, model_id: int, view: View | None = None, version: int | None = None) -> Lab:
    """A model as the lab reads it (its newest version, or the one asked for; zeros before the
    first consensus)."""
    view = view or View()
    if not 1 <= view.min_score <= rules.MAX_SCALE:
        raise InvalidInput(f"min_score: give 1 to {rules.MAX_SCALE}")
    model = _model(ctx, model_id)
    versions = repo.versions(ctx.session, model.id)
    chosen = versions[-1] if versions else None
    if version is not None:
        chosen = next((x for x in versions if x.number == version), None)
        if chosen is None:
            raise NotFound(f"version {version} of network model {model.id} not found")
    n = len(model.variables)
    matrix = matrix_of(model, chosen.cells) if chosen else rules.empty_matrix(n)
    found = rules.indices(model.variables, matrix)
    scorings = repo.scorings(ctx.session, model.id)
    scored = [matrix_of(model, s.cells) for s in scorings]
    mine = next(
        (m for s, m in zip(scorings, scored, strict=True) if s.scorer == ctx.user.username), None
    )
    return Lab(
        model=model,
        version=chosen,
        matrix=matrix,
        view=view,
        indices=found,
        roles=rules.roles(found, view.threshold, view.number),
        loops=rules.loops(matrix, view.min_score, LOOP_LIMIT),
        scorers=[s.scorer for s in scorings],
        disagreements=rules.disagreements(scored),
        proposed=rules.proposed_consensus(scored) if scored else None,
        versions=versions,
        mine=mine,
        may_edit=may(ctx.user, "network.edit"),
        may_score=may(ctx.user, "network.score"),
    )


def compare_versions(
    ctx: Context, model_id: int, before: int, after: int
) -> list[rules.CellChange]:
    """The cells changed from one version of a model to another."""
    model = _model(ctx, model_id)
    by_number = {x.number: x for x in repo.versions(ctx.session, model.id)}
    for number in (before, after):
        if number not in by_number:
            raise NotFound(f"version {number} of network model {model.id} not found")
    return rules.compare(
        model.variables,
        matrix_of(model, by_number[before].cells),
        matrix_of(model, by_number[after].cells),
    )
