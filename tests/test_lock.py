"""The lock (requirements.lock) makes installs repeatable, and the per-rule conda envs pin the same versions."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from netlab.workflow.software import canonical, env_pins, lock_pins

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
ENVS = sorted((ROOT / "envs").glob("*.yaml"))


@pytest.mark.parametrize("env", ENVS, ids=lambda p: p.name)
def test_every_env_pins_the_locks_version_of_each_package(env):
    lock, pins = lock_pins(LOCK), env_pins(env)
    assert pins, f"{env.name}: no packages"
    ranges = sorted(name for name, version in pins.items() if version is None)
    assert not ranges, f"{env.name}: no exact version for {ranges} (pin the lock's)"
    differ = {n: (v, lock.get(n)) for n, v in pins.items() if lock.get(n) != v}
    assert not differ, f"{env.name}: (env, lock) versions differ: {differ}"


def test_the_lock_holds_every_dependency_of_the_package_with_hashes():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = [
        *project["dependencies"],
        *(d for extra in project["optional-dependencies"].values() for d in extra),
    ]
    names = {
        canonical(d.split(";")[0].split("[")[0].split(">")[0].split("<")[0].split("=")[0].strip())
        for d in declared
    }
    lock = lock_pins(LOCK)
    assert names <= set(lock), f"not in the lock: {sorted(names - set(lock))}"
    blocks = [b for b in re.split(r"\n(?=\S)", LOCK.read_text()) if "==" in b.split("\n")[0]]
    unhashed = [b.split()[0] for b in blocks if "--hash=sha256:" not in b]
    assert len(blocks) == len(lock) and not unhashed, f"pinned without a hash: {unhashed}"


def test_a_range_in_an_env_is_named(tmp_path):
    env = tmp_path / "e.yaml"
    env.write_text("dependencies:\n  - python =3.11\n  - numpy >=1.26\n  - pytorch =2.14.1\n")
    assert env_pins(env) == {"numpy": None, "torch": "2.14.1"}
