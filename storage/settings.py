"""The database's settings (SPEC §2): the business time zone and the default phone region,
read by everyone, changed by a supervisor."""

from __future__ import annotations

from . import audit, clock
from .db import reads, writes
from .errors import InvalidInput
from .models import Setting
from .people import SUPERVISOR_ONLY, require


@reads
def current_settings() -> dict[str, str]:
    """Every setting by name (the business zone as `zone`, the default phone region as
    `phone_region` when there is one)."""
    values = {row.name: row.value for row in Setting.select(Setting.name, Setting.value)}
    values.setdefault("zone", clock.business_zone_name())
    return values


def check_zone(name) -> str:
    """A time zone name as typed, or one sentence saying it is not one."""
    zone = str(name or "").strip()
    if not clock.is_zone(zone):
        raise InvalidInput(
            f"'{zone[:40]}' is not a time zone; give a name like Europe/Madrid or UTC."
        )
    return zone


@writes
def set_zone(name) -> str:
    """Change the business time zone: what "today" is for everyone using the database."""
    zone = check_zone(name)
    who = require(SUPERVISOR_ONLY, "change the database's settings")
    old = Setting.get_or_none(Setting.name == "zone")
    if old is None:
        Setting.create(name="zone", value=zone)
    else:
        Setting.update(value=zone).where(Setting.id == old.id).execute()
    audit.record("setting", "zone", "edit", who, {"zone": [old.value if old else None, zone]})
    clock.set_zone(zone)
    return zone


@writes
def set_phone_region(code) -> str:
    """Change the default phone region: how a number without a country code is read (the
    numbers already stored keep their country)."""
    from .caller_id import REGION_SETTING, check_region

    region = check_region(code)
    who = require(SUPERVISOR_ONLY, "change the database's settings")
    old = Setting.get_or_none(Setting.name == REGION_SETTING)
    if old is None:
        Setting.create(name=REGION_SETTING, value=region)
    else:
        Setting.update(value=region).where(Setting.id == old.id).execute()
    changes = {REGION_SETTING: [old.value if old else None, region]}
    audit.record("setting", REGION_SETTING, "edit", who, changes)
    return region
