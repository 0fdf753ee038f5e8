"""Errors that carry their HTTP status; services raise them, the edges render them."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class ServitizeError(Exception):
    """Base of every error a user may see."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(ServitizeError):
    """The request or file is not acceptable as given."""

    status_code = 422


class NotFound(ServitizeError):
    """The record does not exist, or the user may not see it (never tell which)."""

    status_code = 404


class Conflict(ServitizeError):
    """The record exists already or its state forbids the change."""

    status_code = 409


class PermissionDenied(ServitizeError):
    """The user is known but lacks the role for this action."""

    status_code = 403


class NotAuthenticated(ServitizeError):
    """No valid session or API token."""

    status_code = 401


def reasons(exc: ValidationError) -> str:
    """Every reason a model refused its input, each named by its field: ``email: …; name: …``."""
    parts = []
    for e in exc.errors():
        field, message = ".".join(str(p) for p in e["loc"]), e["msg"].removeprefix("Value error, ")
        parts.append(f"{field}: {message}" if field else message)
    return "; ".join(parts)


def parse_input(model: type[M], data: dict[str, Any]) -> M:
    """A model from form or JSON values, text trimmed and empty text read as nothing;
    InvalidInput naming every reason otherwise (text with a NUL character is refused)."""
    cleaned = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in data.items()}
    nul = [str(k) for k, v in cleaned.items() if isinstance(v, str) and "\x00" in v]
    if nul:
        raise InvalidInput(
            "; ".join(f"{k}: text must not contain NUL (\\x00) characters" for k in nul)
        )
    try:
        return model.model_validate(cleaned)
    except ValidationError as exc:
        raise InvalidInput(reasons(exc)) from None


# SQLSTATE (PostgreSQL) and extended result names (SQLite) of refused writes.
_UNIQUE = {"23505", "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}
_FOREIGN_KEY = {"23503", "SQLITE_CONSTRAINT_FOREIGNKEY"}
_NOT_NULL = {"23502", "SQLITE_CONSTRAINT_NOTNULL"}


def refused_write_errors() -> tuple[type[Exception], ...]:
    """The errors behind which ``database_refusal`` may find a 409 or 422 (the app's handlers)."""
    from sqlalchemy import exc as sa_exc

    return (sa_exc.IntegrityError, sa_exc.DataError, sa_exc.StatementError, OverflowError)


def database_refusal(exc: BaseException) -> ServitizeError | None:
    """The user's error behind a database's refusal of a write, or None for a real fault.

    A duplicate (a double submit, a name taken) is a 409; a reference to a record that does
    not exist, a missing value, a failed check or a value the column cannot hold is a 422.
    Routes check what they can before writing; this is the net under them, so that bad input
    never answers 500.
    """
    from sqlalchemy import exc as sa_exc

    if isinstance(exc, sa_exc.StatementError) and isinstance(exc.orig, ServitizeError):
        return exc.orig  # a column type refused a value (an enum's unknown member)
    if isinstance(exc, OverflowError):  # SQLite: an integer beyond 64 bits; date arithmetic
        return InvalidInput(
            "a value sent is out of range (a number too large or a date too far off)"
        )
    if isinstance(exc, sa_exc.IntegrityError):
        orig = exc.orig
        code = getattr(orig, "sqlstate", None) or getattr(orig, "sqlite_errorname", None) or ""
        if code in _UNIQUE:
            return Conflict("this record exists already (sent twice?); reload and check")
        if code in _FOREIGN_KEY:
            return InvalidInput("a referenced record does not exist (check the ids sent)")
        if code in _NOT_NULL:
            return InvalidInput("a required value is missing")
        return InvalidInput("the values sent break a rule of the records (a check failed)")
    if isinstance(exc, sa_exc.DataError):
        return InvalidInput("a value sent cannot be stored: out of range, too long or malformed")
    return None
