"""Save and delete your own filters of a list (the bar above every list, ``_lists.html``).

Self-service like your own password and API tokens: every user keeps their own, nobody sees
anyone else's (someone else's answers 404). No role action: a saved filter changes no record.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path
from fastapi.responses import RedirectResponse, Response

from servitize.trust import saved_filters_repository as saved
from servitize.trust.http import CurrentUser, DbSession

router = APIRouter(include_in_schema=False)
FilterId = Annotated[int, Path(ge=1, le=2**53)]


@router.post("/saved-filters")
def save_filter(
    session: DbSession,
    user: CurrentUser,
    list_: Annotated[str, Form(alias="list", max_length=120)],
    name: Annotated[str, Form(max_length=200)],
    query: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Keep the list's current filter and sort under a name; back to the list, so filtered."""
    kept = saved.save(session, user, list_, name, query)
    return RedirectResponse(kept.href, status_code=303)


@router.post("/saved-filters/{filter_id}/delete")
def delete_filter(session: DbSession, user: CurrentUser, filter_id: FilterId) -> Response:
    """Delete one of your saved filters; back to its list."""
    path = saved.delete(session, user, filter_id)
    return RedirectResponse(path, status_code=303)
