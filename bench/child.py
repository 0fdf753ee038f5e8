"""Run a benchmark's child process: its JSON result with its own CPU and peak memory.

The scale benches run each engine and size in a child of its own, so that what it holds is its
own: ``wait4`` reaps it and gives its rusage (``ru_maxrss``: the largest resident set of the
child or of a descendant it waited for, KiB on Linux).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parent.parent


def run(args: list[str], timeout: float, env: dict[str, str] | None = None) -> dict[str, Any]:
    """``python -m ARGS`` in the repository; the last line it prints as a dict, with
    ``process_s``, ``children_maxrss_bytes`` and ``child_cpu_s``, or ``{"error": ...}`` naming
    why it failed (its last lines) or that it timed out."""
    env = {
        **os.environ,
        **(env or {}),
        "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
    }
    began = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    streams: dict[str, str] = {}
    readers = [
        threading.Thread(target=lambda k=k, f=f: streams.__setitem__(k, f.read()))
        for k, f in (("out", proc.stdout), ("err", proc.stderr))
    ]
    for r in readers:
        r.start()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    timer.cancel()
    for r in readers:
        r.join()
    wall = time.perf_counter() - began
    stdout, stderr = streams.get("out", ""), streams.get("err", "")
    if proc.returncode != 0:
        tail = (stderr or stdout).strip().splitlines()[-3:]
        why = "timed out" if wall >= timeout else f"exit {proc.returncode}"
        return {"error": f"{why}: {' | '.join(tail)}", "process_s": round(wall, 2)}
    result: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    result["process_s"] = wall
    result["children_maxrss_bytes"] = usage.ru_maxrss * 1024
    result["child_cpu_s"] = usage.ru_utime + usage.ru_stime
    return result
