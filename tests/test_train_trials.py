"""Trial jobs: one job of several trials writes what one job per trial writes; failures named; jobs cut
by the cost model."""

import json
import sys
from pathlib import Path

import pytest

from netlab.toy import jobs, manifest, paths, train_trials
from netlab.toy.trial import trial_seed

SETTINGS = ["--seed", "7", "--hidden-layers", "1", "--lr", "0.25", "--tol", "1e-4",
            "--check-every", "100", "--max-iter", "600"]  # fmt: skip
TIMINGS = ("wall_time_s", "setup_s", "wait_s", "train_s")


def trial(root, hidden, t, ext):
    """A trial's file under ``root``, named as the workflow names it (its place gives its seed)."""
    return str(root / paths.trial_file(ext, t, experiment="e", dataset="data", hidden=hidden))


def job(data_file, root, trials, log="job.log"):
    """``train_trials.main``'s arguments for ``trials`` [(H, N)], files under ``root``."""
    return ["--data", str(data_file), "--log", str(root / log), *SETTINGS,
            "--records", *(trial(root, h, t, "json") for h, t in trials),
            "--weights", *(trial(root, h, t, "npz") for h, t in trials)]  # fmt: skip


def without_timings(path):
    record = json.loads(path.read_text())
    assert all(record[k] >= 0 for k in TIMINGS)
    return {k: v for k, v in record.items() if k not in TIMINGS}


def test_one_job_of_trials_writes_what_a_job_per_trial_writes(data_file, tmp_path):
    single, batch = tmp_path / "single", tmp_path / "batch"
    trials = [(3, 1), (3, 2), (3, 5), (5, 1)]  # two H in one job
    for h, t in trials:
        train_trials.main(job(data_file, single, [(h, t)], log=f"h{h}-{t}.log"))
    made = tmp_path / "made.json"
    records = train_trials.main([*job(data_file, batch, trials), "--list", str(made)])
    assert manifest.read([made]) == (
        [trial(batch, h, t, "json") for h, t in trials],
        [trial(batch, h, t, "npz") for h, t in trials],
    )
    seeds = [trial_seed(7, "e", "data", h, t) for h, t in trials]
    assert [r["seed"] for r in records] == seeds and len(set(seeds)) == len(trials)
    assert [r["hidden"] for r in records] == [3, 3, 3, 5]
    # the seed is the trial's place, whatever the wildcards' types
    assert seeds[0] == trial_seed(7, "e", "data", "3", "1")
    for h, t in trials:
        # weights: the same bytes; records: the same bytes but for the measured times
        made, alone = (Path(trial(root, h, t, "npz")) for root in (batch, single))
        assert made.read_bytes() == alone.read_bytes()
        assert without_timings(made.with_suffix(".json")) == without_timings(
            alone.with_suffix(".json")
        )
    log = (batch / "job.log").read_text()
    assert all(f"H={h} trial{t}: t=" in log for h, t in trials)
    assert f"python: {sys.executable}\n" in log  # the command names it only as $NETLAB_PYTHON


def test_failed_trial_is_named_and_the_others_are_written(data_file, tmp_path, capsys):
    blocked = tmp_path / "results/mlp/e/data/h3/trial2.json"
    blocked.mkdir(parents=True)  # a folder where the record should go
    with pytest.raises(
        train_trials.TrialsFailed, match=r"1 of 3 trials failed: .*h3/trial2\.json: "
    ):
        train_trials.main(
            [*job(data_file, tmp_path, [(3, 1), (3, 2), (3, 3)]), "--list", "made.json"]
        )
    assert not Path("made.json").exists()  # a job that failed lists nothing
    assert Path(trial(tmp_path, 3, 1, "json")).is_file()
    assert Path(trial(tmp_path, 3, 3, "npz")).is_file()
    assert "trial2" in capsys.readouterr().err
    seed = trial_seed(7, "e", "data", 3, 2)
    log = (tmp_path / "job.log").read_text()
    assert f"h3/trial2.json (seed {seed}) failed" in log and "Traceback" in log


def test_files_that_do_not_pair_up_are_refused(data_file, tmp_path):
    args = job(data_file, tmp_path, [(3, 1), (3, 2)])
    args[args.index(trial(tmp_path, 3, 2, "npz"))] = trial(tmp_path, 3, 3, "npz")
    with pytest.raises(ValueError, match="differ"):
        train_trials.main(args)
    with pytest.raises(ValueError, match="twice"):
        train_trials.main(job(data_file, tmp_path, [(3, 1), (3, 1)]))
    with pytest.raises(ValueError, match="not a trial file"):
        train_trials.main([*SETTINGS, "--data", str(data_file), "--log", str(tmp_path / "l"),
                           "--records", str(tmp_path / "x.json"), "--weights", str(tmp_path / "x.npz")])  # fmt: skip


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
    ("trials", "size", "runs"),
    [
        (7, 3, [[1, 2, 3], [4, 5, 6], [7]]),
        (6, 3, [[1, 2, 3], [4, 5, 6]]),
        (2, 25, [[1, 2]]),
    ],
)
def test_runs_of_trials_are_fixed_by_position(trials, size, runs):
    config = sweep_config(trials, [4], 2000, trials_per_job=size)
    assert [u.trials for u in jobs.trial_units(config, "e", "d")] == runs
    # a number of trials per job: each run is a job of its own
    assert [j.units for j in jobs.trial_jobs(config)] == [
        [u] for u in jobs.trial_units(config, "e", "d")
    ]
    # adding trials changes only the last, partial run (and adds new ones)
    config["experiments"]["e"]["trials"] = trials + 2
    grown = [u.trials for u in jobs.trial_units(config, "e", "d")]
    full = [r for r in runs if len(r) == size]
    assert grown[: len(full)] == full


def test_auto_packs_short_trials_across_h_and_gives_long_ones_a_job_each():
    short = sweep_config(20, list(range(2, 22)), 2000)  # the sweep: 2,000 iterations
    cut = jobs.trial_jobs(short)
    assert 1 <= len(cut) <= 3  # 20 settings of 20 short trials: a few jobs, not 20
    assert sorted((u.hidden, tuple(u.trials)) for j in cut for u in j.units) == [
        (h, tuple(range(1, 21))) for h in range(2, 22)
    ]
    assert all(sum(u.seconds for u in j.units) <= 2 for j in cut)
    assert cut[0].rule == "train_trials_e_d_1" and cut[0].dataset == "d"
    assert jobs.job_name(cut[0]).startswith("h2t1-h")
    files = jobs.job_files(cut[0], "json")
    assert files[0] == "results/mlp/e/d/h2/trial1.json"
    assert len(files) == 20 * len(cut[0].units)
    assert jobs.job_lists(short, "e") == [
        f"results/mlp/e/d/jobs/{jobs.job_name(j)}.json" for j in cut
    ]
    long = sweep_config(50, [8], None, n=800)  # the notebook's noisy set, to convergence
    long["experiments"]["e"]["hidden_layers"] = 2
    assert jobs.trials_per_job(long, "e", "d", 8) == 1
    (one,) = jobs.trial_jobs(long)
    assert one.rule == "train_trial_e_d" and [u.hidden for u in one.units] == [8]
    assert jobs.job_files(one, "npz") == ["results/mlp/e/d/h{hidden}/trial{trial}.npz"]
    assert len(jobs.job_lists(long, "e", "d")) == 50  # one list a job, a job a trial
    # a longer budget per job takes several long trials
    longer = long | {"cluster": {"trials_per_job": "auto", "job_seconds": 60}}
    assert jobs.trials_per_job(longer, "e", "d", 8) > 10


def test_report_counts_every_trial_rule_as_one_stage(tmp_path):
    import pandas as pd

    from netlab.report.benchmarks import stage_times

    bench = tmp_path / "b.tsv"
    bench.write_text("s\tcpu_time\n2.0\t1.5\n")
    trials = pd.DataFrame({"setup_s": [0.5, 0.25], "wait_s": [0.0, 0.0], "train_s": [1.0, 1.0]})
    rules = ["train_trials_e_1", "train_trials_e_2", "train_trial_f", "summarise_trials"]
    table, missing = stage_times([[r, str(bench)] for r in rules], trials)
    assert not missing
    row = table.set_index("stage").loc["train_trials"]
    assert row["jobs"] == 3 and row["wall_s_total"] == 6.0 and row["setup_s_total"] == 0.75
    assert table.set_index("stage").loc["summarise_trials", "jobs"] == 1


@pytest.mark.slow
def test_slurm_profile_plans_batches_of_trials(tmp_path):
    """The SLURM profile's plan of the test config: batch jobs (in the `trials` group) make every trial
    file once; the seed each trial gets comes from the config seed and the trial's place. The rules
    that the cluster test lets run off the cluster (``local_rules``) are the profile's and the Snakefile's."""
    import yaml
    from conftest import ROOT, TEST_CONFIG, snakemake

    from netlab.toy import paths
    from netlab.toy.settings import settings
    from netlab.workflow.snakemake_internals import local_rules, parsed

    profile = ROOT / "profiles" / "slurm"
    proc = snakemake(tmp_path, "--dry-run", "--cores", "1", "--workflow-profile", str(profile))
    lines = (proc.stdout + proc.stderr).splitlines()
    config = yaml.safe_load(TEST_CONFIG.read_text())
    rules = {line.strip().rstrip(":") for line in lines if line.strip().startswith("rule ")}
    assert not any(r.startswith("rule train_trial_") for r in rules)  # no job of one trial
    assert any(
        line.startswith("    rule train_trials_") for line in lines
    )  # members of a group job
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
    assert sorted(f for f in made if "/jobs/" not in f) == sorted(wanted)
    assert all(f.endswith(".json") for f in made if "/jobs/" in f)  # each job's list of its files
    text = "\n".join(lines)
    assert "--trial " not in text and f"--seed {config['seed']} " in text
    settings_of_profile = yaml.safe_load((profile / "config.v8+.yaml").read_text())["config"]
    with parsed(ROOT / "Snakefile", tmp_path, [TEST_CONFIG], settings_of_profile) as workflow:
        local = local_rules(workflow)
    # (a dry run never prints a job as local; the cluster test sees where each job really ran)
    assert set(settings_of_profile["cluster"]["local_rules"]) | {"report", "fetch_weights"} <= local
    assert {"all", "toy"} <= local  # rules that run nothing are local too
    assert not any(r.startswith("train_trial") for r in local)
