#!/bin/sh
# PostgreSQL of the smoke test's base image (docker/smoke.sh): creates the cluster on the first start
# (the data folder is a volume, so a restarted or recreated container keeps it), then runs the server
# as the postgres user in the foreground, on 127.0.0.1:$PGPORT (the container shares the host's network).
set -eu
PGDATA=/var/lib/postgresql/data
bin=$(ls -d /usr/lib/postgresql/*/bin | tail -n 1)
mkdir -p "$PGDATA" /run/postgresql
chown postgres:postgres "$PGDATA" /run/postgresql
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  printf '%s\n' "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}" > /run/postgresql/pwfile
  chown postgres /run/postgresql/pwfile
  setpriv --reuid=postgres --regid=postgres --init-groups "$bin/initdb" -D "$PGDATA" -U postgres \
    --pwfile=/run/postgresql/pwfile --auth-host=scram-sha-256 --auth-local=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f /run/postgresql/pwfile
  echo "postgres-start: created the cluster in $PGDATA"
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups "$bin/postgres" -D "$PGDATA" \
  -c listen_addresses=127.0.0.1 -c port="${PGPORT:-5432}" -c unix_socket_directories=/run/postgresql
