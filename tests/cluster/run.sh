#!/usr/bin/env bash
# Cluster test (issue 5): run the test config through `--workflow-profile profiles/slurm` on a
# real single-node SLURM started here, and check it against a local run of the same config.
#
#   sudo bash tests/cluster/run.sh [--keep] [TARGET...]
#
# Needs root (installs munge/SLURM if missing, starts the daemons). Uses the active Python
# environment, else the repository's .venv. Stops only the daemons it started, by pid, also on
# failure or Ctrl-C. The scratch directory is removed on success (kept with --keep or on failure).
# NETLAB_CLUSTER_TIMEOUT: seconds allowed for each Snakemake run (default 900).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$REPO/tests/cluster
CONFIG=$REPO/tests/config/config.yaml
PROFILE=$REPO/profiles/slurm/config.v8+.yaml
RUN_TIMEOUT=${NETLAB_CLUSTER_TIMEOUT:-900}

keep=0
targets=()
for arg in "$@"; do
    case $arg in
        --keep) keep=1 ;;
        -h | --help) sed -n '2,11p' "${BASH_SOURCE[0]}"; exit 0 ;;
        -*) echo "unknown option: $arg (see --help)" >&2; exit 2 ;;
        *) targets+=("$arg") ;;
    esac
done

# shellcheck source=slurm.sh
source "$HERE/slurm.sh"

if [[ -z ${VIRTUAL_ENV:-} && -x $REPO/.venv/bin/python ]]; then
    # shellcheck disable=SC1091
    source "$REPO/.venv/bin/activate"
fi
PYTHON=$(command -v python || command -v python3)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/netlab-cluster.XXXXXX")
started=$SECONDS
outcome="FAIL (see the messages above; files kept in $WORK)"
declare -A RUN_PIDS=()   # Snakemake runs started here (the pid of their `timeout`), by name

finish() {
    local rc=$? name
    for name in "${!RUN_PIDS[@]}"; do
        if kill -0 "${RUN_PIDS[$name]}" 2>/dev/null; then
            slurm_log "stopping the $name run (pid ${RUN_PIDS[$name]})"
            kill -TERM "${RUN_PIDS[$name]}" 2>/dev/null || true
            _slurm_wait_for "the $name run to stop" 30 _slurm_gone "${RUN_PIDS[$name]}" || true
        fi
    done
    slurm_stop
    if ((rc == 0)) && [[ $outcome == PASS* ]]; then
        if ((keep)); then outcome+="; files kept in $WORK"; else rm -rf "$WORK"; fi
    else
        rc=1
    fi
    echo "cluster test: $outcome [$((SECONDS - started)) s]"
    exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM HUP

# Start Snakemake on the test config in the background, in its own working directory.
start_run() {
    local name=$1
    shift
    slurm_log "snakemake: $name run started (log: $WORK/$name.log)"
    (cd "$REPO" && exec timeout -k 10 "$RUN_TIMEOUT" "$PYTHON" -m snakemake \
        --snakefile "$REPO/Snakefile" --directory "$WORK/$name" --configfile "$CONFIG" \
        "$@" ${targets[@]+"${targets[@]}"}) >"$WORK/$name.log" 2>&1 &
    RUN_PIDS[$name]=$!
}

# Wait for a run started by start_run; fail with the end of its log if it failed.
finish_run() {
    local name=$1 rc=0
    wait "${RUN_PIDS[$name]}" || rc=$?
    unset "RUN_PIDS[$name]"
    if ((rc != 0)); then
        tail -n 40 "$WORK/$name.log" >&2
        ((rc != 124)) || rc="124: timed out after ${RUN_TIMEOUT} s"
        slurm_fail "the $name run failed (exit status $rc); full log: $WORK/$name.log"
        return 1
    fi
    slurm_log "snakemake: $name run done"
}

slurm_install "$PYTHON"
slurm_configure "$WORK/slurm"
slurm_log "snakemake $("$PYTHON" -m snakemake --version), $(sinfo --version), executor plugin $("$PYTHON" -m pip show snakemake-executor-plugin-slurm 2>/dev/null | sed -n 's/^Version: //p')"
slurm_start "$WORK/slurm"

# Both runs at once (they share nothing but the code): the SLURM run mostly waits for the
# scheduler. The reference is the same config on this machine, with the portable default profile.
start_run local --cores "$(nproc)"
# Test-only overrides of the cluster run: this node's CPU count (the profile's `cores` is per
# cluster), an early first status check, every SLURM log kept (the evidence checked below),
# and no retries (a failure here must show, not be retried away).
start_run slurm --workflow-profile "$REPO/profiles/slurm" --cores "$(nproc)" \
    --slurm-init-seconds-before-status-checks 1 --slurm-keep-successful-logs --retries 0
finish_run local
finish_run slurm

slurm_log "checking the SLURM run against the local run"
summary=$("$PYTHON" "$HERE/check_runs.py" "$WORK/local" "$WORK/slurm" "$WORK/slurm.log" \
    --profile "$PROFILE" --configfile "$CONFIG") || { echo "$summary"; exit 1; }
echo "$summary"
outcome="PASS (${summary##*$'\n'})"
