"""Every capability of servitize, in one place: what each one adds to the app.

The app factory mounts the API and page routers named here, the pages find their templates
here, the command line lists and loads the commands named here, and the migrations see the
tables of the models named here. A new capability adds one ``Capability`` line, nothing else.

This module is data only: it imports no capability (``servitize --help`` answers from it
without loading one), and each consumer imports what an entry names when it needs it.
tests/test_capabilities.py checks that every package with models, an API, pages or commands is
listed here and that every entry names modules that exist.
"""

from __future__ import annotations

from dataclasses import dataclass

IMPORT_HELP = "Import records from CSV or Parquet files."


@dataclass(frozen=True)
class Command:
    """A top-level command or group of the command line as ``servitize --help`` lists it."""

    name: str
    help: str
    group: bool = True


@dataclass(frozen=True)
class Capability:
    """One package under ``servitize`` and what it adds to the app.

    ``api``: ``<package>.api.router`` under ``/api/v1``; ``pages``: ``<package>.views.router``;
    ``templates``: ``<package>/templates`` for the pages; ``cli``: ``<package>.cli.register(app)``
    adds ``commands`` (with ``imports``: ``register(app, import_app)``, which also adds
    ``servitize import`` subcommands); ``extends``: groups of an earlier capability it adds
    commands to; ``models``: ``<package>.models`` holds tables the migrations keep.
    """

    name: str
    api: bool = False
    pages: bool = False
    templates: bool = False
    cli: bool = False
    imports: bool = False
    commands: tuple[Command, ...] = ()
    extends: tuple[str, ...] = ()
    models: bool = False

    @property
    def package(self) -> str:
        """The capability's package, ``servitize.<name>``."""
        return f"servitize.{self.name}"

    def module(self, part: str) -> str:
        """A module of the capability by its role: ``api``, ``views``, ``cli`` or ``models``."""
        return f"{self.package}.{part}"


# In the order of registration: the API and pages are mounted in this order, and a capability's
# commands are added after those of the capabilities above it (field adds route and escalate to
# the leads group of intelligence).
CAPABILITIES: tuple[Capability, ...] = (
    Capability("core", cli=True, commands=(Command("db", "The records database."),)),
    Capability(
        "trust",
        api=True,
        pages=True,
        templates=True,
        cli=True,
        commands=(
            Command("users", "Users, roles and API tokens."),
            Command("audit", "The audit trail."),
        ),
        models=True,
    ),
    Capability(
        "installed_base",
        api=True,
        pages=True,
        templates=True,
        cli=True,
        imports=True,
        commands=(Command("accounts", "Accounts and the account 360."),),
        models=True,
    ),
    Capability(
        "telemetry",
        api=True,
        pages=True,
        templates=True,
        cli=True,
        imports=True,
        commands=(
            Command("telemetry", "Status events and measurements from machines."),
            Command("consent", "Data-sharing agreements (audited)."),
            Command("downtime", "Downtime records: add, reclassify, exclude (audited)."),
            Command(
                "availability",
                "Availability, downtime, planned maintenance, failures, MTBF and MTTR per serial.",
                group=False,
            ),
        ),
        models=True,
    ),
    Capability(
        "contracts",
        api=True,
        pages=True,
        templates=True,
        cli=True,
        commands=(Command("contracts", "Availability contracts."),),
        models=True,
    ),
    Capability(
        "intelligence",
        api=True,
        pages=True,
        templates=True,
        cli=True,
        commands=(
            Command("features", "The feature registry."),
            Command("segments", "Segments for advanced services."),
            Command("leads", "Leads from the installed base."),
            Command("model", "The tendency-to-buy model."),
            Command(
                "proficiency",
                "Record a salesperson's digital-twin selling proficiency (audited).",
                group=False,
            ),
        ),
        models=True,
    ),
    Capability(
        "org_types",
        api=True,
        pages=True,
        templates=True,
        cli=True,
        commands=(
            Command("org", "The sales organisation: its four types, who sells what and why."),
        ),
        models=True,
    ),
    Capability(
        "field", api=True, pages=True, templates=True, cli=True, extends=("leads",), models=True
    ),
    Capability(
        "sales",
        api=True,
        pages=True,
        templates=True,
        cli=True,
        commands=(Command("opportunities", "Solution-sales opportunities through five phases."),),
        models=True,
    ),
    Capability(
        "value",
        api=True,
        pages=True,
        templates=True,
        cli=True,
        commands=(
            Command(
                "value-case",
                "The value case of an account's machines: savings, TCO, NPV, IRR, payback.",
                group=False,
            ),
        ),
        models=True,
    ),
    Capability(
        "partners",
        api=True,
        pages=True,
        templates=True,
        cli=True,
        commands=(
            Command("partners", "Partners and dealers around an account."),
            Command("competitors", "Competitors by type, their installed base and actions."),
        ),
        models=True,
    ),
    Capability(
        "service_work",
        api=True,
        pages=True,
        templates=True,
        cli=True,
        commands=(
            Command("work", "Work orders, the dispatch board and preventive-maintenance plans."),
        ),
        models=True,
    ),
    Capability(
        "offers",
        api=True,
        pages=True,
        templates=True,
        cli=True,
        imports=True,
        commands=(
            Command("billing", "Billing lines per contract and month."),
            Command("quotes", "Quotes and what they sold."),
        ),
        models=True,
    ),
    Capability(
        "kpis",
        api=True,
        pages=True,
        templates=True,
        cli=True,
        commands=(
            Command("kpis", "Measures of the sales organisation: CLV, CAC, MRR, scorecard."),
        ),
        models=True,
    ),
    Capability(
        "organisation",
        api=True,
        pages=True,
        templates=True,
        cli=True,
        commands=(Command("network", "The network-thinking lab and the what-if simulation."),),
        extends=("org",),
        models=True,
    ),
    Capability(
        "portal",
        api=True,
        pages=True,
        templates=True,
        cli=True,
        commands=(Command("portal", "The customer portal: invite customer users, list them."),),
        models=True,
    ),
    Capability(
        "batch",
        cli=True,
        commands=(
            Command(
                "batch",
                "Run the analytics batch (compaction to billing usage) on DuckDB or Spark.",
                group=False,
            ),
        ),
    ),
    Capability(
        "demo",
        cli=True,
        commands=(
            Command(
                "demo-data",
                "Write a sample manufacturer as the CSV files the importer reads.",
                group=False,
            ),
        ),
    ),
    Capability(
        "web",
        templates=True,
        cli=True,
        commands=(
            Command("serve", "Serve the web UI and the REST API.", group=False),
            Command(
                "demo",
                "Build the sample manufacturer into the configured database and serve it.",
                group=False,
            ),
        ),
    ),
)


def by_name(name: str) -> Capability:
    """The capability called ``name`` (KeyError for none)."""
    for capability in CAPABILITIES:
        if capability.name == name:
            return capability
    raise KeyError(name)


def template_packages() -> tuple[str, ...]:
    """Packages whose ``templates`` folder the pages read: the web shell's first (base.html,
    error.html), then each capability's (its pages under ``<name>/``)."""
    shell = by_name("web").package
    return (shell, *(c.package for c in CAPABILITIES if c.templates and c.package != shell))


def model_modules() -> tuple[str, ...]:
    """Modules whose tables the migrations keep."""
    return tuple(c.module("models") for c in CAPABILITIES if c.models)


def top_level_commands() -> tuple[tuple[str, str, bool, tuple[str, ...]], ...]:
    """Every top-level command and group: name, help, whether it is a group, and the
    capabilities that register it (``import`` and extended groups name several)."""
    importers = tuple(c.name for c in CAPABILITIES if c.imports)
    listed: dict[str, tuple[str, str, bool, tuple[str, ...]]] = {}
    if importers:
        listed["import"] = ("import", IMPORT_HELP, True, importers)
    for capability in CAPABILITIES:
        for command in capability.commands:
            listed[command.name] = (command.name, command.help, command.group, (capability.name,))
        for name in capability.extends:
            name_, text, group, names = listed[name]
            listed[name] = (name_, text, group, (*names, capability.name))
    return tuple(listed.values())
