"""Finding things by the names people use: CNR-000001, CNR-000001/2, CAS-000001, names."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from typing import TypeVar

import peewee as pw

from .db import is_postgres
from .errors import InvalidInput, NotFound
from .models import Case, Contract, Customer, Line, Template
from .text import quoted

M = TypeVar("M", bound=pw.Model)

_CONTRACT = re.compile(r"^\s*(?:CNR-?)?0*(\d{1,12})\s*$", re.IGNORECASE)
_LINE = re.compile(r"^\s*(?:CNR-?)?0*(\d{1,12})\s*/\s*(\d{1,6})\s*$", re.IGNORECASE)
_CASE = re.compile(r"^\s*(?:CAS-?)?0*(\d{1,12})\s*$", re.IGNORECASE)
# The largest id the id columns hold (32-bit on PostgreSQL): a bigger number names nothing,
# the same answer on both databases, without asking either.
MAX_ID = 2**31 - 1
# Contracts found by `find_contract` inside `remembering_contracts()`, by id (per thread).
_remembered = threading.local()


def contract_number(contract_id: int) -> str:
    return f"CNR-{contract_id:06d}"


def case_number(case_id: int) -> str:
    return f"CAS-{case_id:06d}"


def line_ref(contract_id: int, position: int) -> str:
    return f"{contract_number(contract_id)}/{position}"


def looks_like_contract(text: str) -> bool:
    return bool(re.match(r"^\s*CNR-?\d+\s*$", text or "", re.IGNORECASE))


def contract_id(number: str) -> int:
    match = _CONTRACT.match(str(number or ""))
    if not match:
        raise InvalidInput(
            f"'{quoted(number)}' is not a contract number; write it like CNR-000123."
        )
    return int(match.group(1))


# The one way a write reads a row it is going to decide on: locked until its transaction
# ends, so that the read and the write are one atomic step and a concurrent change waits
# (PostgreSQL; on SQLite every write transaction is BEGIN IMMEDIATE, serialised already).
# NO KEY UPDATE: a row being changed can still be referenced by new rows meanwhile.
ROW_LOCK = "FOR NO KEY UPDATE"


def lock_rows(query: pw.ModelSelect[M]) -> pw.ModelSelect[M]:
    """`query` reading its rows locked, when run inside a write transaction on PostgreSQL."""
    from .models import database

    if is_postgres() and database.in_transaction():
        # peewee takes the lock clause as text too; its stubs only say bool
        return query.for_update(ROW_LOCK)  # type: ignore[arg-type]
    return query


def find_contract(number: str, *, lock: bool = False) -> Contract:
    """The contract; with `lock`, locked until the end of the write (see lock_rows). Inside
    `remembering_contracts()`, a contract found once is not read again."""
    cid = contract_id(number)
    if cid > MAX_ID:
        raise NotFound(f"there is no contract {contract_number(cid)}.")
    memory = None if lock else getattr(_remembered, "contracts", None)
    if memory is not None and cid in memory:
        return memory[cid]
    query = Contract.select().where(Contract.id == cid)
    if lock:
        query = lock_rows(query)
    contract = query.first()
    if contract is None:
        raise NotFound(f"there is no contract {contract_number(cid)}.")
    if memory is not None:
        memory[cid] = contract
    return contract


@contextlib.contextmanager
def remembering_contracts() -> Iterator[None]:
    """For several reads about the same contract in one storage call (a screen's worth):
    each finds it by its number, and only the first reads it from the database."""
    outer = getattr(_remembered, "contracts", None)
    _remembered.contracts = {} if outer is None else outer
    try:
        yield
    finally:
        _remembered.contracts = outer


def line_parts(ref: str | None) -> tuple[int, int]:
    """(contract id, position) of a reference like CNR-000123/1."""
    match = _LINE.match(str(ref or ""))
    if not match:
        raise InvalidInput(f"'{quoted(ref)}' is not a contract line; write it like CNR-000123/1.")
    cid = int(match.group(1))
    if cid > MAX_ID:
        raise NotFound(f"there is no contract {contract_number(cid)}.")
    return cid, int(match.group(2))


def find_line(ref: str | None, *, lock: bool = False) -> Line:
    cid, position = line_parts(ref)
    query = Line.select().where((Line.contract == cid) & (Line.position == position))
    line = (lock_rows(query) if lock else query).first()
    if line is None:
        if not Contract.select().where(Contract.id == cid).exists():
            raise NotFound(f"there is no contract {contract_number(cid)}.")
        raise NotFound(f"contract {contract_number(cid)} has no line {position}.")
    return line


def find_case(number: str, *, lock: bool = False, with_line: bool = False) -> Case:
    """The case; `with_line`: its line read with it (`case.line`, when it has one)."""
    match = _CASE.match(str(number or ""))
    if not match:
        raise InvalidInput(f"'{quoted(number)}' is not a case number; write it like CAS-000123.")
    case_id = int(match.group(1))
    query = Case.select(Case, Line).join(Line, pw.JOIN.LEFT_OUTER) if with_line else Case.select()
    query = query.where(Case.id == case_id)
    case = (lock_rows(query) if lock else query).first() if case_id <= MAX_ID else None
    if case is None:
        raise NotFound(f"there is no case {case_number(int(match.group(1)))}.")
    return case


def find_customer(name: str) -> Customer:
    key = " ".join(str(name or "").split()).casefold()
    if not key:
        raise InvalidInput("the customer name is empty.")
    customer = Customer.get_or_none(Customer.name_key == key)
    if customer is None:
        similar = [
            c.name
            for c in Customer.select(Customer.name)
            .where(Customer.name_key.contains(key[:20]))
            .order_by(Customer.name_key)
            .limit(3)
        ]
        hint = f" Did you mean {', '.join(similar)}?" if similar else ""
        raise NotFound(f"there is no customer named '{quoted(name)}'.{hint}")
    return customer


def find_template(name: str) -> Template:
    raw = str(name or "").strip()
    if not raw:
        raise InvalidInput("the template name is empty.")
    template = Template.get_or_none(Template.name == raw) or Template.get_or_none(
        Template.abbr == raw.upper()
    )
    if template is None:
        template = Template.select().where(Template.name.ilike(raw)).first()  # the name in any case
    if template is None:
        raise NotFound(f"there is no template named '{quoted(name)}'.")
    return template
