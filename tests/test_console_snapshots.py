"""Screenshots of the main screens at 80×24 and 120×36 (pytest-textual-snapshot).

The data is fixed and today is frozen (2026-06-15), the cursor does not blink and the
change poller is off, so the pictures only change when the layout does. After a deliberate
change of layout: look at the report, then `pytest tests/test_console_snapshots.py
--snapshot-update`.
"""

from __future__ import annotations

import pytest

import storage
from tests.helpers import (
    active_contract,
    ago,
    charged_on,
    contract_in,
    draft_invoiced_held_canceled,
    make_world,
    office_hours_contract,
)
from tests.helpers.console import pooled, quick_pilot, settle, write  # noqa: F401 - a fixture
from tui.app import ContractsApp
from tui.screens.contract import ContractScreen


@pytest.fixture
def shop(sqlite_url):
    """A support desk on 2026-06-15: lines at every level of use, contracts in every status."""
    make_world()
    storage.add_customer("Initech", email="help@initech.test")
    numbers = {"expired": contract_in("expired")}
    numbers["acme"] = active_contract(lines=4)
    for position, charges in ((1, 3), (2, 8), (3, 10)):
        for i in range(charges):
            storage.resolve(
                f"{numbers['acme']}/{position}",
                f"Case {position}.{i + 1}",
                resolution="solved on the phone",
            )
    for i in range(11):
        storage.resolve(f"{numbers['acme']}/4", f"Urgent {i + 1}", override=i >= 10)
    numbers["dev"] = active_contract("Dev Hours", customer="Initech", allotment="40h")
    for spent in ("1h30m", "45m", "2h"):
        storage.resolve(numbers["dev"] + "/1", "Deployment help", spent=spent)
    numbers["cover"] = active_contract("Premium Cover", customer="Globex")
    storage.resolve(numbers["cover"] + "/1", "Outage")
    numbers.update(draft_invoiced_held_canceled())
    return sqlite_url, numbers


def console(url: str) -> ContractsApp:
    pooled(url)  # as `contracts` opens the database for the console
    return ContractsApp(url, poll_seconds=0, cursor_blink=False, safety_net=False)


BOTH_SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])


def pressing(*keys: str):
    """Before the picture: the keys pressed once the console has settled."""

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)

    return run_before


def checking(customer: str):
    """Before the picture: the check screen asked about `customer`."""

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("c")
        await write(pilot, customer)
        await pilot.press("enter")
        await settle(pilot)

    return run_before


def showing(screen_class, *args, then: tuple[str, ...] = ()):
    """Before the picture: `screen_class(*args)` pushed, then the keys of `then` pressed."""

    async def run_before(pilot):
        await settle(pilot)
        pilot.app.push_screen(screen_class(*args))
        await settle(pilot)
        if then:
            await pilot.press(*then)
            await settle(pilot)

    return run_before


@BOTH_SIZES
def test_contracts_screen(shop, snap_compare, size):
    url, _numbers = shop
    assert snap_compare(console(url), terminal_size=size, run_before=settle)


@BOTH_SIZES
def test_contract_detail(shop, snap_compare, size):
    url, numbers = shop
    run_before = showing(ContractScreen, numbers["acme"])
    assert snap_compare(console(url), terminal_size=size, run_before=run_before)


def test_record_case_modal(shop, snap_compare):
    url, numbers = shop

    async def run_before(pilot):
        await showing(ContractScreen, numbers["dev"])(pilot)
        await pilot.press("r")
        await write(pilot, "Deployment help")
        await pilot.press("tab", "9", "x")
        await settle(pilot)

    assert snap_compare(console(url), terminal_size=(80, 24), run_before=run_before)


@BOTH_SIZES
def test_check_screen(shop, snap_compare, size):
    url, _numbers = shop
    assert snap_compare(console(url), terminal_size=size, run_before=checking("Acme Corp"))


@BOTH_SIZES
def test_cases_screen(shop, snap_compare, size):
    url, _numbers = shop
    assert snap_compare(console(url), terminal_size=size, run_before=pressing("s", "4"))


@BOTH_SIZES
def test_check_screen_with_a_pick_list(shop, snap_compare, size):
    url, _numbers = shop
    assert snap_compare(console(url), terminal_size=size, run_before=checking("e"))


@pytest.fixture
def burning(shop):
    """The shop, with a line used at a steady rate over the last weeks and one that ends
    soon: every section of the attention screen that a small desk fills."""
    url, numbers = shop
    numbers["steady"] = active_contract(customer="Initech", lines=2)
    days = [ago(d) for d in (75, 61, 40, 33, 26, 19, 12, 5, 5, 1)]
    charged_on(f"{numbers['steady']}/1", *days[:6])
    charged_on(f"{numbers['steady']}/2", *days)
    numbers["ending"] = active_contract(customer="Globex", end="2026-07-01")
    return url, numbers


@BOTH_SIZES
def test_attention_screen(burning, snap_compare, size):
    url, _numbers = burning
    run_before = pressing("exclamation_mark")
    assert snap_compare(console(url), terminal_size=size, run_before=run_before)


@BOTH_SIZES
def test_line_burn_chart(burning, snap_compare, size):
    url, numbers = burning
    run_before = showing(ContractScreen, numbers["steady"], then=("down",))
    assert snap_compare(console(url), terminal_size=size, run_before=run_before)


@pytest.fixture
def vpn_case(shop, monkeypatch):
    """A time case on Initech's Dev Hours, opened by rita, resolved, reopened and resolved
    again by sam, every stamp at 2026-06-15 09:30 UTC and shown in UTC."""
    import pendulum

    url, numbers = shop
    stamp = pendulum.datetime(2026, 6, 15, 9, 30).timestamp()
    monkeypatch.setattr(storage.clock, "time", type("Clock", (), {"time": lambda: stamp}))
    monkeypatch.setattr(storage.clock, "local_zone", lambda: pendulum.timezone("UTC"))
    with storage.acting_as("rita"):
        case = storage.open_case("Initech", "VPN drops every hour", line=numbers["dev"] + "/1")
    with storage.acting_as("sam"):
        storage.resolve_case(case, spent="10m", resolution="restarted the gateway")
        storage.reopen_case(case)
        storage.resolve_case(
            case,
            spent="1h5m",
            resolution="replaced the gateway's power supply; the tunnel has held for a day",
        )
    return url, case


@BOTH_SIZES
def test_case_detail(vpn_case, snap_compare, size):
    from tui.screens.case_detail import CaseScreen

    url, case = vpn_case
    assert snap_compare(console(url), terminal_size=size, run_before=showing(CaseScreen, case))


@BOTH_SIZES
def test_audit_trail(vpn_case, snap_compare, size):
    from tui.screens.audit import AuditScreen

    url, case = vpn_case
    assert snap_compare(console(url), terminal_size=size, run_before=showing(AuditScreen, case))


@pytest.fixture
def after_hours(sqlite_url):
    """Acme Corp on Madrid office hours, checked on Monday 2026-06-15 at 22:00 in Madrid."""
    number = office_hours_contract("Mon-Fri 08:00-18:00, Sat 09:00-13:00 Europe/Madrid", lines=2)
    storage.resolve(number + "/1", "Printer jam")
    return sqlite_url


@BOTH_SIZES
def test_check_screen_outside_hours(after_hours, snap_compare, size):
    run_before = checking("Acme Corp")
    assert snap_compare(console(after_hours), terminal_size=size, run_before=run_before)
