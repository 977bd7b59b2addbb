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

pendulum imports dateutil's parser (and with it dateutil's time zones, importlib.resources,
tempfile and pathlib: about 15 ms) for the free-form parsing we never ask of it; the parser is
loaded on first use instead (the standard library's importlib.util.LazyLoader).
"""

from __future__ import annotations

import gc
import os
import sys


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


def _load_on_first_use(name: str) -> None:
    """Make module `name` (a submodule) load when one of its attributes is first read."""
    import importlib.util

    spec = importlib.util.find_spec(name)
    if name in sys.modules or spec is None or spec.loader is None:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, module)


def main() -> None:
    if _postgres_wanted(sys.argv[1:]):
        _import_psycopg2_without_ssl()
    else:
        sys.modules.setdefault("psycopg2", None)  # type: ignore[assignment]
    # Importing allocates many objects that live as long as the process; the collector
    # would walk them again and again while they load. Collect after, and never again them.
    gc.disable()
    _load_on_first_use("dateutil.parser")
    import storage.models  # noqa: F401 - every command but --help needs peewee and the models
    from tui.cli import main as cli_main

    gc.freeze()
    gc.enable()
    cli_main()


if __name__ == "__main__":
    main()
