"""Snakemake's command line for the tests, each call in a fork of one interpreter that imported it once.

``python -m snakemake`` spends 0.75 s importing Snakemake (and the numpy and pandas it imports) before
it reads a Snakefile, and the suite runs it about 60 times. Run as a script, this module is a server:
for each request (a JSON line on stdin: arguments, working directory, output files) it forks, and the
child runs ``snakemake.cli.main`` as ``python -m snakemake`` would, its output in the two files; the
reply is a JSON line with the exit status. The server imports nothing of netlab (each copy of the
workflow imports its own). ``Server`` is the client side: it keeps one server per process and uses it
only while the caller's environment is the one the server started with; otherwise the caller runs
``python -m snakemake`` itself.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

# Variables whose value does not decide a run: pytest's name of the running test, and two that every parse of
# the Snakefile sets (netlab.workflow.snakemake_internals), which the tests' in-process parses leave behind.
IRRELEVANT = frozenset({"PYTEST_CURRENT_TEST", "NETLAB_CHECKOUT", "NETLAB_PYTHON"})


def _serve() -> None:
    import snakemake.cli

    # argv[0] of python -m snakemake
    entry = str(Path(snakemake.cli.__file__).with_name("__main__.py"))

    for line in sys.stdin:
        request = json.loads(line)
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.chdir(request["cwd"])
                # python -m puts the working directory first (here it was this file's folder)
                sys.path[0] = os.getcwd()
                for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
                    os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
                os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
                sys.argv = [entry, *request["args"]]
                snakemake.cli.main(request["args"])
            except SystemExit as exit:
                code = exit.code if isinstance(exit.code, int) else int(exit.code is not None)
            except BaseException:
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}), flush=True)


class Server:
    """One forking server per process (started on first use), for calls in its environment."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.env: dict[str, str] = {}

    def usable(self, env: dict[str, str]) -> bool:
        """Whether a call in ``env`` may run here: on a system that forks, in the server's environment."""
        if not hasattr(os, "fork"):
            return False
        env = {k: v for k, v in env.items() if k not in IRRELEVANT}
        if self.proc is not None and self.proc.poll() is None:
            return env == self.env
        self.env = env
        self.proc = subprocess.Popen(
            [sys.executable, __file__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=self.env,
            start_new_session=True,  # a timeout kills the server with the run it forked
        )
        return True

    def run(
        self, args: list[str], timeout: float, cwd: Path | None = None
    ) -> subprocess.CompletedProcess:
        """``python -m snakemake ARGS`` in a fork of the server, in ``cwd`` (else the caller's working
        directory); output and status as ``subprocess.run``."""
        assert (
            self.proc is not None and self.proc.stdin is not None and self.proc.stdout is not None
        )
        with tempfile.TemporaryDirectory() as tmp:
            out, err = Path(tmp) / "stdout", Path(tmp) / "stderr"
            request = {
                "args": args,
                "cwd": str(cwd or os.getcwd()),
                "stdout": str(out),
                "stderr": str(err),
            }
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
            if not ready:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
                raise subprocess.TimeoutExpired(["snakemake", *args], timeout)
            reply = self.proc.stdout.readline()
            if not reply:
                raise RuntimeError(f"the Snakemake server stopped (status {self.proc.wait()})")
            code = json.loads(reply)["returncode"]
            stdout, stderr = out.read_text(errors="replace"), err.read_text(errors="replace")
        return subprocess.CompletedProcess(["snakemake", *args], code, stdout, stderr)


if __name__ == "__main__":
    _serve()
