package jdetr.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CocoAnnotationCacheTest {
  @TempDir Path dir;

  private static String coco(int imageId) {
    return "{\"images\":[{\"id\":" + imageId + ",\"file_name\":\"a.jpg\",\"width\":4,\"height\":3}],"
        + "\"annotations\":[],\"categories\":[{\"id\":1,\"name\":\"x\"}]}";
  }

  @Test
  void aSecondLoadOfAnUnchangedFileDoesNotReadItAgain() throws IOException {
    Path file = Files.writeString(dir.resolve("instances.json"), coco(11));
    CocoAnnotationFile first = CocoAnnotationCache.load(file);
    assertThat(first.imageId(0)).isEqualTo(11);

    // Same size, same modification time, same file: new bytes that would not even parse. A load
    // that read the file again would fail; the cache answers from memory.
    FileTime modified = Files.getLastModifiedTime(file);
    String broken = "x".repeat(coco(11).length());
    Files.writeString(file, broken);
    Files.setLastModifiedTime(file, modified);
    assertThat(CocoAnnotationCache.load(file)).isSameAs(first);
    assertThat(CocoAnnotationCache.load(dir.resolve("./instances.json"))).isSameAs(first);
    Path link = Files.createSymbolicLink(dir.resolve("link.json"), file);
    assertThat(CocoAnnotationCache.load(link)).isSameAs(first);
    // the reader itself parses every time
    assertThatThrownBy(() -> CocoAnnotationReader.read(file)).isInstanceOf(CocoFormatException.class);
  }

  @Test
  void aChangedFileIsReadAgain() throws IOException {
    Path file = Files.writeString(dir.resolve("instances.json"), coco(11));
    CocoAnnotationFile first = CocoAnnotationCache.load(file);

    Files.writeString(file, coco(222)); // one byte longer
    CocoAnnotationFile second = CocoAnnotationCache.load(file);
    assertThat(second).isNotSameAs(first);
    assertThat(second.imageId(0)).isEqualTo(222);

    // same size, newer modification time
    Files.writeString(file, coco(333));
    Files.setLastModifiedTime(file,
        FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 2_000));
    assertThat(CocoAnnotationCache.load(file).imageId(0)).isEqualTo(333);

    // same size and time, another file renamed over it (as AtomicFiles writes)
    FileTime modified = Files.getLastModifiedTime(file);
    Path replacement = Files.writeString(dir.resolve("next.json"), coco(444));
    Files.setLastModifiedTime(replacement, modified);
    Files.move(replacement, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    assertThat(CocoAnnotationCache.load(file).imageId(0)).isEqualTo(444);
  }

  @Test
  void aFileThatFailsToParseIsNotKept() throws IOException {
    Path file = Files.writeString(dir.resolve("instances.json"), "{\"images\": 5}");
    assertThatThrownBy(() -> CocoAnnotationCache.load(file))
        .isInstanceOf(CocoFormatException.class).hasMessageContaining("\"images\" must be an array");
    Files.writeString(file, coco(5));
    assertThat(CocoAnnotationCache.load(file).imageId(0)).isEqualTo(5);
    assertThatThrownBy(() -> CocoAnnotationCache.load(dir.resolve("nope.json")))
        .isInstanceOf(FileNotFoundException.class).hasMessageContaining("nope.json");
  }

  @Test
  void datasetsOfOneFileShareItsParse() throws IOException {
    Path file = Files.writeString(dir.resolve("instances.json"), coco(3));
    CocoPaths paths = new CocoPaths(file, dir);
    assertThat(CocoDataset.open(paths).groundTruth())
        .isSameAs(CocoDataset.open(paths).groundTruth())
        .isSameAs(CocoAnnotationCache.load(file));
  }
}
