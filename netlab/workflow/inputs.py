"""What each rule reads and writes under a config: pure functions of the config, testable without Snakemake.

``rules/common.smk`` wraps them for Snakemake's wildcards; the part targets (``toy``, ``images``,
``handbuilt``) are the report's named inputs of each part, so a target never drifts from what the
report shows. Each error names the config key at fault.
"""

from __future__ import annotations

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
    run_cost_s,
)
from netlab.workflow.config import ConfigError

# Image roots made by a rule, by images.source (a local directory is its own root).
IMAGE_ROOTS = {
    "synthetic": "results/images/synthetic",
    "hymenoptera": "results/images/hymenoptera",
}
HYMENOPTERA_ZIP = "resources/hymenoptera_data.zip"
#: The trial rules' names start with this: ``train_trial`` (one job per trial) or ``train_trials_F_L``.
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
    """The trainer's cost model's seconds for one trial's iterations (``max_iter``, or a typical
    run to convergence when it is null), without the once-per-job set-up."""
    sizes, n_points, max_iter = trial_cost(config, experiment, dataset, hidden)
    path = choose_path(sizes, n_points, max_iter)
    return run_cost_s(path, sizes, n_points, max_iter or ASSUMED_ITERATIONS)


def trials_per_job(config: Mapping[str, Any], experiment: str) -> int:
    """How many trials of one setting a job trains: ``cluster.trials_per_job``, or with ``auto`` as many
    as the experiment's costliest setting fits into ``cluster.job_seconds`` (at least one)."""
    cluster = config["cluster"]
    if cluster["trials_per_job"] != "auto":
        return int(cluster["trials_per_job"])
    costliest = max(
        trial_estimate_s(config, s.experiment, s.dataset, s.hidden)
        for s in experiment_settings(config, experiment)
    )
    return max(1, int(cluster["job_seconds"] // costliest))


def trial_batches(config: Mapping[str, Any], experiment: str) -> list[list[int]]:
    """The trial numbers of each job of one experiment's settings: trials k*N+1 .. (k+1)*N
    (N = ``trials_per_job``), the last batch holding what is left. Fixed by position, so
    adding trials changes only the last, partial batch (and adds new ones)."""
    size = trials_per_job(config, experiment)
    trials = config["experiments"][experiment]["trials"]
    return [
        list(range(first, min(first + size, trials + 1))) for first in range(1, trials + 1, size)
    ]


class TrialJobs(NamedTuple):
    """One rule of trial jobs: its name, the trial numbers each job trains (``["{trial}"]``: one job per
    trial, by wildcard), what its log and benchmark files are called, and the experiments it serves."""

    rule: str
    trials: list[Any]
    label: str
    experiments: list[str]


def trial_rules(config: Mapping[str, Any]) -> list[TrialJobs]:
    """The rules that train trials: ``train_trial`` (by wildcard) for experiments of one trial per job,
    and ``train_trials_FIRST_LAST`` for each range of trials some experiment's jobs train together.
    Rule names hold no experiment name, so a sweep's plan has a handful of rules, not one per batch."""
    jobs: dict[tuple[Any, ...], list[str]] = {}
    for experiment in config["experiments"]:
        for batch in trial_batches(config, experiment):
            key = ("{trial}",) if trials_per_job(config, experiment) == 1 else tuple(batch)
            jobs.setdefault(key, [])
            if experiment not in jobs[key]:
                jobs[key].append(experiment)
    return [
        TrialJobs(TRIAL_RULE, list(key), "trial{trial}", names)
        if key == ("{trial}",)
        else TrialJobs(
            f"{TRIAL_RULE}s_{key[0]}_{key[-1]}", list(key), f"trials{key[0]}-{key[-1]}", names
        )
        for key, names in jobs.items()
    ]


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
