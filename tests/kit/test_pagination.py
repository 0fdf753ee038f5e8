"""PageParams from the query string, Page[T] as a response, paginate with two queries."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from servitize.core.errors import ServitizeError
from servitize.core.settings import Settings
from servitize.kit.page_query import PageQuery
from servitize.kit.pagination import Page, PageParams, paginate


@pytest.fixture
def api() -> Iterator[TestClient]:
    app = FastAPI()
    app.state.settings = Settings(page_size_max=20)

    @app.exception_handler(ServitizeError)
    async def _refused(_request: Any, exc: ServitizeError) -> Any:
        from fastapi.responses import JSONResponse

        return JSONResponse({"detail": exc.message}, status_code=exc.status_code)

    @app.get("/numbers", response_model=Page[int])
    def numbers(params: PageQuery) -> Page[int]:
        everything = list(range(1, 48))  # 47 numbers
        return Page.of(everything[params.offset : params.offset + params.size], 47, params)

    with TestClient(app) as client:
        yield client


def test_page_of_a_list(api: TestClient) -> None:
    answer = api.get("/numbers", params={"page": 3, "size": 20})
    assert answer.status_code == 200
    # 47 numbers, 20 a page: page 3 holds 41..47, and there are 3 pages
    assert answer.json() == {
        "items": [41, 42, 43, 44, 45, 46, 47],
        "total": 47,
        "page": 3,
        "size": 20,
        "pages": 3,
    }


def test_defaults_are_page_one(api: TestClient) -> None:
    body = api.get("/numbers").json()
    assert (body["page"], body["size"], body["items"][0]) == (1, 20, 1)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"page": 0}, "page: must be 1 or more, not 0"),
        ({"page": -3}, "page: must be 1 or more, not -3"),
        ({"size": 0}, "size: must be between 1 and 20, not 0"),
        ({"size": 21}, "size: must be between 1 and 20, not 21"),
    ],
)
def test_bad_values_are_refused_naming_the_field(
    api: TestClient, query: dict[str, int], message: str
) -> None:
    answer = api.get("/numbers", params=query)
    assert answer.status_code == 422
    assert answer.json()["detail"] == message


def test_not_a_number_is_a_4xx(api: TestClient) -> None:
    answer = api.get("/numbers", params={"page": "two"})
    assert answer.status_code == 422
    assert "page" in answer.text


def test_the_default_size_is_capped_by_the_settings() -> None:
    app = FastAPI()
    app.state.settings = Settings(page_size_max=10)

    @app.get("/p")
    def p(params: PageQuery) -> dict[str, int]:
        return {"size": params.size}

    @app.exception_handler(ServitizeError)
    async def _refused(_request: Any, exc: ServitizeError) -> Any:
        from fastapi.responses import JSONResponse

        return JSONResponse({"detail": exc.message}, status_code=exc.status_code)

    with TestClient(app) as client:
        assert client.get("/p", params={"size": 10}).json() == {"size": 10}
        assert client.get("/p", params={"size": 11}).status_code == 422


def test_pages_count() -> None:
    assert Page[str].of([], 0, PageParams(1, 10)).pages == 0
    assert Page[str].of(["a"], 1, PageParams(1, 10)).pages == 1
    assert Page[str].of([], 10, PageParams(1, 10)).pages == 1
    assert Page[str].of([], 11, PageParams(1, 10)).pages == 2


meta = sa.MetaData()
numbers = sa.Table(
    "kit_page_probe",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("odd", sa.Boolean),
)


def test_paginate_runs_one_count_and_one_page_query(
    connection: sa.Connection, session: Session
) -> None:
    own = session.connection()
    meta.create_all(own)
    own.execute(numbers.insert(), [{"id": i, "odd": i % 2 == 1} for i in range(1, 26)])
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    sa.event.listen(own, "before_cursor_execute", count)
    try:
        odd = sa.select(numbers.c.id).where(numbers.c.odd).order_by(numbers.c.id)
        rows, total = paginate(session, odd, PageParams(page=2, size=5))
    finally:
        sa.event.remove(own, "before_cursor_execute", count)
    # 13 odd numbers in 1..25; page 2 of 5 holds the 6th to 10th: 11, 13, 15, 17, 19
    assert (rows, total) == ([11, 13, 15, 17, 19], 13)
    # the session opens a savepoint of the test's transaction first; the queries are two
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2

    last, total = paginate(session, odd, PageParams(page=3, size=5))
    assert (last, total) == ([21, 23, 25], 13)
    beyond, total = paginate(session, odd, PageParams(page=9, size=5))
    meta.drop_all(own)  # SQLite keeps DDL past the test's rollback: leave no table behind
    assert (beyond, total) == ([], 13)
