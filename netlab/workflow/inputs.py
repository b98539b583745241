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

from netlab.toy import paths
from netlab.toy.datasets import has_test_set
from netlab.toy.nets import layer_sizes
from netlab.toy.notebook import notebook_best
from netlab.toy.settings import Setting, settings
from netlab.toy.trainer.choice import (
    ASSUMED_ITERATIONS,
    choose_path,
    dataset_points,
    us_per_iteration,
)
from netlab.workflow.config import ConfigError

# Image roots made by a rule, by images.source (a local directory is its own root).
IMAGE_ROOTS = {
    "synthetic": "results/images/synthetic",
    "hymenoptera": "results/images/hymenoptera",
}
HYMENOPTERA_ZIP = "resources/hymenoptera_data.zip"
#: The trial rules' names start with this: ``train_trial_<experiment>`` (one job per trial) or
#: ``train_trials_<experiment>_<k>``.
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


def trial_estimate_s(config: Mapping[str, Any], experiment: str, hidden: Any) -> float:
    """The trainer's cost model's seconds for one trial's iterations of ``hidden`` units in ``experiment``
    (its ``max_iter``, or a typical run to convergence when null) on the experiment's largest data set;
    the set-up (loading the kernel) is once per job, not per trial."""
    return max(
        (max_iter or ASSUMED_ITERATIONS)
        * us_per_iteration(choose_path(sizes, n, max_iter), sizes, n)
        * 1e-6
        for d in config["experiments"][experiment]["datasets"]
        for sizes, n, max_iter in [trial_cost(config, experiment, d, hidden)]
    )


def trials_per_job(config: Mapping[str, Any], experiment: str, hidden: Any) -> int:
    """How many trials of one H a job may train: ``cluster.trials_per_job``, or with ``auto`` as many as
    fit into ``cluster.job_seconds`` (at least one)."""
    cluster = config["cluster"]
    if cluster["trials_per_job"] != "auto":
        return int(cluster["trials_per_job"])
    return max(1, int(cluster["job_seconds"] // trial_estimate_s(config, experiment, hidden)))


class Unit(NamedTuple):
    """Trials of one H that one job trains together (for every data set of the experiment alike)."""

    hidden: int
    trials: list[int]
    seconds: float


def trial_units(config: Mapping[str, Any], experiment: str) -> list[Unit]:
    """Each H's trials in runs of ``trials_per_job``: trials k*N+1 .. (k+1)*N, the last run holding
    what is left. Fixed by position, so adding trials changes only each H's last, partial run."""
    spec = config["experiments"][experiment]
    units = []
    for hidden in spec["hidden_sizes"]:
        size, each = (
            trials_per_job(config, experiment, hidden),
            trial_estimate_s(config, experiment, hidden),
        )
        for first in range(1, spec["trials"] + 1, size):
            trials = list(range(first, min(first + size, spec["trials"] + 1)))
            units.append(Unit(int(hidden), trials, each * len(trials)))
    return units


class TrialJobs(NamedTuple):
    """One rule of trial jobs (one job per data set of ``experiment``): its name, the trials each job
    trains (``units``; for the rule ``train_trial_*``, one job per trial, the H it serves), and what its
    log and benchmark files are called."""

    rule: str
    experiment: str
    units: list[Unit]
    label: str


def trial_jobs(config: Mapping[str, Any]) -> list[TrialJobs]:
    """How trials are cut into jobs: with ``trials_per_job: auto``, consecutive runs of trials (across H)
    share a job up to ``cluster.job_seconds`` of estimated training, so a sweep of short trials pays a
    job's start-up per few seconds of arithmetic, not per setting; a run of one trial that fills a job
    alone is trained by the experiment's one-trial-per-job rule (``train_trial_<experiment>``). A job's
    files are the same bytes however trials are cut: each trial's seed is its place."""
    jobs = []
    for experiment in config["experiments"]:
        name = re.sub(r"[^A-Za-z0-9_]", "_", experiment)
        units = trial_units(config, experiment)
        single = [
            u
            for u in units
            if len(u.trials) == 1 and trials_per_job(config, experiment, u.hidden) == 1
        ]
        if single:
            hidden = sorted({u.hidden for u in single})
            jobs.append(
                TrialJobs(
                    f"{TRIAL_RULE}_{name}", experiment, [Unit(h, [], 0.0) for h in hidden], ""
                )
            )
        packs: list[list[Unit]] = []
        budget = (
            config["cluster"]["job_seconds"]
            if config["cluster"]["trials_per_job"] == "auto"
            else 0.0
        )
        for unit in (u for u in units if u not in single):
            if packs and sum(u.seconds for u in packs[-1]) + unit.seconds <= budget:
                packs[-1].append(unit)
            else:
                packs.append([unit])
        for k, pack in enumerate(packs, start=1):
            first, last = pack[0], pack[-1]
            label = f"h{first.hidden}t{first.trials[0]}-h{last.hidden}t{last.trials[-1]}"
            jobs.append(TrialJobs(f"{TRIAL_RULE}s_{name}_{k}", experiment, pack, label))
    return jobs


def job_files(job: TrialJobs, ext: str) -> list[str]:
    """A trial rule's output patterns (``{dataset}`` left as a wildcard; for ``train_trial_*`` also
    ``{hidden}`` and ``{trial}``)."""
    if job.label == "":
        return [paths.trial_file(ext, experiment=job.experiment)]
    return [
        paths.trial_file(ext, t, experiment=job.experiment, hidden=u.hidden)
        for u in job.units
        for t in u.trials
    ]


def job_log(job: TrialJobs, folder: str, ext: str) -> str:
    """A trial job's log (``results/logs``) or benchmark (``results/benchmarks``) file."""
    name = "h{hidden}/trial{trial}" if job.label == "" else job.label
    return f"{folder}/train_trials/{job.experiment}/{{dataset}}/{name}.{ext}"


def job_nets(config: Mapping[str, Any], job: TrialJobs, dataset: str, hidden: Any) -> tuple:
    """What the cost model needs of a trial job (``choice.job_runtime_min``, with ``trial_mem_mb`` of its
    largest net): (layer sizes, trials) of each net it trains, the data set's points, ``max_iter``."""
    spec = config["experiments"][job.experiment]
    counts = (
        [(int(hidden), 1)] if job.label == "" else [(u.hidden, len(u.trials)) for u in job.units]
    )
    nets = [(layer_sizes(spec["hidden_layers"], h), n) for h, n in counts]
    return nets, dataset_points(config["datasets"][dataset]), spec["max_iter"]


def setting_trial_files(config: Mapping[str, Any], setting: Setting, ext: str) -> list[str]:
    """Every trial's record (``json``) or weights (``npz``) of one setting."""
    trials = config["experiments"][setting.experiment]["trials"]
    return paths.trial_files(ext, trials, **setting._asdict())


def experiment_trial_files(
    config: Mapping[str, Any], experiment: str, ext: str, dataset: str | None = None
) -> list[str]:
    """Every trial's record or weights of one experiment (of one of its data sets), in config order."""
    return [
        f
        for s in experiment_settings(config, experiment)
        if dataset is None or s.dataset == dataset
        for f in setting_trial_files(config, s, ext)
    ]


def summary_inputs(config: Mapping[str, Any], experiment: str) -> dict[str, str | list[str]]:
    """What an experiment's summary job reads: every trial's record and weights, and each data set's
    training file (``train/{dataset}``) and test file (``test/{dataset}``, where it has one)."""
    named: dict[str, str | list[str]] = {
        "records": experiment_trial_files(config, experiment, "json"),
        "weights": experiment_trial_files(config, experiment, "npz"),
    }
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
    return sizes, dataset_points(config["datasets"][dataset]), spec["max_iter"]
