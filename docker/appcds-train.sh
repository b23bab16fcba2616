#!/bin/sh
# Writes the AppCDS archive of a full start: the service is started once with placeholder settings and
# no database, until it listens, then stopped; the JVM writes every class it loaded as it exits.
# Run by docker/Dockerfile.jvm (with the image's own JDK: an archive is used only by the JDK that wrote
# it, with the jar at the same path) and by bench/run, so both measure the same archive.
#
# Usage: appcds-train.sh <quarkus-app folder> [archive file name, default app-cds.jsa]
# The JVM flags are the replica's (Dockerfile.jvm, deploy/deployment.yaml): the JVM ignores an archive
# written under a different collector or class-path.
set -u
app="$1"
archive="${2:-app-cds.jsa}"
port="${APPCDS_TRAINING_PORT:-8080}"
cd "$app" || exit 1
rm -f "$archive" appcds-training.log

# Without a database the start would end at Flyway, before Hibernate, the bean container's start-up
# and the HTTP server load their classes (over half of a start's). So the training start skips what
# needs a connection (migration, schema validation, the version check, the job worker); the other
# start-up work fails its first query, logs it and retries later, which is what the training wants.
B24_CLIENT_ID=cds B24_CLIENT_SECRET=cds B24_PUBLIC_URL=https://cds.invalid \
B24_TOKEN_KEYS=k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= B24_BOTS_CDS_CODE=cds B24_BOTS_CDS_NAME=CDS \
B24_JOBS_ENABLED=false \
QUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://127.0.0.1:1/none QUARKUS_DATASOURCE_USERNAME=none \
QUARKUS_DATASOURCE_PASSWORD=none QUARKUS_FLYWAY_MIGRATE_AT_START=false \
QUARKUS_HIBERNATE_ORM_SCHEMA_MANAGEMENT_STRATEGY=none QUARKUS_HIBERNATE_ORM_DATABASE_VERSION_CHECK_ENABLED=false \
QUARKUS_HTTP_HOST=127.0.0.1 QUARKUS_HTTP_PORT="$port" QUARKUS_SHUTDOWN_TIMEOUT=1s \
java -Xmx112m -Xss512k -XX:ReservedCodeCacheSize=96m -XX:MetaspaceSize=96m -XX:MaxMetaspaceSize=128m \
  -XX:+UseSerialGC -XX:ArchiveClassesAtExit="$archive" -Xlog:cds=off -Xlog:cds+dynamic=off \
  -jar quarkus-run.jar > appcds-training.log 2>&1 &
pid=$!

# Up to two minutes for a slow builder; the start logs "Listening on" once its start-up work is done.
tries=0
while kill -0 "$pid" 2>/dev/null && ! grep -q "Listening on" appcds-training.log && [ "$tries" -lt 1200 ]; do
  sleep 0.1
  tries=$((tries + 1))
done
kill -TERM "$pid" 2>/dev/null
wait "$pid"

if [ ! -s "$archive" ]; then
  echo "no AppCDS archive was written; the training start's output:" >&2
  tail -n 40 appcds-training.log >&2
  exit 1
fi
grep -q "Listening on" appcds-training.log \
  || echo "warning: the training start did not finish; the archive holds only part of a start" >&2
rm -f appcds-training.log
