"""The report of a large sweep: build time and page size against the number of trials.

    python benchmarks/report_scale.py --trials 10 100 200   # data1..data5 x H 2..21 x N trials each

For each N it writes a results tree with the report tests' fixture (``tests/browser/report_fixture.py``:
trial records, summaries, figures and metrics made by netlab's own functions, the toy experiment replaced
by one sweep of data1..data5 x ``--hidden`` x N trials, the data sets as in config.yaml), then times
``netlab.report.build.write_report`` on it, in this process, and prints the page's size and the largest
tables beside it. Writing the fixture is not timed.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(Path(__file__).resolve().parent)]
from browser.report_fixture import config, make_results  # noqa: E402  (the report tests' results)
from sweep import sweep_config  # noqa: E402  (the same sweep as benchmarks/sweep.py)

from netlab.report.build import write_report  # noqa: E402


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trials", type=int, nargs="+", default=[10, 100, 200])
    parser.add_argument("--hidden", type=int, nargs="+", default=list(range(2, 22)))
    return parser.parse_args()


def main() -> None:
    args = arguments()
    datasets = yaml.safe_load((ROOT / "config.yaml").read_text())["datasets"]
    print("| trials | settings | build s | page MB | largest table (MB) |\n|---|---|---|---|---|")
    for trials in args.trials:
        experiments = sweep_config(ROOT, args.hidden, trials, 2000)["experiments"]
        names = experiments["sweep"]["datasets"]
        cfg = config(datasets={name: datasets[name] for name in names})
        cfg["experiments"] = experiments
        with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
            run = make_results(Path(tmp), cfg)
            start = time.perf_counter()
            write_report(**run, html_path="results/report/index.html")
            seconds = time.perf_counter() - start
            page = Path("results/report/index.html").stat().st_size / 1e6
            tables = sorted(
                Path("results/report/tables").glob("*.csv"), key=lambda p: p.stat().st_size
            )
            largest = tables[-1]
            print(
                f"| {trials * len(names) * len(args.hidden):,} | {len(names) * len(args.hidden)} "
                f"| {seconds:.1f} | {page:.1f} "
                f"| {largest.name} ({largest.stat().st_size / 1e6:.1f}) |"
            )


if __name__ == "__main__":
    main()
