package jdetr.train;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import jdetr.data.CocoPaths;

/**
 * What a trainer and a data node must agree on for batch (epoch, step) to mean the same images:
 * SHA-256 over the batch size, the seed, the augmentation sizes and the bytes of the train
 * annotations file. Paths are left out (nodes may mount the dataset elsewhere); image files are
 * not read (the annotations name them and their sizes).
 */
public final class RecipeFingerprint {

  private RecipeFingerprint() {}

  /** The fingerprint of {@code config}'s batches over the train split {@code train}. */
  public static String of(TrainConfig config, CocoPaths train) throws IOException {
    MessageDigest sha = sha256();
    String recipe = "batch_size=" + config.batchSize() + "\nseed=" + config.seed()
        + "\naugmentation=" + config.augmentation() + "\ntrain_annotations=";
    sha.update(recipe.getBytes(StandardCharsets.UTF_8));
    try (InputStream in = new DigestInputStream(Files.newInputStream(train.annotations()), sha)) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  /** The first 12 hex digits, for messages. */
  public static String shortForm(String fingerprint) {
    return fingerprint == null ? "none" : fingerprint.substring(0, Math.min(12, fingerprint.length()));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }
}
