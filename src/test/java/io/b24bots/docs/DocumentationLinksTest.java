package io.b24bots.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every relative link of the documentation leads somewhere: README.md, docs/*.md and bench/*.md point
 * only at files of this repository, and an anchor names a heading of its page the way GitHub makes
 * heading ids. The pages were split from one README, so a moved section breaks links silently otherwise.
 */
class DocumentationLinksTest {

    static final Path ROOT = Path.of("").toAbsolutePath().normalize();

    /** {@code [text](target)} and images; a title after the target is allowed. */
    static final Pattern LINK = Pattern.compile("!?\\[[^\\]]*\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    static final Pattern FENCE = Pattern.compile("^\\s*(`{3,}|~{3,})");
    static final Pattern HEADING = Pattern.compile("^\\s{0,3}#{1,6}\\s+(.*?)\\s*#*\\s*$");
    static final Pattern INLINE_CODE = Pattern.compile("(`+)(.+?)\\1");

    @Test
    void everyRelativeLinkAndAnchorResolves() throws IOException {
        List<Path> pages = pages();
        assertThat(pages).contains(ROOT.resolve("README.md"), ROOT.resolve("docs/BOTS.md"));
        List<String> broken = new ArrayList<>();
        for (Path page : pages) {
            broken.addAll(brokenLinks(page));
        }
        assertThat(broken).as("broken links").isEmpty();
    }

    @Test
    void anchorsFollowGitHubsHeadingIds() {
        assertThat(slugs(List.of("Running it: Docker and Kubernetes", "The admin page's session",
                "Events: what proves each one", "`b24.rest.*` and `Backoff`", "A [linked](OTHER.md) heading",
                "Intake", "Intake", "Intake", "snake_case - and dashes", "Чат-боты")))
                .containsExactly("running-it-docker-and-kubernetes", "the-admin-pages-session",
                        "events-what-proves-each-one", "b24rest-and-backoff", "a-linked-heading",
                        "intake", "intake-1", "intake-2", "snake_case---and-dashes", "чат-боты");
    }

    /** The check itself finds what it is for: a missing file, a missing anchor, a link out of the repository. */
    @Test
    void aBrokenLinkIsReported(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("OTHER.md"), "# Other\n\n## Known part\n");
        Path page = dir.resolve("PAGE.md");
        Files.writeString(page, """
                # Page

                [fine](OTHER.md#known-part), [here](#page), [web](https://example.com/x#y)
                [gone](MISSING.md), [no such part](OTHER.md#unknown-part), [nor here](#nowhere)

                ```
                [inside a code block](IGNORED.md)
                ```
                and `[inside code](IGNORED.md)` too.
                """);

        assertThat(brokenLinks(page, dir)).hasSize(3)
                .anySatisfy(line -> assertThat(line).contains("PAGE.md:4", "MISSING.md"))
                .anySatisfy(line -> assertThat(line).contains("OTHER.md#unknown-part"))
                .anySatisfy(line -> assertThat(line).contains("#nowhere"));
        assertThat(brokenLinks(page, dir.resolve("sub"))).as("a link that leaves the root")
                .anySatisfy(line -> assertThat(line).contains("outside"));
    }

    static List<Path> pages() throws IOException {
        List<Path> pages = new ArrayList<>();
        pages.add(ROOT.resolve("README.md"));
        for (String folder : List.of("docs", "bench")) {
            try (Stream<Path> files = Files.list(ROOT.resolve(folder))) {
                files.filter(f -> f.toString().endsWith(".md")).sorted().forEach(pages::add);
            }
        }
        return pages;
    }

    static List<String> brokenLinks(Path page) {
        return brokenLinks(page, ROOT);
    }

    /** Each broken link as "page:line: target (why)". */
    static List<String> brokenLinks(Path page, Path root) {
        List<String> broken = new ArrayList<>();
        List<String> lines = read(page);
        boolean inCode = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (FENCE.matcher(line).find()) {
                inCode = !inCode;
                continue;
            }
            if (inCode) {
                continue;
            }
            Matcher link = LINK.matcher(INLINE_CODE.matcher(line).replaceAll(""));
            while (link.find()) {
                String target = link.group(1);
                String problem = problem(page, root, target);
                if (problem != null) {
                    broken.add(root.relativize(page) + ":" + (i + 1) + ": " + target + " (" + problem + ")");
                }
            }
        }
        return broken;
    }

    /** Why a link does not resolve, or null. */
    static String problem(Path page, Path root, String target) {
        if (target.matches("(?i)^[a-z][a-z0-9+.-]*:.*")) {
            return null;                                           // http(s), mailto: not checked here
        }
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        Path resolved = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
        if (!resolved.startsWith(root)) {
            return "outside the repository";
        }
        if (!Files.exists(resolved)) {
            return "no such file";
        }
        if (anchor == null) {
            return null;
        }
        if (!resolved.toString().endsWith(".md")) {
            return "an anchor into a file that is not Markdown";
        }
        return slugs(headings(resolved)).contains(anchor) ? null : "no heading with this anchor";
    }

    static List<String> headings(Path page) {
        List<String> headings = new ArrayList<>();
        boolean inCode = false;
        for (String line : read(page)) {
            if (FENCE.matcher(line).find()) {
                inCode = !inCode;
            } else if (!inCode) {
                Matcher heading = HEADING.matcher(line);
                if (heading.matches()) {
                    headings.add(heading.group(1));
                }
            }
        }
        return headings;
    }

    /**
     * GitHub's heading ids: the rendered text in lower case, punctuation dropped except {@code -} and
     * {@code _}, each space a {@code -}; a repeated id gets {@code -1}, {@code -2}, ...
     */
    static Set<String> slugs(List<String> headings) {
        Set<String> slugs = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String heading : headings) {
            String text = heading.replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1")   // a link shows its text
                    .replaceAll("<[^>]+>", "");                                      // and tags show nothing
            String slug = text.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{M}\\p{N}\\p{Pc} -]", "").replace(' ', '-');
            int count = seen.merge(slug, 1, Integer::sum);
            slugs.add(count == 1 ? slug : slug + "-" + (count - 1));
        }
        return slugs;
    }

    static List<String> read(Path page) {
        try {
            return Files.readAllLines(page);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
