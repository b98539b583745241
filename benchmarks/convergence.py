"""Full runs to convergence, fast trainer against the notebooks' PyTorch loop, on the workflow's own trials.

    nice python benchmarks/convergence.py --budget-minutes 20 --out /tmp/convergence.jsonl
    python benchmarks/convergence.py --fast-only        # iteration counts of every trial, in seconds

Data sets and trial seeds are the workflow's (config.yaml's seed, ``derive_seed``
as rules/common.smk does, data written and read back as the data files are),
with each experiment's settings (the notebooks': check_every 1000, tol 1e-4, no
max_iter). Every trial runs on the fast trainer; then the reference runs on as
many trials as fit the budget of reference CPU time, taking trial 1 of every
setting first, then trial 2, and so on. For each compared trial it prints the
iteration counts, errors and final losses of both; where the counts differ, the
check where the two runs' stop decisions part and, at that check, how far each
run's loss decrease lies from ``tol``: a flip is "within rounding" when that
distance is below ``--rounding`` (default 1e-6; the losses of the two runs
differ by about 1e-7).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import yaml

from netlab.seeds import derive_seed
from netlab.toy import datasets, nets, training
from netlab.toy.reference import train_reference

ROOT = Path(__file__).resolve().parents[1]


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config", type=Path, default=ROOT / "config.yaml")
    parser.add_argument(
        "--budget-minutes", type=float, default=20.0, help="reference CPU time to spend"
    )
    parser.add_argument("--rounding", type=float, default=1e-6)
    parser.add_argument(
        "--fast-only", action="store_true", help="only the fast trainer's iteration counts"
    )
    parser.add_argument("--out", type=Path, help="also write one JSON line per compared trial here")
    return parser.parse_args()


def trials(config: dict) -> list[dict]:
    """Every trial of every experiment: its setting, seed and training arrays (as the workflow's files hold them)."""
    out = []
    for name, exp in config["experiments"].items():
        for dataset in exp["datasets"]:
            spec = config["datasets"][dataset]
            if "path" in spec:
                points = datasets.read_points(spec["path"])
            else:
                generated = datasets.generate(spec, derive_seed(config["seed"], "dataset", dataset))
                points = datasets.parse_points(datasets.format_points(*generated), dataset)
            x, y = datasets.as_training_arrays(*points)
            for hidden in exp["hidden_sizes"]:
                for trial in range(1, exp["trials"] + 1):
                    out.append({
                        "experiment": name, "dataset": dataset, "hidden_layers": exp["hidden_layers"],
                        "hidden": hidden, "trial": trial, "x": x, "y": y,
                        "seed": derive_seed(config["seed"], "trial", name, dataset, hidden, trial),
                        "settings": {k: exp.get(k, d) for k, d in
                                     (("lr", 0.25), ("tol", 1e-4), ("check_every", 1000), ("max_iter", None))},
                    })  # fmt: skip
    return out


def run(case: dict, trainer) -> tuple[training.TrainResult, float]:
    initial = nets.init_params(
        nets.layer_sizes(case["hidden_layers"], case["hidden"]), case["seed"]
    )
    start = time.process_time()
    result = trainer(case["x"], case["y"], initial, **case["settings"])
    return result, time.process_time() - start


def parting_check(fast: training.TrainResult, ref: training.TrainResult, tol: float) -> dict:
    """The first check where one run stops and the other goes on, with each run's (decrease - tol) there."""
    prev_fast = prev_ref = 1.0
    for (t, loss_fast), (_, loss_ref) in zip(fast.checkpoints, ref.checkpoints, strict=True):
        margin_fast, margin_ref = prev_fast - loss_fast - tol, prev_ref - loss_ref - tol
        if (margin_fast < 0) != (margin_ref < 0):
            return {"t": t, "margin_fast": margin_fast, "margin_ref": margin_ref}
        prev_fast, prev_ref = loss_fast, loss_ref
    return {}


def label(case: dict) -> str:
    return f"{case['experiment']}/{case['dataset']}/H={case['hidden']}/trial{case['trial']}"


def main() -> None:
    args = arguments()
    config = yaml.safe_load(args.config.read_text())
    cases = trials(config)
    for case in cases:
        case["fast"], case["fast_cpu"] = run(case, training.train)
        print(f"fast {label(case):45} t={case['fast'].iterations:7d} errors={case['fast'].errors:3d} "
              f"({case['fast_cpu']:.2f} s)", flush=True)  # fmt: skip
    if args.fast_only:
        return

    # reference cost per iteration, measured per setting on a short run
    per_iteration = {}
    for case in cases:
        key = (case["dataset"], case["hidden_layers"], case["hidden"])
        if key not in per_iteration:
            initial = nets.init_params(nets.layer_sizes(case["hidden_layers"], case["hidden"]), 0)
            start = time.process_time()
            train_reference(case["x"], case["y"], initial, check_every=1000, tol=0.0, max_iter=300)
            per_iteration[key] = (time.process_time() - start) / 300
    order = sorted(cases, key=lambda c: (c["trial"], c["experiment"], c["dataset"], c["hidden"]))
    budget, chosen = args.budget_minutes * 60, []
    for case in order:
        cost = (
            case["fast"].iterations
            * per_iteration[(case["dataset"], case["hidden_layers"], case["hidden"])]
        )
        if cost <= budget:
            chosen.append(case)
            budget -= cost
    print(f"\nreference on {len(chosen)} of {len(cases)} trials "
          f"(estimated {args.budget_minutes - budget / 60:.1f} CPU-minutes)", flush=True)  # fmt: skip

    rows = []
    for case in chosen:
        fast = case["fast"]
        ref, ref_cpu = run(case, train_reference)
        common = min(len(fast.checkpoints), len(ref.checkpoints))
        gap = max(
            (
                abs(a[1] - b[1])
                for a, b in zip(fast.checkpoints[:common], ref.checkpoints[:common], strict=True)
            ),
            default=0,
        )
        row = {
            "trial": label(case), "seed": case["seed"], "iterations": [fast.iterations, ref.iterations],
            "errors": [fast.errors, ref.errors], "final_loss": [fast.final_loss, ref.final_loss],
            "largest_loss_gap": gap, "reference_cpu_s": ref_cpu, "fast_cpu_s": case["fast_cpu"],
        }  # fmt: skip
        if fast.iterations != ref.iterations:
            parting = parting_check(fast, ref, case["settings"]["tol"])
            within = (
                bool(parting)
                and min(abs(parting["margin_fast"]), abs(parting["margin_ref"])) < args.rounding
            )
            row["flip"] = {**parting, "within_rounding": within}
        rows.append(row)
        flip = row.get("flip")
        note = "" if flip is None else (
            f"  FLIP at t={flip.get('t')}: decrease - tol = {flip.get('margin_fast', float('nan')):+.2e} (fast), "
            f"{flip.get('margin_ref', float('nan')):+.2e} (reference), within rounding: {flip['within_rounding']}"
        )  # fmt: skip
        print(f"{label(case):45} t {fast.iterations:7d} / {ref.iterations:7d}  errors {fast.errors:3d} / "
              f"{ref.errors:3d}  loss gap {gap:.1e}  ref {ref_cpu:6.1f} s{note}", flush=True)  # fmt: skip
        if args.out:
            with args.out.open("a") as fh:
                fh.write(json.dumps(row) + "\n")

    differ = [r for r in rows if r["iterations"][0] != r["iterations"][1]]
    print(f"\n{len(rows)} trials compared: iteration count differs in {len(differ)} "
          f"({sum(r['flip']['within_rounding'] for r in differ)} of them flips within rounding of tol); "
          f"errors differ in {sum(r['errors'][0] != r['errors'][1] for r in rows)}; "
          f"largest loss gap at common checks {max((r['largest_loss_gap'] for r in rows), default=0):.1e}")  # fmt: skip
    total_ref = sum(r["reference_cpu_s"] for r in rows)
    total_fast = sum(r["fast_cpu_s"] for r in rows)
    print(f"CPU time on these trials: reference {total_ref / 60:.1f} min, fast {total_fast:.1f} s "
          f"({total_ref / max(total_fast, 1e-9):.0f}x)")  # fmt: skip


if __name__ == "__main__":
    main()
