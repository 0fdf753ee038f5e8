"""`servitize --help` loads the command definitions, not the analytics stack they call."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Each of these took part in the 3 s, 300 MiB start; the commands that use them load them.
HEAVY = (
    "sklearn",
    "ibis",
    "duckdb",
    "pyarrow",
    "pandas",
    "fpdf",
    "openpyxl",
    "scipy",
    "alembic",
    "fastapi",
)

PROBE = """
import json, sys
from servitize.cli import app
try:
    app(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {heavy})))
"""


def _loaded(*args: str) -> list[str]:
    code = PROBE.format(heavy=repr(set(HEAVY)))
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow  # starts a fresh Python
def test_help_loads_no_analytics_library() -> None:
    assert _loaded("--help") == []


@pytest.mark.slow  # starts a fresh Python
def test_a_group_help_loads_no_analytics_library() -> None:
    assert _loaded("contracts", "report", "--help") == []
    assert _loaded("model", "--help") == []


MAIN = """
import json, sys
sys.argv = ["servitize", *sys.argv[1:]]
from servitize.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules
                        if m.startswith(("servitize.", "sqlalchemy", "pydantic"))
                        and m not in ("servitize.cli", "servitize.capabilities"))))
"""


def _loaded_by_main(*args: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", MAIN, *args], capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow  # starts a fresh Python
def test_the_command_answers_help_without_loading_a_capability() -> None:
    # servitize.capabilities (the table of capabilities, data only) is all it reads
    assert _loaded_by_main("--help") == []  # not even SQLAlchemy or Pydantic
    assert _loaded_by_main() == []


@pytest.mark.slow  # starts a fresh Python
def test_a_command_loads_only_the_capabilities_that_register_it() -> None:
    loaded = _loaded_by_main("db", "--help")
    assert "servitize.core.cli" in loaded
    assert not [
        m
        for m in loaded
        if m.startswith(
            ("servitize.sales", "servitize.telemetry", "servitize.intelligence", "servitize.field")
        )
    ]


def test_the_listing_says_what_the_whole_app_registers() -> None:
    import typer

    from servitize import cli

    def top(app: typer.Typer) -> list[tuple[str, str, bool]]:
        groups = [
            (g.name or "", g.typer_instance.info.help if g.typer_instance else "", True)
            for g in app.registered_groups
        ]
        commands = [
            (
                c.name or "",
                (c.help or (c.callback.__doc__ or "")).strip().splitlines()[0]
                if (c.help or (c.callback and c.callback.__doc__))
                else "",
                False,
            )
            for c in app.registered_commands
        ]
        return commands + groups

    listed = [(name, text, group) for name, text, group, _caps in cli.COMMANDS]
    assert sorted(top(cli.build())) == sorted(listed), "a command was added: add it to cli.COMMANDS"
    for capability in cli.CAPABILITIES:  # who registers what
        names = {name for name, _t, _g in top(cli.build({capability}))} - {"import"}
        assert names <= {name for name, _t, _g, caps in cli.COMMANDS if capability in caps}, (
            capability
        )
    for name, _text, _group, caps in cli.COMMANDS:
        assert name in {n for n, _t, _g in top(cli.build(set(caps)))}, name


@pytest.mark.slow  # starts a fresh Python
def test_lazy_module_loads_on_first_use() -> None:
    code = (
        "import sys\n"
        "from servitize.core.lazy import lazy\n"
        "m = lazy('servitize.contracts.report_files')\n"
        "before = 'fpdf' in sys.modules\n"
        "m.report_pdf\n"
        "print(before, 'fpdf' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == ["False", "True"]
