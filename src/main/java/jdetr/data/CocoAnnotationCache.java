package jdetr.data;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The annotation files this process has parsed, so that each is parsed once: training data,
 * pre-flight validation, the evaluation stage and the evaluation ground truth all load through
 * here. A file is known by its real path (links resolved) and is parsed again when its size,
 * modification time or identity (a file renamed over it) has changed since. Entries are kept for
 * the life of the process (a process uses a handful of annotation files); a file that fails to
 * parse is not kept.
 */
public final class CocoAnnotationCache {
  private record Stamp(long size, FileTime modified, Object fileKey) {}

  private record Entry(Stamp stamp, CocoAnnotationFile file) {}

  private static final Map<Path, Entry> FILES = new ConcurrentHashMap<>();
  private static final Map<Path, Object> LOCKS = new ConcurrentHashMap<>();

  private CocoAnnotationCache() {}

  /** The parsed file: from memory when it is unchanged since it was last parsed. */
  public static CocoAnnotationFile load(Path file) throws IOException {
    Path key;
    try {
      key = file.toRealPath();
    } catch (NoSuchFileException e) {
      throw new FileNotFoundException("COCO annotations file not found: " + file);
    }
    synchronized (LOCKS.computeIfAbsent(key, k -> new Object())) { // one parse per file at a time
      BasicFileAttributes at = Files.readAttributes(key, BasicFileAttributes.class);
      // taken before the parse: a file changed while it is read is read again next time
      Stamp stamp = new Stamp(at.size(), at.lastModifiedTime(), at.fileKey());
      Entry known = FILES.get(key);
      if (known != null && known.stamp().equals(stamp)) {
        return known.file();
      }
      CocoAnnotationFile parsed = CocoAnnotationReader.read(file);
      FILES.put(key, new Entry(stamp, parsed));
      return parsed;
    }
  }
}
