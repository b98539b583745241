# Functions, config validation and wildcard constraints only: no rules here.
import sys
from pathlib import Path

from snakemake.utils import validate

# Parse-time checks use this checkout's netlab; jobs import the installed package (pip install -e .).
ROOT = Path(workflow.basedir)
sys.path.insert(0, str(ROOT))

from netlab.config import check_config, settings, used_datasets
from netlab.provenance import digest_files
from netlab.seeds import derive_seed

validate(config, schema="../schemas/config.schema.yaml")
check_config(config, base=Path.cwd())


wildcard_constraints:
    experiment=r"[A-Za-z0-9][A-Za-z0-9_-]*",
    dataset=r"[A-Za-z0-9][A-Za-z0-9_-]*",
    hidden=r"\d+",
    trial=r"\d+",
    split=r"train|val",


def code(*modules):
    """Content digest of the given netlab modules; as a param it makes edits to them re-run the job."""
    return digest_files(ROOT / "netlab" / f"{m}.py" for m in modules)


def experiment(wildcards):
    return config["experiments"][wildcards.experiment]


def dataset_source(wildcards):
    """The user's file for a dataset given by path; nothing for a generated one."""
    spec = config["datasets"][wildcards.dataset]
    return [spec["path"]] if "path" in spec else []


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
    n = experiment(w)["trials"]
    base = f"results/mlp/{w.experiment}/{w.dataset}/h{w.hidden}"
    return [f"{base}/trial{t}.{ext}" for t in range(1, n + 1)]


def best_of_trials_outputs(name):
    """One file per experiment x dataset x hidden size, e.g. name='trials.csv'."""
    return [
        f"results/mlp/{s.experiment}/{s.dataset}/h{s.hidden}/{name}"
        for s in settings(config)
    ]


def all_trial_jsons(wildcards):
    return [f for s in settings(config) for f in trial_files(s, "json")]


# --- images, features, classifiers ---------------------------------------------

# --- downloads (resources/) ----------------------------------------------------
