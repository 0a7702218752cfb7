package jdetr.checkpoint;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What interrupted saves leave in a {@link CheckpointStore} root: staged directories
 * ({@code .tmp-step-N-uuid}), directories being replaced or deleted ({@code .tmp-old-…},
 * {@code .tmp-del-…}) and the temp file of a {@code LATEST} replacement.
 */
final class CheckpointLeftovers {
  static final String TEMP_PREFIX = ".tmp-";
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointLeftovers.class);
  private static final Pattern STAGED_DIR = Pattern.compile("\\.tmp-step-(\\d{6,18})-.*");

  private CheckpointLeftovers() {}

  /**
   * Removes the leftovers in {@code root}, except {@code keep} and the staged directories of steps
   * after {@code step} (they may be in flight).
   */
  static void removeUpTo(Path root, long step, Path keep) throws IOException {
    if (!Files.isDirectory(root)) {
      return;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
      for (Path p : entries) {
        String n = p.getFileName().toString();
        if (isLeftover(n) && !p.equals(keep) && stagedStep(n) <= step) {
          LOG.info("removing {} left by an interrupted checkpoint save", p);
          deleteTree(p);
        }
      }
    }
  }

  /** The names of the leftovers in {@code root}, sorted. */
  static List<String> list(Path root) throws IOException {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(root)) {
      return entries.map(p -> p.getFileName().toString())
          .filter(CheckpointLeftovers::isLeftover)
          .sorted().toList();
    }
  }

  /** The step of a staged directory name; -1 for the other leftovers. */
  private static long stagedStep(String name) {
    Matcher m = STAGED_DIR.matcher(name);
    return m.matches() ? Long.parseLong(m.group(1)) : -1;
  }

  private static boolean isLeftover(String name) {
    return name.startsWith(TEMP_PREFIX)
        || (name.startsWith("." + CheckpointStore.LATEST + ".") && name.endsWith(".tmp"));
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(p)) {
      for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    }
  }
}
