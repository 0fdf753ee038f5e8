"""`servitize --help` loads the command definitions, not the analytics stack they call."""

from __future__ import annotations

import json
import subprocess
import sys

# Each of these took part in the 3 s, 300 MiB start; the commands that use them load them.
HEAVY = ("sklearn", "ibis", "duckdb", "pyarrow", "pandas", "fpdf", "openpyxl", "scipy", "alembic",
         "fastapi")

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
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_help_loads_no_analytics_library() -> None:
    assert _loaded("--help") == []


def test_a_group_help_loads_no_analytics_library() -> None:
    assert _loaded("contracts", "report", "--help") == []
    assert _loaded("model", "--help") == []


def test_lazy_module_loads_on_first_use() -> None:
    code = (
        "import sys\n"
        "from servitize.core.lazy import lazy\n"
        "m = lazy('servitize.telemetry.report_files')\n"
        "before = 'fpdf' in sys.modules\n"
        "m.report_pdf\n"
        "print(before, 'fpdf' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          check=True)
    assert done.stdout.split() == ["False", "True"]
