# Functions, config validation and wildcard constraints only: no rules here.
import shlex
import sys
from pathlib import Path

from snakemake.settings.types import DeploymentMethod

# Parse-time checks use this checkout's netlab; jobs import the installed package (pip install -e .),
# or, under --sdm conda, the checkout linked into their env.
ROOT = Path(workflow.basedir)
sys.path.insert(0, str(ROOT))

from netlab.config import (
    ConfigError,
    check_config,
    layered_config,
    settings,
    used_datasets,
    validate_schema,
)
from netlab import paths
from netlab.jobpath import isolate_conda_jobs
from netlab.provenance import digest_files, rule_code_digest
from netlab.seeds import derive_seed
from netlab.toydata import has_test_set, training_spec
from netlab.mlp import layer_sizes
from netlab.notebook_results import (
    notebook_best,
    notebook_confusion,
    true_boundary_errors,
)
from netlab.trainer.choice import dataset_points, trial_mem_mb, trial_runtime_min

SCHEMA = ROOT / "schemas" / "config.schema.yaml"
# Snakemake merges every mapping recursively; read the layers again with the README's rules
# (a data set given by the user replaces the default's entry; --config text gets the schema's types).
_settings = workflow.config_settings
_config, CONFIG_ORIGINS = layered_config(
    defaults=(
        []
        if _settings.replace_workflow_config
        else workflow.configfiles[len(_settings.configfiles) :]
    ),
    files=_settings.configfiles,
    command_line=_settings.config,
    schema_path=SCHEMA,
)
config.clear()
config.update(_config)
validate_schema(config, SCHEMA, CONFIG_ORIGINS)
# Under --sdm conda, jobs import netlab and everything else from their env only (see netlab.jobpath).
isolate_conda_jobs(workflow.deployment_settings.deployment_method, ROOT)
check_config(config, base=Path.cwd())


wildcard_constraints:
    experiment=r"[A-Za-z0-9][A-Za-z0-9_-]*",
    dataset=r"[A-Za-z0-9][A-Za-z0-9_-]*",
    hidden=r"\d+",
    trial=r"\d+",
    split=r"train|val",


def fingerprint_rules():
    """Add a `code` param to each rule that runs code (the content digest of its script or command
    and of every netlab module they import; derived, listed nowhere): an edit re-runs exactly its jobs.
    """
    for each in workflow.rules:
        digest = rule_code_digest(each, ROOT)
        if digest is not None:
            each.set_params(code=digest)


def code(*modules):
    """Gone: a rule's code fingerprint is derived (fingerprint_rules), never listed; say so clearly."""
    raise ValueError(
        f"params: code=code{modules!r}: hand-kept code lists are gone; delete this param "
        "(every rule's fingerprint is derived from what its script imports: fingerprint_rules)"
    )


def experiment(wildcards):
    return config["experiments"][wildcards.experiment]


def dataset_source(wildcards):
    """The user's file for a dataset given by path; nothing for a generated one."""
    spec = config["datasets"][wildcards.dataset]
    return [spec["path"]] if "path" in spec else []


def test_source(wildcards):
    """The user's test file for a dataset given by path (it must name test_path); nothing for a generated one."""
    spec = config["datasets"][wildcards.dataset]
    return [spec["test_path"]] if "test_path" in spec else []


def test_set(wildcards):
    """The dataset's test file, or nothing for a file dataset without test_path."""
    if has_test_set(config["datasets"][wildcards.dataset]):
        return [f"results/data/{wildcards.dataset}.test.txt"]
    return []


def experiment_settings(wildcards):
    return [s for s in settings(config) if s.experiment == wildcards.experiment]


def experiment_summaries(wildcards):
    """The evaluation summary of every dataset x hidden size of one experiment."""
    return [
        paths.evaluation_file("summary.json", **s._asdict())
        for s in experiment_settings(wildcards)
    ]


def trial_seed(wildcards):
    return derive_seed(
        config["seed"],
        "trial",
        wildcards.experiment,
        wildcards.dataset,
        wildcards.hidden,
        wildcards.trial,
    )


def trial_files(wildcards, ext):
    w = wildcards
    return paths.trial_files(
        ext,
        experiment(w)["trials"],
        experiment=w.experiment,
        dataset=w.dataset,
        hidden=w.hidden,
    )


def best_of_trials_outputs(name, experiments=None):
    """One file per experiment x dataset x hidden size, e.g. name='trials.csv' (of `experiments`, or all)."""
    return [
        paths.setting_file(name, **s._asdict())
        for s in settings(config)
        if experiments is None or s.experiment in experiments
    ]


def trial_plot_inputs(wildcards):
    """Each setting's best trial and trial records, by name ({dataset}/h{hidden}/best, .../trials)."""
    named = {}
    for s in experiment_settings(wildcards):
        named[f"{s.dataset}/h{s.hidden}/best"] = paths.setting_file(
            "best.json", **s._asdict()
        )
        named[f"{s.dataset}/h{s.hidden}/trials"] = trial_files(s, "json")
    return named


def trial_plot_settings(wildcards):
    """Per setting: its inputs' name, its panel's label, and the references drawn with it."""
    return [
        {
            "name": f"{s.dataset}/h{s.hidden}",
            "label": f"{s.dataset}, H={s.hidden}",
            "truth": true_boundary_errors(config["datasets"][s.dataset]),
            "notebook": notebook_best(config, s),
        }
        for s in experiment_settings(wildcards)
    ]


def all_trial_jsons(wildcards):
    return [f for s in settings(config) for f in trial_files(s, "json")]


# --- images, features, classifiers ---------------------------------------------

# Image roots made by a rule, by images.source (a local directory is its own root).
IMAGE_ROOTS = {
    "synthetic": "results/images/synthetic",
    "hymenoptera": "results/images/hymenoptera",
}


def image_root(wildcards=None):
    """The ImageFolder root (train/ and val/ inside) that images.source names."""
    source = config["images"]["source"]
    if source in IMAGE_ROOTS:
        return IMAGE_ROOTS[source]
    if source.endswith(".zip"):
        if not Path(source).is_file():
            raise ConfigError(
                f"images.source: no such zip file: {Path(source).resolve()}"
            )
        return "results/images/local"
    if not Path(source).is_dir():
        raise ConfigError(
            f"images.source: '{source}' is neither synthetic, hymenoptera, a .zip file "
            f"nor an existing directory ({Path(source).resolve()})"
        )
    return source


def weights_file(wildcards=None):
    """The ResNet50 weights file the features need: [] for random weights."""
    weights = config["features"]["weights"]
    if weights is None:
        return []
    if isinstance(weights, str):
        return f"resources/weights/resnet50-{weights}.pth"
    if not Path(weights["path"]).is_file():
        raise ConfigError(
            f"features.weights.path: no such file: {Path(weights['path']).resolve()}"
        )
    return weights["path"]


# --- downloads (resources/) ----------------------------------------------------


def hymenoptera(key):
    """A setting under images.hymenoptera (url, sha256); the schema supplies defaults."""
    return config["images"]["hymenoptera"][key]


def image_archive(wildcards):
    """The zip that extract_images unpacks into results/images/{source}: the download or the user's zip."""
    source = config["images"]["source"]
    if wildcards.source == "hymenoptera" and source == "hymenoptera":
        return "resources/hymenoptera_data.zip"
    if wildcards.source == "local" and source.endswith(".zip"):
        return source
    raise ValueError(
        f"results/images/{wildcards.source} is only extracted when images.source is "
        f"{'hymenoptera' if wildcards.source == 'hymenoptera' else 'a .zip file'}, not {source!r}"
    )


def download_records():
    """Records of the downloads the config uses (url, observed and pinned sha256), for the report."""
    if config["images"]["source"] == "hymenoptera":
        return ["resources/hymenoptera_data.zip.sha256.json"]
    return []


def trial_python():
    """The Python of a trial job (a shell command): the conda env's when Snakemake deploys one, else the
    one running Snakemake (what a script: job would get), not whatever `python` the PATH holds.
    """
    if DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method:
        return "python"
    return shlex.quote(sys.executable)


def trial_cost(wildcards):
    """What the trainer's cost model needs of a trial (its resources): layer sizes, data points, max_iter."""
    spec = experiment(wildcards)
    sizes = layer_sizes(spec["hidden_layers"], int(wildcards.hidden))
    n_points = dataset_points(config["datasets"][wildcards.dataset])
    return sizes, n_points, spec["max_iter"]
