#!/usr/bin/env bash
# Run by Snakemake inside a new env (--sdm conda): makes this checkout's netlab importable there, as
# `pip install -e .` would, without letting pip install the package's dependencies from PyPI (the env
# file names them). NETLAB_CHECKOUT is set by the workflow when it is parsed (rules/common.smk).
set -euo pipefail
: "${NETLAB_CHECKOUT:?the workflow sets NETLAB_CHECKOUT when it creates envs}"
site=$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
printf '%s\n' "$NETLAB_CHECKOUT" >"$site/netlab-checkout.pth"
python -c 'import netlab, sys; print("netlab from", netlab.__file__, file=sys.stderr)'
