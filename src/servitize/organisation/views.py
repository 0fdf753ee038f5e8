"""HTML pages of the network-thinking lab: the models (make one, or import a matrix file), and a
model's lab: the consensus matrix with its indices and roles, the role map and effect graph,
the feedback loops, the user's own scoring, where the scorers disagree, the consensus editor,
the versions and their comparison."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from servitize.core.errors import InvalidInput
from servitize.core.inputs import Id
from servitize.core.pages import render
from servitize.installed_base.access import may
from servitize.kit.forms import FormPage, save_or_show_again
from servitize.kpis.period import window
from servitize.organisation import (
    bass,
    charts,
    files,
    rules,
    service,
    simulation,
    simulation_measured,
)
from servitize.organisation.models import NetworkModel, NetworkScoring, NetworkVersion
from servitize.organisation.service import View
from servitize.trust.context import Context
from servitize.trust.http import RequestContext

router = APIRouter(include_in_schema=False)
MAX_CELLS = rules.MAX_VARIABLES**2
Cells = Annotated[list[str], Form(max_length=MAX_CELLS)]


def _list_context(ctx: Context) -> dict[str, Any]:
    return {
        "models": service.models(ctx),
        "may_edit": may(ctx.user, "network.edit"),
        "defaults": rules.DEFAULT_VARIABLES,
        "default_scale": rules.DEFAULT_SCALE_MAX,
    }


@router.get("/organisation/lab", response_class=HTMLResponse)
def lab_list(request: Request, ctx: RequestContext) -> HTMLResponse:
    """The lab's models, and the form that makes one."""
    return render(request, "organisation/lab_list.html", _list_context(ctx))


@router.post("/organisation/lab")
def create_model_page(
    request: Request,
    ctx: RequestContext,
    name: Annotated[str, Form(max_length=200)] = "",
    variables: Annotated[str, Form(max_length=4000)] = "",
    scale_max: Annotated[str, Form(max_length=4)] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Make a model (variables one per line, or from the matrix file) and go to its lab."""
    raw = file.file.read(files.MAX_BYTES + 1) if file is not None and file.filename else b""
    values = {"name": name, "variables": variables, "scale_max": scale_max}

    def change() -> NetworkModel:
        scale = rules.DEFAULT_SCALE_MAX
        if scale_max.strip():
            if not scale_max.strip().isdigit():
                raise InvalidInput(f"scale_max: {scale_max!r} is not a whole number")
            scale = int(scale_max)
        names: list[str] | None = [v for v in variables.splitlines() if v.strip()] or None
        cells: list[list[object]] | None = None
        if raw:
            names, cells = files.read(raw, (file.filename if file else "") or "")
        return service.create_model(ctx, name, names, scale, cells)

    return save_or_show_again(
        request,
        ctx.session,
        change,
        lambda m: RedirectResponse(f"/organisation/lab/{m.id}", status_code=303),
        FormPage("organisation/lab_list.html", lambda: _list_context(ctx)),
        values,
    )


def _grid(cells: list[str], n: int) -> list[list[str]]:
    if len(cells) != n * n:
        raise InvalidInput(f"cell: {len(cells)} cells sent for {n} × {n} = {n * n}")
    return [cells[i * n : (i + 1) * n] for i in range(n)]


def lab_context(
    ctx: Context,
    model_id: int,
    view: View | None = None,
    version: int | None = None,
    before: int | None = None,
    after: int | None = None,
    message: str = "",
) -> dict[str, Any]:
    """Everything the lab page shows."""
    lab = service.lab(ctx, model_id, view, version)
    changes = (
        service.compare_versions(ctx, model_id, before, after)
        if before is not None and after is not None
        else None
    )
    return {
        "lab": lab,
        "n": len(lab.variables),
        "mine": rules.as_text(lab.mine) if lab.mine else rules.as_text(lab.matrix),
        "consensus_start": rules.as_text(lab.proposed or lab.matrix),
        "changes": changes,
        "before": before,
        "after": after,
        "message": message,
    }


@router.get("/organisation/lab/{model_id}", response_class=HTMLResponse)
def lab_page(
    request: Request,
    ctx: RequestContext,
    model_id: Id,
    threshold: Literal["mean", "median", "number"] = "mean",
    number: Annotated[float | None, Query(ge=0, le=10_000)] = None,
    min_score: Annotated[int, Query(ge=1, le=rules.MAX_SCALE)] = 1,
    version: Id | None = None,
    before: Id | None = None,
    after: Id | None = None,
    message: str = "",
) -> HTMLResponse:
    """One model's lab."""
    view = View(threshold, number, min_score)
    context = lab_context(ctx, model_id, view, version, before, after, message[:200])
    return render(request, "organisation/lab.html", context)


def _back(model_id: int, message: str) -> Response:
    said = urlencode({"message": message})
    return RedirectResponse(f"/organisation/lab/{model_id}?{said}", status_code=303)


@router.post("/organisation/lab/{model_id}/scores")
def save_scores_page(request: Request, ctx: RequestContext, model_id: Id, cell: Cells) -> Response:
    """Keep the user's own scoring."""

    def change() -> NetworkScoring:
        model = service.model(ctx, model_id)
        return service.save_scoring(ctx, model_id, _grid(cell, len(model.variables)))

    return save_or_show_again(
        request,
        ctx.session,
        change,
        lambda _s: _back(model_id, "your scoring is saved"),
        FormPage("organisation/lab.html", lambda: lab_context(ctx, model_id)),
    )


@router.post("/organisation/lab/{model_id}/versions")
def record_version_page(
    request: Request,
    ctx: RequestContext,
    model_id: Id,
    cell: Cells,
    note: Annotated[str, Form(max_length=2000)] = "",
    based_on: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Record the consensus as the next version."""

    def change() -> NetworkVersion:
        model = service.model(ctx, model_id)
        base = int(based_on) if based_on.strip().isdigit() else None
        return service.record_version(ctx, model_id, _grid(cell, len(model.variables)), note, base)

    return save_or_show_again(
        request,
        ctx.session,
        change,
        lambda v: _back(model_id, f"version {v.number} recorded"),
        FormPage("organisation/lab.html", lambda: lab_context(ctx, model_id)),
    )


@router.get("/organisation/simulation", response_class=HTMLResponse)
def simulation_page(
    request: Request,
    ctx: RequestContext,
    scenario: Literal[
        "baseline",
        "type_2",
        "type_3",
        "technician_programme",
        "lead_threshold",
        "subscription_sellers",
    ] = "type_2",
    value: Annotated[float | None, Query(ge=0, le=1000)] = None,
    months: Annotated[int, Query(ge=1, le=120)] = 36,
    group: Annotated[str, Query(max_length=200)] = "all",
    start: Annotated[str, Query(max_length=7)] = "",
    end: Annotated[str, Query(max_length=7)] = "",
) -> HTMLResponse:
    """The scenario against the baseline for a customer group: its parameters measured (or
    defaults, and why), the Bass fit of its digital service, totals and charts over the
    months."""
    error = None
    try:
        measured = simulation_measured.measure(
            ctx, group, window(start or None, end or None, ctx.today)
        )
    except InvalidInput as exc:
        error = exc.message
        measured = simulation_measured.measure(ctx, "all", window(None, None, ctx.today))
    found = simulation.what_if(scenario, value, months, None, measured)
    base, changed = found.baseline, found.changed
    revenue = charts.lines(
        "Revenue a month",
        [
            ("baseline", [m.revenue_total_cents / 100 for m in base], charts.MUTED),
            ("scenario", [m.revenue_total_cents / 100 for m in changed], charts.PLUS),
        ],
        "EUR",
    )
    streams = charts.lines(
        "Revenue by stream (scenario)",
        [
            (s, [m.revenue_cents[s] / 100 for m in changed], colour)
            for s, colour in zip(simulation.STREAMS, ("#6b7280", "#2563eb", "#16a34a"), strict=True)
        ],
        "EUR",
    )
    load = charts.lines(
        "Salespeople's load",
        [
            ("baseline", [m.load * 100 for m in base], charts.MUTED),
            ("scenario", [m.load * 100 for m in changed], charts.PLUS),
        ],
        "% of capacity",
    )
    return render(
        request,
        "organisation/simulation.html",
        {
            "sim": found,
            "totals": found.as_dict()["totals"],
            "scenarios": simulation.SCENARIOS,
            "parameters": {
                k: (
                    ", ".join(f"{n} {v:g}" for n, v in value.items())
                    if isinstance(value, dict)
                    else value
                )
                for k, value in asdict(found.parameters).items()
            },
            "charts": (revenue, streams, load),
            "sources": found.sources(),
            "diffusion": measured.diffusion,
            "segments": measured.segments,
            "bass_chart": _bass_chart(measured.diffusion, measured.group),
            "group": group if error is None else "all",
            "group_words": measured.group,
            "period": measured.period,
            "error": error,
        },
        422 if error else 200,
    )


def _bass_chart(d: bass.Diffusion | None, words: str) -> Any:
    """Cumulative adopters of the digital service, actual and fitted (or the default curve)."""
    if d is None or not d.actual:
        return ""
    return charts.lines(
        f"Adopters of the digital service, {words}: actual and "
        + ("fitted" if d.fitted else "default curve"),
        [
            ("actual", list(d.actual), charts.MUTED),
            ("Bass fit" if d.fitted else "default", list(d.curve), charts.PLUS),
        ],
        "accounts",
    )
