"""Trial jobs: one job of several trials writes what one job per trial writes; failures named; jobs cut
by the cost model."""

import json
import sys

import pytest

from netlab.toy.trial import trial_seed
from netlab.workflow import inputs, train_trials

SETTINGS = ["--seed", "7", "--experiment", "e", "--dataset", "data", "--hidden-layers", "1",
            "--hidden", "3", "--lr", "0.25", "--tol", "1e-4", "--check-every", "100", "--max-iter", "600"]  # fmt: skip
TIMINGS = ("wall_time_s", "setup_s", "wait_s", "train_s")


def job(data_file, folder, trials, log="job.log"):
    """``train_trials.main``'s arguments for ``trials`` of one setting, files under ``folder``."""
    files = {ext: [str(folder / f"trial{t}.{ext}") for t in trials] for ext in ("json", "npz")}
    return ["--data", str(data_file), "--log", str(folder / log), *SETTINGS,
            "--records", *files["json"], "--weights", *files["npz"]]  # fmt: skip


def without_timings(path):
    record = json.loads(path.read_text())
    assert all(record[k] >= 0 for k in TIMINGS)
    return {k: v for k, v in record.items() if k not in TIMINGS}


def test_one_job_of_trials_writes_what_a_job_per_trial_writes(data_file, tmp_path):
    single, batch = tmp_path / "single", tmp_path / "batch"
    trials = [1, 2, 5]
    for t in trials:
        train_trials.main(job(data_file, single, [t], log=f"{t}.log"))
    records = train_trials.main(job(data_file, batch, trials))
    seeds = [trial_seed(7, "e", "data", 3, t) for t in trials]
    assert [r["seed"] for r in records] == seeds and len(set(seeds)) == len(trials)
    # the seed is the trial's place, whatever the wildcards' types
    assert seeds[0] == trial_seed(7, "e", "data", "3", "1")
    for t in trials:
        # weights: the same bytes; records: the same bytes but for the measured times
        assert (batch / f"trial{t}.npz").read_bytes() == (single / f"trial{t}.npz").read_bytes()
        assert without_timings(batch / f"trial{t}.json") == without_timings(
            single / f"trial{t}.json"
        )
    log = (batch / "job.log").read_text()
    assert all(f"trial{t}: t=" in log for t in trials)
    assert f"python: {sys.executable}\n" in log  # the command names it only as $NETLAB_PYTHON


def test_failed_trial_is_named_and_the_others_are_written(data_file, tmp_path, capsys):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    args = job(data_file, tmp_path, [1, 2, 3])
    args[args.index(str(tmp_path / "trial2.json"))] = str(blocked / "trial2.json")
    args[args.index(str(tmp_path / "trial2.npz"))] = str(blocked / "trial2.npz")
    with pytest.raises(train_trials.TrialsFailed, match=r"1 of 3 trials failed: trial2 \("):
        train_trials.main(args)
    assert (tmp_path / "trial1.json").is_file() and (tmp_path / "trial3.npz").is_file()
    assert "trial2" in capsys.readouterr().err
    seed = trial_seed(7, "e", "data", 3, 2)
    log = (tmp_path / "job.log").read_text()
    assert f"trial 2 (seed {seed}) failed" in log and "Traceback" in log


def test_files_that_do_not_pair_up_are_refused(data_file, tmp_path):
    args = job(data_file, tmp_path, [1, 2])
    args[args.index(str(tmp_path / "trial2.npz"))] = str(tmp_path / "trial3.npz")
    with pytest.raises(ValueError, match="differ"):
        train_trials.main(args)
    with pytest.raises(ValueError, match="twice"):
        train_trials.main(job(data_file, tmp_path, [1, 1]))


def sweep_config(trials, hidden_sizes, max_iter, n=100, **cluster):
    """One experiment of one hidden layer on one generated data set of ``n`` points."""
    return {
        "seed": 1,
        "datasets": {"d": {"generator": "blobs", "n": n}},
        "experiments": {
            "e": {
                "datasets": ["d"],
                "hidden_layers": 1,
                "hidden_sizes": hidden_sizes,
                "trials": trials,
                "max_iter": max_iter,
            },
        },
        "cluster": {"trials_per_job": "auto", "job_seconds": 2} | cluster,
    }


@pytest.mark.parametrize(
    ("trials", "size", "batches"),
    [
        (7, 3, [[1, 2, 3], [4, 5, 6], [7]]),
        (6, 3, [[1, 2, 3], [4, 5, 6]]),
        (2, 25, [[1, 2]]),
    ],
)
def test_batches_are_fixed_by_position(trials, size, batches):
    config = sweep_config(trials, [4], 2000, trials_per_job=size)
    assert inputs.trial_batches(config, "e") == batches
    # adding trials changes only the last, partial batch (and adds new ones)
    config["experiments"]["e"]["trials"] = trials + 2
    grown = inputs.trial_batches(config, "e")
    full = [b for b in batches if len(b) == size]
    assert grown[: len(full)] == full


def test_auto_gives_short_trials_one_job_per_setting_and_long_ones_a_job_each():
    short = sweep_config(20, list(range(2, 22)), 2000)  # the sweep: 2,000 iterations
    assert inputs.trial_batches(short, "e") == [list(range(1, 21))]
    (rule,) = inputs.trial_rules(short)
    assert rule == inputs.TrialJobs("train_trials_1_20", list(range(1, 21)), "trials1-20", ["e"])
    long = sweep_config(50, [8], None, n=800)  # the notebook's noisy set, to convergence
    long["experiments"]["e"]["hidden_layers"] = 2
    assert inputs.trials_per_job(long, "e") == 1
    assert inputs.trial_rules(long) == [
        inputs.TrialJobs("train_trial", ["{trial}"], "trial{trial}", ["e"])
    ]
    # a longer budget per job takes several long trials
    assert (
        inputs.trials_per_job(
            long | {"cluster": {"trials_per_job": "auto", "job_seconds": 60}}, "e"
        )
        > 10
    )


def test_report_counts_every_trial_rule_as_one_stage(tmp_path):
    import pandas as pd

    from netlab.report.benchmarks import stage_times

    bench = tmp_path / "b.tsv"
    bench.write_text("s\tcpu_time\n2.0\t1.5\n")
    trials = pd.DataFrame({"setup_s": [0.5, 0.25], "wait_s": [0.0, 0.0], "train_s": [1.0, 1.0]})
    rules = ["train_trials_1_25", "train_trials_26_30", "train_trial", "summarise_trials"]
    table, missing = stage_times([[r, str(bench)] for r in rules], trials)
    assert not missing
    row = table.set_index("stage").loc["train_trials"]
    assert row["jobs"] == 3 and row["wall_s_total"] == 6.0 and row["setup_s_total"] == 0.75
    assert table.set_index("stage").loc["summarise_trials", "jobs"] == 1


@pytest.mark.slow
def test_slurm_profile_plans_batches_of_trials(tmp_path):
    """The SLURM profile's plan of the test config: batch jobs (in the `trials` group) make every trial
    file once; the seed each trial gets comes from the config seed and the trial's place."""
    import yaml
    from conftest import ROOT, TEST_CONFIG, snakemake

    from netlab.toy import paths
    from netlab.toy.settings import settings

    profile = ROOT / "profiles" / "slurm"
    proc = snakemake(tmp_path, "--dry-run", "--cores", "1", "--workflow-profile", str(profile))
    lines = (proc.stdout + proc.stderr).splitlines()
    config = yaml.safe_load(TEST_CONFIG.read_text())
    rules = {line.strip().rstrip(":") for line in lines if line.strip().startswith("rule ")}
    assert "rule train_trial" not in rules
    made = []
    for i, line in enumerate(lines):  # group members are printed indented, their fields too
        if line.strip().startswith("rule train_trials_"):
            fields = dict(
                f.strip().split(": ", 1)
                for f in lines[i + 1 : i + 8]
                if ": " in f and f.startswith("  ")
            )
            made += fields["output"].split(", ")
    wanted = [
        paths.trial_file(ext, t, **s._asdict())
        for s in settings(config)
        for t in range(1, config["experiments"][s.experiment]["trials"] + 1)
        for ext in ("json", "npz")
    ]
    assert sorted(made) == sorted(wanted)
    text = "\n".join(lines)
    assert "--trial " not in text and f"--seed {config['seed']} " in text
