"""Resolve requirements.lock for every machine it promises, as that machine's installer would.

For each platform and Python below, uv resolves exactly the lock's pins with that target's own platform
tags and Python (``--python-platform``, ``--python-version``), from wheels only (``--only-binary :all:``:
no silent build from a source archive); every version it picks must be one the lock pins, and every file
PyPI has for it must have its hash in the lock (else pip's hash check fails on the file that target picks).
The lock is universal (environment markers), so each target gets only the lines whose markers hold for it.
Exits 1 naming the target and the package where one of these fails.

    .venv/bin/python tests/lock/resolve_targets.py [requirements.lock] [extra uv pip compile options]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

from packaging.utils import canonicalize_name

# uv's platform -> its environment; torch 2.14.1's macOS wheels are for macOS 14 (Sonoma) and later
PLATFORMS = {
    "x86_64-manylinux_2_28": {},
    "aarch64-manylinux_2_28": {},
    "aarch64-apple-darwin": {"MACOSX_DEPLOYMENT_TARGET": "14.0"},
    "x86_64-pc-windows-msvc": {},
}
PYTHONS = ("3.11", "3.12", "3.13")
# Pure-Python distributions that PyPI has as a source archive only: the one source build the lock allows.
SDIST_ONLY = ("connection-pool",)
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s\\;]+)", re.M)
CUDA = re.compile(r"^(nvidia-|cuda-|triton$)")


def pins(text: str) -> dict[tuple[str, str], set[str]]:
    """(canonical name, version) of every ``name==version`` line -> the hashes listed under it."""
    found: dict[tuple[str, str], set[str]] = {}
    for block in re.split(r"\n(?=\S)", text):
        if match := PIN.match(block):
            name, version = match.groups()
            hashes = found.setdefault((canonicalize_name(name), version), set())
            hashes.update(re.findall(r"--hash=(\S+)", block))
    return found


def find_uv() -> str:
    from uv import find_uv_bin  # the lock's own uv (the test extra)

    return find_uv_bin()


def resolve(lock: Path, platform: str, python: str, uv: str, extra: list[str]) -> list[str]:
    """Problems (empty when none) with resolving ``lock`` for one target."""
    command = [uv, "pip", "compile", str(lock), "--python-platform", platform]
    command += ["--python-version", python, "--only-binary", ":all:", "--generate-hashes"]
    command += ["--no-header", "--no-annotate"]
    command += [arg for name in SDIST_ONLY for arg in ("--no-binary", name)] + extra
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "UV_NO_CONFIG": "1", **PLATFORMS[platform]}
    proc = subprocess.run(command, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        message = proc.stderr.strip()
        wheelless = re.findall(r"(\S+?)==(\S+) has no (?:usable )?wheels", message)
        named = [f"{n}=={v} has no usable wheel" for n, v in dict.fromkeys(wheelless)]
        return named or [message]
    locked, resolved = pins(lock.read_text()), pins(proc.stdout)
    problems = []
    for (name, version), hashes in sorted(resolved.items()):
        if (name, version) not in locked:
            pinned = sorted(v for n, v in locked if n == name) or "nothing"
            problems.append(f"{name}=={version} resolved, the lock pins {pinned}")
        elif unlisted := hashes - locked[name, version]:
            problems.append(
                f"{name}=={version}: {len(unlisted)} of its files' hashes are not in the lock"
            )
    torch = next((v for n, v in resolved if n == "torch"), "absent")
    cuda = sorted(n for n, _ in resolved if CUDA.match(n))
    print(
        f"{'FAIL' if problems else 'ok  '} {platform:24} Python {python}: {len(resolved)} distributions,"
        f" torch {torch}, {len(cuda) or 'no'} CUDA distributions (nvidia-*, cuda-*, triton)"
    )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lock", nargs="?", type=Path, default=Path("requirements.lock"))
    parser.add_argument("--uv", help="the uv binary (default: the uv package's)")
    args, extra = parser.parse_known_args(argv)
    uv = args.uv or find_uv()
    failed = 0
    for platform in PLATFORMS:
        for python in PYTHONS:
            problems = resolve(args.lock, platform, python, uv, extra)
            for problem in problems:
                print(f"FAIL {platform} Python {python}: {problem}")
            failed += bool(problems)
    total = len(PLATFORMS) * len(PYTHONS)
    print(
        f"{args.lock}: {total - failed} of {total} targets resolve to the lock's pins from wheels"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
