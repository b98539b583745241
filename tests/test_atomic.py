"""Outputs appear whole or not at all, and a writer killed mid-write leaves nothing behind for long."""

import os
import signal
import subprocess
import sys

from netlab import atomic

KILLED_WRITER = (
    "import os, signal, sys\n"
    "from netlab import atomic\n"
    "with atomic.replacing(sys.argv[1]) as tmp:\n"
    "    tmp.write_text('half')\n"
    "    os.kill(os.getpid(), signal.SIGKILL)\n"
)


def test_a_writer_killed_mid_write_leaves_what_its_rerun_replaces(tmp_path):
    # SIGKILL runs no `finally`: the temporary file stays, under a name the job's rerun writes again
    target = tmp_path / "trial1.json"
    killed = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(target)], timeout=60)
    assert killed.returncode == -signal.SIGKILL
    assert [p.name for p in tmp_path.iterdir()] == [".trial1.json.tmp.json"]
    atomic.write_json(target, {"t": 1})  # the rerun
    assert [p.name for p in tmp_path.iterdir()] == ["trial1.json"]
    assert target.read_text() == '{\n "t": 1\n}\n'


def test_a_shared_file_gets_one_temporary_name_per_process(tmp_path):
    target = tmp_path / "cache.json"
    with atomic.replacing(target, shared=True) as tmp:
        assert str(os.getpid()) in tmp.name
        tmp.write_text("{}")
    assert target.read_text() == "{}" and not list(tmp_path.glob(".*"))
