"""What one filter keystroke asks of storage, timed: the counts per status under the text and
the first page (100 rows) of the list, on the All and Active tabs (issue 13).

Not a test (pytest does not collect it). Run it on a demo database, and the same with the
code to compare against first on the path (its own copy of the database: an older schema):

    python tests/filter_timing.py --db sqlite:///demo100k.db [--runs 7] [--texts sup,dai,xyz]

It prints, per text (and with no text), how many contracts hold it and the median
milliseconds of each call (each call run once before the timed runs), and the count the
All tab shows (`10,000+`: counting stopped at the limit; code without it shows the number).
"""

from __future__ import annotations

import argparse
import statistics
import time

TEXTS = "sup,ing,pin,026,dai,sola,& c,-0557,98765,xyz,pi,p"


def _median_ms(call, runs: int) -> float:
    call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--texts", default=TEXTS, help="comma-separated filter texts")
    args = parser.parse_args()

    import storage

    storage.open_database(args.db)
    print(f"database: {args.db}; medians of {args.runs} runs, ms")
    print(
        f"{'text':>10} {'matches':>9} {'All tab':>9} {'counts':>8} {'page all':>9} "
        f"{'page active':>12}"
    )
    for text in [*args.texts.split(","), ""]:
        held = storage.count_contracts(text=text or None)
        shown = storage.status_counts(text)
        tab = f"{shown['all']:,}{'+' if getattr(shown, 'at_least', False) else ''}"
        counts = _median_ms(lambda t=text: storage.status_counts(t), args.runs)
        page = _median_ms(lambda t=text: storage.list_contracts("all", t, limit=100), args.runs)
        active = _median_ms(
            lambda t=text: storage.list_contracts("active", t, limit=100), args.runs
        )
        print(f"{text!r:>10} {held:>9,} {tab:>9} {counts:8.1f} {page:9.1f} {active:12.1f}")


if __name__ == "__main__":
    main()
