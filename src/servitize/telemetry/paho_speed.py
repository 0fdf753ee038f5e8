"""paho-mqtt builds its MQTT v5 property tables anew for every received message.

Profiling the listener showed a third of its time in ``Properties.__init__`` and
``Properties.clear`` (27 names re-spaced and probed per message). ``SharedTables`` builds the
tables once and clears only what a message set; behaviour is otherwise paho's own.

It replaces a name in paho's private module ``paho.mqtt._packet``, process-wide, so it is
fenced: ``install`` does it only on the paho version it was written and tested for
(``WRITTEN_FOR``, major.minor) and otherwise logs a warning and leaves paho alone (the
listener is then slower, never wrong). Only ``servitize telemetry listen`` installs it; a
listener built elsewhere (tests, embedders) runs on paho's own classes.
"""

from __future__ import annotations

import logging
from typing import Any

import paho.mqtt
from paho.mqtt.properties import Properties

WRITTEN_FOR = "2.2"  # paho-mqtt major.minor whose private _packet module this patches
log = logging.getLogger(__name__)


class SharedTables(Properties):
    """``Properties`` whose name and type tables are built once per process."""

    _tables: dict[str, Any] | None = None
    _compressed: tuple[str, ...] = ()

    def __init__(self, packetType: int) -> None:
        tables = SharedTables._tables
        if tables is None:
            Properties.__init__(self, packetType)
            tables = {k: self.__dict__[k] for k in ("types", "names", "properties")}
            SharedTables._tables = tables
            SharedTables._compressed = tuple(n.replace(" ", "") for n in tables["names"])
        self.__dict__.update(tables)
        self.__dict__["packetType"] = packetType

    def clear(self) -> None:
        """Remove every property value set on this object."""
        values = self.__dict__
        if len(values) > 4:  # a fresh object holds only the tables and the packet type
            for name in SharedTables._compressed:
                values.pop(name, None)


def fits(version: str) -> bool:
    """Whether a paho-mqtt version is the one this patch was written for (same major.minor)."""
    return version.split(".")[:2] == WRITTEN_FOR.split(".")


def install(version: str | None = None) -> bool:
    """Let paho decode packets with the shared tables (idempotent); True when installed.

    On another paho version (``version``: the installed one by default) nothing changes and
    a warning says so."""
    version = version or paho.mqtt.__version__
    if not fits(version):
        log.warning(
            "paho-mqtt %s is not %s.x: the listener's faster property tables stay off",
            version,
            WRITTEN_FOR,
        )
        return False
    from paho.mqtt import _packet

    if getattr(_packet, "Properties", None) not in (Properties, SharedTables):
        log.warning("paho-mqtt %s decodes properties differently: faster tables stay off", version)
        return False
    _packet.Properties = SharedTables  # type: ignore[misc]
    return True
