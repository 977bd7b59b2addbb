"""The `contracts` script's entry point: a few lines that run before anything is imported.

Start-up matters: phone systems run `contracts check` on every incoming call.

peewee imports every database driver it can find when it is imported; psycopg2 (with ssl
and socket) costs about a tenth of `contracts check`'s start-up. When nothing on the
command line or in CONTRACTS_DB names PostgreSQL, the database is SQLite, so psycopg2 is
marked absent before peewee looks for it.

On PostgreSQL, psycopg2 imports Python's `ssl` module (about a fifth of a bare psycopg2
connect-and-query process) only to have Python set up OpenSSL's locking callbacks before
libpq does; OpenSSL 1.1 and later need no such callbacks, and without `ssl` psycopg2 falls
back to libpq's own set-up, as in any C program (libpq still encrypts connections itself).
So psycopg2 is imported while `ssl` cannot be, and `ssl` is importable again after.

Some modules are loaded on first use (_ON_FIRST_USE): each stands in `sys.modules` as an
empty module until one of its names is first read, which imports the real one.
- pendulum imports dateutil's parser (and with it dateutil's time zones,
  importlib.resources, tempfile and pathlib: about 15 ms) for the free-form parsing we never
  ask of it;
- peewee imports hashlib (and with it OpenSSL's libcrypto), socket and json for what `check`
  never asks of it (long index names, IP address fields, JSON fields): about 5 ms of its 70.
The standard library's importlib.util.LazyLoader cannot serve: on Python 3.11 a second
`import hashlib` reads the module's `__spec__`, which loads it.

When the command is done, the process leaves without Python's clean-up of every module and
object (about 3 ms of `contracts check`'s 75 at 100,000 contracts): the database is closed
by then and the output flushed. Only when no other thread runs, nothing but the imports
registered anything to run at exit (neither multiprocessing nor Textual did, and nothing had
before main() ran), and no -X option is given (-X importtime writes through C's buffered
stderr): else Python leaves as usual.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import threading
import types


def _postgres_wanted(argv: list[str]) -> bool:
    words = [*argv, os.environ.get("CONTRACTS_DB", "")]
    return any("postgres" in word for word in words)


def _import_psycopg2_without_ssl() -> None:
    if "ssl" in sys.modules:
        return
    sys.modules["ssl"] = None  # type: ignore[assignment]
    try:
        import psycopg2  # noqa: F401 - peewee imports it next; storage says if it is missing
    except ImportError:
        pass
    finally:
        del sys.modules["ssl"]


_ON_FIRST_USE = ("dateutil.parser", "hashlib", "socket", "json")
_loading = threading.Lock()


def _load_on_first_use(name: str) -> None:
    """Put an empty module in `sys.modules` (and, for a submodule, on its package) for module
    `name`; the first name read from it imports the real module (then in `sys.modules`, and
    on the package) and copies its names over."""
    import importlib
    import importlib.util

    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)  # a submodule's package is imported here
    if spec is None:
        return
    stand_in = types.ModuleType(name)
    stand_in.__spec__ = spec

    def first_use(attribute: str) -> object:
        if attribute == "__path__" and spec.submodule_search_locations is None:
            raise AttributeError(attribute)  # `from hashlib import md5` asks: not a package
        with _loading:
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]
            real = importlib.import_module(name)
            stand_in.__dict__.update(real.__dict__)
        return getattr(real, attribute)

    stand_in.__getattr__ = first_use  # type: ignore[method-assign]
    sys.modules[name] = stand_in
    package, _, child = name.rpartition(".")
    if package:
        setattr(sys.modules[package], child, stand_in)


def main() -> None:
    registered_before = _exit_callbacks()
    if _postgres_wanted(sys.argv[1:]):
        _import_psycopg2_without_ssl()
    else:
        sys.modules.setdefault("psycopg2", None)  # type: ignore[assignment]
    # Importing allocates many objects that live as long as the process; the collector
    # would walk them again and again while they load. Collect after, and never again them.
    gc.disable()
    for name in _ON_FIRST_USE:
        _load_on_first_use(name)
    import storage.models  # noqa: F401 - every command but --help needs peewee and the models
    from tui.cli import main as cli_main

    gc.freeze()
    gc.enable()
    # Left to run at exit: what the imports registered (logging's flush), unless a program
    # that called main() registered some before.
    at_exit = _exit_callbacks() if registered_before == 0 else None
    try:
        cli_main()
    except SystemExit as done:
        _leave_at_once(done, at_exit)
        raise


def _exit_callbacks() -> int | None:
    count = getattr(atexit, "_ncallbacks", None)  # CPython's; elsewhere: leave as usual
    return count() if count else None


def _leave_at_once(done: SystemExit, at_exit: int | None) -> None:
    """End the process with `done`'s code now, when nothing is left for Python's clean-up to
    do; else return (and Python leaves as usual)."""
    code = 0 if done.code is None else done.code
    if not isinstance(code, int) or at_exit is None or _exit_callbacks() != at_exit:
        return
    if threading.active_count() > 1 or sys._xoptions:  # -X importtime: C's buffer to flush
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe or stream: Python's own exit says so
        return
    os._exit(code)


if __name__ == "__main__":
    main()
