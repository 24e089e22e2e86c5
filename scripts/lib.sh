# shellcheck shell=bash
# Shared helpers for scripts/serve, scripts/test, scripts/redis-suite and scripts/bench.
# Source it; it sets SABLE_ROOT (the repository root) and defines sable_* functions.
# Nothing here depends on the machine: caches live under $XDG_CACHE_HOME (or ~/.cache).

# shellcheck disable=SC2034 # the variables below are used by the scripts that source this
SABLE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SABLE_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/sable"
# Debian's pytest and redis-py are installed for the system interpreter only; the python3
# first on PATH may be another one (pyenv, venv) without them.
SABLE_PYTHON="${SABLE_PYTHON:-/usr/bin/python3}"
SABLE_JOBS="${SABLE_JOBS:-2}"

# Packages every script may need. util-linux provides taskset and flock, procps provides ps/pkill.
SABLE_DEB_PACKAGES=(
  build-essential cmake ninja-build pkg-config libuv1-dev libjemalloc-dev libfmt-dev liblzf-dev
  doctest-dev python3-pytest python3-redis redis-tools redis-server tcl procps util-linux
  liblua5.1-0-dev lua-cjson-dev lua-bitop-dev
)

if [[ -t 1 && "${TERM:-dumb}" != dumb ]]; then
  _sable_bold=$'\e[1m' _sable_red=$'\e[31m' _sable_green=$'\e[32m' _sable_off=$'\e[0m'
else
  _sable_bold='' _sable_red='' _sable_green='' _sable_off=''
fi

sable_say() { printf '%s==> %s%s\n' "$_sable_bold" "$*" "$_sable_off"; }
sable_warn() { printf '%swarning:%s %s\n' "$_sable_red" "$_sable_off" "$*" >&2; }
sable_die() {
  printf '%serror:%s %s\n' "$_sable_red" "$_sable_off" "$*" >&2
  exit 1
}
sable_ok() { printf '%s%s%s\n' "$_sable_green" "$*" "$_sable_off"; }
sable_bad() { printf '%s%s%s\n' "$_sable_red" "$*" "$_sable_off"; }

# Runs a command as root: directly when we are root, else through sudo.
sable_as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    sable_die "need root for: $* (and sudo is not installed)"
  fi
}

sable_pkg_installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]
}

_sable_apt_updated=0
sable_apt_update_once() {
  if [[ $_sable_apt_updated -eq 0 ]]; then
    sable_say "apt-get update"
    sable_as_root apt-get update
    _sable_apt_updated=1
  fi
}

# Installs whatever is missing from SABLE_DEB_PACKAGES. A machine with everything installed
# never calls apt. Debian's redis-server package starts (and enables) a service on port 6379,
# which scripts/serve needs: we deny service starts during the install with a temporary
# policy-rc.d (honoured by invoke-rc.d and deb-systemd-invoke), and stop/disable a service the
# package started anyway. A redis-server that was already installed is left alone.
sable_ensure_deps() {
  local missing=() p
  for p in "${SABLE_DEB_PACKAGES[@]}"; do
    sable_pkg_installed "$p" || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0

  sable_say "installing missing packages: ${missing[*]}"
  local installing_redis=0
  [[ " ${missing[*]} " == *" redis-server "* ]] && installing_redis=1

  local policy=/usr/sbin/policy-rc.d made_policy=0
  if [[ $installing_redis -eq 1 && ! -e $policy ]]; then
    printf '#!/bin/sh\n# temporary, written by sable scripts/lib.sh\nexit 101\n' |
      sable_as_root tee "$policy" >/dev/null
    sable_as_root chmod 755 "$policy"
    made_policy=1
  fi

  local rc=0
  sable_apt_update_once || rc=$?
  if [[ $rc -eq 0 ]]; then
    sable_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" || rc=$?
  fi
  [[ $made_policy -eq 1 ]] && sable_as_root rm -f "$policy"
  [[ $rc -eq 0 ]] || sable_die "package installation failed (apt exit status $rc)"

  if [[ $installing_redis -eq 1 ]]; then
    sable_stop_packaged_redis
  fi
  for p in "${missing[@]}"; do
    sable_pkg_installed "$p" || sable_die "package $p is still not installed"
  done
}

# Stops and disables the redis-server service that Debian's package may have started.
sable_stop_packaged_redis() {
  if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
    sable_as_root systemctl disable --now redis-server.service >/dev/null 2>&1 || true
  elif command -v service >/dev/null 2>&1; then
    sable_as_root service redis-server stop >/dev/null 2>&1 || true
  fi
  local pidfile=/run/redis/redis-server.pid pid
  if [[ -r $pidfile ]]; then
    pid="$(cat "$pidfile")"
    if [[ -n $pid && "$(cat "/proc/$pid/comm" 2>/dev/null)" == redis-server ]]; then
      sable_say "stopping the redis-server service started by the package (pid $pid)"
      sable_as_root kill "$pid" || true
    fi
  fi
}

# sable_build DIR BUILD_TYPE [extra cmake -D args...]: configure and build with Ninja.
# Configuring every time (about a second when nothing changed) keeps the build type right
# even if someone reconfigured the directory by hand.
sable_build() {
  local dir="$1" type="$2"
  shift 2
  (
    cd "$SABLE_ROOT" || exit 1
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" "$@" ||
      { echo "cmake configure of $dir failed (if $dir was made with another generator, remove it)" >&2; exit 1; }
    cmake --build "$dir" -j "$SABLE_JOBS"
  )
}

sable_build_release() {
  sable_say "Release build (build/)"
  sable_build build Release
}

sable_build_asan() {
  sable_say "ASan+UBSan build (build-asan/)"
  sable_build build-asan Debug -DSABLE_SANITIZE=ON
}

# Prints a TCP port on 127.0.0.1 that is free right now (the kernel picks it).
sable_free_port() {
  "$SABLE_PYTHON" - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

sable_port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# sable_wait_ready PORT PID [SECONDS]: waits until the server answers PING; fails early if
# the process PID is gone.
sable_wait_ready() {
  local port="$1" pid="$2" limit="${3:-20}" i
  for ((i = 0; i < limit * 10; i++)); do
    if [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == PONG ]]; then
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# sable_start_server BINARY WORKDIR LOGFILE [extra args...]
# Starts BINARY on a free loopback port with no persistence, cwd WORKDIR, output to LOGFILE.
# Sets SABLE_SERVER_PID and SABLE_SERVER_PORT. Set SABLE_SERVER_WRAP (an array) to prefix the
# command, e.g. SABLE_SERVER_WRAP=(taskset -c 0). Retries with another port if one is taken.
SABLE_SERVER_WRAP=()
sable_start_server() {
  local bin="$1" dir="$2" log="$3" attempt port pid
  shift 3
  for attempt in 1 2 3 4 5; do
    port="$(sable_free_port)"
    (cd "$dir" && exec "${SABLE_SERVER_WRAP[@]}" "$bin" --port "$port" --bind 127.0.0.1 \
      --save "" --appendonly no --daemonize no "$@") >>"$log" 2>&1 </dev/null &
    pid=$!
    if sable_wait_ready "$port" "$pid" 20; then
      # shellcheck disable=SC2034 # read by the callers
      SABLE_SERVER_PID=$pid
      SABLE_SERVER_PORT=$port
      return 0
    fi
    sable_stop_pid "$pid"
    sable_warn "server did not come up on port $port (attempt $attempt), see $log"
  done
  return 1
}

# sable_stop_pid PID: SIGTERM, wait up to 10 s, then SIGKILL. Only for processes we started.
sable_stop_pid() {
  local pid="$1" i
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    sable_warn "pid $pid ignored SIGTERM for 10 s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# Removes ANSI colour/escape sequences from stdin.
sable_strip_ansi() { sed -E 's/\x1b\[[0-9;]*[A-Za-z]//g'; }
