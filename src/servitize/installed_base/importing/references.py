"""Pure SQL that resolves a typed chunk's references and finds repeated keys.

Each reference column ``x`` has a lookup relation ``lk_x(k, id, account_id)`` of the external ids
it names that exist in the records; this module only writes the SQL that joins them.
"""

from __future__ import annotations

from servitize.installed_base.columns import ImportKind
from servitize.installed_base.importing.rules import SHOWN, lit, q, refs, target

# Derived columns: service_event.account_id is copied from its asset.
COPIED = {"service-events": ("asset", "account_id")}


def lookup_name(column: str) -> str:
    """The DuckDB relation holding the records a reference column can point to."""
    return f"lk_{column}"


def targets(kind: ImportKind) -> list[str]:
    """The table columns a validated row carries, in order (``assets``: order's asset ids)."""
    names = [target(c) or c.name for c in kind.columns]
    if kind.name in COPIED:
        names.append(COPIED[kind.name][1])
    return names


def _value(t: str) -> str:
    return f"'''' || left({t}, {SHOWN}) || ''''"


SEEN = "seen_keys"  # the keys earlier chunks of this run held, with their first line


def seen_sql(kind: ImportKind, typed: str = "typed") -> tuple[str, str]:
    """SQL creating the run's ``seen`` table from a chunk's shape, and adding a chunk's new keys."""
    listed = ", ".join(q(k) for k in kind.keys)
    create = (
        f"CREATE TABLE IF NOT EXISTS {SEEN} AS SELECT {listed}, _line AS first_line "
        f"FROM {typed} LIMIT 0"
    )
    add = (
        f"INSERT INTO {SEEN} SELECT {listed}, min(_line) FROM {typed} t "
        f"WHERE NOT EXISTS (SELECT 1 FROM {SEEN} s WHERE "
        + " AND ".join(f"s.{q(k)} IS NOT DISTINCT FROM t.{q(k)}" for k in kind.keys)
        + f") GROUP BY {listed}"
    )
    return create, add


def resolve_sql(kind: ImportKind, typed: str = "typed") -> str:
    """SQL over the typed chunk: the final row values, ``_pending`` and every row's reasons
    (in no particular order: the checker orders them by line)."""
    keys = [q(k) for k in kind.keys]
    # A key's first line in the file: this chunk's, or one an earlier chunk of the run left in
    # ``seen`` (kept by the checker), so a repeat is rejected wherever the chunks split the file.
    listed = ", ".join(keys)
    joins = [
        (
            f"LEFT JOIN (SELECT {', '.join(f'c.{k}' for k in keys)}, "
            f"coalesce(s.first_line, c.first_line) AS first_line FROM (SELECT {listed}, "
            f"min(_line) AS first_line FROM {typed} GROUP BY {listed}) c LEFT JOIN {SEEN} s ON "
            + " AND ".join(f"s.{k} = c.{k}" for k in keys)
            + ") d ON "
            + " AND ".join(f"d.{k} = t.{k}" for k in keys)
        )
    ]
    said = " || ' ' || ".join(f"{lit(k + ' ')} || {_value('t.' + q(k))}" for k in kind.keys)
    reasons = [
        "t._reason",
        (
            f"CASE WHEN t._line > d.first_line THEN {said}"
            f" || ' appears again (first at line ' || d.first_line || ')' END"
        ),
    ]
    values: dict[str, str] = {}
    pending = "NULL"
    ctes = ""
    for ref in refs(kind):
        col, lk = q(ref.column), lookup_name(ref.column)
        said = f"{lit(ref.column + ' ')} || {_value('t.' + col)}"
        if ref.column == "assets" and kind.name == "orders":
            ctes = (
                f", ra AS (SELECT x._idx, string_agg(DISTINCT x.k, ', ') FILTER "
                f"(WHERE l.id IS NULL) AS missing, list_sort(list(DISTINCT l.id) FILTER "
                f"(WHERE l.id IS NOT NULL)) AS ids FROM (SELECT _idx, trim(unnest("
                f"string_split(assets, '|'))) AS k FROM {typed} WHERE assets IS NOT NULL) x "
                f"LEFT JOIN {lk} l ON l.k = x.k WHERE x.k <> '' GROUP BY x._idx)"
            )
            joins.append("LEFT JOIN ra ON ra._idx = t._idx")
            values["assets"] = "ra.ids"
            reasons.append(
                "CASE WHEN ra.missing IS NOT NULL THEN 'assets not imported yet: ' "
                f"|| left(ra.missing, {SHOWN * 4}) END"
            )
            continue
        joins.append(f"LEFT JOIN {lk} ON {lk}.k = t.{col}")
        values[f"{ref.column}_id"] = f"{lk}.id"
        if ref.self_ref:
            # Not stored yet: the row may name a row of this file, earlier or later, even in a
            # later chunk; it waits for it (``Loader.land``) and is rejected only at the end.
            pending = f"CASE WHEN t.{col} IS NOT NULL AND {lk}.id IS NULL THEN t.{col} END"
            continue
        missing = f"t.{col} IS NOT NULL AND {lk}.id IS NULL"
        reasons.append(f"CASE WHEN {missing} THEN {said} || ' is not imported yet' END")
    names = {r.column for r in refs(kind)}
    if {"site", "account"} <= names:
        reasons.append(
            "CASE WHEN lk_site.account_id IS NOT NULL AND lk_account.id IS NOT NULL AND "
            "lk_site.account_id <> lk_account.id THEN 'site ' || "
            f"{_value('t.site')} || ' belongs to another account' END"
        )
    if kind.name in COPIED:
        ref_col, copied = COPIED[kind.name]
        values[copied] = f"{lookup_name(ref_col)}.account_id"
    columns = [values.get(name, f"t.{q(name)}") + f" AS {q(name)}" for name in sources(kind)]
    return (
        f"WITH _ AS (SELECT 1){ctes} "
        f"SELECT t._idx, t._line, NULLIF(concat_ws('; ', {', '.join(reasons)}), '') AS _reason, "
        f"{pending} AS _pending, {', '.join(columns)} FROM {typed} t {' '.join(joins)}"
    )


def sources(kind: ImportKind) -> list[str]:
    """Target names, but plain columns under their file name (the typed chunk's names)."""
    out = []
    for c in kind.columns:
        name = target(c)
        out.append(name if c.type in ("ref", "refs") and name else c.name)
    if kind.name in COPIED:
        out.append(COPIED[kind.name][1])
    return [n if n is not None else "assets" for n in out]
