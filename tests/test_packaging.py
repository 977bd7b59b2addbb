"""What `pip install .` puts on a machine: every module of the console and the command
line imports from the installed copy, not only from this checkout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_module_imports_outside_the_checkout(tmp_path):
    modules = sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for package in ("storage", "tui")
        for path in (ROOT / package).rglob("*.py")
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    done = subprocess.run(
        [sys.executable, "-c", code, *modules],
        cwd=tmp_path,  # not the checkout: the installed package must hold everything
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "tui.screens.contract" in modules and "tui.widgets.paged_table" in modules


def test_the_stylesheet_is_installed_with_the_console(tmp_path):
    code = "import pathlib, tui.app; print(pathlib.Path(tui.app.ContractsApp.CSS_PATH).is_file())"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.stdout.strip() == "True", done.stderr[-2000:]
