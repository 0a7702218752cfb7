package jdetr.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.LongPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import jdetr.io.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints as directories under one root:
 *
 * <pre>
 * root/step-000100/  model.safetensors  optimizer.safetensors  state.json  manifest.json
 * root/step-000200/  …
 * root/LATEST        "step-000200"
 * </pre>
 *
 * <p>A save writes into a hidden temp directory, fsyncs every file and the directory, renames it
 * to {@code step-N}, then replaces {@code LATEST} atomically ({@link AtomicFiles}). A crash at
 * any point leaves {@code LATEST} naming a complete checkpoint, old or new; the leftovers are
 * removed by the next save. Only the newest {@code keepLast} checkpoints are kept
 * ({@link CheckpointRetention}). A save may be split in two: {@link #stage} (the writer runs into
 * the temp directory, for example on the training thread) and {@link #commit} (fsync, manifest,
 * rename, {@code LATEST}, pruning; for example in the checkpoint stage while training goes on).
 *
 * <p>Load follows {@code LATEST}, verifies every file against the manifest's SHA-256 and, if
 * anything is wrong, falls back to the newest older checkpoint that verifies, reporting what was
 * rejected ("checksum mismatch in step-000200/model.safetensors"). The store is format-agnostic:
 * the caller writes and reads the files. One process writes to a root at a time.
 */
public final class CheckpointStore {
  public static final String LATEST = "LATEST";
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
  private static final Pattern STEP_DIR = Pattern.compile("step-(\\d{6,18})");
  private static final String TEMP_PREFIX = CheckpointLeftovers.TEMP_PREFIX;

  private final Path root;
  private final int keepLast;

  /**
   * @param root directory holding the checkpoints (created on first save)
   * @param keepLast how many checkpoints to keep (at least 1)
   */
  public CheckpointStore(Path root, int keepLast) {
    if (keepLast < 1) {
      throw new IllegalArgumentException("keepLast must be at least 1, got " + keepLast);
    }
    this.root = root.toAbsolutePath();
    this.keepLast = keepLast;
  }

  public Path root() {
    return root;
  }

  /** How many checkpoints are kept. */
  public int keepLast() {
    return keepLast;
  }

  /** Directory name of a step: {@code step-000123}. */
  public static String dirName(long step) {
    if (step < 0) {
      throw new IllegalArgumentException("negative step " + step);
    }
    return String.format("step-%06d", step);
  }

  /**
   * Writes a checkpoint and makes it the latest.
   *
   * @throws CheckpointException naming the step and root if anything fails; the previous
   *     checkpoints and {@code LATEST} are then unchanged and no temp directory is left
   */
  public SavedCheckpoint save(long step, CheckpointWriter writer) {
    try {
      Files.createDirectories(root);
      removeLeftovers();
    } catch (IOException e) {
      throw CheckpointException.saveFailed(dirName(step), root, e);
    }
    return commit(stage(step, writer), s -> false);
  }

  /** A checkpoint written into a hidden temp directory of the root, not yet committed. */
  public record Staged(long step, Path dir) {}

  /**
   * First half of a save: runs the writer into a fresh temp directory of the root. Nothing is
   * visible to a loader until {@link #commit}; a crash leaves only a temp directory, removed later.
   * One thread may stage while another commits an earlier step.
   *
   * @throws CheckpointException naming the step and root; the temp directory is then removed
   */
  public Staged stage(long step, CheckpointWriter writer) {
    String name = dirName(step);
    Path tmp = root.resolve(TEMP_PREFIX + name + "-" + UUID.randomUUID());
    try {
      Files.createDirectories(root);
      Files.createDirectory(tmp);
      writer.writeTo(tmp);
      return new Staged(step, tmp);
    } catch (IOException | RuntimeException e) {
      try {
        deleteTree(tmp);
      } catch (IOException | UncheckedIOException cleanup) {
        e.addSuppressed(cleanup);
      }
      if (e instanceof CheckpointException ce) {
        throw ce;
      }
      throw CheckpointException.saveFailed(name, root, e);
    }
  }

  /**
   * Second half of a save: fsyncs the staged files, adds the manifest, renames the directory to
   * {@code step-N} and makes it the latest, then removes what interrupted saves of this or
   * earlier steps left and prunes to the newest {@code keepLast} checkpoints, sparing those
   * {@code pinned} (for example, still to be evaluated). Commits happen in step order.
   *
   * @throws CheckpointException naming the step and root if anything fails; the previous
   *     checkpoints and {@code LATEST} are then unchanged and the staged directory is removed
   */
  public SavedCheckpoint commit(Staged staged, LongPredicate pinned) {
    long step = staged.step();
    String name = dirName(step);
    Path tmp = staged.dir();
    Path target = root.resolve(name);
    if (!root.equals(tmp.getParent()) || !tmp.getFileName().toString().startsWith(TEMP_PREFIX + name + "-")) {
      throw new CheckpointException("staged directory " + tmp + " is not a staged " + name + " of " + root);
    }
    if (!Files.isDirectory(tmp, LinkOption.NOFOLLOW_LINKS)) {
      throw new CheckpointException("staged directory " + tmp + " of " + name + " does not exist");
    }
    Path replaced = null;
    try {
      CheckpointLeftovers.removeUpTo(root, step, tmp);
      CheckpointManifest manifest = seal(step, tmp);
      if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        replaced = root.resolve(TEMP_PREFIX + "old-" + name + "-" + UUID.randomUUID());
        Files.move(target, replaced, StandardCopyOption.ATOMIC_MOVE);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      AtomicFiles.syncDirectory(root);
      AtomicFiles.writeBytes(root.resolve(LATEST), (name + "\n").getBytes(StandardCharsets.US_ASCII));
      tidyAfterCommit(step, replaced, pinned);
      return new SavedCheckpoint(step, target, manifest, List.of());
    } catch (IOException | RuntimeException e) {
      try {
        if (replaced != null && !Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
          Files.move(replaced, target, StandardCopyOption.ATOMIC_MOVE); // put the old one back
        }
        deleteTree(tmp);
      } catch (IOException | UncheckedIOException cleanup) {
        e.addSuppressed(cleanup);
      }
      if (e instanceof CheckpointException ce) {
        throw ce;
      }
      throw CheckpointException.saveFailed(name, root, e);
    }
  }

  /**
   * The newest checkpoint that verifies, starting from {@code LATEST}; empty if the root holds no
   * checkpoint at all.
   *
   * @throws CheckpointException if checkpoints exist but none verifies, listing why
   */
  public Optional<SavedCheckpoint> loadLatest() {
    List<String> rejected = new ArrayList<>();
    List<Long> steps = steps();
    long below = Long.MAX_VALUE;
    Path latest = root.resolve(LATEST);
    if (Files.isRegularFile(latest)) {
      String text = readPointer(latest);
      Matcher m = STEP_DIR.matcher(text);
      if (m.matches() && text.equals(dirName(Long.parseLong(m.group(1))))) {
        long step = Long.parseLong(m.group(1));
        try {
          return Optional.of(verify(step, rejected));
        } catch (CheckpointException e) {
          rejected.add(e.getMessage());
          below = step;
        }
      } else {
        rejected.add("LATEST in " + root + " does not name a checkpoint: '" + text + "'");
      }
    } else if (steps.isEmpty()) {
      return Optional.empty();
    } else {
      rejected.add("LATEST is missing in " + root);
    }
    for (int i = steps.size() - 1; i >= 0; i--) {
      long step = steps.get(i);
      if (step >= below) {
        continue;
      }
      try {
        SavedCheckpoint found = verify(step, rejected);
        for (String r : rejected) {
          LOG.warn("{}; falling back to {}", r, dirName(step));
        }
        return Optional.of(found);
      } catch (CheckpointException e) {
        rejected.add(e.getMessage());
      }
    }
    throw new CheckpointException("no valid checkpoint in " + root + ": " + String.join("; ", rejected));
  }

  /**
   * Verifies one checkpoint against its manifest.
   *
   * @throws CheckpointException naming the step directory and the file that failed
   */
  public SavedCheckpoint verify(long step) {
    return verify(step, List.of());
  }

  private SavedCheckpoint verify(long step, List<String> rejectedBefore) {
    String name = dirName(step);
    Path dir = root.resolve(name);
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new CheckpointException("checkpoint directory " + name + " does not exist in " + root);
    }
    Path manifestFile = dir.resolve(CheckpointManifest.FILE_NAME);
    String where = name + "/" + CheckpointManifest.FILE_NAME;
    if (!Files.isRegularFile(manifestFile)) {
      throw new CheckpointException("missing manifest " + where);
    }
    CheckpointManifest manifest;
    try {
      manifest = CheckpointManifest.parse(Files.readAllBytes(manifestFile), where);
    } catch (IOException e) {
      throw new CheckpointException("unreadable manifest " + where + ": " + e, e);
    }
    if (!manifest.digestValid()) {
      throw new CheckpointException("manifest digest mismatch in " + where + " (edited or corrupt)");
    }
    if (manifest.step() != step) {
      throw new CheckpointException(where + " is for step " + manifest.step() + ", not " + step);
    }
    for (CheckpointManifest.Entry e : manifest.files()) {
      verifyFile(dir, name, e);
    }
    return new SavedCheckpoint(step, dir, manifest, List.copyOf(rejectedBefore));
  }

  private static void verifyFile(Path dir, String dirName, CheckpointManifest.Entry e) {
    String where = dirName + "/" + e.name();
    if (!isPlainName(e.name())) {
      throw new CheckpointException("manifest of " + dirName + " lists an invalid file name '" + e.name() + "'");
    }
    Path file = dir.resolve(e.name());
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new CheckpointException("missing file " + where);
    }
    try {
      long size = Files.size(file);
      if (size != e.bytes()) {
        throw new CheckpointException("checksum mismatch in " + where + " (size " + size
            + " bytes, manifest says " + e.bytes() + ": truncated or overwritten)");
      }
      if (!FileDigest.sha256(file).equals(e.sha256())) {
        throw new CheckpointException("checksum mismatch in " + where + " (SHA-256 differs from the manifest)");
      }
    } catch (IOException ex) {
      throw new CheckpointException("cannot read " + where + ": " + ex, ex);
    }
  }

  /** Steps of the checkpoint directories present (verified or not), ascending. */
  public List<Long> steps() {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    List<Long> steps = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
      for (Path p : entries) {
        String n = p.getFileName().toString();
        Matcher m = STEP_DIR.matcher(n);
        if (m.matches() && n.equals(dirName(Long.parseLong(m.group(1))))
            && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          steps.add(Long.parseLong(m.group(1)));
        }
      }
    } catch (IOException e) {
      throw new CheckpointException("cannot list checkpoints in " + root + ": " + e, e);
    }
    steps.sort(Comparator.naturalOrder());
    return steps;
  }

  /** fsyncs the files the writer made, adds the manifest, fsyncs the directory. */
  private static CheckpointManifest seal(long step, Path dir) throws IOException {
    List<CheckpointManifest.Entry> entries = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        String n = f.getFileName().toString();
        if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
          throw new CheckpointException("the checkpoint writer made '" + n
              + "', which is not a regular file; only files are stored");
        }
        if (n.equals(CheckpointManifest.FILE_NAME)) {
          throw new CheckpointException("the checkpoint writer must not write " + n);
        }
        fsync(f);
        entries.add(new CheckpointManifest.Entry(n, Files.size(f), FileDigest.sha256(f)));
      }
    }
    CheckpointManifest manifest = CheckpointManifest.of(step, entries);
    Path manifestFile = dir.resolve(CheckpointManifest.FILE_NAME);
    try {
      Files.write(manifestFile, manifest.toJson());
    } catch (IOException e) {
      throw new IOException(manifestFile + ": " + e.getMessage(), e);
    }
    fsync(manifestFile);
    AtomicFiles.syncDirectory(dir);
    return manifest;
  }

  /** The save is committed: failing to delete old data is only worth a warning. */
  private void tidyAfterCommit(long step, Path replaced, LongPredicate pinned) {
    try {
      if (replaced != null) {
        deleteTree(replaced);
      }
      CheckpointRetention.prune(root, steps(), step, keepLast, pinned);
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("checkpoint {} saved, but removing older checkpoints in {} failed: {}",
          dirName(step), root, e.toString());
    }
  }

  /**
   * Removes temp directories and pointer temp files left by interrupted saves. Call it only while
   * nothing is being staged (for example when a run starts).
   */
  public void removeLeftovers() throws IOException {
    CheckpointLeftovers.removeUpTo(root, Long.MAX_VALUE, null);
  }

  /** Names of the leftovers an interrupted save may leave (for tests and diagnostics). */
  public List<String> leftovers() throws IOException {
    return CheckpointLeftovers.list(root);
  }

  /** Flushes a file's content and metadata to the device. */
  private static void fsync(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  private static String readPointer(Path latest) {
    try {
      byte[] bytes = Files.readAllBytes(latest);
      String text = new String(bytes, 0, Math.min(bytes.length, 200), StandardCharsets.US_ASCII);
      return text.strip();
    } catch (IOException e) {
      throw new CheckpointException("cannot read " + latest + ": " + e, e);
    }
  }

  private static boolean isPlainName(String n) {
    return !n.isEmpty() && !n.equals(".") && !n.equals("..") && n.indexOf('/') < 0
        && n.indexOf('\\') < 0 && n.indexOf('\0') < 0;
  }

  private static void deleteTree(Path p) throws IOException {
    CheckpointLeftovers.deleteTree(p);
  }
}
