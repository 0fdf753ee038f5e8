"""What runs after an installed-base import changed records, named here as data.

Each entry: ``module:function`` and the import kinds it cares about; the function takes the
command's Context and the kinds that changed and answers a line to print (or None). A capability
above installed_base in the layers (pyproject, [tool.importlinter]) reacts to imported records
this way while installed_base imports none of them: servitize.installed_base.importing.after
loads the steps by name when an import edge asks, as the app factory mounts the routers that
servitize.capabilities names. Like that registry, this module imports no capability.
"""

from __future__ import annotations

AFTER_IMPORT: tuple[tuple[str, tuple[str, ...]], ...] = (
    # a competitor whose machines (or free-text records) land at a new account: an alert
    ("servitize.partners.competition:after_import", ("assets", "competitors")),
)
