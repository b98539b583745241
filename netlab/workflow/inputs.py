"""What each rule reads and writes under a config: pure functions of the config, testable without Snakemake.

``rules/common.smk`` wraps them for Snakemake's wildcards; the part targets (``toy``, ``images``,
``handbuilt``) are the report's named inputs of each part, so a target never drifts from what the
report shows. Each error names the config key at fault.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from netlab.seeds import derive_seed
from netlab.toy import paths
from netlab.toy.datasets import has_test_set
from netlab.toy.nets import layer_sizes
from netlab.toy.notebook import notebook_best, true_boundary_errors
from netlab.toy.settings import Setting, settings
from netlab.toy.trainer.choice import dataset_points
from netlab.workflow.config import ConfigError

# Image roots made by a rule, by images.source (a local directory is its own root).
IMAGE_ROOTS = {
    "synthetic": "results/images/synthetic",
    "hymenoptera": "results/images/hymenoptera",
}
HYMENOPTERA_ZIP = "resources/hymenoptera_data.zip"


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
        return [f"results/data/{dataset}.test.txt"]
    return []


def experiment_settings(config: Mapping[str, Any], experiment: str) -> list[Setting]:
    """Every dataset x hidden size of one experiment."""
    return [s for s in settings(config) if s.experiment == experiment]


def trial_seed(
    config: Mapping[str, Any], experiment: str, dataset: str, hidden: Any, trial: Any
) -> int:
    """A trial's seed: the config seed and the trial's place, never its order in the run."""
    return derive_seed(config["seed"], "trial", experiment, dataset, hidden, trial)


def trials_per_job(config: Mapping[str, Any]) -> int:
    """Trials one batch job trains (``cluster.trials_per_job``); 0: one job per trial (the default)."""
    return int(config.get("cluster", {}).get("trials_per_job", 0))


def trial_batches(config: Mapping[str, Any], experiment: str) -> list[list[int]]:
    """The trial numbers of each batch job of one experiment's settings: trials k*N+1 .. (k+1)*N
    (N = ``cluster.trials_per_job``), the last batch holding what is left. Fixed by position, so
    adding trials changes only the last, partial batch (and adds new ones)."""
    size = trials_per_job(config)
    if size < 1:
        raise ValueError("trial_batches: cluster.trials_per_job is 0 (one job per trial)")
    trials = config["experiments"][experiment]["trials"]
    return [
        list(range(first, min(first + size, trials + 1))) for first in range(1, trials + 1, size)
    ]


def setting_trial_files(config: Mapping[str, Any], setting: Setting, ext: str) -> list[str]:
    """Every trial's record (``json``) or weights (``npz``) of one setting."""
    trials = config["experiments"][setting.experiment]["trials"]
    return paths.trial_files(ext, trials, **setting._asdict())


def trial_plot_inputs(config: Mapping[str, Any], experiment: str) -> dict[str, Any]:
    """Each setting's best trial and trial records, by name ({dataset}/h{hidden}/best, .../trials)."""
    named: dict[str, Any] = {}
    for s in experiment_settings(config, experiment):
        named[f"{s.dataset}/h{s.hidden}/best"] = paths.setting_file("best.json", **s._asdict())
        named[f"{s.dataset}/h{s.hidden}/trials"] = setting_trial_files(config, s, "json")
    return named


def trial_plot_settings(config: Mapping[str, Any], experiment: str) -> list[dict[str, Any]]:
    """Per setting: its inputs' name, its panel's label, and the references drawn with it."""
    return [
        {
            "name": f"{s.dataset}/h{s.hidden}",
            "label": f"{s.dataset}, H={s.hidden}",
            "truth": true_boundary_errors(config["datasets"][s.dataset]),
            "notebook": notebook_best(config, s),
        }
        for s in experiment_settings(config, experiment)
    ]


def trial_cost(config: Mapping[str, Any], experiment: str, dataset: str, hidden: Any) -> tuple:
    """What the trainer's cost model needs of a trial (its resources): layer sizes, data points, max_iter."""
    spec = config["experiments"][experiment]
    sizes = layer_sizes(spec["hidden_layers"], int(hidden))
    return sizes, dataset_points(config["datasets"][dataset]), spec["max_iter"]
