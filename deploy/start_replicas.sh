#!/usr/bin/env bash
# Start N replicas of the app for a school on this machine: `streamlit run app.py` on
# 127.0.0.1:8501, 8502, ... (one replica a core is the rule of thumb), all sharing the
# PostgreSQL database in GRADCLIP_DATABASE_URL. HAProxy (deploy/haproxy.cfg) goes in front and
# is what students open. Ctrl-C stops every replica; so does any replica that exits.
#
#   export GRADCLIP_DATABASE_URL=postgresql+psycopg://gradclip:secret@127.0.0.1:5432/gradclip
#   export GRADCLIP_PUBLIC_URL=http://192.168.1.10:8080    # the proxy, as students reach it
#   deploy/start_replicas.sh 3
#   haproxy -f deploy/haproxy.cfg                          # another terminal, or a service
#
# Each replica is pinned to a core of its own (taskset, round robin), so its training pool and
# live-chart budget are sized for one core, not the whole machine the replicas share (one
# 2-core laptop, 30 students: 29 training steps/s each on two pinned replicas, 6.5-12 on one
# server; bench/school.py --replicas 2 --pin). GRADCLIP_PIN=0 leaves them unpinned.
#
# Optional: GRADCLIP_BASE_PORT (8501), GRADCLIP_REPLICA_ADDRESS (127.0.0.1: only the proxy on
# this machine reaches the replicas), GRADCLIP_LOG_DIR (/tmp/gradclip-replicas), PYTHON
# (.venv/bin/python).
set -euo pipefail
cd "$(dirname "$0")/.."

n="${1:-3}"
if ! [[ "$n" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [number of replicas, default 3]" >&2
  exit 2
fi
: "${GRADCLIP_DATABASE_URL:?set GRADCLIP_DATABASE_URL to the PostgreSQL database the replicas share, e.g. postgresql+psycopg://gradclip:secret@127.0.0.1:5432/gradclip}"
case "$GRADCLIP_DATABASE_URL" in
  postgresql*) ;;
  *) echo "warning: GRADCLIP_DATABASE_URL is not PostgreSQL; a school's replicas share classes and progress through one PostgreSQL database" >&2 ;;
esac
if [ -z "${GRADCLIP_PUBLIC_URL:-}" ]; then
  echo "warning: GRADCLIP_PUBLIC_URL is not set: behind the proxy, the Share and Class pages cannot show students a link (set it to the proxy's address, e.g. http://192.168.1.10:8080)" >&2
fi
python="${PYTHON:-.venv/bin/python}"
base="${GRADCLIP_BASE_PORT:-8501}"
address="${GRADCLIP_REPLICA_ADDRESS:-127.0.0.1}"
logs="${GRADCLIP_LOG_DIR:-/tmp/gradclip-replicas}"
mkdir -p "$logs"
export GRADCLIP_DATABASE_URL

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'stop; exit 130' INT TERM
trap stop EXIT

cores="$(nproc 2>/dev/null || echo 1)"
for i in $(seq 1 "$n"); do
  port=$((base + i - 1))
  pin=()
  if [ "${GRADCLIP_PIN:-1}" != 0 ] && command -v taskset >/dev/null; then
    pin=(taskset -c "$(((i - 1) % cores))")
  fi
  ${pin[@]+"${pin[@]}"} "$python" -m streamlit run app.py --server.address "$address" --server.port "$port" \
    --server.headless true >"$logs/app$i.log" 2>&1 &
  pids+=($!)
  echo "app$i: http://$address:$port (log $logs/app$i.log)${pin[@]+, ${pin[*]}}"
done

for i in $(seq 1 "$n"); do
  port=$((base + i - 1))
  if ! "$python" - "$address" "$port" <<'PY'
import sys, time, urllib.request
url = f"http://{sys.argv[1]}:{sys.argv[2]}/_stcore/health"
for _ in range(300):
    try:
        urllib.request.urlopen(url, timeout=2)
        sys.exit(0)
    except OSError:
        time.sleep(0.5)
sys.exit(1)
PY
  then
    echo "app$i did not answer on port $port; its log:" >&2
    tail -n 20 "$logs/app$i.log" >&2
    exit 1
  fi
done
echo "$n replicas up; students open HAProxy (haproxy -f deploy/haproxy.cfg), not these ports."
if [ "$n" != 3 ] || [ "$base" != 8501 ]; then
  echo "note: deploy/haproxy.cfg lists app1..app3 on ports 8501..8503: give it one server line per replica" >&2
fi
# Until Ctrl-C, or until a replica exits (then the others stop too).
wait -n "${pids[@]}"
echo "a replica exited; stopping the others" >&2
exit 1
