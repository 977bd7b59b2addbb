"""What `pip install .` puts on a machine: every module of the console and the command
line imports from the installed copy, not only from this checkout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def installed(code: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run Python `code` in a new process in `cwd` (not the checkout) without PYTHONPATH:
    only the installed package can answer its imports."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    argv = [sys.executable, "-c", code, *args]
    return subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_every_module_imports_outside_the_checkout(tmp_path):
    modules = sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for package in ("storage", "tui")
        for path in (ROOT / package).rglob("*.py")
    )
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    done = installed(code, *modules, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "tui.screens.contract" in modules and "tui.widgets.paged_table" in modules


def test_the_stylesheet_is_installed_with_the_console(tmp_path):
    code = "import pathlib, tui.app; print(pathlib.Path(tui.app.ContractsApp.CSS_PATH).is_file())"
    done = installed(code, cwd=tmp_path)
    assert done.stdout.strip() == "True", done.stderr[-2000:]
