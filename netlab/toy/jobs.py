"""The toy part's jobs under a config: what they read, and how trials are cut into jobs.

Pure functions of the config, tested without Snakemake; ``rules/toy.smk`` and ``rules/common.smk`` make one
rule per trial job of ``trial_jobs`` and read its files, resources and names from here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from netlab.toy import datasets, paths
from netlab.toy.datasets import has_test_set
from netlab.toy.nets import layer_sizes
from netlab.toy.notebook import notebook_best
from netlab.toy.settings import settings
from netlab.toy.trainer.choice import (
    ASSUMED_ITERATIONS,
    choose_path,
    job_runtime_min,
    trial_mem_mb,
    us_per_iteration,
)


def test_set(config: Mapping[str, Any], dataset: str) -> list[str]:
    """The dataset's test file, or nothing for a file dataset without ``test_path``."""
    if has_test_set(config["datasets"][dataset]):
        return [paths.data_file(dataset, "test.txt")]
    return []


def _cost_inputs(config: Mapping[str, Any], experiment: str, dataset: str) -> tuple[int, int, Any]:
    """What the trainer's cost model reads of an experiment on a data set: its hidden layers, the data
    set's points and ``max_iter``."""
    spec = config["experiments"][experiment]
    return spec["hidden_layers"], datasets.size(config["datasets"][dataset]), spec["max_iter"]


def trial_estimate_s(
    config: Mapping[str, Any], experiment: str, dataset: str, hidden: Any
) -> float:
    """The trainer's cost model's seconds for one trial's iterations (its ``max_iter``, or a typical run
    to convergence when null); the set-up (loading the kernel) is once per job, not per trial."""
    layers, n, max_iter = _cost_inputs(config, experiment, dataset)
    sizes = layer_sizes(layers, int(hidden))
    path = choose_path(sizes, n, max_iter)
    return (max_iter or ASSUMED_ITERATIONS) * us_per_iteration(path, sizes, n) * 1e-6


def trials_per_job(config: Mapping[str, Any], experiment: str, dataset: str, hidden: Any) -> int:
    """How many trials of one setting a job may train: ``cluster.trials_per_job``, or with ``auto`` as
    many as fit into ``cluster.job_seconds`` (at least one)."""
    cluster = config["cluster"]
    if cluster["trials_per_job"] != "auto":
        return int(cluster["trials_per_job"])
    each = trial_estimate_s(config, experiment, dataset, hidden)
    return max(1, int(cluster["job_seconds"] // each))


class Unit(NamedTuple):
    """Trials of one H (of one experiment and data set) that one job trains together."""

    hidden: int
    trials: list[int]
    seconds: float


def trial_units(config: Mapping[str, Any], experiment: str, dataset: str) -> list[Unit]:
    """Each H's trials in runs of ``trials_per_job``: trials k*N+1 .. (k+1)*N, the last run holding
    what is left. Fixed by position, so adding trials changes only each H's last, partial run."""
    spec = config["experiments"][experiment]
    units = []
    for hidden in spec["hidden_sizes"]:
        size = trials_per_job(config, experiment, dataset, hidden)
        each = trial_estimate_s(config, experiment, dataset, hidden)
        for first in range(1, spec["trials"] + 1, size):
            trials = list(range(first, min(first + size, spec["trials"] + 1)))
            units.append(Unit(int(hidden), trials, each * len(trials)))
    return units


class TrialJobs(NamedTuple):
    """One rule of trial jobs: its name, its experiment and data set, and the trials it trains (``units``;
    ``one_per_job``: the rule trains one trial a job, by wildcards, of each H in ``units``)."""

    rule: str
    experiment: str
    dataset: str
    units: list[Unit]
    one_per_job: bool


def trial_jobs(config: Mapping[str, Any]) -> list[TrialJobs]:
    """How trials are cut into jobs, per experiment and data set: with ``trials_per_job: auto``,
    consecutive runs of trials (across H) share a job up to ``cluster.job_seconds`` of estimated
    training, so a sweep of short trials pays a job's start-up per few seconds of arithmetic, not per
    setting; trials that fill a job alone get one each (rule ``train_trial_<experiment>_<dataset>``,
    by wildcards). The files are the same bytes however trials are cut: each trial's seed is its place.
    A rule's outputs are literal paths, so Snakemake finds a file's producer by its prefix at once."""
    budget = (
        config["cluster"]["job_seconds"] if config["cluster"]["trials_per_job"] == "auto" else 0.0
    )
    jobs = []
    for experiment, spec in config["experiments"].items():
        for dataset in spec["datasets"]:
            name = re.sub(r"[^A-Za-z0-9_]", "_", f"{experiment}_{dataset}")
            units = trial_units(config, experiment, dataset)
            alone = sorted(  # the H whose trials fill a job each
                h
                for h in {u.hidden for u in units}
                if trials_per_job(config, experiment, dataset, h) == 1
            )
            if alone:
                single = [Unit(h, [], 0.0) for h in alone]
                jobs.append(
                    TrialJobs(f"{paths.TRIAL_RULE}_{name}", experiment, dataset, single, True)
                )
            packs: list[list[Unit]] = []
            for unit in (u for u in units if u.hidden not in alone):
                if packs and sum(u.seconds for u in packs[-1]) + unit.seconds <= budget:
                    packs[-1].append(unit)
                else:
                    packs.append([unit])
            jobs += [
                TrialJobs(f"{paths.TRIAL_RULE}s_{name}_{k}", experiment, dataset, pack, False)
                for k, pack in enumerate(packs, start=1)
            ]
    return jobs


def job_files(job: TrialJobs, ext: str) -> list[str]:
    """A trial rule's outputs: its trials' records (``json``) or weights (``npz``); for a rule of one trial
    a job, the pattern (``{hidden}``, ``{trial}``)."""
    fields = {"experiment": job.experiment, "dataset": job.dataset}
    if job.one_per_job:
        return [paths.trial_file(ext, **fields)]
    return [
        paths.trial_file(ext, t, hidden=u.hidden, **fields) for u in job.units for t in u.trials
    ]


def job_name(job: TrialJobs) -> str:
    """What a trial job's list, log and benchmark files are called: its first and last trial
    (``h4t1-h8t5``), or ``h{hidden}t{trial}`` for a rule of one trial a job."""
    if job.one_per_job:
        return "h{hidden}t{trial}"
    first, last = job.units[0], job.units[-1]
    return f"h{first.hidden}t{first.trials[0]}-h{last.hidden}t{last.trials[-1]}"


def job_log(job: TrialJobs, folder: str, ext: str) -> str:
    """A trial job's log (``results/logs``) or benchmark (``results/benchmarks``) file."""
    return f"{folder}/train_trials/{job.experiment}/{job.dataset}/{job_name(job)}.{ext}"


def _per_trial(config: Mapping[str, Any], job: TrialJobs, pattern: str) -> list[str]:
    """``pattern`` (a job's list, log or benchmark file) for the job, or for each of its trials when the rule
    trains one trial a job."""
    if not job.one_per_job:
        return [pattern]
    trials = range(1, config["experiments"][job.experiment]["trials"] + 1)
    return [pattern.format(hidden=u.hidden, trial=t) for u in job.units for t in trials]


def job_lists(config: Mapping[str, Any], experiment: str, dataset: str | None = None) -> list[str]:
    """The lists of files (``netlab.toy.manifest``) of every trial job of one experiment (of one data set):
    what the summary and boundary jobs read, a few files instead of two per trial."""
    return [
        found
        for job in trial_jobs(config)
        if job.experiment == experiment and dataset in (None, job.dataset)
        for found in _per_trial(
            config, job, paths.job_list(job.experiment, job.dataset, job_name(job))
        )
    ]


def trial_job_benchmarks(config: Mapping[str, Any]) -> list[list[str]]:
    """``[rule, benchmark file]`` of every trial job under ``config`` (the report's time per stage),
    derived from the cut itself: matching 20,000 trial files to their rules would take minutes."""
    return [
        [job.rule, found]
        for job in trial_jobs(config)
        for found in _per_trial(config, job, job_log(job, "results/benchmarks", "tsv"))
    ]


def _job_nets(config: Mapping[str, Any], job: TrialJobs, hidden: Any) -> tuple:
    """(layer sizes, trials) of each net a trial job trains, the data set's points and ``max_iter``;
    ``hidden``: the job's H for a rule of one trial a job."""
    layers, n, max_iter = _cost_inputs(config, job.experiment, job.dataset)
    counts = (
        [(int(hidden), 1)] if job.one_per_job else [(u.hidden, len(u.trials)) for u in job.units]
    )
    return [(layer_sizes(layers, h), count) for h, count in counts], n, max_iter


def job_mem_mb(config: Mapping[str, Any], job: TrialJobs, hidden: Any = None) -> int:
    """A trial job's memory, as the trainer's cost model declares it: that of the largest net it trains."""
    nets, n, max_iter = _job_nets(config, job, hidden)
    return max(trial_mem_mb(sizes, n, max_iter) for sizes, _ in nets)


def job_runtime(config: Mapping[str, Any], job: TrialJobs, hidden: Any = None) -> int:
    """A trial job's run time (minutes), as the cost model declares it: its nets' compiles and its trials."""
    return job_runtime_min(*_job_nets(config, job, hidden))


def summary_inputs(config: Mapping[str, Any], experiment: str) -> dict[str, str | list[str]]:
    """What an experiment's summary job reads: its trial jobs' lists of files (``trials``), and each
    data set's training file (``train/{dataset}``) and test file (``test/{dataset}``, where it has one)."""
    named: dict[str, str | list[str]] = {"trials": job_lists(config, experiment)}
    for d in config["experiments"][experiment]["datasets"]:
        named[f"train/{d}"] = paths.data_file(d)
        named |= {f"test/{d}": f for f in test_set(config, d)}
    return named


def notebook_references(config: Mapping[str, Any], experiment: str) -> dict[str, list[int]]:
    """The notebooks' best (errors, iterations) of the settings run on the notebook's data, by
    ``"{dataset}/h{hidden}"``: the trial figures mark them."""
    return {
        f"{s.dataset}/h{s.hidden}": list(found)
        for s in settings(config)
        if s.experiment == experiment and (found := notebook_best(config, s)) is not None
    }
