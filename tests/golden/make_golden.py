"""Writes the golden files: the long PyTorch reference runs that tests/test_trainer_equivalence.py compares with.

Each file holds one run of ``netlab.toy.reference.train_reference`` (the notebooks' loop, CPU torch,
float32) from ``helpers.GOLDEN_RUNS``: the run, iterations, checkpoints, final loss, errors and the
final weights. Refresh them after changing the reference loop, those runs, or torch:

    python tests/golden/make_golden.py             # all of them (minutes: 20 000 iterations each)
    python tests/golden/make_golden.py --jobs 2    # the same, two runs at a time
    python tests/golden/make_golden.py --check     # recompute, compare with the files, write nothing
    python tests/golden/make_golden.py NAME...     # only these files (names without .json)

(with the project's environment, e.g. ``.venv/bin/python``). The test suite runs the shortest of them
again in PyTorch on every run; ``--check`` does it for all.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: conftest, helpers

from helpers import GOLDEN, GOLDEN_RUNS, ReferenceRun, assert_follows, golden_result


def dumps(record: dict) -> str:
    """A record as JSON, one key a line, and one checkpoint or layer a line."""

    def value(v) -> str:
        if isinstance(v, list) and v and isinstance(v[0], list | dict):
            return "[\n  " + ",\n  ".join(json.dumps(item) for item in v) + "\n ]"
        return json.dumps(v)

    return "{\n" + ",\n".join(f" {json.dumps(k)}: {value(v)}" for k, v in record.items()) + "\n}\n"


def compute(run: ReferenceRun) -> tuple[ReferenceRun, dict, float]:
    start = time.perf_counter()
    result = run.reference()
    return run, run.golden_record(result), time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="golden files to write (default: all)")
    parser.add_argument(
        "--check", action="store_true", help="compare with the files, write nothing"
    )
    parser.add_argument("--jobs", type=int, default=1, help="runs computed at a time")
    args = parser.parse_args()

    runs = {run.golden_file.stem: run for run in GOLDEN_RUNS}
    unknown = sorted(set(args.names) - set(runs))
    if unknown:
        parser.error(f"no such golden run: {', '.join(unknown)} (known: {', '.join(runs)})")
    chosen = [runs[name] for name in args.names] if args.names else list(runs.values())

    failed = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for run, record, seconds in pool.map(compute, chosen):
            path = run.golden_file
            if args.check:
                try:
                    assert_follows(golden_result(record), run.golden())
                except (AssertionError, OSError, ValueError) as error:
                    failed.append(path.name)
                    print(f"DIFFERS {path.name} ({seconds:.0f} s): {error}", flush=True)
                else:
                    print(f"ok      {path.name} ({seconds:.0f} s)", flush=True)
            else:
                path.write_text(dumps(record))
                print(f"wrote   {path.name} ({seconds:.0f} s)", flush=True)

    stale = sorted(
        {p.name for p in GOLDEN.glob("*.json")} - {r.golden_file.name for r in GOLDEN_RUNS}
    )
    if stale:
        print(f"not a run of helpers.GOLDEN_RUNS (delete them?): {', '.join(stale)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
