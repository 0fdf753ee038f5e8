"""``servitize network``: the network-thinking lab's models on the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from servitize.core.console import console, emit_json
from servitize.core.errors import InvalidInput
from servitize.core.lazy import lazy
from servitize.kit.cli import fail
from servitize.trust.cli import run_in_context
from servitize.trust.context import Context

service = lazy("servitize.organisation.service")
simulation = lazy("servitize.organisation.simulation")
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
    """Add ``servitize network``."""
    network = typer.Typer(
        no_args_is_help=True, help="The network-thinking lab and the what-if simulation."
    )
    app.add_typer(network, name="network")

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

    @network.command("simulate")
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
        as_json: AsJson = False,
    ) -> None:
        """The what-if simulation: a scenario against the baseline."""
        try:
            changed = simulation.parse_settings(set_ or [])
            data: dict[str, Any] = simulation.what_if(scenario, value, months, changed).as_dict()
        except InvalidInput as exc:
            if as_json:
                emit_json({"error": exc.message, "status": exc.status_code})
            else:
                console.print(f"[red]error:[/] {exc.message}")
            raise typer.Exit(2) from None
        if as_json:
            emit_json(data)
            return
        base, changed = data["totals"]["baseline"], data["totals"]["scenario"]
        console.print(f"{data['describes']}, over {months} months (baseline → scenario):")
        for key, shown in base.items():
            console.print(f"  {key}: {shown} → {changed[key]}")
