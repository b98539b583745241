"""Check a SLURM run of the workflow against a local run of the same config (issue 5).

Three claims, each from evidence SLURM itself leaves:
1. Outputs: every file under ``results/`` is identical to the local run's, and neither run
   has a file the other lacks. Measured times are not results: per-job logs and benchmarks
   are skipped (which of them exist depends on how jobs were cut: a batch job of several
   trials has one log), and so is the report's table of time per stage; wall-time fields and
   tables and sentences are dropped from JSON, CSV and HTML files before comparing.
2. Placement: every file under ``results/`` was declared by a job that ran inside a SLURM
   job (its job block is in the log file slurmd wrote for that SLURM job id, and ``squeue``
   reports that job COMPLETED), or by one of the rules allowed to run locally.
3. Allocation: each SLURM job got exactly the CPUs its rule asks for (``threads``); a group
   of trials runs its members one after another, so it gets the CPUs of one member.

Usage: python check_runs.py LOCAL_DIR CLUSTER_DIR CLUSTER_LOG --profile PROFILE --configfile CONFIG
(the rules allowed to run locally are Snakemake's own answer for that profile and config).
Prints one line per problem and a summary; exits 1 if there is any problem.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from netlab.toy.selection import TIMING_COLUMNS
from netlab.workflow.snakemake_internals import local_rules, parsed

#: Per-job files whose content is meant to differ between runs (timestamps, durations). Which of them
#: exist differs too: a cluster run may train several trials per job (cluster.trials_per_job).
VOLATILE_DIRS = ("results/logs", "results/benchmarks")
#: Tables of how the run ran (jobs and time per stage), not of its results.
VOLATILE_FILES = ("results/report/tables/stage_times.csv",)
#: JSON keys and CSV columns holding measured durations (trial records, the report's stage times).
VOLATILE_FIELDS = frozenset(
    {
        *TIMING_COLUMNS,
        *(f"{name}_total" for name in TIMING_COLUMNS),
        "wall_s_total",
        "wall_s_mean",
        "wall_s_max",
        "cpu_s_total",
    }
)
#: HTML elements (by id) holding measured durations: the report's time per stage and features' speed.
VOLATILE_HTML = re.compile(
    rb'<table id="stage-times">.*?</table>|<p id="features-speed">.*?</p>', re.DOTALL
)

SUBMITTED = re.compile(r"has been submitted with SLURM jobid (\d+) \(log: (.+)\)\.$")
JOB_HEADER = re.compile(r"^(\s*)(local)?rule (\w+):$")
JOB_FIELD = re.compile(r"^\s+(output|log|benchmark|threads|jobid): (.*)$")


@dataclass
class JobBlock:
    """One job as Snakemake announces it before running it."""

    rule: str
    local: bool
    threads: int = 1
    files: list[str] = field(default_factory=list)


def job_blocks(text: str) -> Iterator[JobBlock]:
    """The job announcements in a Snakemake log, in order."""
    block: JobBlock | None = None
    for line in text.splitlines():
        header = JOB_HEADER.match(line)
        if header:
            if block:
                yield block
            block = JobBlock(rule=header.group(3), local=bool(header.group(2)))
            continue
        fields = JOB_FIELD.match(line) if block else None
        if not fields:
            if block and not line.startswith(" "):
                yield block
                block = None
            continue
        key, value = fields.groups()
        if key == "threads":
            block.threads = int(value)
        elif key in ("output", "log", "benchmark"):
            block.files.extend(v.strip() for v in value.split(","))
    if block:
        yield block


def tree(root: Path) -> dict[str, Path]:
    """Files under ``root/results`` by path relative to ``root``."""
    return {
        str(p.relative_to(root)): p for p in sorted((root / "results").rglob("*")) if p.is_file()
    }


def volatile(relpath: str) -> bool:
    return relpath in VOLATILE_FILES or any(relpath.startswith(d + "/") for d in VOLATILE_DIRS)


def without_volatile(value: object) -> object:
    """A parsed JSON value with the measured-time fields removed, at any depth."""
    if isinstance(value, dict):
        return {k: without_volatile(v) for k, v in value.items() if k not in VOLATILE_FIELDS}
    if isinstance(value, list):
        return [without_volatile(v) for v in value]
    return value


def comparable(path: Path) -> object:
    """What must be equal between runs: the bytes, minus measured times in JSON, CSV and HTML."""
    data = path.read_bytes()
    if path.suffix == ".html":
        return VOLATILE_HTML.sub(b"", data)
    if path.suffix == ".json":
        return without_volatile(json.loads(data))
    if path.suffix == ".csv":
        rows = list(csv.reader(io.StringIO(data.decode())))
        keep = [i for i, name in enumerate(rows[0] if rows else []) if name not in VOLATILE_FIELDS]
        return [[row[i] for i in keep] for row in rows]
    return data


def compare_outputs(local: Path, cluster: Path) -> tuple[list[str], int]:
    """Problems where the two runs' results differ, and the number of files compared."""
    a, b = tree(local), tree(cluster)
    problems = [
        f"only in the local run: {p}" for p in sorted(a.keys() - b.keys()) if not volatile(p)
    ]
    problems += [
        f"only in the SLURM run: {p}" for p in sorted(b.keys() - a.keys()) if not volatile(p)
    ]
    compared = 0
    for rel in sorted(a.keys() & b.keys()):
        if volatile(rel):
            continue
        compared += 1
        if comparable(a[rel]) != comparable(b[rel]):
            problems.append(f"differs between the local and the SLURM run: {rel}")
    if not a:
        problems.append(f"the local run wrote nothing under {local / 'results'}")
    return problems, compared


def squeue(job_ids: Iterable[str]) -> dict[str, tuple[str, int]]:
    """State and allocated CPUs of SLURM jobs, finished ones included (MinJobAge keeps them)."""
    ids = ",".join(sorted(set(job_ids), key=int))
    if not ids:
        return {}
    command = ["squeue", "--states=all", "--noheader", "--jobs", ids, "--format=%i %T %C"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise SystemExit(f"FAIL: {' '.join(command)} failed: {done.stderr.strip()}")
    out = done.stdout
    states = {}
    for line in out.splitlines():
        job_id, state, cpus = line.split()
        states[job_id] = (state, int(cpus))
    return states


def declared_by(relpath: str, declared: set[str]) -> bool:
    """Whether a job declared this file, or a directory() output holding it."""
    path = Path(relpath)
    return any(str(p) in declared for p in (path, *path.parents))


def check_placement(
    cluster: Path, main_log: str, local_rules: set[str]
) -> tuple[list[str], dict[str, list[JobBlock]]]:
    """Problems with where jobs ran, and the jobs each SLURM job ran."""
    problems: list[str] = []
    submitted = dict(m.groups() for m in map(SUBMITTED.search, main_log.splitlines()) if m)
    if not submitted:
        problems.append("the SLURM run submitted no job to SLURM")
    ran_in: dict[str, list[JobBlock]] = {}
    for job_id, slurm_log in submitted.items():
        path = Path(slurm_log)
        if not path.is_file():
            problems.append(f"SLURM job {job_id}: its log {path} is missing (was it kept?)")
            continue
        # Inside a SLURM job, the innermost Snakemake runs each job as a local rule.
        ran_in[job_id] = [b for b in job_blocks(path.read_text(errors="replace")) if b.local]
        if not ran_in[job_id]:
            problems.append(f"SLURM job {job_id}: its log {path} shows no job that ran")
    states = squeue(submitted)
    for job_id in submitted:
        state = states.get(job_id, ("not known to squeue", 0))[0]
        if state != "COMPLETED":
            problems.append(f"SLURM job {job_id}: state {state}, expected COMPLETED")

    on_host = [b for b in job_blocks(main_log) if b.local]
    problems += [
        f"rule {b.rule} ran on the submitting host, not under SLURM ({', '.join(b.files)})"
        for b in on_host
        if b.files and b.rule not in local_rules
    ]
    declared = {f for blocks in ran_in.values() for b in blocks for f in b.files}
    declared |= {f for b in on_host if b.rule in local_rules for f in b.files}
    problems += [
        f"{rel} was not written by a job that ran under SLURM (or by a local rule)"
        for rel in tree(cluster)
        if not declared_by(rel, declared)
    ]
    for job_id, blocks in ran_in.items():
        if job_id not in states or not blocks:
            continue
        wanted = max(b.threads for b in blocks)
        cpus = states[job_id][1]
        if cpus != wanted:
            rules = ", ".join(sorted({b.rule for b in blocks}))
            problems.append(
                f"SLURM job {job_id} ({rules}) got {cpus} CPUs, its rule asks for {wanted}"
            )
    return problems, ran_in


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("local", type=Path, help="working directory of the local run")
    parser.add_argument("cluster", type=Path, help="working directory of the SLURM run")
    parser.add_argument("cluster_log", type=Path, help="Snakemake's output of the SLURM run")
    parser.add_argument("--profile", type=Path, required=True, help="the SLURM run's profile file")
    parser.add_argument("--configfile", type=Path, required=True, help="the runs' config file")
    args = parser.parse_args(argv)

    profile = yaml.safe_load(args.profile.read_text())
    snakefile = Path(__file__).resolve().parents[2] / "Snakefile"
    with parsed(snakefile, args.cluster, [args.configfile], profile.get("config")) as workflow:
        local = local_rules(workflow)
    problems, compared = compare_outputs(args.local, args.cluster)
    placement, ran_in = check_placement(args.cluster, args.cluster_log.read_text(), local)
    problems += placement
    for problem in problems:
        print(f"FAIL: {problem}")
    jobs = sum(len(b) for b in ran_in.values())
    grouped = sum(1 for b in ran_in.values() if len(b) > 1)
    print(
        f"{compared} result files equal to the local run's; {jobs} jobs ran in "
        f"{len(ran_in)} SLURM jobs ({grouped} of them batches of several jobs); "
        f"{len(problems)} problem(s)"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
