"""The lock (requirements.lock) makes installs repeatable, and the per-rule conda envs pin the same versions."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import re
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
from conda_envs import env_pins, lock_pins
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

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
    names = {canonicalize_name(Requirement(d).name) for d in declared}
    lock = lock_pins(LOCK)
    assert names <= set(lock), f"not in the lock: {sorted(names - set(lock))}"
    blocks = [b for b in re.split(r"\n(?=\S)", LOCK.read_text()) if "==" in b.split("\n")[0]]
    unhashed = [b.split()[0] for b in blocks if "--hash=sha256:" not in b]
    assert len(blocks) == len(lock) and not unhashed, f"pinned without a hash: {unhashed}"


def test_a_range_in_an_env_is_named(tmp_path):
    env = tmp_path / "e.yaml"
    env.write_text("dependencies:\n  - python =3.11\n  - numpy >=1.26\n  - pytorch =2.14.1\n")
    assert env_pins(env) == {"numpy": None, "torch": "2.14.1"}


def test_the_lock_is_made_by_the_command_in_its_header_and_the_docs():
    header = re.search(r"^#    (uv pip compile .*)$", LOCK.read_text(), re.M)
    assert header, "requirements.lock: no uv command in its header"
    command = header.group(1)
    assert "--universal" in command and "--python-platform" not in command, command
    docs = (ROOT / "docs" / "software.md").read_text().replace("\\\n", " ")
    assert command in re.sub(r" +", " ", docs), f"docs/software.md does not give: {command}"


# tests/lock/resolve_targets.py (a CI step: it needs PyPI) run here against a folder of made-up wheels
def _resolve_targets():
    spec = importlib.util.spec_from_file_location("resolve_targets", LOCK_CHECK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


LOCK_CHECK = ROOT / "tests" / "lock" / "resolve_targets.py"


def _wheel(folder: Path, name: str, tag: str, requires: tuple[str, ...] = ()) -> str:
    """A wheel of ``name`` 1.0 for ``tag`` in ``folder``; its sha256 hash as the lock writes it."""
    path = folder / f"{name}-1.0-{tag}.whl"
    info = f"{name}-1.0.dist-info"
    with zipfile.ZipFile(path, "w") as whl:
        requirements = "".join(f"Requires-Dist: {r}\n" for r in requires)
        whl.writestr(
            f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n{requirements}"
        )
        whl.writestr(f"{info}/WHEEL", f"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: {tag}\n")
        whl.writestr(f"{info}/RECORD", "")
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def index(tmp_path):
    pytest.importorskip("uv", reason="uv is in the test extra: pip install -r requirements.lock")
    (tmp_path / "wheels").mkdir()
    return tmp_path / "wheels"


def _lock(path: Path, pins: dict[str, list[str]]) -> Path:
    path.write_text(
        "".join(
            f"{pin} \\\n" + " \\\n".join(f"    --hash={h}" for h in hashes) + "\n"
            for pin, hashes in pins.items()
        )
    )
    return path


def test_the_lock_check_names_the_target_and_the_package_without_a_wheel(index, tmp_path, capsys):
    hashes = [
        _wheel(index, "alpha", "py3-none-manylinux_2_28_x86_64"),
        _wheel(index, "alpha", "py3-none-win_amd64"),
    ]
    lock = _lock(tmp_path / "lock.txt", {"alpha==1.0": hashes})
    check = _resolve_targets()
    assert check.main([str(lock), "--offline", "--no-index", f"--find-links={index}"]) == 1
    out = capsys.readouterr().out
    for python in check.PYTHONS:
        assert (
            f"ok   x86_64-manylinux_2_28    Python {python}: 1 distributions, torch absent" in out
        )
        for platform in ("aarch64-manylinux_2_28", "aarch64-apple-darwin"):
            assert f"FAIL {platform} Python {python}: alpha==1.0 has no usable wheel" in out
    assert "6 of 12 targets resolve" in out


def test_the_lock_check_fails_on_an_unpinned_dependency_a_missing_hash_and_a_source_archive(
    index, tmp_path
):
    alpha = _wheel(index, "alpha", "py3-none-any", requires=("beta",))
    beta = _wheel(index, "beta", "py3-none-any")
    gamma = _wheel(index, "gamma", "py3-none-any")
    _wheel(index, "gamma", "py3-none-macosx_11_0_arm64")  # the file an arm64 Mac would install
    with tarfile.open(index / "delta-1.0.tar.gz", "w:gz") as sdist:
        info = b"Metadata-Version: 2.1\nName: delta\nVersion: 1.0\n"
        member = tarfile.TarInfo("delta-1.0/PKG-INFO")
        member.size = len(info)
        sdist.addfile(member, io.BytesIO(info))
    delta = "sha256:" + hashlib.sha256((index / "delta-1.0.tar.gz").read_bytes()).hexdigest()
    check = _resolve_targets()
    offline = ["--offline", "--no-index", f"--find-links={index}"]
    args = ("aarch64-apple-darwin", "3.12", check.find_uv(), offline)
    lock = _lock(tmp_path / "a.txt", {"alpha==1.0": [alpha]})
    assert check.resolve(lock, *args) == ["beta==1.0 resolved, the lock pins nothing"]
    lock = _lock(
        tmp_path / "b.txt", {"alpha==1.0": [alpha], "beta==1.0": [beta], "gamma==1.0": [gamma]}
    )
    assert check.resolve(lock, *args) == ["gamma==1.0: 1 of its files' hashes are not in the lock"]
    lock = _lock(tmp_path / "c.txt", {"beta==1.0": [beta], "delta==1.0": [delta]})
    assert check.resolve(lock, *args) == ["delta==1.0 has no usable wheel"]
    lock = _lock(tmp_path / "d.txt", {"alpha==1.0": [alpha], "beta==1.0": [beta]})
    assert check.resolve(lock, *args) == []
