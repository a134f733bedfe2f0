#!/usr/bin/env bash
# A one-node SLURM cluster on 127.0.0.1 for tests, with eight fake GPUs (gres files are /dev/null links).
#   tests/slurm/cluster.sh start DIR    install (Debian's slurm 22.05 + munge) if missing, start, wait idle
#   tests/slurm/cluster.sh stop DIR     stop the daemons this script started (by pid), keep DIR's logs
# Everything (config, state, spool, pids, logs) lives in DIR (munge key and socket in /tmp/wsnas-munge-*); export SLURM_CONF=DIR/slurm.conf for clients.
# One machine-wide trace while it runs: /etc/slurm/slurm.conf is linked to DIR/slurm.conf when no such file
# exists (the executor plugin strips SLURM_* variables, SLURM_CONF too, before its nested srun, which then
# reads the default path, as on a real cluster); stop removes that link. An existing real file is never touched.
# Idempotent: start on a running cluster only waits for it; stop on a stopped one does nothing.
set -euo pipefail
cmd=${1:?start|stop}
dir=$(realpath -m "${2:?DIR}")
conf=$dir/slurm.conf
# munged runs as user munge, which may not traverse DIR's parents (pytest's tmp is root-only)
mdir=/tmp/wsnas-munge-$(printf %s "$dir" | md5sum | cut -c1-10)
export SLURM_CONF=$conf

stop() {
  for name in slurmd slurmctld munged; do
    if [[ -f $dir/run/$name.pid ]]; then
      pid=$(cat "$dir/run/$name.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$dir/run/$name.pid"
    fi
  done
}

unlink_conf() {
  if [[ -f $dir/run/etc-link ]]; then
    [[ -L /etc/slurm/slurm.conf && $(readlink /etc/slurm/slurm.conf) == "$conf" ]] && rm -f /etc/slurm/slurm.conf
    rm -f "$dir/run/etc-link"
  fi
}

if [[ $cmd == stop ]]; then stop; unlink_conf; rm -rf "$mdir"; exit 0; fi
[[ $cmd == start ]] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurmctld slurmd slurm-client munge >/dev/null 2>&1 || {
    apt-get update -q >/dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurmctld slurmd slurm-client munge >/dev/null
  }
fi

if [[ -f $dir/run/slurmctld.pid ]] && kill -0 "$(cat "$dir/run/slurmctld.pid")" 2>/dev/null; then
  running=1
else
  running=0
  stop
  mkdir -p "$dir"/{state,spool,log,run,dev} "$mdir"
  host=$(hostname -s)
  # munge: its own key and socket in DIR, run as user munge
  [[ -f $mdir/munge.key ]] || { dd if=/dev/urandom bs=1 count=1024 of="$mdir/munge.key" status=none; }
  chown -R munge:munge "$mdir"; chmod 711 "$mdir"; chmod 400 "$mdir/munge.key"
  runuser -u munge -- /usr/sbin/munged --key-file="$mdir/munge.key" --socket="$mdir/munge.socket" \
    --pid-file="$mdir/munged.pid" --log-file="$mdir/munged.log" --seed-file="$mdir/munged.seed" --force
  cp "$mdir/munged.pid" "$dir/run/munged.pid"
  for i in 0 1 2 3 4 5 6 7; do ln -sf /dev/null "$dir/dev/gpu$i"; done
  # The node advertises 64 CPUs and 256 GB (config_overrides) so that the repository profile's real GPU-rule
  # requests (4 CPUs, 16 GB each) schedule on a small CI machine; nothing enforces them (task/none).
  cpus=64 mem=256000
  cat > "$conf" <<CONF
ClusterName=wsnasci
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$mdir/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MinJobAge=300
GresTypes=gpu
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerParameters=sched_interval=1
SlurmdParameters=config_overrides
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem Gres=gpu:8 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
  cat > "$dir/gres.conf" <<CONF
NodeName=$host Name=gpu File=$dir/dev/gpu[0-7]
CONF
  if [[ -e /etc/slurm/slurm.conf && ! ( -L /etc/slurm/slurm.conf && $(readlink /etc/slurm/slurm.conf) == "$conf" ) ]]; then
    echo "/etc/slurm/slurm.conf exists and is not this test cluster's; refusing to start (stop the other cluster first)" >&2
    exit 1
  fi
  mkdir -p /etc/slurm
  ln -sfn "$conf" /etc/slurm/slurm.conf
  touch "$dir/run/etc-link"
  slurmctld -f "$conf"
  slurmd -f "$conf"
fi

for _ in $(seq 120); do
  state=$(sinfo -h -o %T 2>/dev/null | head -1 || true)
  case $state in
    idle*|mixed*|allocated*) echo "slurm cluster in $dir: $state"; exit 0 ;;
    drain*|down*|inval*) scontrol update NodeName="$(hostname -s)" State=RESUME >/dev/null 2>&1 || true ;;
  esac
  sleep 0.5
done
echo "slurm cluster in $dir did not come up; see $dir/log" >&2
exit 1
