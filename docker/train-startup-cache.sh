#!/bin/sh
# Writes the service's start-up cache: the service is started once with placeholder settings and no
# database, until it listens, then stopped, and the JVM saves what the start loaded as it exits.
# - On Java 25 and later, an AOT cache (app.aot, -XX:AOTCacheOutput): every class the start loaded,
#   already parsed, verified and linked, with the profiles of the methods it ran.
# - On Java 21 to 24, an AppCDS archive (app-cds.jsa, -XX:ArchiveClassesAtExit): the classes, parsed
#   and verified.
# Either way it also writes startup-cache.args, the one JVM flag that reads the cache, by a path relative
# to the folder: docker/entrypoint.sh starts the service from there with that flag, and so do bench/run
# and ProductionJarIT. A cache serves only the JDK that wrote it, with the same jars at the same paths
# (the image writes it in a RUN step, with its own JDK); the JVM reports a stale one on one line and
# starts without it.
#
# Usage: train-startup-cache.sh <quarkus-app folder>
# The JVM flags are the replica's (Dockerfile.jvm, deploy/deployment.yaml).
set -u
app="$1"
port="${STARTUP_CACHE_TRAINING_PORT:-8080}"
cd "$app" || exit 1
rm -f app.aot app-cds.jsa startup-cache.args startup-cache-training.log

if java -XX:+PrintFlagsFinal -version 2>/dev/null | grep -q ' AOTCacheOutput '; then
  cache=app.aot
  record="-XX:AOTCacheOutput=$cache"
  use="-XX:AOTCache=$cache"
else
  cache=app-cds.jsa
  record="-XX:ArchiveClassesAtExit=$cache -Xlog:cds=off -Xlog:cds+dynamic=off"
  use="-XX:SharedArchiveFile=$cache"
fi

# Without a database the start would end at Flyway, before Hibernate, the bean container's start-up
# and the HTTP server load their classes (over half of a start's). So the training start skips what
# needs a connection (migration, schema validation, the version check, the job worker); the other
# start-up work fails its first query, logs it and retries later, which is what the training wants.
# Word splitting of $record is intended (one or three flags).
# shellcheck disable=SC2086
B24_CLIENT_ID=cds B24_CLIENT_SECRET=cds B24_PUBLIC_URL=https://cds.invalid \
B24_TOKEN_KEYS=k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= B24_BOTS_CDS_CODE=cds B24_BOTS_CDS_NAME=CDS \
B24_JOBS_ENABLED=false \
QUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://127.0.0.1:1/none QUARKUS_DATASOURCE_USERNAME=none \
QUARKUS_DATASOURCE_PASSWORD=none QUARKUS_FLYWAY_MIGRATE_AT_START=false \
QUARKUS_HIBERNATE_ORM_SCHEMA_MANAGEMENT_STRATEGY=none QUARKUS_HIBERNATE_ORM_DATABASE_VERSION_CHECK_ENABLED=false \
QUARKUS_HTTP_HOST=127.0.0.1 QUARKUS_HTTP_PORT="$port" QUARKUS_SHUTDOWN_TIMEOUT=1s \
java -Xmx112m -Xss512k -XX:ReservedCodeCacheSize=96m -XX:MetaspaceSize=96m -XX:MaxMetaspaceSize=128m \
  -XX:+UseSerialGC $record -jar quarkus-run.jar > startup-cache-training.log 2>&1 &
pid=$!

# Up to two minutes for a slow builder; the start logs "Listening on" once its start-up work is done.
tries=0
while kill -0 "$pid" 2>/dev/null && ! grep -q "Listening on" startup-cache-training.log && [ "$tries" -lt 1200 ]; do
  sleep 0.1
  tries=$((tries + 1))
done
# On Java 25 the JVM assembles the AOT cache as it exits (in a second JVM), which takes a few seconds.
kill -TERM "$pid" 2>/dev/null
wait "$pid"

if [ ! -s "$cache" ]; then
  echo "no start-up cache ($cache) was written; the training start's output:" >&2
  tail -n 40 startup-cache-training.log >&2
  exit 1
fi
grep -q "Listening on" startup-cache-training.log \
  || echo "warning: the training start did not finish; $cache holds only part of a start" >&2
echo "$use" > startup-cache.args
rm -f startup-cache-training.log
echo "wrote $cache ($use in startup-cache.args)"
