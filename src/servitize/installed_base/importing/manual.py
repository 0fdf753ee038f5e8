"""docs/import.md written from the column contract, so the manual and the importer agree."""

from __future__ import annotations

from servitize.installed_base.columns import IMPORT_ORDER, KINDS, Column

INTRO = """# Importing the installed base

`servitize import KIND FILE [--strict] [--json] [--encoding ENC]` reads a CSV file (delimiter `,`
`;` TAB or `|`, UTF-8 with or without BOM unless `--encoding` names another, such as `cp1252` or
`latin-1`; quoted fields may hold line breaks) or a Parquet file, validates every row and lands
the good ones. Import kinds in this order: each refers only to kinds before it
(`servitize demo` imports a whole folder of `<kind>.csv` files the same way).

- **Upsert by key**: a row whose key exists updates that record when a value differs, and is left
  alone (no `updated_at` change, no audit entry) when nothing differs. Columns absent from the
  header are not touched on update. Every updated record gets an audit entry with the changed
  fields before and after; every run that changed something or rejected rows gets one summary
  entry (`import`) with its counts and the path of its reject file.
- **Rejects**: a bad row never stops the good ones. Each is written to `FILE.rejects.csv` beside
  the input: `line` (the physical line where the row starts; the header is line 1; for Parquet the
  row number + 1), `reason` in words, then the row's original values. No rejects, no file. A row
  with bytes that are not text in the file's encoding, or with a NUL byte, is rejected on its own
  (the bytes are written as `\\xff` in the reject file); the rest of the file lands. A value that
  a spreadsheet would run as a formula (starting with `=` `+` `-` `@`, a tab or a carriage return,
  and not a plain number) is written with a leading apostrophe.
- **References** name the key of another kind; a row referring to a record not imported yet is
  rejected with that reason. `parent` (assets) and `dealer` (accounts) may refer to any other row
  of the same file, earlier or later (even chunks later): the row waits until its parent landed,
  so the first import lands both and a re-import changes nothing; a row whose parent never lands
  is rejected at the end of the file. A key repeated within a file is rejected (first at line N).
- **`--strict`**: nothing lands if any row is bad (all rows count as rejected; `invalid` says how
  many are in the reject file).
- **Dates** outside the accepted years (`SERVITIZE_DATE_MIN_YEAR` to `SERVITIZE_DATE_MAX_YEAR`,
  default 1900 to 2100) are rejected with that reason: `0000-01-01`, `-2020-01-01` and five-digit
  years too. A date-time in a date column is taken only at midnight (`2020-08-08T00:00:00`, as
  spreadsheets and Parquet timestamps write dates); any other time of day is rejected, never cut.
- **One import of a kind at a time**: a second import of the same kind waits until the first has
  finished (a warning says how long), then runs against what the first stored. PostgreSQL holds
  an advisory lock per kind, SQLite a lock file beside the database (`DB.import-KIND.lock`); a
  killed import releases its lock.
- **Speed and memory**: files stream in chunks (`SERVITIZE_IMPORT_CHUNK_ROWS`, default 50,000);
  into a table that has rows each chunk commits together with an `import chunk` audit entry
  (its lines and counts), so rows already reported survive a crash, the audit trail says what a
  killed run committed, and a re-run completes the rest. A **first load** into an empty table
  runs as one transaction (its summary audit entry included): the table's secondary indexes (on
  PostgreSQL its foreign keys and the key's unique constraint too) are built once at the end,
  which makes a million machines load several times faster; a crash leaves the table empty and
  whole, and a re-run starts again. On PostgreSQL other sessions wait for that table until it
  commits. Into a table that has rows, each chunk's validated rows go into a temporary staging
  table (PostgreSQL: `COPY`), and the database itself finds the records that change and inserts
  the new ones. Unknown columns are ignored with a warning.

## A whole folder: `servitize import all DIR`

`servitize import all DIR [--json]` imports every `KIND.csv` (or `KIND.parquet`, when there is
no CSV of that kind) of a folder, in dependency order: exchange-rates, users, accounts,
contacts, sites, competitors, assets, service-events, offerings, orders, visits — the names
`servitize demo-data --out DIR` writes. Other files in the folder are left alone (telemetry and
meter readings have their own commands). Each file is imported exactly as `servitize import
KIND FILE` would (upserts, rejects beside the file, audit entries).

- **Progress**: one bar over the folder's bytes, naming the file being imported and the time
  spent (not shown with `--json`).
- **Summary**: a table with one row per file (`read`, `landed`, `rejected`), then the path of
  every reject file. `--json` prints `{"folder": …, "imports": [ … ]}`, one object per file with
  the fields of a single import's `--json`.
- **Exit**: 0 when every row of every file landed, 3 when some were rejected, 2 when DIR is not a
  folder, holds none of the names above, or a file cannot be read (the files before it have
  landed; fix it and run again: re-importing changes nothing), 1 on a database error.

## Accounts by either id

Commands that name one account take its numeric id or its external id: `servitize accounts
show 42` and `servitize accounts show ACC-0042` show the same account 360, and `servitize
consent grant ACC-0042 --kind status --purpose contract_verification` records an agreement the
same way. The external id is looked up first; a number that is no external id is taken as the
id. An account found by neither is refused with "account '…' not found" (`accounts show`
exits 1, `consent grant` 2).

## Exit codes and output

| exit | meaning |
| --- | --- |
| 0 | every row landed |
| 3 | some rows were rejected (see the reject file) |
| 2 | the file cannot be read: missing, header not text in the encoding, required column missing in the header, unknown kind or encoding |
| 1 | a database error (only when a table is missing does it suggest `servitize db upgrade`) |

`--json` prints one object: `read`, `landed`, `rejected`, `inserted`, `updated`, `unchanged`,
`invalid`, `rejects_file`, `seconds`, `warnings`. `read == landed + rejected` and
`landed == inserted + updated + unchanged`.

## Value types

| type | accepted |
| --- | --- |
| text | anything; surrounding spaces are trimmed; empty means missing |
| int, float | `12`, `2.5` (`.` as decimal mark) |
| money | an amount in major units, `.` as decimal mark, rounded to cents (`1234.50`, not `1,234.50`) |
| date | ISO `YYYY-MM-DD` between the accepted years (default 1900 to 2100); a time only as `T00:00:00` |
| time | a time of day `HH:MM` (`08:30`; 00:00 to 23:59, no seconds) |
| bool | true/false, yes/no, 1/0 |
| enum | one of the listed values (case does not matter) |
| country | ISO 3166-1 alpha-2 (`DE`) |
| currency | ISO 4217 (`EUR`); empty means the company currency |
| ref | the key of a record of another kind |
| refs | several keys joined by a vertical bar (`A-1\\|A-2`) |
"""


# Meter readings are offers' import (servitize import meter-readings); their manual sits here
# so that one page lists every import.
METER_READINGS = """
## meter-readings

`servitize import meter-readings FILE [--as USER] [--json] [--encoding ENC]` lands the
cumulative meter readings of the machines of **usage contracts**, which are then billed from
them (see [offers](offers.md), Billing). It asks `billing.run` (admin; the command acts as the
operator unless `--as` names someone, [access](access.md)). CSV (delimiter `,` `;` TAB or `|`)
or Parquet; columns in any order, names in any case. Key: contract + machine + `read_at`.

| column | required | type | notes |
| --- | --- | --- | --- |
| `contract` | yes | text | the sold contract's number (`C-000042`); must be a usage contract |
| `serial` | yes | text | a machine's serial; the contract must cover that machine |
| `read_at` | yes | date or date and time | a date is its 00:00 UTC; a time without a zone is UTC; within the accepted years |
| `reading` | yes | number | the meter's cumulative count since it started, at least 0, kept to four decimals |
| `unit` | yes | text | the contract's metric: `h`, `hours` or `operating hours` for operating hours, `kWh`, `units` or `pieces` for units produced |

Every row lands or is rejected with its reason in `FILE.rejects.csv` (`line`, `reason`, the
row's values); `read = landed + rejected`, `landed = new + unchanged`. A row is rejected for:

- a missing value (`contract: missing`, `serial: missing`, `unit: missing`, …);
- an unknown contract, or one that is not a usage contract ("C-000007 is a service agreement,
  not a usage contract");
- an unknown serial, or a machine the contract does not cover;
- a unit that is not the contract's metric;
- a time that is not a date or a date and time, or outside the accepted years;
- a reading that is not a number, negative, or too large (14 digits before the point);
- a reading below an earlier or above a later reading of the same meter (stored or in the file):
  a cumulative reading never decreases;
- a different reading at a time that already has one.

A row that repeats a stored reading exactly lands as unchanged: importing the same file twice
writes nothing twice. Each run records one audit entry (`import`, `meter_reading`) with its
counts. Output: one line, "read N, landed N (N new, N unchanged), rejected N", and the reject
file's path; `--json` prints `file`, `read`, `landed`, `inserted`, `unchanged`, `rejected`,
`rejects_file`. Exit 0 when every row landed, 3 when some were rejected, 2 when the file cannot
be read (missing, not text in the encoding, a header without the five columns) or the user may
not import readings.

**The convention.** A month's quantity of a machine is its **closing reading minus its opening
reading**: the opening reading is the last one taken at or before the month's first instant (the
1st, 00:00 UTC), the closing reading the last one taken at or before the next month's first
instant. A reading taken exactly at a month boundary closes one month and opens the next, so no
unit is billed twice. A machine whose first reading falls inside the month (a new meter) opens
with that reading and needs a later one to close. A machine without a closing reading in the
month has no quantity for it: the billing line's evidence lists it under `no_reading`, never as
zero. A contract's quantity is the sum over its machines, and the line's evidence keeps each
machine's opening and closing reading with their times. Readings are billed under the usage
contract itself, without a data-sharing agreement: they were sent to bill that contract, while
the `billing` agreement governs telemetry.
"""


def _type(column: Column) -> str:
    if column.enum is not None:
        return "enum: " + ", ".join(f"`{e.value}`" for e in column.enum)
    if column.ref is not None:
        return f"{column.type} → {column.ref}"
    return column.type


def _notes(column: Column) -> str:
    notes = [column.doc] if column.doc else []
    if column.min is not None and column.max is not None:
        notes.append(f"{column.min:g} to {column.max:g}")
    elif column.min is not None:
        notes.append(f"at least {column.min:g}")
    if column.not_future:
        notes.append("not in the future")
    if column.default is not None:
        notes.append(f"default `{column.default}`")
    return "; ".join(notes).replace("|", "\\|")


def markdown() -> str:
    """The import manual as Markdown."""
    parts = [INTRO]
    for name in IMPORT_ORDER:
        kind = KINDS[name]
        key = " + ".join(f"`{k}`" for k in kind.keys)
        parts.append(f"\n## {name}\n\nKey: {key}.\n")
        parts.append("| column | required | type | notes |\n| --- | --- | --- | --- |")
        for c in kind.columns:
            parts.append(
                f"| `{c.name}` | {'yes' if c.required else ''} | {_type(c)} | {_notes(c)} |"
            )
    return "\n".join(parts) + "\n" + METER_READINGS
