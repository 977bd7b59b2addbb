"""The sentences that tell a rep what a resolution or a reopening did to a line: what was
charged (and why, when the template rounded it) and what is left. The command line and the
console print the same sentence."""

from __future__ import annotations

from .contract_reads import line_today
from .contract_views import LineInfo
from .db import reads
from .lookup import find_case, find_line
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
    case = find_case(number)
    if case.line_id is None:
        return (
            f"{case.number} resolved; it is not linked to a contract line, so nothing was charged.",
            False,
        )
    line, contract = _line_after(case)
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
