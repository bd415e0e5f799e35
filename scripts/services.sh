#!/usr/bin/env bash
# Starts (or stops) the services the tests of `report` talk to, each in a directory of its own
# under $REPORT_SERVICES_DIR (default /tmp/report-services), on loopback ports, with no
# system-wide state:
#   postgres  PostgreSQL 15 (Debian's postgresql-15) as its own cluster, run by a non-root user
#             (initdb refuses root): the PostgreSQL run store's tests.
#   slurm     munged, slurmctld and slurmd (Debian's slurm-wlm and munge): one node with 2 CPUs,
#             for `report run --executor slurm`.
# Usage: scripts/services.sh start|stop [postgres] [slurm]   (default: both)
# `start` prints the environment the tests read, one `export NAME=VALUE` a line, so that
# `eval "$(scripts/services.sh start)"` sets it; stdout carries nothing else. Starting a service
# that is already up only prints its environment again.
set -euo pipefail
action=${1:-}
shift || true
services=("$@")
[ ${#services[@]} -gt 0 ] || services=(postgres slurm)
root=${REPORT_SERVICES_DIR:-/tmp/report-services}
pg_port=${REPORT_POSTGRES_PORT:-55432}
slurmctld_port=${REPORT_SLURMCTLD_PORT:-56817}
slurmd_port=${REPORT_SLURMD_PORT:-56818}
pg_bin=/usr/lib/postgresql/15/bin
# The unprivileged user PostgreSQL runs as when this script runs as root.
pg_user=${REPORT_POSTGRES_USER:-postgres}

log() { echo "services: $*" >&2; }
fail() {
  log "$*"
  exit 1
}

# Runs a command as the PostgreSQL user (directly when not root).
as_pg_user() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$pg_user" -- "$@"
  else
    "$@"
  fi
}

start_postgres() {
  local dir=$root/postgres
  [ -x $pg_bin/initdb ] || fail "PostgreSQL 15 is not installed ($pg_bin/initdb): run scripts/setup.sh"
  if [ "$(id -u)" -eq 0 ] && ! id "$pg_user" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$pg_user"
  fi
  mkdir -p "$dir"
  [ "$(id -u)" -ne 0 ] || chown "$pg_user" "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_pg_user $pg_bin/initdb -D "$dir/data" --auth=trust --username=postgres --encoding=UTF8 \
      --no-sync >"$dir/initdb.log" 2>&1 || fail "initdb failed: $(tail -5 "$dir/initdb.log")"
  fi
  if ! as_pg_user $pg_bin/pg_ctl -D "$dir/data" status >/dev/null 2>&1; then
    as_pg_user $pg_bin/pg_ctl -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -c port=$pg_port -c unix_socket_directories=$dir \
          -c max_connections=100 -c fsync=off" >/dev/null ||
      fail "PostgreSQL did not start: $(tail -5 "$dir/server.log")"
  fi
  if ! as_pg_user $pg_bin/psql -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'report_test'" | grep -q 1; then
    as_pg_user $pg_bin/createdb -h 127.0.0.1 -p "$pg_port" -U postgres report_test
  fi
  log "PostgreSQL up on 127.0.0.1:$pg_port (data in $dir/data, log $dir/server.log)"
  echo "export REPORT_TEST_POSTGRES=postgresql://postgres@127.0.0.1:$pg_port/report_test"
}

stop_postgres() {
  local dir=$root/postgres
  [ -f "$dir/data/PG_VERSION" ] || return 0
  as_pg_user $pg_bin/pg_ctl -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  log "PostgreSQL stopped"
}

start_slurm() {
  local dir=$root/slurm
  for tool in munged slurmctld slurmd sbatch; do
    command -v $tool >/dev/null || [ -x /usr/sbin/$tool ] ||
      fail "$tool is not installed: run scripts/setup.sh"
  done
  [ "$(id -u)" -eq 0 ] || fail "slurmd starts jobs as their users and must run as root"
  mkdir -p "$dir"/{state,spool,munge}
  chmod 700 "$dir/munge"
  local conf=$dir/slurm.conf
  if [ ! -f "$dir/munge/munge.key" ]; then
    dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
    chmod 400 "$dir/munge/munge.key"
  fi
  local cpus memory
  cpus=2
  memory=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2))
  cat >"$conf" <<EOF
ClusterName=report
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$slurmctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/slurmd-%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
SchedulerParameters=sched_interval=1
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=5
Waittime=0
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF=$conf
  if ! pgrep -F "$dir/munged.pid" >/dev/null 2>&1; then
    /usr/sbin/munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
      --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge/seed" ||
      fail "munged did not start: $(tail -5 "$dir/munged.log" 2>/dev/null)"
  fi
  if ! pgrep -F "$dir/slurmctld.pid" >/dev/null 2>&1; then
    /usr/sbin/slurmctld -c -f "$conf" || fail "slurmctld did not start: $(tail -5 "$dir/slurmctld.log")"
  fi
  if ! pgrep -F "$dir/slurmd.pid" >/dev/null 2>&1; then
    /usr/sbin/slurmd -N localhost -f "$conf" || fail "slurmd did not start: $(tail -5 "$dir/slurmd.log")"
  fi
  # The node registers within seconds; wait (bounded) until it takes jobs.
  local state=""
  for _ in $(seq 1 60); do
    state=$(sinfo -h -N -o %t 2>/dev/null | head -1 || true)
    case $state in idle | mix | alloc) break ;; esac
    sleep 0.5
  done
  case $state in
  idle | mix | alloc) ;;
  *) fail "the Slurm node did not come up (state '$state'): see $dir/slurmctld.log and $dir/slurmd.log" ;;
  esac
  log "Slurm up: one node, $cpus CPUs, partition debug (config $conf)"
  echo "export SLURM_CONF=$conf"
}

stop_slurm() {
  local dir=$root/slurm
  [ -d "$dir" ] || return 0
  for daemon in slurmd slurmctld munged; do
    if pgrep -F "$dir/$daemon.pid" >/dev/null 2>&1; then
      local pid
      pid=$(cat "$dir/$daemon.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
    fi
  done
  rm -rf "$dir"
  log "Slurm stopped"
}

case $action in
start | stop)
  for service in "${services[@]}"; do
    case $service in
    postgres | slurm) "${action}_$service" ;;
    *) fail "unknown service '$service' (postgres, slurm)" ;;
    esac
  done
  ;;
*) fail "usage: $0 start|stop [postgres] [slurm]" ;;
esac
