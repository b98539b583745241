"""The code fingerprints' cache: kept while the files it was computed from are unchanged, never after."""

import json
import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from netlab.workflow import fingerprint
from netlab.workflow.fingerprint import DigestCache, environment_stamp, tree_stamp


def make_tree(root):
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("x = 1\n")
    (root / "pkg" / "b.py").write_text("y = 2\n")
    return root / "pkg"


def test_stamp_changes_with_any_file(tmp_path):
    pkg = make_tree(tmp_path)
    first = tree_stamp([pkg])
    assert tree_stamp([pkg]) == first
    # an edit that keeps the size, even with the modification time set back
    st = (pkg / "a.py").stat()
    (pkg / "a.py").write_text("x = 3\n")
    os.utime(pkg / "a.py", ns=(st.st_atime_ns, st.st_mtime_ns))
    edited = tree_stamp([pkg])
    assert edited != first
    (pkg / "c.py").write_text("")
    added = tree_stamp([pkg])
    assert added != edited
    (pkg / "c.py").unlink()
    (pkg / "b.py").rename(pkg / "d.py")
    moved = tree_stamp([pkg])
    assert moved not in (first, edited, added)
    # caches of compiled modules do not count
    (pkg / "__pycache__").mkdir()
    (pkg / "__pycache__" / "a.pyc").write_bytes(b"")
    assert tree_stamp([pkg]) == moved
    assert tree_stamp([pkg], extra=["conda"]) != moved


def stamped_folders(checkout: Path | None = None) -> set[str]:
    return {line.rsplit(" ", 3)[0] for line in environment_stamp(checkout)[1:]}


def test_environment_stamp_is_the_interpreter_and_the_folders_distributions_are_installed_in():
    # Computed here another way: os.stat of the interpreter, importlib.metadata's distributions.
    st = os.stat(sys.executable)
    line = f"{sys.executable} {st.st_size} {st.st_mtime_ns} {st.st_ctime_ns}\n"
    assert environment_stamp()[0] == line
    installed = {str(Path(d.locate_file("")).resolve()) for d in metadata.distributions()}
    assert installed and installed <= stamped_folders()
    assert stamped_folders() <= {str(Path(entry or ".").resolve()) for entry in sys.path}
    # what another process of this environment stamps (a job's parse reading what Snakemake computed),
    # without this checkout on its path: the checkout (netlab's own egg-info from `pip install -e .`) is
    # not installed software, so the stamp leaves it out
    checkout = Path(__file__).resolve().parents[1]
    seen = subprocess.run(
        [sys.executable, "-c", "import json; from netlab.workflow.fingerprint import environment_stamp; "
         "print(json.dumps(environment_stamp()))"],
        capture_output=True, text=True, check=True, cwd=Path(__file__).parent,
    ).stdout  # fmt: skip
    assert tuple(json.loads(seen)) == environment_stamp(checkout)
    assert str(checkout) not in stamped_folders(checkout)


def test_environment_stamp_sees_a_distribution_installed_on_the_path(tmp_path, monkeypatch):
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    assert str(folder.resolve()) not in stamped_folders()  # no distribution there: not stamped
    (folder / "fake-1.0.dist-info").mkdir()
    assert str(folder.resolve()) in stamped_folders()
    (folder / "fake-1.0.dist-info").rmdir()
    assert str(folder.resolve()) not in stamped_folders()


def test_cache_hits_until_the_stamp_changes(tmp_path):
    path = tmp_path / ".snakemake" / "netlab" / "fingerprints.json"
    calls = []

    def compute(value):
        calls.append(value)
        return {"code": value}

    cache = DigestCache(path, "stamp1")
    assert cache.get(["s.py", "cmd"], lambda: compute("a")) == {"code": "a"}
    assert cache.get(["s.py", "cmd"], lambda: compute("b")) == {"code": "a"}
    cache.save()
    again = DigestCache(path, "stamp1")
    assert again.get(["s.py", "cmd"], lambda: compute("c")) == {"code": "a"}
    assert calls == ["a"]
    changed = DigestCache(path, "stamp2")
    assert changed.get(["s.py", "cmd"], lambda: compute("d")) == {"code": "d"}
    assert changed.get(["other"], lambda: compute("e")) == {"code": "e"}


def test_unreadable_cache_is_recomputed(tmp_path):
    path = tmp_path / "fingerprints.json"
    path.write_text("{not json")
    cache = DigestCache(path, "s")
    assert cache.get("k", lambda: 1) == 1
    cache.save()
    assert DigestCache(path, "s").entries == {'"k"': 1}


def test_a_copied_run_reads_the_versions_and_recomputes_the_code_digests(tmp_path, monkeypatch):
    """A checkout and its .snakemake/ copied elsewhere (``cp -a``), same environment: the code digests are
    computed again (the checkout's path and file times differ), the versions are read, not re-scanned."""

    repo = Path(__file__).resolve().parents[1]
    for name in ("netlab", "scripts", "envs"):
        shutil.copytree(
            repo / name, tmp_path / "a" / name, ignore=shutil.ignore_patterns("__pycache__")
        )
    script = Path("scripts") / "toy_plot.py"
    first = fingerprint.RuleDigests(tmp_path / "a", tmp_path / "a" / ".snakemake", False)
    made = first(tmp_path / "a" / script, "", "", None)
    assert "matplotlib==" in made["software"] and "numpy==" in made["software"]
    first.save()
    subprocess.run(["cp", "-a", str(tmp_path / "a"), str(tmp_path / "b")], check=True)

    def no_scan(modules):
        raise AssertionError(f"installed distributions scanned again for {sorted(modules)}")

    computed = []
    monkeypatch.setattr(fingerprint, "software_versions", no_scan)
    monkeypatch.setattr(fingerprint, "code_digest", lambda *a: computed.append(a) or made["code"])
    copy = fingerprint.RuleDigests(tmp_path / "b", tmp_path / "b" / ".snakemake", False)
    assert copy(tmp_path / "b" / script, "", "", None) == made
    assert len(computed) == 1  # the code digest was not taken from the other checkout's cache
