#!/usr/bin/env bash
# The README's main command: on a fresh Debian 12 / Ubuntu 22.04+ host, as root, with no registry
# reachable: install what faasd needs, start containerd, install faasd, start the one faasd daemon
# (`faasd up`: provider, gateway and queue-worker in one process; NATS and Prometheus as containers),
# pack a sample function on this host, deploy it through the gateway and invoke it.
# Safe to run twice. `scripts/quickstart.sh --down` stops and removes it all (secrets are kept).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
# The daemons' V8 flags, as src/config/config.ts (NODE_DAEMON_FLAGS) has them for the systemd units.
faasd=(node --max-semi-space-size=4 "$repo/dist/bundle/faasd.mjs")
run_dir=/run/faasd-quickstart
log_dir=/var/log/faasd
gateway=http://127.0.0.1:8080
password_file=/var/lib/faasd/secrets/basic-auth-password

# shellcheck source=scripts/daemon.sh
source "$repo/scripts/daemon.sh"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
systemd_is_init() { [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ]; }

# What each daemon's command line holds, so a zombie or a reused PID is not taken for it (issue #17).
daemon_pattern() {
  case $1 in
    containerd) echo containerd ;;
    faasd-provider) echo 'faasd.mjs provider' ;;
    faasd-up) echo 'faasd.mjs up' ;;
    *) echo "$1" ;;
  esac
}
alive() { [ -f "$run_dir/$1.pid" ] && daemon_running "$(cat "$run_dir/$1.pid")" "$(daemon_pattern "$1")"; }

# Starts a daemon in the background (no systemd here), unless it is already running.
background() {
  local name=$1; shift
  if alive "$name"; then say "$name already running (pid $(cat "$run_dir/$name.pid"))"; return; fi
  mkdir -p "$run_dir" "$log_dir"
  nohup "$@" >>"$log_dir/$name.log" 2>&1 &
  echo $! >"$run_dir/$name.pid"
  say "started $name (pid $!, log $log_dir/$name.log)"
}

# Polls a command until it succeeds, at most $2 seconds.
wait_for() {
  local what=$1 seconds=$2; shift 2
  for _ in $(seq 1 $((seconds * 5))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  echo "quickstart: timed out waiting for $what" >&2
  return 1
}

stop_background() {
  local name=$1
  if alive "$name"; then
    local pid; pid=$(cat "$run_dir/$name.pid")
    kill -TERM "$pid"
    for _ in $(seq 1 300); do daemon_running "$pid" "$(daemon_pattern "$name")" || break; sleep 0.2; done
    say "stopped $name"
  fi
  rm -f "$run_dir/$name.pid"
}

if [ "$(id -u)" != 0 ]; then echo "quickstart: run as root" >&2; exit 1; fi

if [ "${1:-}" = "--down" ]; then
  if [ -f "$password_file" ] && curl -fsS -o /dev/null "$gateway/healthz" 2>/dev/null; then
    auth="admin:$(cat "$password_file")"
    curl -fsS -u "$auth" -X DELETE -H 'Content-Type: application/json' -d '{"functionName":"hello"}' \
      "$gateway/system/functions" >/dev/null 2>&1 && say "removed function hello"
  fi
  if systemd_is_init && systemctl is-enabled faasd.service >/dev/null 2>&1; then
    systemctl disable --now faasd.service
  else
    stop_background faasd-up
    # A provider an older quickstart started beside faasd up.
    stop_background faasd-provider
  fi
  # Also removes the bridge (CNI never deletes it; with every container gone, nothing uses it) and its
  # localnet guard.
  "${faasd[@]}" install --uninstall >/dev/null
  stop_background containerd
  say "faasd is down (secrets kept in /var/lib/faasd/secrets)"
  exit 0
fi

say "installing host packages and building faasd-ts"
bash scripts/setup-host.sh --runtime-only
command -v curl >/dev/null || { apt-get install -y -qq curl >/dev/null; }

say "containerd"
if systemd_is_init; then
  systemctl enable --now containerd >/dev/null
elif ! [ -S /run/containerd/containerd.sock ] || ! ctr version >/dev/null 2>&1; then
  background containerd containerd
fi
wait_for containerd 30 ctr version

say "installing faasd"
if systemd_is_init; then
  "${faasd[@]}" install
else
  "${faasd[@]}" install --no-start >/dev/null
  # An older quickstart ran the provider on its own: the daemon runs it now, on the same port.
  stop_background faasd-provider
  background faasd-up bash -c "cd /var/lib/faasd && exec ${faasd[*]} up"
fi
say "waiting for the gateway (first start packs the core images: a minute at most)"
wait_for "the gateway on $gateway" 300 curl -fsS -o /dev/null "$gateway/healthz"

say "packing the sample function (no registry needed)"
"${faasd[@]}" --namespace openfaas-fn image pack faasd.local/hello:1 \
  --binary /bin/busybox --entrypoint /bin/hello \
  --file "$repo/scripts/sample/hello:/bin/hello" "$repo/scripts/sample/hello-handler:/bin/hello-handler" >/dev/null

say "deploying it through the gateway, as faas-cli does (PUT, then POST when new)"
auth="admin:$(cat "$password_file")"
body='{"service":"hello","image":"faasd.local/hello:1","labels":{"com.openfaas.sample":"quickstart"}}'
code=$(curl -sS -o /dev/null -w '%{http_code}' -u "$auth" -X PUT -H 'Content-Type: application/json' -d "$body" "$gateway/system/functions")
if [ "$code" = 404 ]; then
  curl -fsS -u "$auth" -X POST -H 'Content-Type: application/json' -d "$body" "$gateway/system/functions"
fi

say "invoking it"
answer=$(curl -fsS --retry 10 --retry-connrefused --retry-delay 1 -d 'hi there' "$gateway/function/hello")
echo
echo "  $answer"
echo
cat <<MSG
faasd-ts is running.
  gateway:   $gateway   (also on this host's other addresses, port 8080)
  user:      admin
  password:  $password_file
Next:
  faas-cli login --gateway $gateway -u admin --password-stdin < $password_file
  faas-cli list --gateway $gateway
  curl -d 'hello' $gateway/function/hello
Stop and remove it all: scripts/quickstart.sh --down
MSG
