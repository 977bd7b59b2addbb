"""The records of an import: from CSV files (one per kind, told by the file's name or by its
header row; a folder of them, as `export --out` writes) or from one JSON document. Each
record knows where it came from (file and row), for the problems reported against it."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidInput
from ..text import quoted
from .columns import COLUMNS, KINDS, REQUIRED


@dataclass
class Record:
    kind: str
    place: str  # `lines.csv row 4`, `data.json contracts #3`
    values: dict[str, Any]

    def raw(self, column: str) -> str:
        value = self.values.get(column)
        if value is None:
            return ""
        return value if isinstance(value, str) else str(value)


@dataclass
class Source:
    """One file to read, and the kind it holds (None: a JSON document of several)."""

    path: str
    kind: str | None
    fmt: str


def sources(paths: list[str], fmt: str | None) -> tuple[list[Source], list[str]]:
    """The files named (a folder stands for the kinds' CSV files in it), with the kind each
    holds; and the problems with them (unreadable, of no kind, an unknown format)."""
    found: list[Source] = []
    problems: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            inside = [os.path.join(path, f"{kind}.csv") for kind in KINDS]
            inside = [p for p in inside if os.path.isfile(p)]
            if os.path.isfile(os.path.join(path, "contracts.json")) and not inside:
                inside = [os.path.join(path, "contracts.json")]
            if not inside:
                problems.append(f"{path}: the folder holds none of {', '.join(KINDS)} (.csv).")
            for each in inside:
                found.append(_source(each, fmt, problems))
        elif not os.path.isfile(path):
            problems.append(f"{path}: there is no such file.")
        else:
            found.append(_source(path, fmt, problems))
    return [s for s in found if s.fmt], problems


def _source(path: str, fmt: str | None, problems: list[str]) -> Source:
    ext = os.path.splitext(path)[1].lower().lstrip(".")
    fmt = fmt or (ext if ext in ("csv", "json") else None)
    if fmt is None:
        problems.append(f"{path}: cannot tell whether it is CSV or JSON; give --format.")
        return Source(path, None, "")
    if fmt == "json":
        return Source(path, None, fmt)
    stem = os.path.splitext(os.path.basename(path))[0].lower()
    kind = next((k for k in KINDS if stem == k or stem.startswith(k + "-")), None)
    return Source(path, kind, fmt)


def _kind_of_header(header: list[str]) -> str | None:
    """The one kind whose columns hold every column of the header and its required ones."""
    named = set(header)
    fits = [k for k in KINDS if named <= set(COLUMNS[k]) and set(REQUIRED[k]) <= named]
    return fits[0] if len(fits) == 1 else None


def read_csv(source: Source, problems: list[str]) -> Iterator[Record]:
    """The records of a CSV file: quoted commas and new lines, and the byte order mark
    spreadsheets write, are read as a spreadsheet means them. Row numbers count the header
    as row 1, as a spreadsheet shows them."""
    name = os.path.basename(source.path)
    try:
        with open(source.path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = [h.strip().lower() for h in next(reader, [])]
            kind = source.kind or _kind_of_header(header)
            if not _header_fits(name, kind, header, problems):
                return
            assert kind is not None
            for number, cells in enumerate(reader, start=2):
                if not "".join(cells).strip():
                    continue
                place = f"{name} row {number}"
                if len(cells) > len(header):
                    problems.append(
                        f"{place}: it has {len(cells)} cells but the header names "
                        f"{len(header)} columns (a comma inside a value needs quotes)."
                    )
                    continue
                yield Record(kind, place, dict(zip(header, map(str.strip, cells))))
    except UnicodeDecodeError:
        problems.append(f"{name}: the file is not UTF-8 text; save it as CSV UTF-8.")
    except csv.Error as exc:
        problems.append(f"{name}: the file is not readable CSV ({exc}).")
    except OSError as exc:
        problems.append(f"{name}: cannot read it ({exc.strerror}).")


def _header_fits(name: str, kind: str | None, header: list[str], problems: list[str]) -> bool:
    if kind is None:
        problems.append(
            f"{name} row 1: cannot tell which kind of rows it holds; name the file after its "
            f"kind ({', '.join(k + '.csv' for k in KINDS)})."
        )
        return False
    fine = True
    for column in header:
        if column not in COLUMNS[kind]:
            problems.append(
                f"{name} row 1, column {quoted(column) or '(empty)'}: not a column of {kind}; "
                f"the columns are {', '.join(COLUMNS[kind])}."
            )
            fine = False
    for column in REQUIRED[kind]:
        if column not in header:
            problems.append(f"{name} row 1: the required column {column} is missing.")
            fine = False
    if len(set(header)) != len(header):
        problems.append(f"{name} row 1: a column is named twice.")
        fine = False
    return fine


def read_json(source: Source, problems: list[str]) -> dict[str, list[Record]]:
    """The records of a JSON document `{"customers": [...], ..., "contracts": [...]}`; a
    contract may hold its lines itself (`"lines": [...]`)."""
    name = os.path.basename(source.path)
    try:
        with open(source.path, encoding="utf-8-sig") as handle:
            document = json.load(handle)
    except UnicodeDecodeError:
        problems.append(f"{name}: the file is not UTF-8 text.")
        return {}
    except json.JSONDecodeError as exc:
        problems.append(f"{name} line {exc.lineno}: not valid JSON ({exc.msg}).")
        return {}
    except OSError as exc:
        problems.append(f"{name}: cannot read it ({exc.strerror}).")
        return {}
    if not isinstance(document, dict):
        problems.append(f"{name}: the document must be an object of {', '.join(KINDS)}.")
        return {}
    out: dict[str, list[Record]] = {kind: [] for kind in KINDS}
    for kind, items in document.items():
        if kind not in KINDS or not isinstance(items, list):
            problems.append(f"{name}: '{quoted(kind)}' is not a list of {', '.join(KINDS)}.")
            continue
        for i, item in enumerate(items, start=1):
            place = f"{name} {kind} #{i}"
            if not isinstance(item, dict):
                problems.append(f"{place}: each record must be an object.")
                continue
            nested = item.pop("lines", None) if kind == "contracts" else None
            record = Record(kind, place, _plain(place, kind, item, problems))
            out[kind].append(record)
            if isinstance(nested, list):
                key = record.raw("number").strip() or f"#{place}"
                record.values["number"] = key if record.raw("number").strip() else ""
                record.values["_key"] = key
                for j, line in enumerate(nested if isinstance(nested, list) else [], start=1):
                    where = f"{place} lines #{j}"
                    values = _plain(
                        where, "lines", line if isinstance(line, dict) else {}, problems
                    )
                    values.setdefault("contract", key)
                    values["contract"] = values["contract"] or key
                    out["lines"].append(Record("lines", where, values))
    return out


def _plain(place: str, kind: str, item: dict, problems: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for column, value in item.items():
        if column not in COLUMNS[kind]:
            problems.append(f"{place}, column {quoted(column)}: not a column of {kind}.")
            continue
        if isinstance(value, list):
            values[column] = [str(v).strip() for v in value]
        elif isinstance(value, (bool, dict)):
            problems.append(f"{place}, column {column}: must be text or a number.")
        else:
            values[column] = "" if value is None else str(value).strip()
    return values


def records(
    paths: list[str], fmt: str | None, problems: list[str]
) -> dict[str, list[Iterable[Record]]]:
    """Per kind, the streams of its records, to be read in KINDS order (a kind's references
    point only at kinds before it). The problems of the files themselves, and of their rows
    as they are read, are added to `problems`."""
    if fmt not in (None, "csv", "json"):
        raise InvalidInput(f"--format '{quoted(fmt)}' is not csv or json.")
    found, of_files = sources(paths, fmt)
    problems.extend(of_files)
    per_kind: dict[str, list[Iterable[Record]]] = {kind: [] for kind in KINDS}
    for source in found:
        if source.fmt == "json":
            for kind, items in read_json(source, problems).items():
                per_kind[kind].append(items)
        else:
            told = source.kind or _peek_kind(source.path)
            per_kind[told or "contracts"].append(read_csv(source, problems))
    return per_kind


def _peek_kind(path: str) -> str | None:
    """The kind a CSV file's header row tells (read_csv reports a header that tells none)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    return _kind_of_header([h.strip().lower() for h in header])
