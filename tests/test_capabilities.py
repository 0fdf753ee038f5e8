"""The table of capabilities (servitize.capabilities) and each capability's file set.

One table says what each capability adds (API and page routers, templates, commands, tables);
these tests check it against the files: a package with models, an API, pages or commands is in
the table, every entry names modules that exist, each capability has the files of the seam
(models, repository, service, rules), and its edges (api, views, commands, the web shell)
never import SQLAlchemy. Capabilities still being converted are marked xfail (not strict).
"""

from __future__ import annotations

import ast
import importlib
import tomllib
from pathlib import Path

import pytest

from servitize.capabilities import CAPABILITIES, Capability, model_modules, template_packages

SRC = Path(__file__).resolve().parents[1] / "src" / "servitize"
ROOT = SRC.parents[1]
NAMES = [c.name for c in CAPABILITIES]

# What a package has that makes it a capability the app or the command line must know.
ROLES = {"api": "api.py", "pages": "views.py", "models": "models.py"}

# Capabilities whose file set or edges are being converted right now (issue 10); the marks go
# once each one is done.
CONVERTING_FILES: dict[str, str] = {}
# Capabilities whose use cases live in modules named for them instead of one service.py.
SERVICES = {
    "offers": ("quotes.py", "acceptance.py", "lifecycle.py", "billing.py"),
    "kpis": ("effort.py", "spend.py", "acquisition.py", "recurring.py", "lifetime.py"),
}
CONVERTING_EDGES: dict[str, str] = {}
# Capabilities without business rules of their own, so without rules.py.
NO_RULES = {"trust": "logins, tokens and the audit trail: no business rules"}


# Not capabilities: the Alembic environment (its models.py gathers the others').
NOT_CAPABILITIES = {"migrations"}


def _packages() -> list[Path]:
    return sorted(
        p
        for p in SRC.iterdir()
        if p.is_dir() and (p / "__init__.py").exists() and p.name not in NOT_CAPABILITIES
    )


def _registers_commands(package: Path) -> bool:
    cli = package / "cli.py"
    if not cli.exists():
        return False
    tree = ast.parse(cli.read_text(encoding="utf-8"))
    return any(isinstance(n, ast.FunctionDef) and n.name == "register" for n in tree.body)


def _has_repository(package: Path) -> bool:
    return (package / "repository.py").exists() or (package / "repository" / "__init__.py").exists()


def test_every_package_with_models_api_pages_or_commands_is_in_the_table() -> None:
    missing = []
    for package in _packages():
        roles = [role for role, file in ROLES.items() if (package / file).exists()]
        if _registers_commands(package):
            roles.append("cli")
        if roles and package.name not in NAMES:
            missing.append((package.name, roles))
    assert missing == [], "add these to servitize.capabilities"


@pytest.mark.parametrize("capability", CAPABILITIES, ids=NAMES)
def test_each_entry_names_what_its_package_has(capability: Capability) -> None:
    package = SRC / capability.name
    assert (package / "__init__.py").exists(), f"no package {capability.package}"
    for role, file in ROLES.items():
        assert getattr(capability, role) == (package / file).exists(), (role, file)
    assert capability.cli == _registers_commands(package)
    assert capability.templates == (package / "templates").is_dir()
    if capability.commands or capability.extends or capability.imports:
        assert capability.cli


def test_the_table_lists_each_capability_once_and_extends_only_earlier_groups() -> None:
    assert len(NAMES) == len(set(NAMES))
    listed: set[str] = set()
    for capability in CAPABILITIES:
        assert set(capability.extends) <= listed, capability.name
        names = [c.name for c in capability.commands]
        assert not (set(names) & listed), capability.name  # one owner per top-level command
        listed |= set(names)


def test_the_migrations_see_the_tables_of_every_model_module() -> None:
    from servitize.migrations.models import metadata

    found = {f"servitize.{p.name}.models" for p in _packages() if (p / "models.py").exists()}
    assert set(model_modules()) == found
    for name in model_modules():
        module = importlib.import_module(name)
        tables = {v.__table__.name for v in vars(module).values() if hasattr(v, "__table__")}
        assert tables, name
        assert tables <= set(metadata.tables), name


def test_the_pages_read_the_templates_of_every_capability_with_pages() -> None:
    with_templates = {f"servitize.{p.name}" for p in _packages() if (p / "templates").is_dir()}
    assert template_packages()[0] == "servitize.web"  # base.html and error.html come first
    assert set(template_packages()) == with_templates


def test_the_layers_name_every_capability_and_only_packages_that_exist() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    layers = config["tool"]["importlinter"]["contracts"][0]["layers"]
    named = {name.strip() for layer in layers for name in layer.split("|")}
    required = {n for n in named if not n.startswith("(")}  # (x): a capability still planned
    assert {c.package for c in CAPABILITIES} <= required
    existing = {f"servitize.{p.name}" for p in _packages()} | {"servitize.cli"}
    assert required <= existing


def _file_set_cases() -> list[object]:
    cases: list[object] = []
    for capability in CAPABILITIES:
        if not capability.models:
            continue
        marks = []
        if capability.name in CONVERTING_FILES:
            marks.append(pytest.mark.xfail(reason=CONVERTING_FILES[capability.name], strict=False))
        cases.append(pytest.param(capability, marks=marks, id=capability.name))
    return cases


@pytest.mark.parametrize("capability", _file_set_cases())
def test_each_capability_with_tables_has_the_files_of_the_seam(capability: Capability) -> None:
    package = SRC / capability.name
    services = SERVICES.get(capability.name, ("service.py",))
    missing = [f for f in ("models.py", *services) if not (package / f).exists()]
    if not _has_repository(package):
        missing.append("repository.py")
    if capability.name not in NO_RULES and not (package / "rules.py").exists():
        missing.append("rules.py")
    assert missing == []


def _edges(package: Path) -> list[Path]:
    """The modules that face users: the API, the pages, the commands (and the whole web shell)."""
    if package.name == "web":
        return sorted(package.glob("*.py"))
    names = ("api.py", "views.py", "cli.py", "sheet_views.py")
    return sorted(
        p
        for p in package.rglob("*.py")
        if p.name in names or p.name.endswith("_cli.py") or p.name.endswith("_views.py")
    )


def _imports_sqlalchemy(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
            a.name.split(".")[0] == "sqlalchemy" for a in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            return True
    return False


def _edge_cases() -> list[object]:
    cases: list[object] = []
    for capability in CAPABILITIES:
        marks = []
        if capability.name in CONVERTING_EDGES:
            marks.append(pytest.mark.xfail(reason=CONVERTING_EDGES[capability.name], strict=False))
        cases.append(pytest.param(capability, marks=marks, id=capability.name))
    return cases


@pytest.mark.parametrize("capability", _edge_cases())
def test_no_edge_imports_sqlalchemy(capability: Capability) -> None:
    edges = _edges(SRC / capability.name)
    offending = [str(p.relative_to(SRC)) for p in edges if _imports_sqlalchemy(p)]
    assert offending == [], "edges call services and repositories; they do not build SQL"
