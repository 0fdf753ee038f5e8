"""Run the benchmarks: ``python -m bench [NAME ...] [--scale small|full]``.

Each ``bench/bench_<name>.py`` has ``run(scale: str) -> dict``; the dict (with the reference
measured in the same run and the ratio) is written to ``bench/results/<name>.json`` and shown.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).parent
RESULTS = HERE / "results"


def available() -> list[str]:
    """The benchmark names found in this folder."""
    return sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks and write their results."""
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", help=f"any of: {', '.join(available())}")
    parser.add_argument(
        "--scale",
        default="full",
        choices=["small", "full"],
        help="small: a quick check of the harness; full: the sizes of the issues",
    )
    args = parser.parse_args(argv)
    names = args.names or available()
    console = Console()
    RESULTS.mkdir(exist_ok=True)
    failed = 0
    for name in names:
        module = importlib.import_module(f"bench.bench_{name}")
        console.rule(f"bench {name} ({args.scale})")
        started = time.perf_counter()
        try:
            result = module.run(args.scale)
        except Exception as exc:
            console.print(f"[red]{name} failed:[/] {exc!r}")
            failed += 1
            continue
        result = {
            "name": name,
            "scale": args.scale,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"python": platform.python_version(), "cpus": _cpus()},
            "wall_s": round(time.perf_counter() - started, 2),
            **result,
        }
        (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
        table = Table(title=name)
        table.add_column("measure")
        table.add_column("value")
        for key, value in result.items():
            if key not in {"machine"}:
                table.add_row(
                    key, json.dumps(value) if isinstance(value, (dict, list)) else str(value)
                )
        console.print(table)
    return 1 if failed else 0


def _cpus() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    sys.exit(main())
