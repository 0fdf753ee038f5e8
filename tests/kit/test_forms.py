"""save_or_show_again: the change in a savepoint, or the form again with reason and values."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from servitize.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from servitize.kit.forms import FormPage, save_or_show_again

meta = sa.MetaData()
names = sa.Table(
    "kit_form_probe",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(20), unique=True),
    # a temporary table: private to the test's connection, never seen by the migrations check
    prefixes=["TEMPORARY"],
)


class Shown(Response):
    """What the fake renderer answers: the template and context it was given."""

    def __init__(self, name: str, context: dict[str, Any], status_code: int) -> None:
        super().__init__(name, status_code=status_code)
        self.template, self.context = name, context


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    return Shown(name, context, status_code)


def request(htmx: bool = False) -> Request:
    headers = [(b"hx-request", b"true")] if htmx else []
    return Request({"type": "http", "method": "POST", "path": "/", "headers": headers})


@pytest.fixture
def db(connection: sa.Connection, session: Session) -> Iterator[Session]:
    meta.create_all(connection)
    session.execute(names.insert().values(id=1, name="kept"))
    yield session
    session.rollback()
    meta.drop_all(connection)  # SQLite keeps DDL past the test's rollback


def stored(session: Session) -> list[str]:
    return list(session.scalars(sa.select(names.c.name).order_by(names.c.id)))


FORM = FormPage("things/form.html", lambda: {"title": "New thing"}, fragment="things/_form.html")


def add_then_fail(session: Session, exc: Exception) -> Any:
    def change() -> None:
        session.execute(names.insert().values(id=2, name="half-written"))
        raise exc

    return change


def save(db: Session, change: Any, htmx: bool = False, **kw: Any) -> Response:
    return save_or_show_again(
        request(htmx),
        db,
        change,
        lambda _r: RedirectResponse("/things", status_code=303),
        FORM,
        {"name": "half-written"},
        render=render,
        **kw,
    )


def test_a_change_that_works_goes_on(db: Session) -> None:
    answer = save(db, lambda: db.execute(names.insert().values(id=2, name="new")))
    assert (answer.status_code, answer.headers["location"]) == (303, "/things")
    assert stored(db) == ["kept", "new"]


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (InvalidInput("name: too short"), 422),
        (Conflict("taken meanwhile"), 409),
        (NotFound("x"), 404),
    ],
)
def test_a_refusal_rolls_back_and_shows_the_page_again(
    db: Session, error: Exception, status: int
) -> None:
    answer = save(db, add_then_fail(db, error))
    assert isinstance(answer, Shown)
    assert answer.status_code == status
    assert answer.template == "things/form.html"
    assert answer.context == {
        "title": "New thing",
        "error": str(error),
        "values": {"name": "half-written"},
    }
    assert stored(db) == ["kept"]  # nothing half-written
    db.execute(names.insert().values(id=3, name="after"))  # the transaction goes on
    assert stored(db) == ["kept", "after"]


def test_htmx_gets_the_fragment_with_the_message(db: Session) -> None:
    answer = save(db, add_then_fail(db, Conflict("taken meanwhile")), htmx=True)
    assert isinstance(answer, Shown)
    assert (answer.template, answer.status_code) == ("things/_form.html", 200)
    assert answer.context["error"] == "taken meanwhile"
    answer = save(db, add_then_fail(db, Conflict("taken")), htmx=True, htmx_status=None)
    assert answer.status_code == 409
    assert stored(db) == ["kept"]


def test_a_validation_error_names_the_field(db: Session) -> None:
    class Thing(BaseModel):
        name: str = Field(min_length=3)

    def change() -> None:
        Thing(name="ab")

    answer = save(db, change)
    assert isinstance(answer, Shown)
    assert answer.status_code == 422
    assert answer.context["error"].startswith("name: String should have at least 3 characters")


def test_a_duplicate_the_database_refuses_is_a_409(db: Session) -> None:
    answer = save(db, lambda: db.execute(names.insert().values(id=2, name="kept")))
    assert isinstance(answer, Shown)
    assert answer.status_code == 409
    assert "exists already" in answer.context["error"]
    assert stored(db) == ["kept"]


def test_a_refused_role_is_not_a_form_to_correct(db: Session) -> None:
    with pytest.raises(PermissionDenied):
        save(db, add_then_fail(db, PermissionDenied("admins only")))
    assert stored(db) == ["kept"]


def test_a_fault_is_not_hidden(db: Session) -> None:
    with pytest.raises(ZeroDivisionError):
        save(db, lambda: 1 / 0)
