# shellcheck shell=bash
# A throw-away single-node SLURM on loopback, for the cluster test. Source it; needs root.
# It installs what is missing, starts munged/slurmctld/slurmd from a config in a scratch
# directory, and stops exactly the daemons it started, by pid. Every wait is bounded.
# Recipe and pitfalls: Debian 12, SLURM 22.05, no systemd, no accounting daemon.

SLURM_DEBIAN_PACKAGES=(munge slurmctld slurmd slurm-client)
SLURM_CONF_LINK=/etc/slurm/slurm.conf
SLURM_STARTED_PIDS=()     # "name:pid" of every daemon started here, stopped in reverse order
SLURM_CONF_LINKED=""      # set when we created $SLURM_CONF_LINK (removed again on stop)

slurm_log() { printf '[cluster-test %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
slurm_fail() { slurm_log "ERROR: $*"; return 1; }

# Install the Debian packages and the Snakemake executor plugin when missing.
slurm_install() {
    local python=$1 missing=() p
    [[ $(id -u) == 0 ]] || slurm_fail "needs root (installs packages, starts munged/slurmctld/slurmd)" || return
    for p in "${SLURM_DEBIAN_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if ((${#missing[@]})); then
        slurm_log "installing Debian packages: ${missing[*]}"
        timeout -k 10 300 apt-get update -q >/dev/null || slurm_fail "apt-get update failed" || return
        DEBIAN_FRONTEND=noninteractive timeout -k 10 600 apt-get install -y -q "${missing[@]}" >/dev/null \
            || slurm_fail "apt-get install ${missing[*]} failed" || return
    fi
    if ! "$python" -c 'import snakemake_executor_plugin_slurm' 2>/dev/null; then
        slurm_log "installing snakemake-executor-plugin-slurm into $("$python" -c 'import sys; print(sys.prefix)')"
        timeout -k 10 300 "$python" -m pip install -q snakemake-executor-plugin-slurm \
            || slurm_fail "pip install snakemake-executor-plugin-slurm failed" || return
    fi
}

# Write slurm.conf for one node (this host, all its CPUs) into $1 and link it where srun looks.
slurm_configure() {
    local dir=$1 host cpus mem_mb
    host=$(hostname -s)
    cpus=$(nproc)
    mem_mb=$(($(awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo) * 8 / 10))
    mkdir -p "$dir/state" "$dir/spool"
    cat >"$dir/slurm.conf" <<EOF
# Written by tests/cluster/slurm.sh: one node on loopback, no accounting, no cgroups.
ClusterName=netlabtest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MailProg=/bin/true
# The executor plugin checks job states with squeue: finished jobs must stay visible.
MinJobAge=300
ReturnToService=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=netlab Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
    # Job steps drop SLURM_* variables, so SLURM_CONF would not reach srun: use the standard path.
    if [[ -e $SLURM_CONF_LINK || -L $SLURM_CONF_LINK ]]; then
        slurm_fail "$SLURM_CONF_LINK exists already; refusing to replace a SLURM configuration this test did not write" || return
    fi
    mkdir -p "$(dirname "$SLURM_CONF_LINK")"
    ln -s "$dir/slurm.conf" "$SLURM_CONF_LINK"
    SLURM_CONF_LINKED=$dir/slurm.conf
}

# Start a daemon in the foreground-mode in its own session; remember its pid.
_slurm_spawn() {
    local name=$1 logfile=$2
    shift 2
    setsid "$@" >>"$logfile" 2>&1 </dev/null &
    SLURM_STARTED_PIDS+=("$name:$!")
    slurm_log "started $name (pid $!)"
}

_slurm_munge_works() { timeout -k 2 5 munge -n 2>/dev/null | timeout -k 2 5 unmunge >/dev/null 2>&1; }

# Wait (at most $2 seconds) until the command in "${@:3}" succeeds; $1 names what we wait for.
_slurm_wait_for() {
    local what=$1 seconds=$2
    shift 2
    local deadline=$((SECONDS + seconds))
    until "$@"; do
        ((SECONDS < deadline)) || slurm_fail "gave up after ${seconds}s waiting for $what" || return
        sleep 0.5
    done
}

_slurm_node_idle() { [[ $(timeout -k 2 5 sinfo -h -N -o %T 2>/dev/null) == idle ]]; }

# Start munged (unless one answers already), slurmctld and slurmd; wait until the node is idle.
slurm_start() {
    local dir=$1 p
    for p in slurmctld slurmd; do
        if pgrep -x "$p" >/dev/null; then
            slurm_fail "a $p is running already (pid $(pgrep -x "$p" | tr '\n' ' ')); stop it or use that cluster" || return
        fi
    done
    if _slurm_munge_works; then
        slurm_log "munged is running already: using it (and leaving it running)"
    else
        if [[ ! -s /etc/munge/munge.key ]]; then
            slurm_log "creating /etc/munge/munge.key"
            mungekey --create --keyfile=/etc/munge/munge.key && chown munge:munge /etc/munge/munge.key \
                || slurm_fail "could not create /etc/munge/munge.key" || return
        fi
        install -d -o munge -g munge -m 0755 /run/munge
        _slurm_spawn munged "$dir/munged.out" setpriv --reuid=munge --regid=munge --init-groups \
            /usr/sbin/munged --foreground --log-file="$dir/munged.log"
        _slurm_wait_for "munged to answer" 20 _slurm_munge_works || return
    fi
    _slurm_spawn slurmctld "$dir/slurmctld.out" /usr/sbin/slurmctld -D
    _slurm_spawn slurmd "$dir/slurmd.out" /usr/sbin/slurmd -D
    _slurm_wait_for "the node to become idle (sinfo)" 60 _slurm_node_idle || {
        sinfo -N -l >&2 || true
        tail -n 20 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
        return 1
    }
    slurm_log "SLURM is up: $(sinfo -h -N -o '%N %T %c CPUs %m MB, partition %P')"
}

# Stop the daemons this file started, newest first, by pid: TERM, then KILL after 15 s.
slurm_stop() {
    local i entry name pid
    for ((i = ${#SLURM_STARTED_PIDS[@]} - 1; i >= 0; i--)); do
        entry=${SLURM_STARTED_PIDS[i]}
        name=${entry%%:*}
        pid=${entry#*:}
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            _slurm_wait_for "$name (pid $pid) to exit" 15 _slurm_gone "$pid" || kill -KILL "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
            slurm_log "stopped $name (pid $pid)"
        fi
    done
    SLURM_STARTED_PIDS=()
    if [[ -n $SLURM_CONF_LINKED && $(readlink "$SLURM_CONF_LINK" 2>/dev/null) == "$SLURM_CONF_LINKED" ]]; then
        rm -f "$SLURM_CONF_LINK"
    fi
    SLURM_CONF_LINKED=""
}

# Exited: no such process, or a zombie waiting for us to reap it.
_slurm_gone() { [[ $(ps -o stat= -p "$1" 2>/dev/null) != [!Z]* ]]; }
