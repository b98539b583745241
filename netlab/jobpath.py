"""Jobs in a conda env import from that env alone, not from the environment Snakemake runs in.

Snakemake's script preamble appends the submitting process's whole ``sys.path`` (its site-packages, and
the checkout) to every job's path, so that the job can unpickle its ``snakemake`` object. Under
``--sdm conda`` that lets a job take whatever its env file leaves out from wherever Snakemake happens to
be installed. The envs here carry Snakemake themselves (``snakemake-minimal``) and netlab (linked in by
``envs/*.post-deploy.sh``), so under conda the preamble appends nothing.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path
from typing import Any


def isolate_conda_jobs(deployment_methods: Collection[Any], checkout: str | Path) -> bool:
    """Prepare jobs for ``deployment_methods`` (Snakemake's ``DeploymentMethod`` values); True when
    script jobs will run in conda envs and so get no search path from this process."""
    os.environ["NETLAB_CHECKOUT"] = str(Path(checkout).resolve())  # read by envs/*.post-deploy.sh
    if not any(str(getattr(m, "name", m)).lower() == "conda" for m in deployment_methods):
        return False
    import snakemake.script

    snakemake.script.get_snakemake_searchpaths = _no_searchpaths
    return True


def _no_searchpaths() -> list[str]:
    """Replaces ``snakemake.common.get_snakemake_searchpaths`` for jobs' preambles."""
    return []
