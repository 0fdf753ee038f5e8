"""``deploy/docker-compose.yml`` and ``deploy/Dockerfile`` say only what servitize can do.

No Docker daemon runs where the suite runs, so the stack itself is not started here (the Spark
standalone cluster it starts is, in ``tests/batch/test_spark_cluster.py``). What would break a
user's ``docker compose up`` silently is checked instead: every ``servitize`` command of a
service parses with this CLI's commands and options, every setting it passes is one servitize
reads, every service and volume it names is declared, and every file the image copies exists.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from servitize.cli import build
from servitize.core.settings import Settings

DEPLOY = Path(__file__).parent.parent / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
SERVITIZE = {n: s for n, s in SERVICES.items() if s.get("image") == "servitize:latest"}


def test_the_stack_has_what_the_docs_promise() -> None:
    """PostgreSQL, Mosquitto, the web app, the listener, a Spark master and worker, the batch."""
    assert {"postgres", "mosquitto", "web", "listener", "spark-master", "spark-worker"} <= set(
        SERVICES
    )
    assert SERVICES["batch"]["profiles"] == ["batch"]  # run when due, not by `up`
    assert "--workers" in SERVICES["web"]["command"]


@pytest.mark.parametrize(
    "name", [n for n, s in SERVITIZE.items() if s["command"][0] == "servitize"]
)
def test_each_servitize_command_parses(name: str) -> None:
    """The command with --help: an unknown command or option fails the parse before help."""
    args = SERVITIZE[name]["command"][1:]
    done = CliRunner().invoke(build(), [*args, "--help"])
    assert done.exit_code == 0, (name, args, done.output)


def test_every_setting_passed_is_one_servitize_reads() -> None:
    fields = {f"SERVITIZE_{f.upper()}" for f in Settings.model_fields}
    for name, service in SERVITIZE.items():
        passed = {k for k in service.get("environment", {}) if k.startswith("SERVITIZE_")}
        assert passed, name
        assert passed <= fields, (name, passed - fields)


def test_every_service_and_volume_named_is_declared() -> None:
    volumes = set(COMPOSE["volumes"])
    for name, service in SERVICES.items():
        needs = service.get("depends_on", [])
        assert set(needs) <= set(SERVICES), (name, needs)
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), (name, source)
            else:
                assert source in volumes, (name, source)


def test_the_spark_services_reach_the_master_the_batch_names() -> None:
    master = SERVICES["batch"]["command"][SERVICES["batch"]["command"].index("--master") + 1]
    assert master in SERVICES["spark-worker"]["command"]
    host, port = re.fullmatch(r"spark://([\w-]+):(\d+)", master).groups()  # type: ignore[union-attr]
    command = SERVICES[host]["command"]
    assert command[command.index("--port") + 1] == port


def test_every_file_the_image_copies_exists() -> None:
    root = DEPLOY.parent
    lines = (DEPLOY / "Dockerfile").read_text().splitlines()
    copied = [p for line in lines if line.startswith("COPY ") for p in line.split()[1:-1]]
    assert copied
    for path in copied:
        assert (root / path).exists(), path
