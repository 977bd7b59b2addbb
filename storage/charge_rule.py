"""The one rule that decides whether a case may be charged to a line (SPEC §4).

`check` asks it of every line it shows and every charge asks it before writing, so it lives
apart from the write path: `contracts check` loads this, not the charge's SQL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pendulum

from .allotments import allotment
from .lookup import line_ref
from .statuses import words as status_words

if TYPE_CHECKING:
    from .charge_sql import LoadedContract, LoadedLine
    from .models import Contract, Line


def charge_refusal(
    contract: Contract | LoadedContract,
    line: Line | LoadedLine,
    customer_id: int | None,
    on: pendulum.Date,
    amount: int,
    override: bool = False,
) -> str | None:
    """Why a case of this customer may not be charged `amount` to this line on this day,
    or None when it may. The one charging rule: `check` and every charge ask it."""
    ref = line_ref(contract.id, line.position)
    if customer_id is not None and customer_id != contract.customer_id:
        return f"{contract.number} belongs to {contract.customer.name}, not to the case's customer."
    if contract.status != "active":
        status = contract.status
        if status == "invoiced":
            return f"{contract.number} is invoiced but starts only on {contract.start}."
        if status == "canceled":
            return f"{contract.number} was canceled (service ended {contract.cancel_date})."
        if status == "expired":
            return f"{contract.number} expired on {contract.end}."
        if status == "draft":
            return f"{contract.number} is a draft, not yet invoiced."
        return f"{contract.number} is {status_words(status)}: no case can be charged to it."
    if line.status == "canceled":
        return f"line {ref} is canceled."
    if line.status == "expired":
        return f"line {ref} expired on {line.end}."
    if on < line.start:
        return f"line {ref} starts only on {line.start}."
    if on > line.end:
        return f"line {ref} ended on {line.end}."
    kind = allotment(contract.allotment_type)
    if not kind.metered or override:
        return None
    assert line.total is not None  # a case or time line always has a total (add_line)
    remaining = line.total - line.used
    if amount > remaining:
        if remaining <= 0:
            return f"allotment exhausted: line {ref} has used all {kind.words(line.total)}."
        return (
            f"allotment exhausted: line {ref} has {kind.format(remaining)} left, "
            f"this case needs {kind.format(amount)}."
        )
    return None
