package io.b24bots.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.b24bots.web.TrustedProxies;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * No cluster or Compose runs in the tests (docker/smoke.sh builds and runs the image itself, outside
 * them), so the deployment files are checked as data: they parse, they name the same settings as the table of docs/CONFIGURATION.md, and the fields that keep a
 * replicated service healthy are there.
 */
class DeploymentFilesTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Set<String> SECRETS = Set.of("B24_CLIENT_SECRET", "B24_TOKEN_KEYS", "QUARKUS_DATASOURCE_PASSWORD", "B24_API_KEYS",
            "B24_CONSOLE_SESSION_KEY");

    /** The environment variables of the required and basic settings in docs/CONFIGURATION.md. */
    static Set<String> documentedSettings() throws IOException {
        String doc = Files.readString(Path.of("docs/CONFIGURATION.md"));
        int start = doc.indexOf("## Required and basic");
        String section = doc.substring(start, doc.indexOf("\n## ", start + 1));
        Set<String> names = new TreeSet<>();
        Pattern env = Pattern.compile("`([A-Z][A-Z0-9_]+)`");
        for (String line : section.split("\n")) {
            if (line.startsWith("| `")) {
                Matcher matcher = env.matcher(line.split("\\|")[1]);
                while (matcher.find()) {
                    names.add(matcher.group(1));
                }
            }
        }
        return names;
    }

    /** SnakeYAML resolves anchors and merge keys ({@code <<: *app}) the way Compose does. */
    static JsonNode yaml(String path) throws IOException {
        return JSON.valueToTree(new Yaml().load(Files.readString(Path.of(path))));
    }

    @Test
    void theConfigurationPageNamesEverySettingOfTheContract() throws IOException {
        assertThat(documentedSettings()).contains("B24_CLIENT_ID", "B24_CLIENT_SECRET", "B24_PUBLIC_URL", "B24_OAUTH_URL",
                "B24_OAUTH_EXTRA_URLS", "B24_ALLOW_HTTP", "B24_TOKEN_KEYS", "QUARKUS_DATASOURCE_JDBC_URL",
                "QUARKUS_DATASOURCE_USERNAME", "QUARKUS_DATASOURCE_PASSWORD", "QUARKUS_HTTP_PORT");
    }

    @Test
    void composeRunsPostgresAndTwoReplicasBehindOnePortWithEverySetting() throws IOException {
        JsonNode compose = yaml("docker/compose.yaml");
        JsonNode services = compose.path("services");
        List<String> replicas = new ArrayList<>();
        services.fieldNames().forEachRemaining(name -> {
            if (services.path(name).path("image").asText().startsWith("b24bots")) {
                replicas.add(name);
            }
        });
        assertThat(replicas).hasSize(2);
        for (String replica : replicas) {
            Set<String> env = new TreeSet<>();
            services.path(replica).path("environment").fieldNames().forEachRemaining(env::add);
            assertThat(env).as(replica + " environment").containsAll(documentedSettings());
            assertThat(services.path(replica).path("depends_on").path("postgres").path("condition").asText())
                    .isEqualTo("service_healthy");
            assertThat(Files.readString(Path.of("docker/nginx.conf"))).contains("server " + replica + ":8080");
        }
        assertThat(services.path("postgres").path("image").asText()).startsWith("postgres:");
        assertThat(services.path("postgres").path("healthcheck").isMissingNode()).isFalse();
        assertThat(services.path("proxy").path("ports")).hasSize(1);
        String envExample = Files.readString(Path.of("docker/.env.example"));
        for (String name : documentedSettings()) {
            if (name.startsWith("B24_")) {
                assertThat(envExample).as(".env.example").contains(name + "=");
            }
        }
    }

    /** Behind the shipped proxies, per-client limits count the client the proxy names, and only the proxy is believed. */
    @Test
    void theReplicasBelieveTheForwardedForOfTheirOwnProxyOnly() throws IOException {
        JsonNode services = yaml("docker/compose.yaml").path("services");
        String proxyAddress = services.path("proxy").path("networks").path("inside").path("ipv4_address").asText();
        assertThat(proxyAddress).isNotBlank();
        for (String replica : List.of("app-1", "app-2")) {
            JsonNode env = services.path(replica).path("environment");
            assertThat(env.path("QUARKUS_HTTP_PROXY_PROXY_ADDRESS_FORWARDING").asText()).isEqualTo("true");
            assertThat(env.path("QUARKUS_HTTP_PROXY_TRUSTED_PROXIES").asText()).isEqualTo(proxyAddress);
        }
        JsonNode config = yaml("deploy/configmap.yaml").path("data");
        assertThat(config.path("QUARKUS_HTTP_PROXY_PROXY_ADDRESS_FORWARDING").asText()).isEqualTo("true");
        assertThat(TrustedProxies.parse(List.of(config.path("QUARKUS_HTTP_PROXY_TRUSTED_PROXIES").asText()
                .split(","))).isEmpty()).isFalse();
        assertThat(Files.readString(Path.of("docker/nginx.conf"))).contains("X-Forwarded-For $proxy_add_x_forwarded_for");
    }

    @Test
    void dockerfileRunsTheFastJarAsANonRootUserWithAHealthCheck() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("docker/Dockerfile.jvm"));
        List<String> copied = lines.stream().filter(l -> l.startsWith("COPY")).map(l -> l.split("\\s+")[2]).toList();
        assertThat(copied).containsExactly("target/quarkus-app/lib/", "target/quarkus-app/*.jar", "target/quarkus-app/app/",
                "target/quarkus-app/quarkus/", "docker/train-startup-cache.sh", "docker/entrypoint.sh");
        assertThat(lines).anyMatch(l -> l.matches("USER [1-9][0-9]*"));
        // The last USER is the one the container runs as.
        assertThat(lines.stream().filter(l -> l.startsWith("USER ")).reduce((a, b) -> b).orElseThrow()).matches("USER [1-9][0-9]*");
        assertThat(lines).anyMatch(l -> l.startsWith("HEALTHCHECK"));
        assertThat(String.join("\n", lines)).contains("/q/health/");
    }

    /**
     * One Dockerfile for every base: FROM is a build argument with a public JRE image as its default
     * (docker/smoke.sh passes its local base), and the start is our own script, which needs only sh and
     * java, not the UBI images' run-java.sh.
     */
    @Test
    void dockerfileBuildsOnAnyBaseImageAndStartsThroughItsOwnScript() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("docker/Dockerfile.jvm"));
        String defaultBase = lines.stream().filter(l -> l.startsWith("ARG BASE_IMAGE=")).findFirst()
                .map(l -> l.substring("ARG BASE_IMAGE=".length())).orElseThrow();
        assertThat(defaultBase).matches("[a-z0-9.-]+(/[a-z0-9._-]+)+:[A-Za-z0-9._-]+");
        assertThat(lines.stream().filter(l -> l.startsWith("FROM ")).toList()).containsExactly("FROM ${BASE_IMAGE}");
        assertThat(lines.indexOf(lines.stream().filter(l -> l.startsWith("ARG BASE_IMAGE=")).findFirst().orElseThrow()))
                .isLessThan(lines.indexOf("FROM ${BASE_IMAGE}"));
        String dockerfile = String.join("\n", lines);
        assertThat(dockerfile).doesNotContain("run-java.sh\" ]", "/opt/jboss");
        assertThat(lines).contains("ENTRYPOINT [ \"sh\", \"/deployments/entrypoint.sh\" ]");

        String start = Files.readString(Path.of("docker/entrypoint.sh"));
        assertThat(start).startsWith("#!/bin/sh\n").contains("cd /deployments\n")
                .contains("exec \"$java\" $startup_cache ${GC_CONTAINER_OPTIONS:-} ${JAVA_OPTS_APPEND:-} ${JAVA_OPTS:-} -jar quarkus-run.jar");
        // POSIX sh only: a base's /bin/sh may be dash or busybox.
        assertThat(start).doesNotContain("[[", "function ", "local ", "$(<", "${BASH");

        // The build context holds what the COPY lines name.
        List<String> context = Files.readAllLines(Path.of(".dockerignore")).stream()
                .filter(l -> l.startsWith("!")).map(l -> l.substring(1)).toList();
        assertThat(context).contains("target/quarkus-app/", "docker/train-startup-cache.sh", "docker/entrypoint.sh");
    }

    /**
     * The replica's JVM is the one bench/run measures: the same flags in the image and the manifest, and the
     * start-up cache the image's build writes is the one its start reads (by the flag the training names,
     * not one in the variables, which would name the wrong kind of cache on another JDK).
     */
    @Test
    void imageAndManifestStartTheSameJvmWithTheCacheTheImageWrites() throws IOException {
        String dockerfile = Files.readString(Path.of("docker/Dockerfile.jvm"));
        Map<String, String> image = new HashMap<>();
        Matcher env = Pattern.compile("(?m)^ENV (JAVA_OPTS_APPEND|GC_CONTAINER_OPTIONS|MALLOC_ARENA_MAX)=\"([^\"]*)\"")
                .matcher(dockerfile);
        while (env.find()) {
            image.put(env.group(1), env.group(2));
        }
        Map<String, String> manifest = new HashMap<>();
        yaml("deploy/deployment.yaml").path("spec").path("template").path("spec").path("containers").get(0).path("env")
                .forEach(e -> manifest.put(e.path("name").asText(), e.path("value").asText()));
        for (String name : List.of("JAVA_OPTS_APPEND", "GC_CONTAINER_OPTIONS", "MALLOC_ARENA_MAX")) {
            assertThat(manifest.get(name)).as(name).isNotBlank().isEqualTo(image.get(name));
        }
        assertThat(image.get("JAVA_OPTS_APPEND")).contains("-Xmx").doesNotContain("SharedArchiveFile", "AOTCache");
        assertThat(dockerfile).contains("RUN sh /deployments/train-startup-cache.sh /deployments");
        String training = Files.readString(Path.of("docker/train-startup-cache.sh"));
        assertThat(training).contains("> startup-cache.args");
        assertThat(Files.readString(Path.of("docker/entrypoint.sh"))).contains("cat startup-cache.args");
        // The JVM ignores a cache written under other flags (class path, object layout): the training
        // start runs with the replica's memory flags and collector.
        for (String flag : (image.get("JAVA_OPTS_APPEND") + " " + image.get("GC_CONTAINER_OPTIONS")).split("\\s+")) {
            if (flag.startsWith("-Xm") || flag.startsWith("-Xss") || flag.contains("CodeCache") || flag.contains("Metaspace")
                    || flag.startsWith("-XX:+Use")) {
                assertThat(training).as("train-startup-cache.sh starts the JVM with " + flag).contains(flag);
            }
        }
    }

    @Test
    void kustomizationListsEveryManifest() throws IOException {
        Set<String> listed = new LinkedHashSet<>();
        yaml("deploy/kustomization.yaml").path("resources").forEach(r -> listed.add(r.asText()));
        Set<String> files = new TreeSet<>();
        try (Stream<Path> stream = Files.list(Path.of("deploy"))) {
            stream.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml"))
                    .forEach(files::add);
        }
        assertThat(listed).containsExactlyInAnyOrderElementsOf(files);
    }

    @Test
    void configMapAndSecretCarryEverySettingAndSecretsOnlyInTheSecret() throws IOException {
        JsonNode config = yaml("deploy/configmap.yaml");
        JsonNode secret = yaml("deploy/secret.yaml");
        assertThat(config.path("kind").asText()).isEqualTo("ConfigMap");
        assertThat(secret.path("kind").asText()).isEqualTo("Secret");
        Set<String> inConfig = new TreeSet<>();
        config.path("data").fieldNames().forEachRemaining(inConfig::add);
        Set<String> inSecret = new TreeSet<>();
        secret.path("stringData").fieldNames().forEachRemaining(inSecret::add);
        assertThat(inSecret).containsAll(SECRETS);
        assertThat(inConfig).doesNotContainAnyElementsOf(SECRETS);
        Set<String> all = new TreeSet<>(inConfig);
        all.addAll(inSecret);
        assertThat(all).containsAll(documentedSettings());

        JsonNode container = yaml("deploy/deployment.yaml").path("spec").path("template").path("spec").path("containers").get(0);
        List<String> refs = new ArrayList<>();
        container.path("envFrom").forEach(e -> refs.add(e.has("configMapRef")
                ? e.path("configMapRef").path("name").asText() : e.path("secretRef").path("name").asText()));
        assertThat(refs).containsExactlyInAnyOrder(config.path("metadata").path("name").asText(),
                secret.path("metadata").path("name").asText());
    }

    @Test
    void deploymentIsReplicatedProbedBoundedAndStopsGracefully() throws IOException {
        JsonNode deployment = yaml("deploy/deployment.yaml");
        JsonNode spec = deployment.path("spec");
        assertThat(spec.path("replicas").asInt()).isGreaterThanOrEqualTo(2);
        JsonNode pod = spec.path("template").path("spec");
        JsonNode container = pod.path("containers").get(0);
        assertThat(container.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/q/health/ready");
        assertThat(container.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/q/health/live");
        for (String kind : List.of("requests", "limits")) {
            assertThat(container.path("resources").path(kind).path("cpu").asText()).as(kind).isNotEmpty();
            assertThat(container.path("resources").path(kind).path("memory").asText()).as(kind).isNotEmpty();
        }
        // The app stops taking jobs and lets running ones finish (quarkus.shutdown.timeout 25 s, job grace 20 s).
        assertThat(pod.path("terminationGracePeriodSeconds").asInt()).isGreaterThanOrEqualTo(50);
        assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
        JsonNode labels = spec.path("template").path("metadata").path("labels");
        assertThat(spec.path("selector").path("matchLabels").properties()).allSatisfy(
                e -> assertThat(labels.path(e.getKey()).asText()).isEqualTo(e.getValue().asText()));
    }

    @Test
    void serviceIngressBudgetAndAutoscalerPointAtTheDeployment() throws IOException {
        JsonNode labels = yaml("deploy/deployment.yaml").path("spec").path("template").path("metadata").path("labels");
        JsonNode service = yaml("deploy/service.yaml");
        assertThat(service.path("spec").path("selector").properties()).allSatisfy(
                e -> assertThat(labels.path(e.getKey()).asText()).isEqualTo(e.getValue().asText()));

        JsonNode ingress = yaml("deploy/ingress.yaml").path("spec");
        assertThat(ingress.path("tls")).isNotEmpty();
        assertThat(ingress.path("tls").get(0).path("secretName").asText()).isNotEmpty();
        JsonNode paths = ingress.path("rules").get(0).path("http").path("paths");
        assertThat(paths).isNotEmpty().allSatisfy(path -> {
            // Health and metrics stay off the public route.
            assertThat(path.path("path").asText()).isIn("/b24/", "/admin/", "/api/", "/console");
            JsonNode backend = path.path("backend").path("service");
            assertThat(backend.path("name").asText()).isEqualTo(service.path("metadata").path("name").asText());
            assertThat(backend.path("port").path("name").asText()).isEqualTo(service.path("spec").path("ports").get(0).path("name").asText());
        });
        assertThat(Files.readString(Path.of("docker/nginx.conf"))).contains("location /q/ {\n        return 404;");

        JsonNode pdb = yaml("deploy/pdb.yaml").path("spec");
        assertThat(pdb.path("minAvailable").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(pdb.path("selector").path("matchLabels").properties()).allSatisfy(
                e -> assertThat(labels.path(e.getKey()).asText()).isEqualTo(e.getValue().asText()));

        JsonNode hpa = yaml("deploy/hpa.yaml").path("spec");
        assertThat(hpa.path("scaleTargetRef").path("kind").asText()).isEqualTo("Deployment");
        assertThat(hpa.path("scaleTargetRef").path("name").asText()).isEqualTo("b24bots");
        assertThat(hpa.path("minReplicas").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(hpa.path("maxReplicas").asInt()).isGreaterThan(hpa.path("minReplicas").asInt());
    }
}
