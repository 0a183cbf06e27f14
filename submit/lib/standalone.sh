# shellcheck shell=bash
# Sourced by submit/cluster/start-standalone and stop-standalone: where the local standalone cluster keeps its
# state, and how to tell its processes from anybody else's. Callers set lethe_root before sourcing.

standalone_dir=$(realpath -m "${LETHE_STANDALONE_DIR:-$lethe_root/spark-jobs/target/standalone}")
# Every daemon JVM carries this system property, so a pid file is trusted only while its process still has it
# (a pid reused by an unrelated process is never signalled).
standalone_marker="-Dlethe.standalone.dir=$standalone_dir"

command -v ps >/dev/null || { echo "ps not found: install procps" >&2; exit 1; }

# Whether PID is a live (not zombie) process.
standalone_alive() {
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [ -n "$state" ] && [[ "$state" != Z* ]]
}

# Whether PID is a live daemon of this state dir.
standalone_ours() {
  standalone_alive "$1" && ps -ww -o args= -p "$1" | grep -qF -- "$standalone_marker "
}

# The pid recorded for daemon NAME if it is still ours, else nothing.
standalone_pid() {
  local file="$standalone_dir/pids/$1.pid" pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  if [[ "$pid" =~ ^[0-9]+$ ]] && standalone_ours "$pid"; then
    echo "$pid"
  fi
}
