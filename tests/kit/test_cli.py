"""fail and find_group on a small Typer app."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from servitize.kit.cli import fail, find_group


def app_with_groups() -> typer.Typer:
    app = typer.Typer()
    leads = typer.Typer()
    app.add_typer(leads, name="leads")
    app.add_typer(typer.Typer(name="visits"))  # named by the group itself

    @app.command()
    def check(value: int) -> None:
        if value < 0:
            fail(f"value: {value} is below 0 [not allowed]")
        if value == 0:
            fail("no such record", code=1)
        print("fine")

    @leads.command("list")
    def list_() -> None:
        print("leads")

    return app


def test_fail_prints_the_error_and_exits_2() -> None:
    result = CliRunner().invoke(app_with_groups(), ["check", "--", "-5"])
    assert result.exit_code == 2
    assert "error: value: -5 is below 0 [not allowed]" in result.output


def test_fail_with_another_code() -> None:
    result = CliRunner().invoke(app_with_groups(), ["check", "0"])
    assert result.exit_code == 1
    assert "error: no such record" in result.output


def test_find_group_by_name() -> None:
    app = app_with_groups()
    leads = find_group(app, "leads")

    @leads.command("count")
    def count() -> None:
        print("3 leads")

    result = CliRunner().invoke(app, ["leads", "count"])
    assert (result.exit_code, result.output.strip()) == (0, "3 leads")
    assert isinstance(find_group(app, "visits"), typer.Typer)


def test_a_missing_group_is_named() -> None:
    with pytest.raises(LookupError, match="no command group 'offers' \\(groups: leads, visits\\)"):
        find_group(app_with_groups(), "offers")
