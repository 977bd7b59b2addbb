"""How a table's columns share its width: shared by `KeyTable` and `PagedTable`."""

from __future__ import annotations

from collections.abc import Sequence


def drop_columns(widths: Sequence[int], drops: Sequence[int], width: int, gap: int) -> list[int]:
    """The indexes of the columns kept at `width`: while they need more (each its width plus
    `gap`), the one with the highest `drop` goes (0: never dropped)."""
    kept = list(range(len(widths)))
    while sum(widths[i] + gap for i in kept) > width:
        droppable = [i for i in kept if drops[i]]
        if not droppable:
            break
        kept.remove(max(droppable, key=lambda i: drops[i]))
    return kept


def shrink_flexible(widths: list[int], flexes: Sequence[int], spare: int, floor: int) -> None:
    """Too narrow (`spare` < 0): the flexible columns give way, widest first, down to
    `floor` cells each. Changes `widths` in place."""
    for i in sorted(range(len(widths)), key=lambda i: -widths[i]):
        if flexes[i] and spare < 0:
            give = min(-spare, max(0, widths[i] - floor))
            widths[i] -= give
            spare += give


def share_spare(widths: list[int], flexes: Sequence[int], spare: int) -> None:
    """The spare cells go to the flexible columns by their weight; what rounding leaves
    goes to the first of them. Changes `widths` in place; some column must be flexible."""
    flex = sum(flexes)
    flexible = [i for i, f in enumerate(flexes) if f]
    given = 0
    for i in flexible:
        share = spare * flexes[i] // flex
        widths[i] += share
        given += share
    widths[flexible[0]] += spare - given
