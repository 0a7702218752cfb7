package jdetr.model.segmentation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jdetr.checkpoint.Safetensors;
import jdetr.loss.Matching;
import jdetr.model.DetrConfig;
import jdetr.model.HashedWeights;

/**
 * The reference DETRsegm's numbers (src/test/resources/parity/segm, generate_segm_fixtures.py):
 * config, hashed weights, the padded image batch and the recorded outputs, losses and gradients.
 */
final class SegmFixture {

  static final Path DIR = Path.of("src/test/resources/parity/segm");
  static final double TOLERANCE = 1e-5;

  final JsonNode meta;
  final DetrConfig config;
  final Map<String, NDArray> ref;

  private SegmFixture(JsonNode meta, Map<String, NDArray> ref) throws IOException {
    this.meta = meta;
    this.config = new ObjectMapper().treeToValue(meta.get("config"), DetrConfig.class);
    this.ref = ref;
  }

  static SegmFixture load(NDManager m) {
    try {
      JsonNode meta = new ObjectMapper().readTree(DIR.resolve("segm_r50.json").toFile());
      return new SegmFixture(meta, Safetensors.read(DIR.resolve("segm_r50.safetensors"), m).tensors());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Map<String, NDArray> weights(NDManager m) {
    return HashedWeights.materialize(meta.get("weights"), m);
  }

  /** Image i is hashed ("image<i>", [3, h, w], -2..2), zero-padded bottom/right: images, mask. */
  NDArray[] batch(NDManager m) {
    JsonNode sizes = meta.get("image_sizes");
    int b = sizes.size();
    int hMax = 0;
    int wMax = 0;
    for (JsonNode s : sizes) {
      hMax = Math.max(hMax, s.get(0).asInt());
      wMax = Math.max(wMax, s.get(1).asInt());
    }
    float[] pixels = new float[b * 3 * hMax * wMax];
    boolean[] mask = new boolean[b * hMax * wMax];
    java.util.Arrays.fill(mask, true);
    for (int i = 0; i < b; i++) {
      int h = sizes.get(i).get(0).asInt();
      int w = sizes.get(i).get(1).asInt();
      float[] img = HashedWeights.values("image" + i, 3 * h * w, -2.0, 2.0);
      for (int c = 0; c < 3; c++) {
        for (int y = 0; y < h; y++) {
          System.arraycopy(img, (c * h + y) * w, pixels, ((i * 3 + c) * hMax + y) * wMax, w);
        }
      }
      for (int y = 0; y < h; y++) {
        java.util.Arrays.fill(mask, (i * hMax + y) * wMax, (i * hMax + y) * wMax + w, false);
      }
    }
    return new NDArray[] {m.create(pixels, new Shape(b, 3, hMax, wMax)),
        m.create(mask, new Shape(b, hMax, wMax))};
  }

  /** Loss case {@code c}: the target masks of each image, [N_i, h_i, w_i] boolean. */
  List<NDArray> targetMasks(String c, NDManager m) {
    JsonNode spec = meta.get("loss_cases").get(c);
    List<NDArray> out = new ArrayList<>();
    for (int i = 0; i < spec.get("sizes").size(); i++) {
      int n = spec.get("targets").get(i).asInt();
      int h = spec.get("sizes").get(i).get(0).asInt();
      int w = spec.get("sizes").get(i).get(1).asInt();
      byte[] packed = ref.get("loss_" + c + ".target_masks_" + i).toByteArray();
      boolean[] bits = new boolean[n * h * w];
      for (int k = 0; k < bits.length; k++) { // np.packbits: most significant bit first
        bits[k] = ((packed[k >> 3] >> (7 - (k & 7))) & 1) != 0;
      }
      out.add(m.create(bits, new Shape(n, h, w)));
    }
    return out;
  }

  /** Loss case {@code c}: the fixed matchings (query, target) per image. */
  List<Matching> matchings(String c) {
    List<Matching> out = new ArrayList<>();
    for (JsonNode image : meta.get("loss_cases").get(c).get("matching")) {
      int[] q = new int[image.get(0).size()];
      int[] t = new int[q.length];
      for (int k = 0; k < q.length; k++) {
        q[k] = image.get(0).get(k).asInt();
        t[k] = image.get(1).get(k).asInt();
      }
      out.add(new Matching(q, t));
    }
    return out;
  }

  double numBoxes(String c) {
    int n = 0;
    for (JsonNode t : meta.get("loss_cases").get(c).get("targets")) {
      n += t.asInt();
    }
    return Math.max(1, n);
  }

  float scalar(String key) {
    return ref.get(key).toType(DataType.FLOAT32, false).getFloat(0);
  }
}
