#!/usr/bin/env bash
# The Docker engine the container tests and the demo use: Debian's docker.io
# (installed by scripts/setup.sh), started here when none answers.
#
#   scripts/docker.sh start   # start dockerd unless one answers; idempotent
#   scripts/docker.sh stop    # stop the dockerd that `start` started, if any
#
# Invariants: a dockerd that was already running is never stopped; the one we
# start is recorded in $VANISH_DOCKERD_PIDFILE (default /tmp/vanish-dockerd.pid)
# and logs to /tmp/vanish-dockerd.log; `start` waits at most 60 s for the
# engine to answer and fails with the log's tail otherwise.
set -euo pipefail
pidfile=${VANISH_DOCKERD_PIDFILE:-/tmp/vanish-dockerd.pid}
logfile=/tmp/vanish-dockerd.log
log() { printf '==> %s\n' "$*" >&2; }

answers() { timeout 10 docker info >/dev/null 2>&1; }

case "${1:-}" in
  start)
    if answers; then exit 0; fi
    command -v dockerd >/dev/null || { log "dockerd is not installed (scripts/setup.sh installs docker.io)"; exit 1; }
    [ "$(id -u)" -eq 0 ] || { log "starting dockerd needs root"; exit 1; }
    log "starting dockerd (log: $logfile)"
    # setsid: the engine must not get the terminal's signals (a Ctrl-C of the tests).
    setsid dockerd >"$logfile" 2>&1 < /dev/null &
    echo $! > "$pidfile"
    for _ in $(seq 120); do
      if answers; then exit 0; fi
      if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then break; fi
      sleep 0.5
    done
    log "dockerd did not answer within 60 s; the end of its log:"
    tail -n 20 "$logfile" >&2 || true
    exit 1
    ;;
  stop)
    [ -f "$pidfile" ] || exit 0
    pid=$(cat "$pidfile")
    rm -f "$pidfile"
    if kill -0 "$pid" 2>/dev/null; then
      log "stopping dockerd ($pid)"
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.5; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    ;;
  *)
    echo "usage: scripts/docker.sh start|stop" >&2
    exit 2
    ;;
esac
