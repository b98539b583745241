"""What each rule reads and writes under a config: pure functions of the config, testable without Snakemake.

``rules/common.smk`` wraps them for Snakemake's wildcards; the part targets (``toy``, ``images``,
``handbuilt``) are the report's named inputs of each part, so a target never drifts from what the
report shows. Each error names the config key at fault.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from netlab.toy import datasets, paths
from netlab.toy.datasets import has_test_set
from netlab.toy.nets import layer_sizes
from netlab.toy.notebook import notebook_best
from netlab.toy.settings import Setting, settings
from netlab.toy.trainer.choice import (
    ASSUMED_ITERATIONS,
    choose_path,
    us_per_iteration,
)
from netlab.workflow.config import ConfigError

# Image roots made by a rule, by images.source (a local directory is its own root).
IMAGE_ROOTS = {
    "synthetic": "results/images/synthetic",
    "hymenoptera": "results/images/hymenoptera",
}
HYMENOPTERA_ZIP = "resources/hymenoptera_data.zip"
#: The trial rules' names start with this: ``train_trial_<experiment>_<dataset>`` (one job per trial)
#: or ``train_trials_<experiment>_<dataset>_<k>``.
TRIAL_RULE = "train_trial"


def image_root(config: Mapping[str, Any]) -> str:
    """The ImageFolder root (train/ and val/ inside) that images.source names."""
    source = config["images"]["source"]
    if source in IMAGE_ROOTS:
        return IMAGE_ROOTS[source]
    if source.endswith(".zip"):
        if not Path(source).is_file():
            raise ConfigError(f"images.source: no such zip file: {Path(source).resolve()}")
        return "results/images/local"
    if not Path(source).is_dir():
        raise ConfigError(
            f"images.source: '{source}' is neither synthetic, hymenoptera, a .zip file "
            f"nor an existing directory ({Path(source).resolve()})"
        )
    return source


def weights_file(config: Mapping[str, Any]) -> list[str]:
    """The ResNet50 weights file the features need: none for random weights."""
    weights = config["features"]["weights"]
    if weights is None:
        return []
    if isinstance(weights, str):
        return [f"resources/weights/resnet50-{weights}.pth"]
    if not Path(weights["path"]).is_file():
        raise ConfigError(f"features.weights.path: no such file: {Path(weights['path']).resolve()}")
    return [weights["path"]]


def image_archive(config: Mapping[str, Any], source: str) -> str:
    """The zip that extract_images unpacks into results/images/{source}: the download or the user's zip."""
    chosen = config["images"]["source"]
    if source == "hymenoptera" and chosen == "hymenoptera":
        return HYMENOPTERA_ZIP
    if source == "local" and chosen.endswith(".zip"):
        return chosen
    needed = "hymenoptera" if source == "hymenoptera" else "a .zip file"
    raise ValueError(
        f"results/images/{source} is only extracted when images.source is {needed}, not {chosen!r}"
    )


def download_records(config: Mapping[str, Any]) -> list[str]:
    """Records of the downloads the config uses (url, observed and pinned sha256), for the report."""
    if config["images"]["source"] == "hymenoptera":
        return [f"{HYMENOPTERA_ZIP}.sha256.json"]
    return []


def dataset_source(config: Mapping[str, Any], dataset: str) -> list[str]:
    """The user's file for a dataset given by path; nothing for a generated one."""
    spec = config["datasets"][dataset]
    return [spec["path"]] if "path" in spec else []


def test_source(config: Mapping[str, Any], dataset: str) -> list[str]:
    """The user's test file for a dataset given by path (``test_path``); nothing for a generated one."""
    spec = config["datasets"][dataset]
    return [spec["test_path"]] if "test_path" in spec else []


def test_set(config: Mapping[str, Any], dataset: str) -> list[str]:
    """The dataset's test file, or nothing for a file dataset without ``test_path``."""
    if has_test_set(config["datasets"][dataset]):
        return [paths.data_file(dataset, "test.txt")]
    return []


def experiment_settings(config: Mapping[str, Any], experiment: str) -> list[Setting]:
    """Every dataset x hidden size of one experiment."""
    return [s for s in settings(config) if s.experiment == experiment]


def trial_estimate_s(
    config: Mapping[str, Any], experiment: str, dataset: str, hidden: Any
) -> float:
    """The trainer's cost model's seconds for one trial's iterations (its ``max_iter``, or a typical run
    to convergence when null); the set-up (loading the kernel) is once per job, not per trial."""
    sizes, n, max_iter = trial_cost(config, experiment, dataset, hidden)
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
            alone = [u for u in units if trials_per_job(config, experiment, dataset, u.hidden) == 1]
            if alone:
                single = [Unit(h, [], 0.0) for h in sorted({u.hidden for u in alone})]
                jobs.append(TrialJobs(f"{TRIAL_RULE}_{name}", experiment, dataset, single, True))
            packs: list[list[Unit]] = []
            for unit in (u for u in units if u not in alone):
                if packs and sum(u.seconds for u in packs[-1]) + unit.seconds <= budget:
                    packs[-1].append(unit)
                else:
                    packs.append([unit])
            jobs += [
                TrialJobs(f"{TRIAL_RULE}s_{name}_{k}", experiment, dataset, pack, False)
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


def job_lists(config: Mapping[str, Any], experiment: str, dataset: str | None = None) -> list[str]:
    """The lists of files (``netlab.toy.manifest``) of every trial job of one experiment (of one data set):
    what the summary and boundary jobs read, a few files instead of two per trial."""
    found = []
    for job in trial_jobs(config):
        if job.experiment != experiment or dataset not in (None, job.dataset):
            continue
        pattern = paths.job_list(job.experiment, job.dataset, job_name(job))
        if not job.one_per_job:
            found.append(pattern)
            continue
        trials = range(1, config["experiments"][experiment]["trials"] + 1)
        found += [pattern.format(hidden=u.hidden, trial=t) for u in job.units for t in trials]
    return found


def trial_job_benchmarks(config: Mapping[str, Any]) -> list[list[str]]:
    """``[rule, benchmark file]`` of every trial job under ``config`` (the report's time per stage),
    derived from the cut itself: matching 20,000 trial files to their rules would take minutes."""
    found = []
    for job in trial_jobs(config):
        pattern = job_log(job, "results/benchmarks", "tsv")
        if not job.one_per_job:
            found.append([job.rule, pattern])
            continue
        trials = range(1, config["experiments"][job.experiment]["trials"] + 1)
        found += [
            [job.rule, pattern.format(hidden=u.hidden, trial=t)] for u in job.units for t in trials
        ]
    return found


def job_nets(config: Mapping[str, Any], job: TrialJobs, hidden: Any = None) -> tuple:
    """What the cost model needs of a trial job (``choice.job_runtime_min``, with ``trial_mem_mb`` of its
    largest net): (layer sizes, trials) of each net it trains, the data set's points, ``max_iter``;
    ``hidden``: the job's H for a rule of one trial a job."""
    spec = config["experiments"][job.experiment]
    counts = (
        [(int(hidden), 1)] if job.one_per_job else [(u.hidden, len(u.trials)) for u in job.units]
    )
    nets = [(layer_sizes(spec["hidden_layers"], h), n) for h, n in counts]
    return nets, datasets.size(config["datasets"][job.dataset]), spec["max_iter"]


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
        for s in experiment_settings(config, experiment)
        if (found := notebook_best(config, s)) is not None
    }


def trial_cost(config: Mapping[str, Any], experiment: str, dataset: str, hidden: Any) -> tuple:
    """What the trainer's cost model needs of a trial (its resources): layer sizes, data points, max_iter."""
    spec = config["experiments"][experiment]
    sizes = layer_sizes(spec["hidden_layers"], int(hidden))
    return sizes, datasets.size(config["datasets"][dataset]), spec["max_iter"]
