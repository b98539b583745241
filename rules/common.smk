# Functions, config validation and wildcard constraints only: no rules here. The logic lives in
# netlab.workflow (tested without Snakemake); these wrap it for Snakemake's wildcards.
import shlex
import sys
from pathlib import Path

# Parse-time checks use this checkout's netlab; jobs import the installed package (pip install -e .),
# or, under --sdm conda, the checkout linked into their env.
ROOT = Path(workflow.basedir)
sys.path.insert(0, str(ROOT))

from netlab.seeds import derive_seed
from netlab.toy import paths
from netlab.toy.datasets import training_spec
from netlab.toy.settings import Setting, settings, used_datasets
from netlab.toy.trainer.choice import trial_mem_mb, trial_runtime_min
from netlab.images.notebook import notebook_confusion
from netlab.report.inputs import (
    handbuilt_inputs,
    image_inputs,
    named_inputs,
    toy_inputs,
)
from netlab.report.outputs import TABLES, figure_names
from netlab.workflow import inputs, snakemake_internals
from netlab.workflow.config import (
    check_config,
    layered_config,
    validate_schema,
)
from netlab.workflow.fingerprint import (
    code_digest,
    digest_files,
    job_imports,
    software_versions,
)

SCHEMA = ROOT / "schemas" / "config.schema.yaml"
snakemake_internals.check_internals(workflow)
# Snakemake merges every mapping recursively; read the layers again with the docs' rules
# (a data set given by the user replaces the default's entry; --config text gets the schema's types).
_defaults, _files, _command_line = snakemake_internals.config_layers(workflow)
_config, CONFIG_ORIGINS = layered_config(
    defaults=_defaults, files=_files, command_line=_command_line, schema_path=SCHEMA
)
config.clear()
config.update(_config)
validate_schema(config, SCHEMA, CONFIG_ORIGINS)
# Under --sdm conda, jobs import netlab and everything else from their env only.
snakemake_internals.isolate_conda_jobs(workflow, ROOT)
check_config(config, base=Path.cwd())


wildcard_constraints:
    experiment=r"[A-Za-z0-9][A-Za-z0-9_-]*",
    dataset=r"[A-Za-z0-9][A-Za-z0-9_-]*",
    hidden=r"\d+",
    trial=r"\d+",
    split=r"train|val",


def fingerprint_rules():
    """Every code-running rule gets a `code` param, the content digest of its script or command and
    of every netlab module they import (derived, listed nowhere), so an edit re-runs exactly its jobs;
    and a `software` param, the installed versions of the distributions that code imports, so an
    upgrade re-runs exactly the jobs that use it (under --sdm conda the env files say this instead).
    """
    env_files_decide = snakemake_internals.uses_conda(workflow)

    def digests(script, command, source):
        found = {"code": code_digest(ROOT, script, command, source)}
        if not env_files_decide:
            modules = job_imports(ROOT, script, command).third_party
            found["software"] = software_versions(modules)
        return found

    snakemake_internals.add_code_params(workflow, digests)


def flat(named):
    """The files of a {name: file or files} mapping, as a rule's input list."""
    return [f for v in named.values() for f in ([v] if isinstance(v, str) else v)]


def image_root(wildcards=None):
    return inputs.image_root(config)


def weights_file(wildcards=None):
    return inputs.weights_file(config)


def report_inputs(wildcards=None):
    return named_inputs(config, image_root(), inputs.download_records(config))


def dataset_source(wildcards):
    return inputs.dataset_source(config, wildcards.dataset)


def test_source(wildcards):
    return inputs.test_source(config, wildcards.dataset)


def test_set(wildcards):
    return inputs.test_set(config, wildcards.dataset)


def setting_of(wildcards):
    return Setting(wildcards.experiment, wildcards.dataset, int(wildcards.hidden))


def trial_files(wildcards, ext):
    return inputs.setting_trial_files(config, setting_of(wildcards), ext)


def experiment_summaries(wildcards):
    """The evaluation summary of every dataset x hidden size of one experiment."""
    return [
        paths.evaluation_file("summary.json", **s._asdict())
        for s in inputs.experiment_settings(config, wildcards.experiment)
    ]


def trial_seed(wildcards):
    w = wildcards
    return inputs.trial_seed(config, w.experiment, w.dataset, w.hidden, w.trial)


def trial_cost(wildcards):
    w = wildcards
    return inputs.trial_cost(config, w.experiment, w.dataset, w.hidden)


def trial_python():
    """The Python of a trial job (a shell command): the conda env's when Snakemake deploys one, else the
    one running Snakemake (what a script: job would get), not whatever `python` the PATH holds.
    """
    return (
        "python"
        if snakemake_internals.uses_conda(workflow)
        else shlex.quote(sys.executable)
    )
