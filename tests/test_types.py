"""Types: storage passes the type checker, and its lazily loaded names are all declared."""

from __future__ import annotations

import ast
import importlib
import os
import subprocess
import sys
from pathlib import Path

import storage

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str], timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=timeout,
        check=False,
    )


def test_storage_passes_the_type_checker(tmp_path):
    """mypy, configured in pyproject.toml ([tool.mypy]), on the checkout's storage/ (not a
    copy pip installed), with a cache of its own so that every run checks from scratch."""
    done = _run(["-m", "mypy", "--cache-dir", str(tmp_path / "mypy-cache")])
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"in {_source_count()} source files" in done.stdout, done.stdout


def _source_count() -> int:
    return sum(1 for _ in (ROOT / "storage").rglob("*.py"))


def test_every_lazy_name_resolves():
    for name, module in storage._WHERE.items():
        assert getattr(storage, name) is getattr(
            importlib.import_module(f"storage.{module}"), name
        ), name
    listed = dir(storage)
    assert set(storage.__all__) <= set(listed)
    assert {"Refused", "list_contracts", "verify"} <= set(listed)


def test_the_type_checking_block_declares_every_lazy_name():
    """What type checkers and editors see (`if TYPE_CHECKING:` imports) is exactly the
    table that `__getattr__` loads from."""
    tree = ast.parse((ROOT / "storage" / "__init__.py").read_text())
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
    )
    declared = {
        alias.name: node.module
        for node in block.body
        if isinstance(node, ast.ImportFrom) and node.level == 1
        for alias in node.names
    }
    assert declared == storage._WHERE


def test_importing_storage_loads_none_of_its_modules():
    """The declarations cost nothing at run time: `import storage` and `dir(storage)` load
    only the errors; a name loads its own module when first used."""
    code = (
        "import sys, storage\n"
        "names = dir(storage)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'storage'))\n"
        "storage.today\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'storage'))\n"
    )
    done = _run(["-c", code], timeout=60)
    before, after = done.stdout.splitlines()
    assert before == "['storage', 'storage.errors']", done.stdout + done.stderr
    assert after == "['storage', 'storage.clock', 'storage.errors']", done.stdout
