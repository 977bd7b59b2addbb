"""The sentences that tell a rep what a resolution or a reopening did to a line: what was
charged (and why, when the template rounded it) and what is left. The command line and the
console print the same sentence."""

from __future__ import annotations

from .contract_reads import contract_info, line_today
from .contract_views import ContractInfo, LineInfo
from .db import reads
from .lookup import find_case, find_contract, find_line, line_ref
from .models import Case, Contract


def _line_after(case: Case) -> tuple[LineInfo, Contract]:
    """The case's line as it is now (a LineInfo), and the contract's terms."""
    line = case.line
    assert line is not None  # the callers asked for a case charged to a line
    return line_today(line)


@reads
def resolved_notice(number: str) -> str:
    """`CAS-000001 resolved: charged 1 case to CNR-000001/1; 2 of 3 cases left.`, or with a
    rounded time charge `…: 10m spent, 30m charged (minimum 30m) to …; 9h 30m of 10h left.`"""
    return resolution_notice(number)[0]


@reads
def resolution_notice(number: str) -> tuple[str, bool]:
    """The sentence of `resolved_notice`, and whether it says the case was recorded outside
    the contract's service hours (the console shows that as a warning)."""
    return _notice(find_case(number))


def _notice(case: Case) -> tuple[str, bool]:
    """`resolution_notice` of a case found already."""
    if case.line_id is None:
        return (
            f"{case.number} resolved; it is not linked to a contract line, so nothing was charged.",
            False,
        )
    line, contract = _line_after(case)
    return _resolution(case, line, contract)


@reads
def resolution_and_contract(case_number: str, number: str) -> tuple[str, bool, ContractInfo]:
    """`resolution_notice`, and the contract `number` as its screen shows it once the case
    is recorded, read together: the case's line, when it is one of that contract's, is taken
    from the contract read for the screen, not read again."""
    case = find_case(case_number, with_line=True)
    contract = find_contract(number)
    info = contract_info(contract)
    line = case.line if case.line_id is not None else None
    ref = line_ref(line.contract_id, line.position) if line is not None else None
    shown = next((each for each in info.lines if each.ref == ref), None)
    if shown is None:  # not charged, or to a line of another contract
        return (*_notice(case), info)
    return (*_resolution(case, shown, contract), info)


def _resolution(case: Case, line: LineInfo, contract: Contract) -> tuple[str, bool]:
    kind = line.kind
    if not kind.metered:
        sentence = f"{case.number} resolved on {line.ref} ({kind.name}: {line.cases} cases so far)."
    else:
        charged = kind.charged_words(case.spent, case.charged, contract.increment, contract.minimum)
        sentence = f"{case.number} resolved: {charged} to {line.ref}; {line.left_sentence}."
    return _late(sentence, contract)


def _late(sentence: str, contract: Contract) -> tuple[str, bool]:
    """The sentence, and that the case was recorded outside the contract's service hours
    when it was (recording is allowed: work happens late); whether it was."""
    from .entitlement import outside_hours_of

    late = outside_hours_of(contract)
    return (f"{sentence} {late}", True) if late else (sentence, False)


@reads
def reopened_notice(number: str, returned: int) -> str:
    """`CAS-000002 reopened; 1 case returned to CNR-000001/1 (1 of 3 cases left).`"""
    case = find_case(number)
    if not returned or case.line_id is None:
        return f"{case.number} reopened."
    line, _contract = _line_after(case)
    return (
        f"{case.number} reopened; {line.kind.words(returned)} returned to {line.ref} "
        f"({line.left_sentence})."
    )


@reads
def adjusted_notice(ref: str, change: object) -> str:
    """`Adjusted CNR-000001/1 by -1: 9 of 10 cases left.`"""
    line, _contract = line_today(find_line(ref))
    return f"Adjusted {line.ref} by {change}: {line.left_sentence}."
