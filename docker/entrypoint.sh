#!/bin/sh
# The image's start: the packaged service with the replica's JVM, on any base image that has a POSIX sh and a
# Java 21+ `java` (on PATH, or in JAVA_HOME). It reads the variables the image sets (docker/Dockerfile.jvm)
# and the Kubernetes manifest overrides (deploy/deployment.yaml):
#   GC_CONTAINER_OPTIONS  the collector (-XX:+UseSerialGC)
#   JAVA_OPTS_APPEND      heap, stacks, code cache, metaspace, exit on out of memory, the listen address
#                         and the JBoss log manager
#   JAVA_OPTS             anything added for one run (empty by default), e.g. -Xlog:... for a diagnosis
# The JVM replaces this shell (exec), so it is the container's main process and gets its SIGTERM.
set -eu
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
  java="$JAVA_HOME/bin/java"
else
  java=java
fi
# From the jar's own folder, as docker/train-startup-cache.sh wrote the start-up cache (it names the jars
# by their paths from there).
cd /deployments
# The flag that reads the start-up cache the image's build wrote (an AOT cache on Java 25+, an AppCDS
# archive before), whatever the variables above say.
startup_cache=""
if [ -s startup-cache.args ]; then
  startup_cache="$(cat startup-cache.args)"
fi
# Word splitting of the option variables is intended: each holds space-separated flags.
# shellcheck disable=SC2086
exec "$java" $startup_cache ${GC_CONTAINER_OPTIONS:-} ${JAVA_OPTS_APPEND:-} ${JAVA_OPTS:-} -jar quarkus-run.jar "$@"
