"""`storage.refusals`: what the acting login may not do to a contract, in the engine's own
words, so the console offers only the rest (issue 10)."""

from __future__ import annotations

import storage
from tests.helpers import active_contract, contract_in, make_world, refused


def test_refusals_say_what_the_engine_would_say(db_url):
    make_world()
    number = active_contract()
    draft = contract_in("draft")
    assert storage.refusals("active", number) == {
        action: storage.refusal("active", action, number)
        for action in ("edit", "delete", "edit_line", "invoice", "release")
    }
    with storage.acting_as("sam"):
        storage.add_user("sam", "supervisor", confirm=True)
        storage.add_user("rita", "rep")
    with storage.acting_as("rita"):
        mine = storage.refusals("active", number)
        assert set(mine) == {
            "edit", "delete", "edit_line", "invoice", "release", "hold", "cancel", "renew",
            "cancel_line", "add_line", "adjust",
        }  # fmt: skip
        assert mine["hold"] == "only a supervisor may hold contracts; rita is a rep."
        # the engine refuses in the same words
        assert refused(storage.hold, number, match=mine["hold"]) == mine["hold"]
        assert refused(storage.add_line, number, "X", match=mine["add_line"]) == mine["add_line"]
        assert "add_line" not in storage.refusals("draft", draft)
    with storage.acting_as("nobody"):
        mine = storage.refusals("active", number)
        assert mine["charge"] == (
            "only listed users (rep or supervisor) may resolve cases; nobody may only read."
        )
        assert (
            refused(storage.resolve, number + "/1", "Jam", match=mine["charge"]) == mine["charge"]
        )
        assert mine["copy"].startswith("only listed users (rep or supervisor) may copy")
