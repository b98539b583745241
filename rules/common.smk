# Functions, config validation and wildcard constraints only: no rules here. The logic lives in
# netlab (netlab.workflow, and each part's jobs and sources; tested without Snakemake); these wrap it.
import sys
from pathlib import Path

# Parse-time checks use this checkout's netlab; jobs import the installed package (pip install -e .),
# or, under --sdm conda, the checkout linked into their env.
ROOT = Path(workflow.basedir)
sys.path.insert(0, str(ROOT))

from netlab.seeds import derive_seed
from netlab.toy import paths
from netlab.toy.datasets import training_spec
from netlab.images.notebook import notebook_confusion
from netlab.report.reads import image_inputs, named_inputs, toy_inputs
from netlab.report.outputs import TABLES, figure_names
from netlab.images import sources
from netlab.toy import jobs
from netlab.workflow import snakemake_internals
from netlab.workflow.config import (
    check_config,
    layered_config,
    validate_schema,
)
from netlab.workflow.fingerprint import RuleDigests, digest_files

SCHEMA = ROOT / "schemas" / "config.schema.yaml"
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
# Trial jobs' commands name their Python as "$NETLAB_PYTHON", so no command text holds an interpreter's path.
snakemake_internals.export_job_python(workflow)
snakemake_internals.use_bash_on_windows()
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
    upgrade re-runs exactly the jobs that use it. Kept in .snakemake/netlab while nothing they were
    computed from has changed (netlab.workflow.fingerprint.RuleDigests)."""
    digests = RuleDigests(
        ROOT, Path(".snakemake/netlab"), snakemake_internals.uses_conda(workflow)
    )
    snakemake_internals.add_code_params(workflow, digests)
    digests.save()


def flat(named):
    """The files of a {name: file or files} mapping, as a rule's input list."""
    return [f for v in named.values() for f in ([v] if isinstance(v, str) else v)]


def report_inputs(wildcards=None):
    return named_inputs(
        config, sources.image_root(config), sources.download_records(config)
    )


def report_benchmarks(wildcards, input):
    """The benchmark files of the jobs that made the report's inputs, every trial and the weights file."""
    made = snakemake_internals.producer_benchmarks(
        workflow, [*sources.weights_file(config), *input]
    )
    return jobs.trial_job_benchmarks(config) + made
