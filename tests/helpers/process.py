"""The `contracts` command as a real process, as a user (or a phone system) runs it.

`python -m tui.main` from this checkout, with this checkout first on PYTHONPATH, so the
code under test is the one that runs (not an installed copy)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str
    seconds: float


def environment(extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTRACTS_")}
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if "PYTHONPATH" in env else "")
    env["COLUMNS"] = "100"
    env.update(extra or {})
    return env


def _run(argv: list[str], env: dict | None, timeout: float) -> Ran:
    """Run `argv` from this checkout with its environment, capturing what it printed."""
    started = time.monotonic()
    env = environment(env)
    done = subprocess.run(
        argv, check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    return Ran(done.returncode, done.stdout, done.stderr, time.monotonic() - started)


def contracts(url: str, command: str, *, env: dict | None = None, timeout: float = 30) -> Ran:
    """Run `contracts --db URL COMMAND` (shell words) and return what it did.

    Raises subprocess.TimeoutExpired when it has not finished within `timeout` seconds."""
    argv = [sys.executable, "-m", "tui.main", "--db", url, *shlex.split(command)]
    return _run(argv, env, timeout)


def python(code: str, *, env: dict | None = None, timeout: float = 30) -> str:
    """Run a few lines of Python against this checkout in a new process; returns stdout."""
    done = _run([sys.executable, "-c", code], env, timeout)
    assert done.code == 0, done.stderr
    return done.stdout
