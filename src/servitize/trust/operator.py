"""The operator: whoever runs a ``servitize`` command without ``--as``.

The operator sees and may change everything, like an admin, but is nobody's account: it is not
stored, cannot log in, and owns no records. It is a ``User`` object (every service takes one)
with the id ``OPERATOR_ID``, typed ``Operator`` so that code can tell it apart
(``is_operator``); a record that names a user keeps ``None`` for it (``stored_id``), and the
audit trail names it ``OPERATOR_NAME`` (``audit.OPERATOR``).
"""

from __future__ import annotations

from typing import NewType, TypeGuard

from servitize.trust.models import Role, User

OPERATOR_ID = 0  # never a stored user's id: the databases count ids from 1
OPERATOR_NAME = "cli"

Operator = NewType("Operator", User)


def operator() -> Operator:
    """A new, unsaved operator identity (admin scope, no territory, no password)."""
    return Operator(User(id=OPERATOR_ID, username=OPERATOR_NAME, role=Role.admin.value))


def is_operator(user: User) -> TypeGuard[Operator]:
    """Whether ``user`` is the command-line operator rather than a stored user."""
    return user.id == OPERATOR_ID


def stored_id(user: User) -> int | None:
    """The user's id as a record may store it: None for the operator, who is not stored."""
    return None if is_operator(user) else user.id
