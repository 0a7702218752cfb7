package jdetr.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Atomic file replacement: content goes to a temporary file in the target's directory, is forced
 * to disk, then renamed over the target, and the directory entry is flushed. A reader sees either
 * the old file or the complete new one, never a partial write. A file system that cannot rename
 * atomically is refused with an error; there is no non-atomic fallback.
 */
public final class AtomicFiles {

  /** Writes the content of a file through an open channel. */
  @FunctionalInterface
  public interface ChannelWriter {
    void write(FileChannel channel) throws IOException;
  }

  /** Writes the content of a file to a stream (buffered; closing it is allowed and harmless). */
  @FunctionalInterface
  public interface StreamWriter {
    void write(OutputStream out) throws IOException;
  }

  private AtomicFiles() {}

  public static void write(Path target, ChannelWriter writer) throws IOException {
    Path abs = target.toAbsolutePath();
    Path dir = abs.getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        writer.write(ch);
        ch.force(true);
      } catch (java.nio.channels.ClosedChannelException e) {
        throw e; // interrupted: the caller tells why
      } catch (IOException e) {
        throw new IOException(abs + " (through " + tmp.getFileName() + "): " + e.getMessage(), e);
      }
      try {
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException ex) {
        throw new IOException(abs + ": the file system cannot rename atomically", ex);
      }
      syncDirectory(dir);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  public static void writeBytes(Path target, byte[] content) throws IOException {
    write(target, ch -> {
      ByteBuffer buf = ByteBuffer.wrap(content);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
    });
  }

  public static void writeStream(Path target, StreamWriter writer) throws IOException {
    write(target, ch -> {
      OutputStream channel = Channels.newOutputStream(ch);
      OutputStream out = new BufferedOutputStream(new OutputStream() {
        @Override
        public void write(int b) throws IOException {
          channel.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          channel.write(b, off, len);
        }
        // close() does nothing: the channel stays open until it is forced to disk
      }, 1 << 16);
      writer.write(out);
      out.flush();
    });
  }

  /** Flushes a directory's entries (a rename) to disk; a no-op where directories cannot be opened. */
  public static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException ex) {
      // Some platforms do not allow opening a directory; the rename itself is still atomic.
    }
  }
}
