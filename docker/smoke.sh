#!/usr/bin/env bash
# The image, built and started on this machine, and a smoke test against it (docs/OPERATIONS.md
# "Building and smoke-testing the image locally"). No image registry is needed: the base images are made
# here from Debian packages (mmdebstrap) and a Java runtime cut from the local JDK (jlink).
#
#   docker/smoke.sh            build what is missing, start PostgreSQL and the service in containers,
#                              drive them with the Bitrix24 emulator, restart both, check again, clean up
#   docker/smoke.sh --rebuild  the same, remaking the local base images first
#
# Needs root (or a rootless podman set up by hand), Debian/Ubuntu apt for the tools, and a JDK 21+ with
# jlink in JAVA_HOME (default /usr/lib/jvm/temurin-25-jdk-amd64). SMOKE_MVN_OPTS="-o" builds offline.
# Keeps the built images (localhost/b24bots-*), removes its containers and volume. Exits non-zero on any
# failure.
set -euo pipefail
cd "$(dirname "$0")/.."

PODMAN=(podman --runtime runc)
# podman's default limits are higher than this machine lets a process set (setrlimit is refused).
ULIMITS=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
# podman makes a systemd timer for a container's HEALTHCHECK and logs an error when no systemd runs (as
# here); the check itself is run once by hand below (podman healthcheck run).
podman_quiet() { "${PODMAN[@]}" "$@" 2> >(grep -v 'systemd connection' >&2); }
APP=b24bots-smoke-app
PG=b24bots-smoke-postgres
PGVOL=b24bots-smoke-pgdata

# ---- the restart the driver asks for between its two halves (same containers, same volume) --------
if [ "${1:-}" = "--restart" ]; then
  echo "== restart: stopping the service and PostgreSQL"
  podman_quiet stop -t 40 "$APP" >/dev/null
  "${PODMAN[@]}" stop -t 20 "$PG" >/dev/null
  echo "== restart: starting PostgreSQL (same volume) and the service (same container)"
  "${PODMAN[@]}" start "$PG" >/dev/null
  for _ in $(seq 1 60); do
    "${PODMAN[@]}" exec "$PG" pg_isready -q -h 127.0.0.1 -p "$SMOKE_PG_PORT" && break
    sleep 0.5
  done
  "${PODMAN[@]}" exec "$PG" pg_isready -q -h 127.0.0.1 -p "$SMOKE_PG_PORT"
  podman_quiet start "$APP" >/dev/null
  exit 0
fi

REBUILD=false
[ "${1:-}" = "--rebuild" ] && REBUILD=true
WORK=docker/.work
mkdir -p "$WORK"

JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
if ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -qE 'version "(2[1-9]|[3-9][0-9])' || [ ! -x "$JAVA_HOME/bin/jlink" ]; then
  echo "docker/smoke.sh needs a JDK 21 or later with jlink in JAVA_HOME (got $JAVA_HOME)" >&2; exit 1
fi
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
JDK_VERSION="$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.version = //p')"

# ---- 1. tools ---------------------------------------------------------------------------------
missing=()
command -v podman >/dev/null || missing+=(podman)
command -v runc >/dev/null || missing+=(runc)
command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
command -v python3 >/dev/null || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing ${missing[*]} from Debian's packages"
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >/dev/null
  else
    echo "docker/smoke.sh needs: ${missing[*]} (Debian: apt-get install -y ${missing[*]})" >&2; exit 1
  fi
fi

# The Debian suite and mirror of the base images: this machine's own (its apt sources), else bookworm.
SUITE="${SMOKE_DEBIAN_SUITE:-$( (. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}") )}"
SUITE="${SUITE:-bookworm}"
MIRROR="${SMOKE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
BASE_JRE="localhost/b24bots-base-jre:$SUITE-$JDK_VERSION"
BASE_PG="localhost/b24bots-base-postgres:$SUITE"
IMAGE="localhost/b24bots:smoke"

image_exists() { "${PODMAN[@]}" image exists "$1"; }
image_id() { "${PODMAN[@]}" image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }
# A rebuilt tag leaves its previous image behind, untagged: remove that one (only ours), so runs do not
# pile up images.
drop_replaced() { # <previous id> <tag>
  if [ -n "$1" ] && [ "$1" != "$(image_id "$2")" ]; then "${PODMAN[@]}" rmi "$1" >/dev/null 2>&1 || true; fi
}

# ---- 2. the local base images -----------------------------------------------------------------
# A minimal Debian root filesystem; mmdebstrap writes it as a tarball that podman imports as an image.
debian_rootfs() { # <tarball> <packages, comma-separated> [mmdebstrap options...]
  local out="$1" packages="$2"
  shift 2
  mmdebstrap --quiet --variant=minbase --include="$packages" \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/usr/share/doc/* "$1"/usr/share/man/*' \
    "$@" "$SUITE" "$out" "$MIRROR"
}

if $REBUILD || ! image_exists "$BASE_JRE"; then
  previous=$(image_id "$BASE_JRE")
  echo "== base image $BASE_JRE: Debian $SUITE (minbase, ca-certificates, curl) + a Java runtime from jlink of $JAVA_HOME"
  rm -rf "$WORK/jre"
  # The modules of Java SE and the JDK's few a Quarkus service uses (Unsafe, zip file system, DNS, EC,
  # management, JFR); with the JDK's default CDS archive, which an AppCDS archive is built on top of.
  jlink --add-modules java.se,jdk.unsupported,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.zipfs,jdk.management,jdk.management.jfr,jdk.naming.dns,jdk.localedata,jdk.charsets,jdk.net,jdk.jfr \
    --strip-debug --no-man-pages --no-header-files --generate-cds-archive --output "$WORK/jre" >/dev/null
  debian_rootfs "$WORK/base-jre.tar" ca-certificates,curl \
    --customize-hook='mkdir -p "$1"/opt/java' \
    --customize-hook="copy-in $WORK/jre /opt/java" \
    --customize-hook='mv "$1"/opt/java/jre "$1"/opt/java/openjdk' \
    --customize-hook='chroot "$1" useradd --system --uid 185 --gid 0 --home-dir /home/default --create-home --shell /usr/sbin/nologin default'
  "${PODMAN[@]}" import --quiet --change 'ENV JAVA_HOME=/opt/java/openjdk' \
    --change 'ENV PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' --change 'CMD ["/bin/sh"]' "$WORK/base-jre.tar" "$BASE_JRE" >/dev/null
  rm -rf "$WORK/base-jre.tar" "$WORK/jre"
  drop_replaced "$previous" "$BASE_JRE"
else
  echo "== base image $BASE_JRE: present (docker/smoke.sh --rebuild remakes it)"
fi

if $REBUILD || ! image_exists "$BASE_PG"; then
  previous=$(image_id "$BASE_PG")
  echo "== base image $BASE_PG: Debian $SUITE (minbase, postgresql)"
  debian_rootfs "$WORK/base-postgres.tar" postgresql \
    --customize-hook='rm -rf "$1"/var/lib/postgresql/*/main "$1"/etc/postgresql' \
    --customize-hook="upload docker/smoke/postgres-start.sh /usr/local/bin/postgres-start.sh" \
    --customize-hook='chmod 755 "$1"/usr/local/bin/postgres-start.sh'
  "${PODMAN[@]}" import --quiet --change 'ENV LANG=C.UTF-8' --change 'ENTRYPOINT ["/usr/local/bin/postgres-start.sh"]' \
    --change 'STOPSIGNAL SIGINT' "$WORK/base-postgres.tar" "$BASE_PG" >/dev/null
  rm -f "$WORK/base-postgres.tar"
  drop_replaced "$previous" "$BASE_PG"
else
  echo "== base image $BASE_PG: present"
fi

# ---- 3. the jar, the emulator and the service image ---------------------------------------------
# Rebuilt when a source or the pom is newer than the packaged jar (or the emulator's class path).
stale() { local file="$1"; shift; [ ! -e "$file" ] || [ -n "$(find "$@" -newer "$file" -type f -print -quit)" ]; }
if stale target/quarkus-app/quarkus-run.jar src/main pom.xml; then
  echo "== building the jar (./mvnw package -DskipTests)"
  ./mvnw -q -B ${SMOKE_MVN_OPTS:-} package -DskipTests -Dquarkus.analytics.disabled=true
fi
if stale target/smoke-classpath src pom.xml || [ ! -e target/test-classes/io/b24bots/testing/Bitrix24Emulator.class ]; then
  echo "== compiling the Bitrix24 emulator (./mvnw test-compile) and resolving its class path"
  ./mvnw -q -B ${SMOKE_MVN_OPTS:-} test-compile dependency:build-classpath -Dmdep.outputFile=target/smoke-classpath \
    -Dmdep.includeScope=test
  touch target/smoke-classpath   # the plugin leaves an unchanged file as it was
fi
CP="target/test-classes:target/classes:$(cat target/smoke-classpath)"
rm -rf "$WORK/driver"
javac -d "$WORK/driver" -cp "$CP" docker/smoke/SmokeDriver.java

echo "== building $IMAGE from docker/Dockerfile.jvm on $BASE_JRE (with the start-up cache's training step)"
# --format docker keeps the HEALTHCHECK (the OCI format has none).
previous=$(image_id "$IMAGE")
"${PODMAN[@]}" build --runtime runc "${ULIMITS[@]}" --format docker --build-arg BASE_IMAGE="$BASE_JRE" \
  -f docker/Dockerfile.jvm -t "$IMAGE" . > "$WORK/build.log" 2>&1 || { tail -n 40 "$WORK/build.log"; exit 1; }
drop_replaced "$previous" "$IMAGE"
"${PODMAN[@]}" run --rm --no-healthcheck "${ULIMITS[@]}" --entrypoint sh "$IMAGE" -c \
  'test "$(id -u)" != 0 && cd /deployments && test -s "$(sed "s/.*=//" startup-cache.args)"' \
  || { echo "the image runs as root or has no start-up cache" >&2; exit 1; }
# The flag the image's start adds (-XX:AOTCache=app.aot on this Java 25 base).
CACHE_FLAG=$("${PODMAN[@]}" run --rm --no-healthcheck "${ULIMITS[@]}" --entrypoint cat "$IMAGE" /deployments/startup-cache.args)
echo "   image built: runs as uid $("${PODMAN[@]}" run --rm --no-healthcheck "${ULIMITS[@]}" --entrypoint id "$IMAGE" -u), start-up cache $CACHE_FLAG, $("${PODMAN[@]}" run --rm --no-healthcheck "${ULIMITS[@]}" --entrypoint sh "$IMAGE" -c 'cd /deployments && du -h "$(sed "s/.*=//" startup-cache.args)" | cut -f1')"

# ---- 4. PostgreSQL and the service in containers, on the host's network -------------------------
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
SMOKE_PG_PORT=$(free_port)
APP_PORT=$(free_port)
EMULATOR_PORT=$(free_port)
export SMOKE_PG_PORT
CLIENT_ID=app.smoke.b24bots
CLIENT_SECRET=smoke-client-secret
PG_PASSWORD=smoke-postgres-password

cleanup() {
  local rc=$?
  if [ $rc -ne 0 ] && "${PODMAN[@]}" container exists "$APP"; then
    echo "== the service's log (last 60 lines)"
    "${PODMAN[@]}" logs "$APP" 2>&1 | tail -n 60
  fi
  echo "== cleaning up: containers $APP, $PG and volume $PGVOL (the images stay)"
  "${PODMAN[@]}" rm -f -t 5 "$APP" "$PG" >/dev/null 2>&1 || true
  "${PODMAN[@]}" volume rm -f "$PGVOL" >/dev/null 2>&1 || true
  exit $rc
}
# A run that was interrupted left its containers: start from nothing.
"${PODMAN[@]}" rm -f -t 5 "$APP" "$PG" >/dev/null 2>&1 || true
"${PODMAN[@]}" volume rm -f "$PGVOL" >/dev/null 2>&1 || true
trap cleanup EXIT

echo "== starting PostgreSQL ($BASE_PG) on 127.0.0.1:$SMOKE_PG_PORT, data on volume $PGVOL"
"${PODMAN[@]}" volume create "$PGVOL" >/dev/null
"${PODMAN[@]}" run -d --name "$PG" --network=host "${ULIMITS[@]}" -v "$PGVOL:/var/lib/postgresql/data" \
  -e PGPORT="$SMOKE_PG_PORT" -e POSTGRES_PASSWORD="$PG_PASSWORD" "$BASE_PG" >/dev/null
for _ in $(seq 1 60); do
  "${PODMAN[@]}" exec "$PG" pg_isready -q -h 127.0.0.1 -p "$SMOKE_PG_PORT" && break
  sleep 0.5
done
"${PODMAN[@]}" exec "$PG" pg_isready -h 127.0.0.1 -p "$SMOKE_PG_PORT"

echo "== starting the service ($IMAGE) on 127.0.0.1:$APP_PORT; Bitrix24 is the emulator on 127.0.0.1:$EMULATOR_PORT"
# The replica's own start (docker/entrypoint.sh); JAVA_OPTS adds a class-loading log, to check below that
# the start reads its classes from the image's start-up cache.
podman_quiet run -d --name "$APP" --network=host "${ULIMITS[@]}" \
  -e QUARKUS_HTTP_PORT="$APP_PORT" \
  -e QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://127.0.0.1:$SMOKE_PG_PORT/postgres" \
  -e QUARKUS_DATASOURCE_USERNAME=postgres -e QUARKUS_DATASOURCE_PASSWORD="$PG_PASSWORD" \
  -e B24_CLIENT_ID="$CLIENT_ID" -e B24_CLIENT_SECRET="$CLIENT_SECRET" \
  -e B24_PUBLIC_URL=http://b24bots.test \
  -e B24_OAUTH_URL="http://127.0.0.1:$EMULATOR_PORT/oauth" \
  -e B24_ALLOW_HTTP=true \
  -e B24_TOKEN_KEYS="k1:$(head -c 32 /dev/urandom | base64)" \
  -e B24_BOTS_ECHO_API=v1 -e B24_BOTS_ECHO_CODE=b24bots_echo -e B24_BOTS_ECHO_NAME=Echo \
  -e JAVA_OPTS="-Xlog:class+load:file=/tmp/class-load.log" \
  "$IMAGE" >/dev/null

# ---- 5. the smoke test ------------------------------------------------------------------------
echo "== driving it (docker/smoke/SmokeDriver.java)"
java -cp "$WORK/driver:$CP" SmokeDriver "http://127.0.0.1:$APP_PORT" "$EMULATOR_PORT" "$CLIENT_ID" "$CLIENT_SECRET" \
  bash docker/smoke.sh --restart

check() { echo "check: $1 ... $2"; [ "$2" = ok ] || exit 1; }
cmdline=$("${PODMAN[@]}" exec "$APP" sh -c 'tr "\0" " " < /proc/1/cmdline; echo; tr "\0" "\n" < /proc/1/environ | grep ^MALLOC_ARENA_MAX=')
echo "   the service's process 1: $cmdline" | tr '\n' ' '; echo
ok=ok
for flag in -XX:+UseSerialGC -Xmx112m -Xss512k -XX:ReservedCodeCacheSize=96m -XX:MetaspaceSize=96m -XX:MaxMetaspaceSize=128m \
    "$CACHE_FLAG" -XX:+ExitOnOutOfMemoryError -Dquarkus.http.host=0.0.0.0 \
    -Djava.util.logging.manager=org.jboss.logmanager.LogManager "-jar quarkus-run.jar" MALLOC_ARENA_MAX=2; do
  case "$cmdline" in *"$flag"*) ;; *) ok="FAILED (no $flag)" ;; esac
done
case "$cmdline" in java*|*/java\ *) ;; *) ok="FAILED (process 1 is not java)" ;; esac
check "process 1 of the service's container is java with the image's flags" "$ok"
loaded=$("${PODMAN[@]}" exec "$APP" sh -c 'grep -c " source: " /tmp/class-load.log')
shared=$("${PODMAN[@]}" exec "$APP" sh -c 'grep -c "source: shared objects file" /tmp/class-load.log')
[ "$shared" -gt $((loaded / 2)) ] && ok=ok || ok=FAILED
check "the restarted service read most of its classes from the image's start-up cache ($shared of $loaded)" "$ok"
health=$("${PODMAN[@]}" healthcheck run "$APP" 2>&1) && ok=ok || ok="FAILED ($health)"
check "the image's HEALTHCHECK (curl in the container) passes" "$ok"
tables=$("${PODMAN[@]}" exec "$PG" psql -h /run/postgresql -p "$SMOKE_PG_PORT" -U postgres -tA -c "select count(*) from portal")
[ "$tables" = 1 ] && ok=ok || ok=FAILED
check "PostgreSQL on its volume holds the one portal (portals: $tables)" "$ok"
echo "== SMOKE PASSED"
