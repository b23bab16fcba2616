package io.b24bots.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The Kubernetes files as kubectl renders them (`kubectl kustomize deploy/` and `deploy/monitoring`),
 * checked for what a careful operator asks of them: a locked-down pod, memory that matches the JVM, zones,
 * a network policy, and alerts and a dashboard that only name metrics the service has. Skipped without kubectl.
 */
class KubernetesManifestsTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Path KUBECTL = Path.of("/usr/bin/kubectl");

    @Test
    void thePodIsLockedDownAndSizedForItsJvm() throws Exception {
        JsonNode deployment = only(render("deploy"), "Deployment");
        JsonNode pod = deployment.path("spec").path("template").path("spec");
        assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).isFalse();
        assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.path("securityContext").path("seccompProfile").path("type").asText()).isEqualTo("RuntimeDefault");
        JsonNode container = pod.path("containers").get(0);
        JsonNode security = container.path("securityContext");
        assertThat(security.path("readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(security.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
        assertThat(security.path("capabilities").path("drop").toString()).isEqualTo("[\"ALL\"]");
        // A read-only root needs a writable /tmp, from an emptyDir.
        assertThat(container.path("volumeMounts").toString()).contains("\"mountPath\":\"/tmp\"");
        assertThat(pod.path("volumes").toString()).contains("emptyDir");

        // Memory: what the JVM's fixed sizes add up to, with room for stacks and native memory, requested whole.
        String flags = container.path("env").toString();
        long jvm = megabytes(flags, "-Xmx(\\d+)m") + megabytes(flags, "MaxMetaspaceSize=(\\d+)m")
                + megabytes(flags, "ReservedCodeCacheSize=(\\d+)m");
        JsonNode resources = container.path("resources");
        long limit = mebibytes(resources.path("limits").path("memory").asText());
        assertThat(mebibytes(resources.path("requests").path("memory").asText())).isEqualTo(limit);
        assertThat(limit).as("limit against the JVM's %d MiB", jvm).isBetween(jvm + 64, 2 * jvm);

        List<String> spread = new ArrayList<>();
        pod.path("topologySpreadConstraints").forEach(c -> spread.add(c.path("topologyKey").asText()));
        assertThat(spread).contains("topology.kubernetes.io/zone", "kubernetes.io/hostname");
    }

    @Test
    void theNetworkPolicyLetsInTheIngressAndPrometheusAndOutOnlyDnsPostgresAndPublicHttps() throws Exception {
        List<JsonNode> base = render("deploy");
        JsonNode policy = only(base, "NetworkPolicy").path("spec");
        JsonNode podLabels = only(base, "Deployment").path("spec").path("template").path("metadata").path("labels");
        policy.path("podSelector").path("matchLabels").fields()
                .forEachRemaining(label -> assertThat(podLabels.path(label.getKey()).asText()).isEqualTo(label.getValue().asText()));
        assertThat(policy.path("policyTypes").toString()).contains("Ingress", "Egress");

        Set<String> from = new TreeSet<>();
        policy.path("ingress").forEach(rule -> rule.path("from").forEach(peer ->
                from.add(peer.path("namespaceSelector").path("matchLabels").path("kubernetes.io/metadata.name").asText())));
        assertThat(from).containsExactlyInAnyOrder("ingress-nginx", "monitoring");
        policy.path("ingress").forEach(rule -> {
            assertThat(rule.path("ports")).hasSize(1);
            assertThat(rule.path("ports").get(0).path("port").asInt()).isEqualTo(8080);
        });

        Set<Integer> ports = new TreeSet<>();
        policy.path("egress").forEach(rule -> rule.path("ports").forEach(port -> ports.add(port.path("port").asInt())));
        assertThat(ports).containsExactlyInAnyOrder(53, 443, 5432);
        policy.path("egress").forEach(rule -> {
            if (rule.path("ports").toString().contains("443")) {
                // HTTPS to public addresses only: never the cluster, the private ranges or the metadata service.
                assertThat(rule.path("to").toString()).contains("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16");
            }
        });
    }

    @Test
    void alertsAndTheDashboardNameOnlyMetricsTheServiceHas() throws Exception {
        List<JsonNode> monitoring = render("deploy/monitoring");
        JsonNode monitor = only(monitoring, "ServiceMonitor").path("spec");
        assertThat(monitor.path("endpoints").get(0).path("path").asText()).isEqualTo("/q/metrics");
        JsonNode service = only(render("deploy"), "Service");
        monitor.path("selector").path("matchLabels").fields().forEachRemaining(label ->
                assertThat(service.path("metadata").path("labels").path(label.getKey()).asText()).isEqualTo(label.getValue().asText()));

        List<String> alerts = new ArrayList<>();
        List<String> expressions = new ArrayList<>();
        only(monitoring, "PrometheusRule").path("spec").path("groups").forEach(group -> group.path("rules").forEach(rule -> {
            alerts.add(rule.path("alert").asText());
            expressions.add(rule.path("expr").asText());
            assertThat(rule.path("annotations").path("runbook").asText()).startsWith("docs/RUNBOOKS.md#");
        }));
        // Every alert names a section of the runbooks that exists.
        String runbooks = Files.readString(Path.of("docs/RUNBOOKS.md"));
        Set<String> anchors = new TreeSet<>();
        Matcher heading = Pattern.compile("(?m)^## (.+)$").matcher(runbooks);
        while (heading.find()) {
            anchors.add(heading.group(1).strip().toLowerCase().replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
        }
        only(monitoring, "PrometheusRule").path("spec").path("groups").forEach(group -> group.path("rules").forEach(rule ->
                assertThat(anchors).contains(rule.path("annotations").path("runbook").asText().replace("docs/RUNBOOKS.md#", ""))));
        assertThat(alerts).contains("B24JobsWaitingTooLong", "B24BitrixCallFailures", "B24PortalsNeedReauthorisation",
                "B24PortalBreakersOpen", "B24ReplicaRestarts", "B24TokenRefreshFailures");

        JsonNode dashboard = JSON.readTree(only(monitoring, "ConfigMap").path("data").path("b24bots.json").asText());
        assertThat(dashboard.path("title").asText()).isEqualTo("b24bots");
        dashboard.path("panels").forEach(panel -> panel.path("targets").forEach(target -> expressions.add(target.path("expr").asText())));

        Set<String> known = documentedMetrics();
        Set<String> named = new TreeSet<>();
        Matcher metric = Pattern.compile("\\b(b24_[a-z_]+)").matcher(String.join("\n", expressions));
        while (metric.find()) {
            named.add(metric.group(1));
        }
        assertThat(named).isNotEmpty();
        assertThat(known).containsAll(named);
    }

    /** The metric names of docs/OPERATIONS.md "Metrics", as Prometheus exposes them. */
    static Set<String> documentedMetrics() throws IOException {
        String doc = Files.readString(Path.of("docs/OPERATIONS.md"));
        int start = doc.indexOf("## Metrics");
        String section = doc.substring(start, doc.indexOf("\n## ", start + 1));
        Set<String> names = new TreeSet<>();
        Matcher row = Pattern.compile("`(b24_[a-z_]+)`").matcher(section);
        while (row.find()) {
            names.add(row.group(1));
        }
        return names;
    }

    static List<JsonNode> render(String dir) throws IOException, InterruptedException {
        Assumptions.assumeTrue(Files.isExecutable(KUBECTL), "kubectl is not installed: the rendered manifests are not checked");
        Process kubectl = new ProcessBuilder(KUBECTL.toString(), "kustomize", dir).redirectErrorStream(true).start();
        String out = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(kubectl.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(kubectl.exitValue()).as(out).isZero();
        List<JsonNode> documents = new ArrayList<>();
        new Yaml().loadAll(out).forEach(document -> documents.add(JSON.valueToTree(document)));
        return documents;
    }

    static JsonNode only(List<JsonNode> documents, String kind) {
        List<JsonNode> found = documents.stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
        assertThat(found).as(kind).hasSize(1);
        return found.getFirst();
    }

    static long megabytes(String text, String pattern) {
        Matcher matcher = Pattern.compile(pattern).matcher(text);
        assertThat(matcher.find()).as(pattern).isTrue();
        return Long.parseLong(matcher.group(1));
    }

    static long mebibytes(String quantity) {
        assertThat(quantity).matches("\\d+Mi");
        return Long.parseLong(quantity.substring(0, quantity.length() - 2));
    }
}
