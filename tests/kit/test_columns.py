"""StringEnum and UTCDateTime round-trip through SQLite and PostgreSQL."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import StatementError

from servitize.kit.columns import StringEnum, UTCDateTime


class Colour(enum.StrEnum):
    red = "red"
    green = "green"


class Size(enum.Enum):
    small = "S"
    large = "L"


meta = sa.MetaData()
probe = sa.Table(
    "kit_column_probe",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("colour", StringEnum(Colour, length=8)),
    sa.Column("size", StringEnum(Size)),
    sa.Column("at", UTCDateTime()),
    # a temporary table: private to the test's connection, never seen by the migrations check
    prefixes=["TEMPORARY"],
)


@pytest.fixture
def conn(connection: sa.Connection) -> Iterator[sa.Connection]:
    # SQLite commits DDL even inside the test's transaction: drop the probe table again, or
    # the shared database holds a table the migrations do not know.
    meta.create_all(connection)
    yield connection
    meta.drop_all(connection)


def test_string_enum_is_a_varchar_of_the_given_or_longest_length() -> None:
    assert StringEnum(Colour, length=8).impl.length == 8  # type: ignore[attr-defined]
    assert StringEnum(Colour).impl.length == len("green")  # type: ignore[attr-defined]


def test_string_enum_stores_the_value_and_reads_the_member(conn: sa.Connection) -> None:
    conn.execute(probe.insert(), [{"id": 1, "colour": Colour.red, "size": Size.large}])
    conn.execute(probe.insert(), [{"id": 2, "colour": "green", "size": "S"}])
    rows = conn.execute(sa.select(probe.c.id, probe.c.colour, probe.c.size).order_by("id")).all()
    assert [(r.colour, r.size) for r in rows] == [
        (Colour.red, Size.large),
        (Colour.green, Size.small),
    ]
    assert type(rows[0].colour) is Colour
    # what the database holds is the plain value
    raw = conn.execute(sa.text("SELECT colour, size FROM kit_column_probe WHERE id = 1")).one()
    assert tuple(raw) == ("red", "L")


def test_string_enum_filters_by_member_or_text(conn: sa.Connection) -> None:
    conn.execute(probe.insert(), [{"id": 1, "colour": "red"}, {"id": 2, "colour": "green"}])
    assert conn.scalar(sa.select(probe.c.id).where(probe.c.colour == Colour.green)) == 2
    assert conn.scalar(sa.select(probe.c.id).where(probe.c.colour == "red")) == 1


def test_string_enum_refuses_a_value_outside_the_enum(conn: sa.Connection) -> None:
    with pytest.raises(StatementError) as caught:
        conn.execute(probe.insert(), [{"id": 1, "colour": "blue"}])
    assert isinstance(caught.value.orig, ValueError)
    assert "'blue' is not a Colour; choose one of red, green" in str(caught.value.orig)


def test_string_enum_keeps_none(conn: sa.Connection) -> None:
    conn.execute(probe.insert(), [{"id": 1, "colour": None}])
    assert conn.scalar(sa.select(probe.c.colour)) is None


def test_utc_datetime_reads_back_aware_utc(conn: sa.Connection) -> None:
    moment = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    conn.execute(probe.insert(), [{"id": 1, "at": moment}])
    got = conn.scalar(sa.select(probe.c.at))
    assert got == moment
    assert got.tzinfo is not None
    assert got.utcoffset() == timedelta(0)


def test_utc_datetime_stores_another_offset_as_the_same_instant(conn: sa.Connection) -> None:
    # 14:30 at UTC+2 is 12:30 UTC; SQLite would keep the wall time without the conversion
    plus_two = timezone(timedelta(hours=2))
    conn.execute(probe.insert(), [{"id": 1, "at": datetime(2026, 3, 1, 14, 30, tzinfo=plus_two)}])
    got = conn.scalar(sa.select(probe.c.at))
    assert got == datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    assert (got.hour, got.utcoffset()) == (12, timedelta(0))


def test_utc_datetime_compares_in_queries(conn: sa.Connection) -> None:
    conn.execute(
        probe.insert(),
        [
            {"id": 1, "at": datetime(2026, 3, 1, 10, tzinfo=UTC)},
            {"id": 2, "at": datetime(2026, 3, 1, 14, tzinfo=UTC)},
        ],
    )
    noon = datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert conn.scalars(sa.select(probe.c.id).where(probe.c.at > noon)).all() == [2]


def test_utc_datetime_refuses_a_naive_moment(conn: sa.Connection) -> None:
    with pytest.raises(StatementError) as caught:
        conn.execute(probe.insert(), [{"id": 1, "at": datetime(2026, 3, 1, 12, 30)}])
    assert isinstance(caught.value.orig, ValueError)
    assert "2026-03-01T12:30:00 has no offset" in str(caught.value.orig)


def test_utc_datetime_keeps_none(conn: sa.Connection) -> None:
    conn.execute(probe.insert(), [{"id": 1, "at": None}])
    assert conn.scalar(sa.select(probe.c.at)) is None


def test_an_unknown_member_is_the_users_error_not_a_fault(conn: sa.Connection) -> None:
    """Wherever a value reaches the column (a write, a filter), the app answers 422 with it."""
    from servitize.core.errors import InvalidInput, database_refusal

    with pytest.raises(sa.exc.StatementError) as caught:
        conn.execute(sa.select(probe.c.id).where(probe.c.colour == "purple"))
    refusal = database_refusal(caught.value)
    assert isinstance(refusal, InvalidInput)
    assert refusal.message == "'purple' is not a Colour; choose one of red, green"
