"""The generator's dice: every draw of a fill comes from one seeded `Dice`."""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from _typeshed import SupportsLenAndGetItem

T = TypeVar("T")


class Dice(random.Random):
    """random.Random with cheaper integer draws (a few million are needed); seeded, so the
    same seed still gives the same data."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def randrange(self, n: int) -> int:  # type: ignore[override]  # only randrange(n) is drawn
        return int(self.random() * n)

    def choice(self, seq: SupportsLenAndGetItem[T]) -> T:
        return seq[int(self.random() * len(seq))]

    def weighted(self, items: Sequence[T], cumulative: Sequence[float]) -> T:
        """One of `items`, by cumulative weights (itertools.accumulate of the weights)."""
        return items[bisect(cumulative, self.random() * cumulative[-1])]
