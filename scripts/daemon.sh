# shellcheck shell=bash
# Sourced by scripts/quickstart.sh (and its test): whether a daemon started in the background still runs.

# daemon_running PID PATTERN: true when PID is a live process, not a zombie, whose command line contains
# PATTERN. `kill -0` alone is not enough: it succeeds for a killed daemon that its parent has not reaped
# yet (a zombie, state Z; a shell that is not PID 1 may never reap it), and for an unrelated process that
# got the PID after the daemon died.
daemon_running() {
  local pid=$1 pattern=$2 stat state cmdline
  [[ $pid =~ ^[1-9][0-9]*$ ]] || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  # The state follows the command name, which is in parentheses and may itself hold spaces or ')'.
  state=${stat##*) }
  state=${state%% *}
  case $state in Z | X | x) return 1 ;; esac
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmdline == *"$pattern"* ]]
}
