"""``servitize network`` (and the same as ``servitize org lab`` and ``servitize org simulate``):
the network-thinking lab's models and the what-if simulation on the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from servitize.core.console import console, emit_json, say
from servitize.core.errors import InvalidInput
from servitize.core.lazy import lazy
from servitize.kit.cli import fail, find_group
from servitize.trust.cli import run_in_context
from servitize.trust.context import Context

service = lazy("servitize.organisation.service")
simulation = lazy("servitize.organisation.simulation")
simulation_measured = lazy("servitize.organisation.simulation_measured")
period = lazy("servitize.kpis.period")
files = lazy("servitize.organisation.files")

AsUser = Annotated[str | None, typer.Option("--as", help="act as this user (default: operator)")]
AsJson = Annotated[bool, typer.Option("--json", help="print JSON")]


def _print_lab(data: dict[str, Any]) -> None:
    version = data["version"] or "none (an empty matrix)"
    console.print(f"network model {data['id']}: {data['name']} · consensus version {version}")
    console.print(
        f"  {'variable':<32} {'active':>6} {'passive':>7} {'product':>7} {'Q':>6}  quadrant"
    )
    for x in data["indices"]:
        q = "—" if x["quotient"] is None else f"{x['quotient']:.2f}"
        console.print(
            f"  {x['variable']:<32} {x['active']:>6} {x['passive']:>7} {x['product']:>7} "
            f"{q:>6}  {x['quadrant']}"
        )
    for role, names in data["roles"]["ranking"].items():
        console.print(f"  {role}: {', '.join(names)}")
    loops = data["loops"]
    console.print(f"  {loops['count']} feedback loops{'' if loops['complete'] else ' (stopped)'}")
    for loop in loops["strongest"][:10]:
        console.print(
            f"    {loop['strength']:>4} {loop['polarity']:<11} {loop['speed']:<4} "
            + " → ".join(loop["variables"]),
            soft_wrap=True,
        )


def register(app: typer.Typer) -> None:
    """Add ``servitize network`` (the lab's commands and ``simulate``), and the same commands
    as ``servitize org lab ...`` and ``servitize org simulate`` to the ``org`` group of
    org_types (made here if it is missing)."""
    network = typer.Typer(
        no_args_is_help=True, help="The network-thinking lab and the what-if simulation."
    )
    app.add_typer(network, name="network")
    _lab_commands(network)
    _simulate_command(network)
    try:
        org = find_group(app, "org")
    except LookupError:
        org = typer.Typer(no_args_is_help=True, help="The sales organisation.")
        app.add_typer(org, name="org")
    lab = typer.Typer(no_args_is_help=True, help="The network-thinking lab.")
    org.add_typer(lab, name="lab")
    _lab_commands(lab)
    _simulate_command(org)


def _lab_commands(network: typer.Typer) -> None:
    """The lab's commands: list, show, import, export."""

    @network.command("list")
    def list_models(as_user: AsUser = None, as_json: AsJson = False) -> None:
        """The lab's models, newest first."""

        def work(ctx: Context) -> list[dict[str, Any]]:
            return [
                {
                    "id": m.id,
                    "name": m.name,
                    "variables": len(m.variables),
                    "scale_max": m.scale_max,
                }
                for m in service.models(ctx)
            ]

        data = run_in_context(work, as_user, as_json)
        if as_json:
            emit_json(data)
            return
        for m in data:
            console.print(
                f"{m['id']:>5}  {m['name']}  ({m['variables']} variables, 0–{m['scale_max']})"
            )

    @network.command("show")
    def show(
        model_id: Annotated[int, typer.Argument(help="the model's number", min=1)],
        threshold: Annotated[str, typer.Option(help="mean, median or number")] = "mean",
        number: Annotated[
            float | None, typer.Option(help="the line, with --threshold number")
        ] = None,
        min_score: Annotated[int, typer.Option(help="weakest link a loop may use", min=1)] = 1,
        version: Annotated[int | None, typer.Option(help="a version (default: the newest)")] = None,
        as_user: AsUser = None,
        as_json: AsJson = False,
    ) -> None:
        """A model's indices, roles and feedback loops."""
        if threshold not in ("mean", "median", "number"):
            fail("--threshold: mean, median or number")

        def work(ctx: Context) -> dict[str, Any]:
            view = service.View(threshold, number, min_score)
            data: dict[str, Any] = service.lab(ctx, model_id, view, version).as_dict()
            return data

        data = run_in_context(work, as_user, as_json)
        if as_json:
            emit_json(data)
            return
        _print_lab(data)

    @network.command("import")
    def import_matrix(
        path: Annotated[Path, typer.Argument(help="a CSV or XLSX matrix file", exists=True)],
        name: Annotated[str | None, typer.Option(help="name of a new model")] = None,
        model: Annotated[
            int | None, typer.Option(help="record the file as this model's next version")
        ] = None,
        scale_max: Annotated[int, typer.Option(help="the scale's maximum (new model)")] = 3,
        note: Annotated[str | None, typer.Option(help="a note on the version")] = None,
        as_user: AsUser = None,
        as_json: AsJson = False,
    ) -> None:
        """Make a model from a matrix file, or record the file as a model's next version."""
        if (name is None) == (model is None):
            fail("give --name (a new model) or --model (its next version)")
        raw = path.read_bytes()

        def work(ctx: Context) -> dict[str, Any]:
            variables, cells = files.read(raw, path.name)
            if model is None:
                made = service.create_model(ctx, name or "", variables, scale_max, cells, note)
                model_id = made.id
            else:
                model_id = model
                found = service.model(ctx, model_id)
                if list(found.variables) != variables:
                    raise InvalidInput("file: its variables are not the model's, in its order")
                service.record_version(ctx, model_id, cells, note)
            data: dict[str, Any] = service.lab(ctx, model_id).as_dict()
            return data

        data = run_in_context(work, as_user, as_json)
        if as_json:
            emit_json(data)
            return
        _print_lab(data)

    @network.command("export")
    def export(
        model_id: Annotated[int, typer.Argument(help="the model's number", min=1)],
        out: Annotated[Path, typer.Option(help="the file to write (.csv or .xlsx)")],
        version: Annotated[int | None, typer.Option(help="a version (default: the newest)")] = None,
        as_user: AsUser = None,
    ) -> None:
        """Write a model's consensus matrix as CSV or XLSX."""

        def work(ctx: Context) -> bytes:
            lab = service.lab(ctx, model_id, version=version)
            if out.suffix.lower() == ".xlsx":
                data: bytes = files.to_xlsx(lab.variables, lab.matrix)
                return data
            return str(files.to_csv(lab.variables, lab.matrix)).encode("utf-8")

        out.write_bytes(run_in_context(work, as_user))
        console.print(f"wrote {out}")


def _print_sources(data: dict[str, Any]) -> None:
    say(f"parameters of {data['group']} ({data['measured_period'] or 'no period'}):")
    for x in data["parameters_source"]:
        n = "" if x["n"] is None else f", n = {x['n']}"
        say(f"  {x['name']}: {x['value']:g} ({x['origin']}{n}) {x['why']}")
    d = data["diffusion"]
    if d is not None:
        if d["fitted"]:
            say(
                f"digital service (Bass): p {d['p']:.4f}, q {d['q']:.4f}, m {d['m']:.1f}, fit "
                f"error {d['fit_error']:.2f} adopters; {d['reason']}"
            )
        else:
            say(f"digital service (Bass): {d['reason']}")


def _simulate_command(group: typer.Typer) -> None:
    """``simulate``: a scenario against the baseline from a customer group's measured data."""

    @group.command("simulate")
    def simulate(
        scenario: Annotated[
            str,
            typer.Option(
                help="baseline, type_2, type_3, technician_programme, lead_threshold or "
                "subscription_sellers"
            ),
        ] = "type_2",
        value: Annotated[
            float | None, typer.Option(help="the qualified share, or the sellers added")
        ] = None,
        months: Annotated[int, typer.Option(min=1, max=120)] = 36,
        set_: Annotated[
            list[str] | None,
            typer.Option("--set", help="change a parameter NAME=NUMBER, e.g. churn=0.02"),
        ] = None,
        customer_group: Annotated[
            str,
            typer.Option(
                "--group",
                help="all, segment:<label>, industry:<name>, country:<code> or type:<1-4>",
            ),
        ] = "all",
        start: Annotated[
            str | None, typer.Option(help="first month measured, YYYY-MM (default: a year back)")
        ] = None,
        end: Annotated[
            str | None, typer.Option(help="last month measured, YYYY-MM (default: last month)")
        ] = None,
        as_user: AsUser = None,
        as_json: AsJson = False,
    ) -> None:
        """The what-if simulation: a scenario against the baseline, its parameters measured
        from the customer group's data where enough exists (each said measured or default)."""

        def work(ctx: Context) -> dict[str, Any]:
            changed = simulation.parse_settings(set_ or [])
            win = period.window(start, end, ctx.today)
            measured = simulation_measured.measure(ctx, customer_group, win)
            data: dict[str, Any] = simulation.what_if(
                scenario, value, months, changed, measured
            ).as_dict()
            return data

        data = run_in_context(work, as_user, as_json)
        if as_json:
            emit_json(data)
            return
        base, changed = data["totals"]["baseline"], data["totals"]["scenario"]
        say(f"{data['describes']}, {data['group']}, over {months} months (baseline → scenario):")
        for key, shown in base.items():
            say(f"  {key}: {shown} → {changed[key]}")
        _print_sources(data)
