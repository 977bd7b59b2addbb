"""The filter's substring index on `contract.search` (number, customer and title, folded).

SQLite: `contract_fts`, an FTS5 table with the trigram tokenizer over `contract.search`, with
external content (the text is not stored twice: the index keeps only its trigrams, and
'rebuild' refills it from the contract table). Triggers on the contract table keep it in step
inside the transaction that changes the row. The tokenizer is case-sensitive: `search` and
the typed text are both folded by Python already, so a MATCH of the quoted text finds exactly
the rows `search LIKE '%text%'` finds.

PostgreSQL: a GIN index with `gin_trgm_ops` (pg_trgm) on `contract.search`, which serves the
filter's LIKE (case-sensitive: both sides are folded) and is kept in step by PostgreSQL.
When the database refuses CREATE EXTENSION (no privilege), there is no index and the filter
reads as before.

Text of one or two characters has no trigram: it is looked for with LIKE, as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial

import peewee as pw

from .db import is_postgres
from .models import Contract, database

TABLE = "contract_fts"
TRIGRAM_INDEX = "contract_search_trgm"  # PostgreSQL's
SHORTEST = 3  # characters: the trigram index finds nothing shorter
# bytes of trigrams FTS5 gathers in memory before writing a segment: its own, and while the
# demo builds the index over every contract at once ('rebuild' of 300,000 contracts, each in a
# process of its own: 3.3 and 3.3 s against 4.3 and 4.3 s, peak 31 -> about 50 MiB; 16 MiB
# gave 3.0 s, 64 MiB 2.8 s with 45 MiB more)
FTS5_HASH = 1024 * 1024
BUILD_HASH = 32 * 1024 * 1024
_TEXT = pw.Table(TABLE)
_ROWID, _SEARCH = pw.Column(_TEXT, "rowid"), pw.Column(_TEXT, "search")

_TABLE_SQL = (
    f'CREATE VIRTUAL TABLE IF NOT EXISTS "{TABLE}" USING fts5(search, content="contract", '
    "content_rowid=\"id\", tokenize='trigram case_sensitive 1')"
)
_DELETE = (
    f'INSERT INTO "{TABLE}" ("{TABLE}", rowid, search) VALUES (\'delete\', old.id, old.search);'
)
_INSERT = f'INSERT INTO "{TABLE}" (rowid, search) VALUES (new.id, new.search);'
_TRIGGERS = {
    "contract_fts_insert": f"AFTER INSERT ON contract BEGIN {_INSERT} END",
    "contract_fts_delete": f"AFTER DELETE ON contract BEGIN {_DELETE} END",
    "contract_fts_update": f"AFTER UPDATE OF search ON contract BEGIN {_DELETE} {_INSERT} END",
}
_TRIGRAM_SQL = (
    f'CREATE INDEX IF NOT EXISTS "{TRIGRAM_INDEX}" ON "contract" USING gin ("search" gin_trgm_ops)'
)


def create() -> None:
    """Add the index to the schema and fill it from the contracts there (migration 6)."""
    if is_postgres():
        _create_trigram_index()
        return
    database.execute_sql(_TABLE_SQL)
    _fts5("rebuild")
    _create_triggers()


def _create_triggers() -> None:
    for name, body in _TRIGGERS.items():
        database.execute_sql(f'CREATE TRIGGER IF NOT EXISTS "{name}" {body}')


def _create_trigram_index() -> bool:
    """pg_trgm and the GIN index; False (and nothing changed) when the database refuses them.
    In a savepoint: a refusal leaves the migration's own transaction usable."""
    try:
        with database.atomic():
            database.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            database.execute_sql(_TRIGRAM_SQL)
    except pw.DatabaseError:
        return False
    return True


def built_after(fill: Callable[[], object], progress: Callable[[str], object]) -> None:
    """Run `fill` (a bulk load into the contract table) without keeping the index in step row
    by row, then build the index over everything at once (`progress` names that phase).
    On PostgreSQL the dropped index locks readers of contracts out until the fill commits
    (the demo fills an empty database only: they would see no contracts meanwhile anyway);
    building it at the end took 2.6 s for 100,000 contracts. The counts' tally
    (status_tally.py) is likewise counted once, after the fill."""
    from . import status_tally

    fill = partial(status_tally.built_after, fill)
    if is_postgres():
        indexed = bool(
            database.execute_sql(
                "SELECT 1 FROM pg_indexes WHERE indexname = %s", (TRIGRAM_INDEX,)
            ).fetchall()
        )
        if indexed:
            database.execute_sql(f'DROP INDEX "{TRIGRAM_INDEX}"')
        fill()
        if indexed:
            progress("the search index")
            database.execute_sql(_TRIGRAM_SQL)
        return
    for name in _TRIGGERS:
        database.execute_sql(f'DROP TRIGGER IF EXISTS "{name}"')
    fill()
    progress("the search index")
    _rebuild_with(BUILD_HASH)
    _create_triggers()


def _rebuild_with(hash_size: int) -> None:
    """Refill the SQLite index from the contract table, the trigrams gathered in memory up to
    `hash_size` bytes before each is written out as a segment (FTS5's own default: 1 MiB):
    fewer segments, merged less often. Set back afterwards; an SQLite that lacks the setting
    rebuilds with its own."""
    try:
        _fts5("hashsize", hash_size)
    except pw.OperationalError:
        _fts5("rebuild")
        return
    try:
        _fts5("rebuild")
    finally:
        _fts5("hashsize", FTS5_HASH)


def _fts5(command: str, value: int | None = None) -> None:
    """One of FTS5's commands on the index ('rebuild'), or a setting with its value."""
    if value is None:
        database.execute_sql(f'INSERT INTO "{TABLE}" ("{TABLE}") VALUES (?)', (command,))
    else:
        sql = f'INSERT INTO "{TABLE}" ("{TABLE}", rank) VALUES (?, ?)'
        database.execute_sql(sql, (command, value))


def narrow(
    query: pw.ModelSelect[Contract], needle: str
) -> tuple[pw.ModelSelect[Contract], pw.ColumnBase]:
    """`query` narrowed to the contracts whose `search` holds `needle` (folded already), read
    from the substring index when the needle is long enough for it; and the column that pages
    the result in number order. On SQLite that is the index's rowid: the index hands its rows
    over in that order, so the first page of a common text stops after a page of rows
    instead of sorting every match."""
    if is_postgres():
        return query.where(_pg_contains(needle)), Contract.id
    if len(needle) < SHORTEST:
        return query.where(Contract.search.contains(needle)), Contract.id
    phrase = '"' + needle.replace('"', '""') + '"'  # an FTS5 string: every character literal
    matched = pw.Expression(_SEARCH, "MATCH", phrase)
    query = query.join(_TEXT, on=(_ROWID == Contract.id)).switch(Contract).where(matched)
    return query, _ROWID


_WORD_TRIGRAM = re.compile(r"[^\W_]{3}")  # three letters or digits in a row


def _pg_contains(needle: str) -> pw.ColumnBase:
    """LIKE on the folded text (see _holds). pg_trgm narrows by the trigrams of the
    words in the text (letters and digits; it ignores punctuation): without three of them
    in a row (`pi`, `& c`) the GIN index would hand over nearly every row to check again,
    slower than reading the table, so the text is then matched against an expression the
    index does not serve, and the planner reads the table as it did before the index."""
    if _WORD_TRIGRAM.search(needle):
        return _holds(Contract.search, needle)
    return _holds(Contract.search.concat(""), needle)


def _holds(column: pw.ColumnBase, needle: str) -> pw.ColumnBase:
    """`column LIKE '%needle%'`, its wildcards escaped. LIKE, not ILIKE: the text and the
    needle are both folded by Python already, so LIKE finds what `needle in search` finds
    (as SQLite's index does), and reads each row about 2.7 times faster than ILIKE (the
    first 1,000 contracts holding `pin` of 1,000,000: 19–24 → 7–9 ms)."""
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = pw.Value(f"%{escaped}%", converter=False)
    escape = pw.Value("\\", converter=False)
    return pw.Expression(column, pw.OP.LIKE, pw.NodeList((pattern, pw.SQL("ESCAPE"), escape)))
