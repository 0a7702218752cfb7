package jdetr.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir Path dir;

  private String[] names() throws IOException {
    try (var files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toArray(String[]::new);
    }
  }

  @Test
  void replacesTheFileAndLeavesNoTemporaryBehind() throws IOException {
    Path target = dir.resolve("a.json");
    AtomicFiles.writeBytes(target, "old".getBytes(StandardCharsets.US_ASCII));
    AtomicFiles.writeBytes(target, "new content".getBytes(StandardCharsets.US_ASCII));
    assertThat(Files.readString(target)).isEqualTo("new content");
    assertThat(names()).containsExactly("a.json");
  }

  @Test
  void aStreamWriterMayCloseItsStream() throws IOException {
    Path target = dir.resolve("sub/b.txt");
    byte[] big = new byte[200_000];
    for (int i = 0; i < big.length; i++) big[i] = (byte) i;
    AtomicFiles.writeStream(target, out -> {
      try (OutputStream o = out) {
        o.write(big, 0, 100_000);
        o.write(big[100_000]);
        o.write(big, 100_001, big.length - 100_001);
      }
    });
    assertThat(Files.readAllBytes(target)).isEqualTo(big);
  }

  @Test
  void aFailedWriteKeepsTheOldFile() throws IOException {
    Path target = dir.resolve("c.txt");
    AtomicFiles.writeBytes(target, "kept".getBytes(StandardCharsets.US_ASCII));
    assertThatThrownBy(() -> AtomicFiles.writeStream(target, out -> {
      out.write("partial".getBytes(StandardCharsets.US_ASCII));
      throw new IOException("disk full");
    })).hasMessageStartingWith(target.toString()).hasMessageEndingWith(": disk full");
    assertThat(Files.readString(target)).isEqualTo("kept");
    assertThat(names()).containsExactly("c.txt");
  }
}
