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
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())


def parse_input(model: type[M], data: dict[str, Any]) -> M:
    """A model from form or JSON values, text trimmed and empty text read as nothing;
    InvalidInput naming every reason otherwise."""
    cleaned = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in data.items()}
    try:
        return model.model_validate(cleaned)
    except ValidationError as exc:
        raise InvalidInput(reasons(exc)) from None
