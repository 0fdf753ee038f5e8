"""What the manufacturer builds and sells: product lines, components, competitors, offerings."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ProductLine:
    """A family of machines with its models, failure behaviour and typical life."""

    name: str
    prefix: str
    sizes: tuple[int, ...]
    price: float  # list price of a mid-size machine in EUR
    failure_rate: float  # repairs per machine-year when new, at average load
    life: int  # typical life in years
    components: tuple[str, ...]
    component_weights: tuple[float, ...]
    group: int  # 0 pumps, 1 compressors, 2 packaging, 3 process; -1 a line (parent asset)


PRODUCT_LINES: tuple[ProductLine, ...] = (
    ProductLine(
        "centrifugal_pump",
        "HP",
        (40, 80, 160, 250),
        18_000,
        0.22,
        18,
        ("seal", "bearing", "impeller", "motor", "valve"),
        (5, 3, 2, 1, 1),
        0,
    ),
    ProductLine(
        "dosing_pump",
        "DP",
        (5, 12, 30),
        7_500,
        0.25,
        15,
        ("diaphragm", "valve", "motor", "controller"),
        (4, 3, 1, 2),
        0,
    ),
    ProductLine(
        "screw_compressor",
        "SC",
        (22, 45, 90, 160),
        42_000,
        0.2,
        20,
        ("air_end", "bearing", "motor", "filter", "controller", "belt"),
        (1, 3, 2, 4, 2, 3),
        1,
    ),
    ProductLine(
        "piston_compressor",
        "PC",
        (7, 15, 30),
        16_000,
        0.28,
        15,
        ("valve", "piston_ring", "bearing", "motor", "belt"),
        (4, 3, 2, 1, 3),
        1,
    ),
    ProductLine(
        "filler",
        "FL",
        (12, 24, 40),
        260_000,
        0.32,
        20,
        ("nozzle", "valve", "seal", "servo_drive", "controller"),
        (4, 3, 3, 2, 2),
        2,
    ),
    ProductLine(
        "labeller",
        "LB",
        (1, 2, 3),
        95_000,
        0.3,
        18,
        ("glue_unit", "belt", "sensor", "servo_drive"),
        (3, 3, 2, 2),
        2,
    ),
    ProductLine(
        "case_packer",
        "CP",
        (10, 20),
        140_000,
        0.3,
        18,
        ("gripper", "belt", "sensor", "servo_drive", "controller"),
        (3, 3, 2, 2, 1),
        2,
    ),
    ProductLine(
        "palletiser",
        "PT",
        (1, 2),
        180_000,
        0.24,
        22,
        ("gripper", "gearbox", "sensor", "motor"),
        (3, 2, 2, 2),
        2,
    ),
    ProductLine(
        "mixer",
        "MX",
        (500, 2000, 5000),
        85_000,
        0.2,
        25,
        ("seal", "gearbox", "motor", "bearing", "agitator"),
        (4, 2, 2, 3, 1),
        3,
    ),
    ProductLine(
        "heat_exchanger",
        "HX",
        (20, 60, 120),
        60_000,
        0.14,
        25,
        ("gasket", "plate", "valve", "sensor"),
        (5, 2, 2, 1),
        3,
    ),
    ProductLine("packaging_line", "PKL", (1, 2, 3), 0, 0.04, 25, ("controller",), (1,), -1),
    ProductLine("process_line", "PRL", (1, 2), 0, 0.04, 25, ("controller",), (1,), -1),
)
LINE_OF = {p.name: i for i, p in enumerate(PRODUCT_LINES)}
MACHINE_LINES = [i for i, p in enumerate(PRODUCT_LINES) if p.group >= 0]
GROUP_LINES = {g: [i for i, p in enumerate(PRODUCT_LINES) if p.group == g] for g in range(4)}
PARENT_LINES = (LINE_OF["packaging_line"], LINE_OF["process_line"])

COMPONENTS: tuple[str, ...] = tuple(dict.fromkeys(c for p in PRODUCT_LINES for c in p.components))
COMPONENT_INDEX = {c: i for i, c in enumerate(COMPONENTS)}
# Parts cost of a component in EUR (median).
COMPONENT_COST = {
    "seal": 380,
    "bearing": 520,
    "impeller": 1_900,
    "motor": 4_200,
    "valve": 640,
    "diaphragm": 260,
    "controller": 2_300,
    "air_end": 9_500,
    "filter": 180,
    "belt": 140,
    "piston_ring": 310,
    "nozzle": 420,
    "servo_drive": 3_100,
    "glue_unit": 1_500,
    "sensor": 450,
    "gripper": 1_200,
    "gearbox": 5_200,
    "agitator": 2_800,
    "gasket": 290,
    "plate": 1_100,
}

COMPETITORS: tuple[str, ...] = (
    "Vantor Pumps",
    "Hydrona",
    "Corvex Compressors",
    "Packwell Systems",
    "Fluxon",
    "Aerotec Systems",
    "Brenner & Sohn",
    "Meridia Process",
)
# Which competitors build which machine group.
COMPETITOR_GROUPS = {0: (0, 1, 4, 6), 1: (2, 5, 6), 2: (3, 6, 7), 3: (1, 4, 7)}


@dataclass(frozen=True)
class Offering:
    """A catalogue item in its Smart PSS shell with revenue model and list price in EUR."""

    external_id: str
    name: str
    family: str
    shell: str
    revenue_model: str
    price: float
    unit: str = "each"
    sign_up: bool = False


def _machines() -> list[Offering]:
    out = []
    for p in PRODUCT_LINES:
        label = p.name.replace("_", " ").capitalize()
        if p.group < 0:
            out.append(
                Offering(
                    f"M-{p.prefix}",
                    f"{label} (engineered)",
                    "machines",
                    "product",
                    "one_time",
                    750_000,
                )
            )
        else:
            out.append(Offering(f"M-{p.prefix}", label, "machines", "product", "one_time", p.price))
    return out


def _parts() -> list[Offering]:
    return [
        Offering(
            f"P-{c.upper().replace('_', '')}",
            f"{c.replace('_', ' ').capitalize()} kit",
            "spare_parts",
            "spare_parts",
            "one_time",
            COMPONENT_COST[c],
        )
        for c in COMPONENTS
    ]


OFFERINGS: tuple[Offering, ...] = tuple(
    _machines()
    + _parts()
    + [
        Offering("X-RETRO", "Sensor retrofit kit", "retrofit", "expanded_range", "one_time", 3_800),
        Offering(
            "X-ENERGY",
            "Energy-efficiency upgrade",
            "retrofit",
            "expanded_range",
            "one_time",
            12_500,
        ),
        Offering(
            "X-VSD",
            "Variable-speed drive retrofit",
            "retrofit",
            "expanded_range",
            "one_time",
            6_900,
        ),
        Offering(
            "S-REPAIR", "Repair call-out", "repair", "service", "per_service", 140, "hour", True
        ),
        Offering(
            "S-INSP",
            "Annual safety inspection",
            "inspection",
            "service",
            "per_service",
            690,
            "visit",
            True,
        ),
        Offering(
            "S-SEAL",
            "Seal and wear-part check",
            "inspection",
            "service",
            "per_service",
            390,
            "visit",
            True,
        ),
        Offering(
            "S-INSPAGR",
            "Inspection agreement",
            "inspection",
            "service",
            "subscription",
            450,
            "asset-year",
        ),
        Offering(
            "S-PM",
            "Preventive maintenance contract",
            "maintenance_contract",
            "service",
            "subscription",
            1_400,
            "asset-year",
        ),
        Offering(
            "S-FULL",
            "Full service contract",
            "maintenance_contract",
            "service",
            "subscription",
            2_900,
            "asset-year",
        ),
        Offering(
            "S-TRAIN-OP",
            "Operator training (1 day)",
            "training",
            "service",
            "one_time",
            950,
            "day",
            True,
        ),
        Offering(
            "S-TRAIN-MT",
            "Maintenance training (3 days)",
            "training",
            "service",
            "one_time",
            2_600,
            "course",
        ),
        Offering(
            "D-CM",
            "Condition monitoring",
            "condition_monitoring",
            "digital_service",
            "subscription",
            45,
            "asset-month",
        ),
        Offering(
            "D-CMPRO",
            "Condition monitoring Pro with predictive alerts",
            "condition_monitoring",
            "digital_service",
            "subscription",
            95,
            "asset-month",
        ),
        Offering(
            "D-REMOTE",
            "Remote service subscription",
            "remote_service",
            "digital_service",
            "subscription",
            180,
            "month",
        ),
        Offering(
            "D-REMSESS",
            "Remote support session",
            "remote_service",
            "digital_service",
            "per_service",
            220,
            "session",
            True,
        ),
        Offering(
            "D-ENERGY",
            "Energy dashboard",
            "condition_monitoring",
            "digital_service",
            "subscription",
            60,
            "month",
            True,
        ),
        Offering(
            "D-TWIN",
            "Digital twin of a machine",
            "digital_twin",
            "digital_service",
            "licence",
            650,
            "licence-month",
        ),
        Offering(
            "D-TWINLN",
            "Digital twin of a line",
            "digital_twin",
            "digital_service",
            "licence",
            2_400,
            "licence-month",
        ),
        Offering(
            "B-UPTIME",
            "Uptime 98 availability contract",
            "availability_contract",
            "smart_pss_bundle",
            "availability_contract",
            6_500,
            "asset-year",
        ),
        Offering(
            "B-AIR",
            "Compressed air as a service",
            "availability_contract",
            "smart_pss_bundle",
            "subscription",
            2_100,
            "month",
        ),
        Offering(
            "B-PUMP",
            "Pumping as a service",
            "availability_contract",
            "smart_pss_bundle",
            "subscription",
            900,
            "month",
        ),
    ]
)
OFFERING_INDEX = {o.external_id: i for i, o in enumerate(OFFERINGS)}
# The contract offering each coverage level is sold as (index into ServiceCoverage order).
COVERAGE = ("none", "inspection", "maintenance", "full_service", "availability")
COVERAGE_OFFERING = {1: "S-INSPAGR", 2: "S-PM", 3: "S-FULL", 4: "B-UPTIME"}


def offering_prices() -> np.ndarray:
    """List prices of OFFERINGS in EUR, in catalogue order."""
    return np.array([o.price for o in OFFERINGS], dtype=float)
