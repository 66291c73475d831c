# Shared helpers for deploy/local/*: a private PostgreSQL cluster on a free loopback port.
# Source this file; it defines pg_ensure_installed, pg_start DIR MODE, pg_stop DIR.
# MODE is "durable" (PostgreSQL's defaults: fsync and synchronous_commit on; for run and bench)
# or "fast" (fsync off; for tests only).

pg_bin() {
  local b
  b=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$b" ] && [ -x "$b/initdb" ] && echo "$b"
}

pg_ensure_installed() {
  if [ -z "$(pg_bin)" ]; then
    if [ "$(id -u)" = 0 ]; then
      echo "==> installing PostgreSQL (apt-get)" >&2
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
    else
      echo "error: PostgreSQL server binaries not found; install the 'postgresql' package" >&2
      return 1
    fi
  fi
  PGBIN=$(pg_bin)
  export PGBIN
}

pg_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Runs a command as the cluster owner: postgres when we are root, ourselves otherwise.
pg_as() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else (cd / && "$@"); fi
}

# A directory the cluster owner can reach. $1 = preferred directory.
pg_reachable_dir() {
  local want=$1
  if [ "$(id -u)" != 0 ]; then echo "$want"; return; fi
  mkdir -p "$want"
  chown postgres: "$want"
  if runuser -u postgres -- test -w "$want" 2>/dev/null; then echo "$want"; return; fi
  # The checkout sits under a private home: fall back to a folder named after it.
  local alt="/var/tmp/billing-worker-$(printf '%s' "$want" | md5sum | cut -c1-10)"
  mkdir -p "$alt"; chown postgres: "$alt"; chmod 700 "$alt"
  echo "$alt"
}

# pg_start DIR MODE: initialises DIR/data when needed, starts the server, exports DATABASE_URL.
pg_start() {
  local dir=$1 mode=$2 port opts
  pg_ensure_installed || return 1
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    pg_as "$PGBIN/initdb" -D "$dir/data" -U billing --auth=trust --no-locale -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; return 1; }
  fi
  port=$(pg_free_port)
  opts="-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200"
  if [ "$mode" = fast ]; then
    # The test suite runs its database tests in parallel, each with its own pools: 200 connections
    # were exhausted at peaks ("too many clients already").
    opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=500"
  fi
  pg_as "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$opts" start >/dev/null \
    || { tail -20 "$dir/server.log" >&2; return 1; }
  echo "$port" >"$dir/port"
  export PGPORT_LOCAL=$port
  export DATABASE_URL="postgresql://billing@127.0.0.1:$port/postgres"
}

pg_stop() {
  local dir=$1
  [ -n "${PGBIN:-}" ] || PGBIN=$(pg_bin)
  [ -f "$dir/data/postmaster.pid" ] && pg_as "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}
