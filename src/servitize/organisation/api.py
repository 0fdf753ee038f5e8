"""REST routes of the network-thinking lab under /api/v1: models, each person's scoring, the
consensus versions, their comparison, and the matrix as CSV or XLSX. Bad input answers 422
naming the field (a bad matrix: every offending cell)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import Field

from servitize.core.inputs import Id, Input, Number, Text
from servitize.kpis.period import window
from servitize.organisation import files, rules, service, simulation, simulation_measured
from servitize.organisation.service import View
from servitize.trust.http import RequestContext

router = APIRouter(tags=["organisation"])

CellIn = Annotated[Text, Field(max_length=12)] | int | Number | None
Row = Annotated[list[CellIn], Field(max_length=rules.MAX_VARIABLES)]
MatrixIn = Annotated[list[Row], Field(max_length=rules.MAX_VARIABLES)]
Version = Annotated[int, Field(ge=1, le=1_000_000)]
Month = Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]


class ModelCreate(Input):
    """A new model: its name, variables (default: the seed's eleven), scale and, optionally,
    its first matrix (recorded as version 1)."""

    name: Annotated[Text, Field(min_length=1, max_length=200)]
    variables: (
        Annotated[
            list[Annotated[Text, Field(max_length=rules.MAX_NAME)]],
            Field(min_length=rules.MIN_VARIABLES, max_length=rules.MAX_VARIABLES),
        ]
        | None
    ) = None
    scale_max: Annotated[int, Field(ge=1, le=rules.MAX_SCALE)] = rules.DEFAULT_SCALE_MAX
    matrix: MatrixIn | None = None
    note: Annotated[Text, Field(max_length=2000)] | None = None


class Scoring(Input):
    """The user's own scoring of the matrix."""

    matrix: MatrixIn


class VersionCreate(Input):
    """The consensus to record (no matrix: the proposed consensus of everyone's scoring), on
    the version the editor read."""

    matrix: MatrixIn | None = None
    note: Annotated[Text, Field(max_length=2000)] | None = None
    based_on: Annotated[int, Field(ge=0, le=1_000_000)] | None = None


def _view(threshold: str, number: float | None, min_score: int) -> View:
    return View(threshold, number, min_score)  # type: ignore[arg-type]


@router.get("/network-models")
def list_models(ctx: RequestContext) -> list[dict[str, Any]]:
    """The lab's models, newest first."""
    return [
        {
            "id": m.id,
            "name": m.name,
            "variables": len(m.variables),
            "scale_max": m.scale_max,
            "created_by": m.created_by,
        }
        for m in service.models(ctx)
    ]


@router.post("/network-models", status_code=201)
def create_model(data: ModelCreate, ctx: RequestContext) -> dict[str, Any]:
    """Make a model; the lab of it as read."""
    model = service.create_model(
        ctx, data.name, data.variables, data.scale_max, data.matrix, data.note
    )
    return service.lab(ctx, model.id).as_dict()


@router.get("/network-models/{model_id}")
def get_model(
    model_id: Id,
    ctx: RequestContext,
    threshold: Literal["mean", "median", "number"] = "mean",
    number: Annotated[Number | None, Query(ge=0, le=10_000)] = None,
    min_score: Annotated[int, Query(ge=1, le=rules.MAX_SCALE)] = 1,
    version: Version | None = None,
) -> dict[str, Any]:
    """The model's newest (or a chosen) version: indices, roles, loops, disagreements."""
    return service.lab(ctx, model_id, _view(threshold, number, min_score), version).as_dict()


@router.put("/network-models/{model_id}/scores")
def save_scores(model_id: Id, data: Scoring, ctx: RequestContext) -> dict[str, Any]:
    """Keep the user's own scoring; the lab with the disagreements as they are now."""
    service.save_scoring(ctx, model_id, data.matrix)
    return service.lab(ctx, model_id).as_dict()


@router.post("/network-models/{model_id}/versions", status_code=201)
def record_version(model_id: Id, data: VersionCreate, ctx: RequestContext) -> dict[str, Any]:
    """Record the consensus as the next version; the lab of it."""
    version = service.record_version(ctx, model_id, data.matrix, data.note, data.based_on)
    return service.lab(ctx, model_id, version=version.number).as_dict()


@router.get("/network-models/{model_id}/compare")
def compare_versions(
    model_id: Id, before: Version, after: Version, ctx: RequestContext
) -> list[dict[str, str]]:
    """The cells changed from one version to another."""
    return [
        {"from": c.row, "to": c.column, "before": c.before, "after": c.after}
        for c in service.compare_versions(ctx, model_id, before, after)
    ]


@router.get("/network-models/{model_id}/matrix.{kind}")
def export_matrix(
    model_id: Id,
    kind: Literal["csv", "xlsx"],
    ctx: RequestContext,
    version: Version | None = None,
) -> Response:
    """The model's (newest or chosen) consensus matrix as a CSV or XLSX file."""
    found = service.lab(ctx, model_id, version=version)
    name = f"network-model-{model_id}"
    if kind == "csv":
        return Response(
            files.to_csv(found.variables, found.matrix),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return Response(
        files.to_xlsx(found.variables, found.matrix),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )


@router.get("/organisation/simulation")
def simulate(
    ctx: RequestContext,
    scenario: Literal[
        "baseline",
        "type_2",
        "type_3",
        "technician_programme",
        "lead_threshold",
        "subscription_sellers",
    ] = "type_2",
    value: Annotated[Number | None, Query(ge=0, le=1000)] = None,
    months: Annotated[int, Query(ge=1, le=120)] = 36,
    set_: Annotated[
        list[Annotated[Text, Field(max_length=80)]], Query(alias="set", max_length=30)
    ] = [],  # noqa: B006 - FastAPI copies the default
    group: Annotated[Text, Query(max_length=200)] = "all",
    start: Month = None,
    end: Month = None,
) -> dict[str, object]:
    """The what-if simulation of a customer group (``all``, ``segment:<label>``,
    ``industry:<name>``, ``country:<code>``, ``type:<1-4>``): its parameters measured over the
    months ``start`` to ``end`` (default: the last twelve) where enough data exists, each said
    measured or default; the scenario against the baseline, month by month; ``set`` changes a
    parameter (``set=churn=0.02``)."""
    overrides = simulation.parse_settings(set_)
    measured = simulation_measured.measure(ctx, group, window(start, end, ctx.today))
    return simulation.what_if(scenario, value, months, overrides, measured).as_dict()
