"""paho-mqtt builds its MQTT v5 property tables anew for every received message.

Profiling the listener showed a third of its time in ``Properties.__init__`` and
``Properties.clear`` (27 names re-spaced and probed per message). ``SharedTables`` builds the
tables once and clears only what a message set; behaviour is otherwise paho's own.
"""

from __future__ import annotations

from typing import Any

from paho.mqtt import _packet
from paho.mqtt.properties import Properties


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


def install() -> None:
    """Let paho decode packets with the shared tables (idempotent)."""
    _packet.Properties = SharedTables  # type: ignore[misc]
