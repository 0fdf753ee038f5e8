"""Modules loaded on first use, so that `servitize --help` does not load the analytics stack.

The command modules name the services their commands call; loading those at start pulled in
scikit-learn, Ibis, DuckDB, pyarrow, pandas, fpdf and openpyxl (3 s, 300 MiB) for a help text.
``lazy("servitize.x.y")`` returns the module object at once and runs its code on the first
attribute read; later ``import`` statements of the same module get the same object.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType


def lazy(name: str) -> ModuleType:
    """The module ``name``, its code run on first attribute access (at once if already loaded)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"no module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(importlib.import_module(parent), child, module)
    return module
