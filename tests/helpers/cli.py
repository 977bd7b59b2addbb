"""The `contracts` command through click, typed as in a shell, and the small world its
tests build with it (customers and templates added by commands, not by storage)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from click.testing import CliRunner

from tests.helpers.world import dump
from tui.cli import cli

ROOT = Path(__file__).resolve().parent.parent.parent


class Contracts:
    """The `contracts` command against one database, typed as in a shell:
    `run("check Acme --json", today="2026-06-15")`."""

    def __init__(self, url: str, env: dict | None = None):
        self.url = url
        self.runner = CliRunner(env={"COLUMNS": "80", **(env or {})})

    def __call__(self, command: str = "", *, today: str | None = None, code: int = 0):
        argv = ["--db", self.url] + (["--today", today] if today else []) + shlex.split(command)
        result = self.runner.invoke(cli, argv, catch_exceptions=False)
        assert result.exit_code == code, (
            f"contracts {command}: exit {result.exit_code}, expected {code}\n"
            f"stdout: {result.stdout}\nstderr: {result.stderr}"
        )
        assert "Traceback" not in result.stdout + result.stderr
        return result

    def out(self, command: str, **kwargs) -> str:
        """The stdout of the command, stripped."""
        return self(command, **kwargs).stdout.strip()

    def json(self, command: str, **kwargs):
        return json.loads(self(command + " --json", **kwargs).stdout)

    def refused(self, command: str, match: str, code: int = 2, today: str | None = None) -> str:
        """Run a command that must be refused: one line on stderr, nothing changed."""
        before = dump()
        result = self(command, today=today, code=code)
        assert_one_line(result.stderr, match)
        assert result.stdout == ""
        assert dump() == before
        return result.stderr.strip()


def assert_one_line(stderr: str, match: str) -> None:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("contracts: "), stderr
    assert match in lines[0], stderr


def new_command(start: str, end: str, customer="Acme Corp", template="PHONE") -> str:
    """The command that makes a draft: `new --customer … --template … --start … --end …`."""
    who, terms = shlex.quote(customer), shlex.quote(template)
    return f"new --customer {who} --template {terms} --start {start} --end {end}"


def make_world(run: Contracts) -> None:
    """Acme Corp and Globex; a template of each allotment type."""
    run("customer add 'Acme Corp' --email ops@acme.test")
    run("customer add Globex")
    run(
        "template add 'Phone Support' --abbr PHONE --allotment cases --billing quarterly "
        "--volume 10"
    )
    run(
        "template add 'Dev Hours' --abbr DEV --allotment time --billing monthly --volume 40h "
        "--increment 15m --minimum 30m"
    )
    run("template add 'Premium Cover' --abbr COVER --allotment coverage --billing annually")


def active_contract(
    run: Contracts, template="PHONE", customer="Acme Corp", allotment="", today="2026-06-15"
) -> str:
    """A contract for 2026 with one line, invoiced on `today` (so active at once)."""
    number = run.out(new_command("2026-01-01", "2026-12-31", customer, template), today=today)
    extra = f"--allotment {allotment}" if allotment else ""
    run(f"line add {number} --title Support --price 1200 {extra}", today=today)
    run(f"invoice {number}", today=today)
    return number
