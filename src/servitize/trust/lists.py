"""What a list page hands its template: the links of ``kit.sorting`` plus the user's own
saved filters of that list (``_lists.html`` draws both)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from servitize.kit.sorting import ListLinks, Sort, Sorts, links
from servitize.trust import saved_filters_repository as saved
from servitize.trust.context import Context


def list_links(
    ctx: Context, base: str, filters: Mapping[str, Any], sort: Sort, sorts: Sorts
) -> ListLinks:
    """The list's header, paging and export links, with the user's saved filters of it."""
    return links(base, filters, sort, sorts, saved.of_list(ctx.session, ctx.user, base))
