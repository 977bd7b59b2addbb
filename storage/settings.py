"""The database's settings (SPEC §2): the business time zone, the default phone region and
when something needs attention (thresholds, "ending within"), read by everyone, changed by a
supervisor."""

from __future__ import annotations

from dataclasses import dataclass

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
    for name, value in ATTENTION_DEFAULTS.items():
        values.setdefault(name, value)
    return values


def check_zone(name: object) -> str:
    """A time zone name as typed, or one sentence saying it is not one."""
    zone = str(name or "").strip()
    if not clock.is_zone(zone):
        raise InvalidInput(
            f"'{zone[:40]}' is not a time zone; give a name like Europe/Madrid or UTC."
        )
    return zone


def _store(name: str, value: str) -> str | None:
    """Set a setting and return the value it had (None: never set). Its row is read locked
    until the end of the write: two changes of it decide one after the other, each on the
    value the other left (see lookup.lock_rows)."""
    from .lookup import lock_rows

    old = lock_rows(Setting.select().where(Setting.name == name)).first()
    if old is None:
        Setting.create(name=name, value=value)
        return None
    Setting.update(value=value).where(Setting.id == old.id).execute()
    return old.value


@writes
def set_zone(name: object) -> str:
    """Change the business time zone: what "today" is for everyone using the database."""
    zone = check_zone(name)
    who = require(SUPERVISOR_ONLY, "change the database's settings")
    old = _store("zone", zone)
    audit.record("setting", "zone", "edit", who, {"zone": [old, zone]})
    clock.set_zone(zone)
    return zone


# ---------------------------------------------------------------- attention (SPEC §2)

ATTENTION_DEFAULTS = {"threshold_warn": "75", "threshold_alert": "90", "ending_within": "30"}


@dataclass(frozen=True)
class AttentionSettings:
    """When a line or a contract needs attention: used at or past `warn` / `alert` percent
    of its allotment; a contract ending within `within` days with no renewal yet."""

    warn: int = 75
    alert: int = 90
    within: int = 30


@reads
def attention_settings() -> AttentionSettings:
    values = dict(ATTENTION_DEFAULTS)
    rows = Setting.select(Setting.name, Setting.value).where(
        Setting.name.in_(list(ATTENTION_DEFAULTS))
    )
    values.update({row.name: row.value for row in rows})
    return AttentionSettings(
        int(values["threshold_warn"]), int(values["threshold_alert"]), int(values["ending_within"])
    )


def check_thresholds(text: object) -> tuple[int, int]:
    """Two percentages as typed ("75,90"), the lower first, or one sentence saying why not."""
    parts = [p.strip().rstrip("%").strip() for p in str(text or "").split(",")]
    if len(parts) != 2 or not all(p.isdigit() and 1 <= int(p) <= 100 for p in parts):
        raise InvalidInput(
            f"'{str(text)[:40]}' is not two thresholds; give two percentages from 1 to 100 "
            "like 75,90."
        )
    low, high = sorted(int(p) for p in parts)
    return low, high


def check_within(value: object) -> int:
    """A number of days (0 to 3650), or one sentence saying it is not one."""
    text = str(value if value is not None else "").strip()
    if not text.isdigit() or int(text) > 3650:
        raise InvalidInput(f"'{text[:40]}' is not a number of days from 0 to 3650.")
    return int(text)


@writes
def set_attention(thresholds: object = None, within: object = None) -> AttentionSettings:
    """Change the attention thresholds ("75,90") and/or the days "ending within" counts."""
    new = {}
    if thresholds is not None:
        new["threshold_warn"], new["threshold_alert"] = map(str, check_thresholds(thresholds))
    if within is not None:
        new["ending_within"] = str(check_within(within))
    who = require(SUPERVISOR_ONLY, "change the database's settings")
    changes = {}
    for name, value in new.items():
        old = _store(name, value)
        changes[name] = [old if old is not None else ATTENTION_DEFAULTS[name], value]
    if changes:
        audit.record("setting", "attention", "edit", who, changes)
    return attention_settings()


@writes
def set_phone_region(code: object) -> str:
    """Change the default phone region: how a number without a country code is read (the
    numbers already stored keep their country)."""
    from .caller_id import REGION_SETTING, check_region

    region = check_region(code)
    who = require(SUPERVISOR_ONLY, "change the database's settings")
    changes = {REGION_SETTING: [_store(REGION_SETTING, region), region]}
    audit.record("setting", REGION_SETTING, "edit", who, changes)
    return region
