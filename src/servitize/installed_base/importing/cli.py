"""``servitize import KIND FILE`` for the installed-base kinds."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from servitize.core.console import console, emit_json, say
from servitize.core.db import make_engine
from servitize.core.lazy import lazy
from servitize.core.settings import Settings
from servitize.installed_base.columns import IMPORT_ORDER
from servitize.kit.cli import fail
from servitize.trust.audit import Actor

if TYPE_CHECKING:
    from servitize.installed_base.importing.service import ImportResult

# DuckDB and pyarrow load when an import runs, not for `servitize --help`.
reading = lazy("servitize.installed_base.importing.reading")
importing = lazy("servitize.installed_base.importing.service")
after_import = lazy("servitize.installed_base.importing.after")

EXIT_OK, EXIT_DATABASE, EXIT_UNREADABLE, EXIT_REJECTED = 0, 1, 2, 3


def exit_code(result: ImportResult) -> int:
    """0 when every row landed, 3 when some were rejected."""
    return EXIT_REJECTED if result.rejected else EXIT_OK


def register(import_app: typer.Typer) -> None:
    """Add one import command per kind."""
    for kind in IMPORT_ORDER:
        import_app.command(kind, help=f"Import {kind} from a CSV or Parquet file.")(_command(kind))
    import_app.command("all")(import_all)


def files_in_order(folder: Path) -> list[tuple[str, Path]]:
    """The folder's import files (``KIND.csv`` or ``KIND.parquet``) in dependency order:
    exchange rates and users before accounts, accounts before their sites and machines."""
    found = []
    for kind in IMPORT_ORDER:
        for suffix in (".csv", ".parquet"):
            path = folder / f"{kind}{suffix}"
            if path.is_file():
                found.append((kind, path))
                break
    return found


def import_all(
    folder: Annotated[Path, typer.Argument(help="a folder of KIND.csv or KIND.parquet files")],
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object on stdout")] = False,
) -> None:
    """Import every KIND.csv (or .parquet) of a folder in dependency order (users, then
    accounts, contacts, sites, ... as `servitize demo-data` writes them), with a progress bar."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    if not folder.is_dir():
        fail(f"FOLDER: {folder} is not a folder", EXIT_UNREADABLE)
    todo = files_in_order(folder)
    if not todo:
        fail(
            f"FOLDER: no import files in {folder} (expected names: "
            + ", ".join(f"{k}.csv" for k in IMPORT_ORDER)
            + ")",
            EXIT_UNREADABLE,
        )
    settings = Settings()
    engine = make_engine(settings.database_url)
    results: list[ImportResult] = []
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console, transient=True, disable=as_json) as bar:
            task = bar.add_task("importing", total=sum(p.stat().st_size for _k, p in todo))
            for kind, path in todo:
                bar.update(task, description=f"importing {path.name}")
                results.append(
                    importing.import_file(
                        engine,
                        kind,
                        path,
                        actor=Actor(f"import:{kind}"),
                        progress=False,
                        chunk_rows=settings.import_chunk_rows,
                        company_currency=settings.company_currency,
                        years=(settings.date_min_year, settings.date_max_year),
                    )
                )
                bar.advance(task, path.stat().st_size)
    except reading.ImportFileError as exc:
        fail(exc.message, EXIT_UNREADABLE)
    except importing.DatabaseError as exc:
        cause = importing.database_cause(exc)
        console.print(f"[red]database error:[/] {cause}")
        if _not_migrated(cause):
            console.print("is the database up to date? run: servitize db upgrade")
        raise typer.Exit(EXIT_DATABASE) from None
    finally:
        engine.dispose()
    changed = [r.kind for r in results if r.inserted or r.updated]
    after = after_import.run(changed, settings) if changed else []
    if as_json:
        emit_json(
            {"folder": str(folder), "imports": [r.to_json() for r in results], "after": after}
        )
    else:
        table = Table("file", "read", "landed", "rejected", title=f"import all from {folder}")
        for r in results:
            table.add_row(Path(r.file).name, f"{r.read:,}", f"{r.landed:,}", f"{r.rejected:,}")
        say(table)
        for r in results:
            if r.rejects_file:
                console.print(f"[yellow]rejected rows and reasons:[/] {r.rejects_file}")
        for line in after:
            say(line)
    raise typer.Exit(EXIT_REJECTED if any(r.rejected for r in results) else EXIT_OK)


def _command(kind: str):
    def run(
        file: Annotated[Path, typer.Argument(help="CSV (any delimiter) or Parquet file")],
        strict: Annotated[
            bool, typer.Option("--strict", help="land nothing if a row is bad")
        ] = False,
        as_json: Annotated[bool, typer.Option("--json", help="one JSON object on stdout")] = False,
        encoding: Annotated[
            str,
            typer.Option(
                "--encoding", help="the CSV file's text encoding (utf-8, cp1252, latin-1, ...)"
            ),
        ] = "utf-8",
    ) -> None:
        settings = Settings()
        engine = make_engine(settings.database_url)
        try:
            result = importing.import_file(
                engine,
                kind,
                file,
                actor=Actor(f"import:{kind}"),
                strict=strict,
                progress=not as_json and console.is_terminal,
                chunk_rows=settings.import_chunk_rows,
                company_currency=settings.company_currency,
                encoding=encoding,
                years=(settings.date_min_year, settings.date_max_year),
            )
        except reading.ImportFileError as exc:
            fail(exc.message, EXIT_UNREADABLE)
        except importing.DatabaseError as exc:  # e.g. never migrated: say so, no traceback
            cause = importing.database_cause(exc)
            console.print(f"[red]database error:[/] {cause}")
            if _not_migrated(cause):  # only then is the upgrade the answer
                console.print("is the database up to date? run: servitize db upgrade")
            elif "locked" in cause.lower():
                console.print("another process was writing to the database; run the import again")
            raise typer.Exit(EXIT_DATABASE) from None
        finally:
            engine.dispose()
        # what capabilities above installed_base do with the changed records (importing.after)
        after = after_import.run([kind], settings) if result.inserted or result.updated else []
        if as_json:
            emit_json({**result.to_json(), "after": after})
        else:
            show(result)
            for line in after:
                say(line)
        raise typer.Exit(exit_code(result))

    run.__doc__ = f"Import {kind} from a CSV or Parquet file."
    return run


def _not_migrated(cause: str) -> bool:
    """Whether a database error says a table or column is missing (a database not upgraded)."""
    text = cause.lower()
    return any(
        words in text
        for words in ("no such table", "no such column", "does not exist", "has no column named")
    )


def show(result: ImportResult) -> None:
    """A Rich summary of one import on standard output (warnings on standard error)."""
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    table = Table(title=f"import {result.kind} from {result.file}", show_header=False)
    for name in ("read", "landed", "inserted", "updated", "unchanged", "rejected"):
        table.add_row(name, f"{getattr(result, name):,}")
    table.add_row("seconds", f"{result.seconds:.2f}")
    say(table)
    if result.strict and result.invalid:
        console.print(f"[red]--strict: {result.invalid:,} bad row(s), nothing landed[/]")
    if result.rejects_file:
        console.print(f"[yellow]rejected rows and reasons:[/] {result.rejects_file}")
