"""Moving in and out (issue 12): `export` streams every kind of row as CSV or JSON;
`import` reads the same shapes back, checks the whole file before writing anything, and
writes it in one transaction.

- columns.py: the kinds, their columns, and how values are written as text;
- export.py: the rows of each kind, streamed, and the CSV and JSON writers;
- reading.py: the records of a CSV file, a folder of them, or a JSON document;
- checking.py, check_contracts.py, check_use.py: every rule a row must meet, all the
  problems of a file collected, and the rows to write built;
- writing.py: the rows written in bulk, in one transaction.
"""

from __future__ import annotations

from ..errors import InvalidInput
from ..text import quoted
from .columns import COLUMNS, KINDS, REQUIRED
from .export import export_csv, export_json, export_kinds
from .importing import ImportRefused, check_import, import_file


def import_header(kind: str = "contracts") -> list[str]:
    """The columns of one kind, in order: the header row of a CSV file to fill in."""
    if kind not in COLUMNS:
        raise InvalidInput(
            f"there are no {quoted(kind)} to import; name one of {', '.join(KINDS)}."
        )
    return list(COLUMNS[kind])


__all__ = [
    "COLUMNS",
    "KINDS",
    "REQUIRED",
    "ImportRefused",
    "check_import",
    "export_csv",
    "export_json",
    "export_kinds",
    "import_file",
    "import_header",
]
