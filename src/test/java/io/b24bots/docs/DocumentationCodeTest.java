package io.b24bots.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code java} block of README.md and docs/*.md is code the build compiles: the line right above it
 * is {@code <!-- source: path -->}, naming a file under a compiled source folder, and the block's lines
 * appear in that file in a row (indentation and runs of spaces aside; blank lines are not compared).
 * A reader who copies an example therefore copies code that compiles and whose test passes.
 */
class DocumentationCodeTest {

    static final Path ROOT = DocumentationLinksTest.ROOT;
    static final List<String> COMPILED = List.of("src/main/java/", "src/test/java/", "src/dev/java/");
    static final Pattern FENCE = Pattern.compile("^\\s*(`{3,}|~{3,})\\s*([^\\s`]*)");
    static final Pattern SOURCE = Pattern.compile("^\\s*<!--\\s*source:\\s*(\\S+)\\s*-->\\s*$");

    record Block(Path page, int line, String source, List<String> lines) {
    }

    @Test
    void everyJavaBlockIsAnExcerptOfACompiledFile() throws IOException {
        List<Path> pages = DocumentationLinksTest.pages().stream().filter(p -> !p.startsWith(ROOT.resolve("bench"))).toList();
        List<Block> blocks = new ArrayList<>();
        for (Path page : pages) {
            blocks.addAll(javaBlocks(page));
        }
        assertThat(blocks).as("the example bot, its profile and its test are shown").hasSizeGreaterThanOrEqualTo(3);
        List<String> problems = new ArrayList<>();
        for (Block block : blocks) {
            String problem = problem(block, ROOT);
            if (problem != null) {
                problems.add(ROOT.relativize(block.page()) + ":" + block.line() + ": " + problem);
            }
        }
        assertThat(problems).as("java blocks that are not compiled code").isEmpty();
    }

    /** The check itself finds what it is for: a block without a source, a source that is not compiled, a changed line. */
    @Test
    void aBlockThatIsNotInItsSourceIsReported(@TempDir Path dir) throws IOException {
        Path source = dir.resolve("src/test/java/Example.java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, """
                class Example {

                    int answer() {
                        return 42;
                    }
                }
                """);
        Files.writeString(dir.resolve("notes.java"), "int answer() {\n");
        Path page = dir.resolve("PAGE.md");
        Files.writeString(page, """
                <!-- source: src/test/java/Example.java -->
                ```java
                  int answer() {
                      return   42;
                  }
                ```

                ```java
                int answer() {
                ```

                <!-- source: notes.java -->
                ```java
                int answer() {
                ```

                <!-- source: src/test/java/Example.java -->
                ```java
                int answer() {
                    return 43;
                ```

                ```properties
                not=java
                ```
                """);

        List<Block> blocks = javaBlocks(page);
        assertThat(blocks).hasSize(4);
        assertThat(problem(blocks.get(0), dir)).as("an excerpt, indentation aside").isNull();
        assertThat(problem(blocks.get(1), dir)).contains("no <!-- source:");
        assertThat(problem(blocks.get(2), dir)).contains("not a compiled Java file");
        assertThat(problem(blocks.get(3), dir)).contains("return 43;");
    }

    static List<Block> javaBlocks(Path page) {
        List<String> lines = read(page);
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher open = FENCE.matcher(lines.get(i));
            if (!open.find()) {
                continue;
            }
            String fence = open.group(1);
            int end = i + 1;
            while (end < lines.size() && !lines.get(end).trim().startsWith(fence)) {
                end++;
            }
            if (open.group(2).equalsIgnoreCase("java")) {
                Matcher source = i > 0 ? SOURCE.matcher(lines.get(i - 1)) : null;
                blocks.add(new Block(page, i + 1, source != null && source.matches() ? source.group(1) : null,
                        lines.subList(i + 1, Math.min(end, lines.size()))));
            }
            i = end;
        }
        return blocks;
    }

    /** Why a block is not compiled code, or null. */
    static String problem(Block block, Path root) {
        if (block.source() == null) {
            return "no <!-- source: path --> line right above the block";
        }
        Path file = root.resolve(block.source()).normalize();
        if (!file.startsWith(root) || !block.source().endsWith(".java")
                || COMPILED.stream().noneMatch(folder -> block.source().startsWith(folder))) {
            return block.source() + " is not a compiled Java file of the repository (" + String.join(", ", COMPILED) + ")";
        }
        if (!Files.isRegularFile(file)) {
            return block.source() + " does not exist";
        }
        List<String> excerpt = normalized(block.lines());
        List<String> code = normalized(read(file));
        if (excerpt.isEmpty()) {
            return "an empty block";
        }
        if (Collections.indexOfSubList(code, excerpt) >= 0) {
            return null;
        }
        return "not in " + block.source() + " as written; first line not found in a row: " + firstMismatch(excerpt, code);
    }

    /** The line where the longest run of the excerpt found in the file stops. */
    static String firstMismatch(List<String> excerpt, List<String> code) {
        int best = 0;
        for (int start = 0; start < code.size(); start++) {
            int matched = 0;
            while (matched < excerpt.size() && start + matched < code.size()
                    && code.get(start + matched).equals(excerpt.get(matched))) {
                matched++;
            }
            best = Math.max(best, matched);
        }
        return excerpt.get(Math.min(best, excerpt.size() - 1));
    }

    static List<String> normalized(List<String> lines) {
        return lines.stream().map(line -> line.trim().replaceAll("\\s+", " ")).filter(line -> !line.isEmpty()).toList();
    }

    static List<String> read(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
