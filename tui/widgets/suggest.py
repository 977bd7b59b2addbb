"""Completion of customer names as you type, asked from the database (there may be many)."""

from __future__ import annotations

import asyncio

from textual.suggester import Suggester

import storage


def _customer_names(prefix: str) -> list[str]:
    with storage.session():
        return [c.name for c in storage.list_customers(prefix, limit=50)]


class CustomerSuggester(Suggester):
    """Suggests the first customer whose name starts with what was typed (→ accepts it)."""

    def __init__(self) -> None:
        super().__init__(use_cache=True, case_sensitive=False)

    async def get_suggestion(self, value: str) -> str | None:
        if not value.strip():
            return None
        try:
            names = await asyncio.to_thread(_customer_names, value)
        except (storage.Refused, storage.DatabaseUnavailable):
            return None
        return next((name for name in names if name.casefold().startswith(value)), None)
