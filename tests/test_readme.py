"""The README's sample command-line session, run as written: every command of the block
under "The command line" against a fresh database, each output compared line by line with
what the README shows, so the README cannot drift from what `contracts` prints.

The block's conventions: `$ contracts …` is typed (`&&` chains stop at the first failure),
the lines below it are what the terminal shows (stdout and stderr as they come), a trailing
`(exit N)` is the exit code, and `# after two more` means the command ran twice before.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

import pendulum

import storage
from tests.helpers.cli import ROOT
from tui.cli import cli

EXIT = re.compile(r"\s+\(exit (\d+)\)$")
AFTER = re.compile(r"#\s*after (\w+) more\s*$")
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}


@dataclass
class Step:
    typed: str
    commands: list[str]  # each without the leading `contracts`
    before: int  # times the command ran before, unseen (`# after two more`)
    expected: list[str]
    code: int


def _session_block() -> tuple[str, list[str]]:
    """The day the session is shown on, and the lines of its block."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## The command line\n", 1)[1]
    day = re.search(r"as typed on (\d{4}-\d{2}-\d{2})", section).group(1)
    block = section.split("```\n", 2)[1]
    return day, block.splitlines()


def _steps(lines: list[str]) -> list[Step]:
    steps: list[Step] = []
    for line in lines:
        if line.startswith("$ "):
            typed = line[2:]
            after = AFTER.search(typed)
            typed = AFTER.sub("", typed).strip()
            commands = []
            for part in typed.split(" && "):
                words = shlex.split(part)
                assert words[0] == "contracts", line
                commands.append(shlex.join(words[1:]))
            before = NUMBERS[after.group(1)] if after else 0
            steps.append(Step(typed, commands, before, [], 0))
            continue
        exit_code = EXIT.search(line)
        if exit_code:
            steps[-1].code = int(exit_code.group(1))
            line = EXIT.sub("", line)
        steps[-1].expected.append(line.rstrip())
    return steps


def test_the_readme_session_prints_what_the_readme_shows(run):
    day, lines = _session_block()
    steps = _steps(lines)
    assert len(steps) >= 10 and any(s.code for s in steps)  # the block was found and read
    storage.clock.freeze(pendulum.parse(day).date())  # the day it shows, not --today
    for step in steps:
        for _ in range(step.before):
            run(step.commands[0])
        shown, code = [], 0
        for command in step.commands:
            result = run.runner.invoke(cli, ["--db", run.url, *shlex.split(command)])
            shown += result.output.splitlines()
            code = result.exit_code
            if code:
                break
        assert (code, [x.rstrip() for x in shown]) == (step.code, step.expected), step.typed
