"""The batch job of trials (cluster.trials_per_job): the same files as one job per trial, failures named."""

import json
import sys

import pytest

from netlab.workflow import inputs, train_trial, train_trials

SETTINGS = ["--hidden-layers", "1", "--hidden", "3", "--lr", "0.25", "--tol", "1e-4",
            "--check-every", "100", "--max-iter", "600"]  # fmt: skip
TIMINGS = ("wall_time_s", "setup_s", "wait_s", "train_s")
CONFIG = {"seed": 7, "experiments": {"e": {"trials": 7}}}


def seed(trial):
    return inputs.trial_seed(CONFIG, "e", "data", "3", str(trial))


def without_timings(path):
    record = json.loads(path.read_text())
    assert all(record[k] >= 0 for k in TIMINGS)
    return {k: v for k, v in record.items() if k not in TIMINGS}


def test_batch_writes_what_each_trial_job_writes(data_file, tmp_path):
    single, batch = tmp_path / "single", tmp_path / "batch"
    trials = [1, 2, 5]
    for t in trials:
        train_trial.main(["--data", str(data_file), "--record", str(single / f"trial{t}.json"),
                          "--weights", str(single / f"trial{t}.npz"), "--log", str(single / f"{t}.log"),
                          "--seed", str(seed(t)), *SETTINGS])  # fmt: skip
    args = [a for t in trials for a in
            ["--trial", str(t), str(seed(t)), str(batch / f"trial{t}.json"), str(batch / f"trial{t}.npz")]]  # fmt: skip
    records = train_trials.main(
        ["--data", str(data_file), "--log", str(batch / "b.log"), *SETTINGS, *args]
    )
    assert [r["seed"] for r in records] == [seed(t) for t in trials]
    for t in trials:
        # weights: the same bytes; records: the same bytes but for the measured times
        assert (batch / f"trial{t}.npz").read_bytes() == (single / f"trial{t}.npz").read_bytes()
        assert without_timings(batch / f"trial{t}.json") == without_timings(
            single / f"trial{t}.json"
        )
    assert len(set(seed(t) for t in trials)) == len(trials)
    log = (batch / "b.log").read_text()
    assert all(f"trial{t}: t=" in log for t in trials)
    assert f"python: {sys.executable}\n" in log  # the command names it only as $NETLAB_PYTHON


def test_failed_trial_is_named_and_the_others_are_written(data_file, tmp_path, capsys):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    args = ["--data", str(data_file), "--log", str(tmp_path / "b.log"), *SETTINGS,
            "--trial", "1", "11", str(tmp_path / "trial1.json"), str(tmp_path / "trial1.npz"),
            "--trial", "2", "12", str(blocked / "trial2.json"), str(blocked / "trial2.npz"),
            "--trial", "3", "13", str(tmp_path / "trial3.json"), str(tmp_path / "trial3.npz")]  # fmt: skip
    with pytest.raises(train_trials.TrialsFailed, match=r"1 of 3 trials failed: trial2 \("):
        train_trials.main(args)
    assert (tmp_path / "trial1.json").is_file() and (tmp_path / "trial3.npz").is_file()
    assert "trial2" in capsys.readouterr().err
    log = (tmp_path / "b.log").read_text()
    assert "trial 2 (seed 12) failed" in log and "Traceback" in log


def test_repeated_trial_number_is_refused():
    with pytest.raises(ValueError, match="twice"):
        train_trials.parse_trials([["1", "5", "a.json", "a.npz"], ["1", "6", "b.json", "b.npz"]])


@pytest.mark.parametrize(
    ("trials", "size", "batches"),
    [
        (7, 3, [[1, 2, 3], [4, 5, 6], [7]]),
        (6, 3, [[1, 2, 3], [4, 5, 6]]),
        (2, 25, [[1, 2]]),
    ],
)
def test_batches_are_fixed_by_position(trials, size, batches):
    config = {
        "seed": 1,
        "experiments": {"e": {"trials": trials}},
        "cluster": {"trials_per_job": size},
    }
    assert inputs.trial_batches(config, "e") == batches
    # adding trials changes only the last, partial batch (and adds new ones)
    config["experiments"]["e"]["trials"] = trials + 2
    grown = inputs.trial_batches(config, "e")
    full = [b for b in batches if len(b) == size]
    assert grown[: len(full)] == full


def test_one_job_per_trial_by_default():
    assert inputs.trials_per_job({"seed": 1}) == 0
    with pytest.raises(ValueError, match="trials_per_job is 0"):
        inputs.trial_batches({"seed": 1, "experiments": {"e": {"trials": 3}}}, "e")


def test_report_counts_batch_rules_as_one_stage(tmp_path):
    import pandas as pd

    from netlab.report.benchmarks import stage_times

    bench = tmp_path / "b.tsv"
    bench.write_text("s\tcpu_time\n2.0\t1.5\n")
    trials = pd.DataFrame({"setup_s": [0.5, 0.25], "wait_s": [0.0, 0.0], "train_s": [1.0, 1.0]})
    rules = ["train_trials_e_1_25", "train_trials_e_26_30", "train_trials_f_1_2"]
    table, missing = stage_times([[r, str(bench)] for r in rules], trials)
    assert not missing
    row = table.set_index("stage").loc["train_trials"]
    assert row["jobs"] == 3 and row["wall_s_total"] == 6.0 and row["setup_s_total"] == 0.75


@pytest.mark.slow
def test_slurm_profile_plans_batches_of_trials(tmp_path):
    """The SLURM profile's plan of the test config: batch jobs (in the `trials` group) make every trial
    file once, with the seeds one job per trial gets; no one-trial job."""
    import re

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
    seeds = re.findall(
        r"--trial (\d+) (\d+) results/mlp/([^/]+)/([^/]+)/h(\d+)/trial\d+\.json", text
    )
    assert len(seeds) == len(wanted) // 2
    for number, seed, experiment, dataset, hidden in seeds:
        assert int(seed) == inputs.trial_seed(config, experiment, dataset, hidden, number)
