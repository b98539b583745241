"""A stand-in for ``conda`` where no channel is reachable: each env holds only what its file names.

``env create --file F --prefix P`` makes a bare virtual environment (no pip, no site-packages of the
interpreter it was made from) and links into it the installed files of the distributions ``F`` names and
of their requirements (``conda_envs.py``); Snakemake then runs the env's post-deploy script in it.
Answers the few other calls Snakemake makes (``--version``, ``info --json``, ``config --get``, ``clean``).
Run as ``python offline_conda.py ARGS``; ``make_conda(root)`` writes the ``conda`` and ``activate``
scripts Snakemake calls.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

from conda_envs import env_distributions, link_site_packages, requirement_closure

VERSION = "24.9.2"


def make_conda(root: Path) -> Path:
    """``root/bin/conda`` (this module, run by this interpreter) and ``root/bin/activate``; returns bin."""
    bin_dir = root / "bin"
    bin_dir.mkdir(parents=True)
    conda = bin_dir / "conda"
    netlab = Path(__file__).resolve().parents[1]
    conda.write_text(
        "#!/bin/sh\n"
        f"PYTHONPATH={shlex.quote(str(netlab))} NETLAB_CONDA_ROOT={shlex.quote(str(root))} "
        f'exec {shlex.quote(sys.executable)} {shlex.quote(__file__)} "$@"\n'
    )
    conda.chmod(0o755)
    # sourced by Snakemake as `source activate ENV`
    (bin_dir / "activate").write_text('export CONDA_PREFIX="$1"\nexport PATH="$1/bin:$PATH"\n')
    return bin_dir


def create(env_file: Path, prefix: Path) -> None:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(prefix)], check=True)
    site = (
        prefix
        / "lib"
        / f"python{sys.version_info.major}.{sys.version_info.minor}"
        / "site-packages"
    )
    distributions = requirement_closure(env_distributions(env_file))
    link_site_packages(distributions, site)
    (prefix / "offline-conda.json").write_text(json.dumps(sorted(distributions)))


def main(argv: list[str]) -> int:
    root = os.environ["NETLAB_CONDA_ROOT"]
    if argv[:1] == ["--version"]:
        print(f"conda {VERSION}")
    elif argv[:2] == ["info", "--json"]:
        print(json.dumps({"conda_prefix": root, "platform": "linux-64", "conda_version": VERSION}))
    elif argv[:2] == ["config", "--get"]:
        print(json.dumps({"get": {"channel_priority": "strict"}}))
    elif argv[:1] == ["clean"]:
        pass  # no package cache to clean
    elif argv[:2] == ["env", "create"]:
        create(Path(argv[argv.index("--file") + 1]), Path(argv[argv.index("--prefix") + 1]))
    else:
        print(f"offline conda: not supported: {argv}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
