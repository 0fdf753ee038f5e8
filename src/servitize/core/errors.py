"""Errors that carry their HTTP status; services raise them, the edges render them."""

from __future__ import annotations


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
