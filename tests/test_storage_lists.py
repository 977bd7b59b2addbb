"""What the console's lists and check read from storage, on both databases: the true count
of cases behind a capped list, and the customers a check by part of a name matched."""

from __future__ import annotations

import storage
from tests.helpers import active_contract, make_world


def test_count_cases_counts_every_case_the_list_would_show(db_url):
    make_world()
    number = active_contract()
    for i in range(4):
        storage.resolve(f"{number}/1", f"Printer jam {i + 1}")
    storage.open_case("Globex", "Slow laptop")
    assert len(storage.list_cases("resolved", limit=2)) == 2
    assert storage.count_cases("resolved") == 4
    assert storage.count_cases("all") == 5
    assert storage.count_cases("open", text="laptop") == 1
    assert storage.count_cases("resolved", text="jam 3") == 1
    assert storage.count_cases("resolved", customer="Globex") == 0


def test_a_check_by_part_of_a_name_names_every_customer_it_matched(db_url):
    make_world()
    for name in ("Pine Harbor Foods", "Pine Harbor Marine", "Pineapple Ltd"):
        storage.add_customer(name)
    result = storage.check("pine harbor")
    assert not result.entitled and result.customer is None
    assert result.matches == ["Pine Harbor Foods", "Pine Harbor Marine"]
    assert "matches" not in result.to_json()
    assert storage.check("pine harbor marine").matches == []
    assert storage.check("nobody at all").matches == []
