package jdetr.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The recipe's {@code data} section, read once.
 *
 * @param root the dataset root
 * @param format {@code coco} (instances: {@code annotations/instances_<split>2017.json} and the
 *     image folders) or {@code coco_panoptic} (the reference's {@code --dataset_file
 *     coco_panoptic}: {@code annotations/panoptic_<split>2017.json}, the PNG folders {@code
 *     panoptic_<split>2017/} and the JPEG folders {@code <split>2017/}, all under the root)
 * @param synth when not null and {@code root} holds no dataset, generate this synthetic one (in
 *     the panoptic layout when the format is {@code coco_panoptic})
 */
public record DataRecipe(Path root, Format format, TrainConfig.SynthRecipe synth) {

  /** How the dataset under the root is laid out. */
  public enum Format {
    COCO, COCO_PANOPTIC;

    public String jsonName() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Format parse(String text) {
      for (Format f : values()) {
        if (f.jsonName().equals(text)) return f;
      }
      throw new IllegalArgumentException("recipe data.format: expected \"coco\" or"
          + " \"coco_panoptic\", got \"" + text + "\"");
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  public DataRecipe {
    if (root == null || format == null) {
      throw new IllegalArgumentException("recipe data: root and format are required");
    }
  }

  /** A COCO instances dataset under {@code root}. */
  public DataRecipe(Path root, TrainConfig.SynthRecipe synth) {
    this(root, Format.COCO, synth);
  }

  public boolean panoptic() {
    return format == Format.COCO_PANOPTIC;
  }

  /** The defaults: {@code data/coco}, COCO instances, nothing generated. */
  static void putDefaults(ObjectNode data) {
    data.put("root", "data/coco");
    data.put("format", Format.COCO.jsonName());
    data.putNull("synth");
  }

  /** Writes this section into the recipe's {@code data} object. */
  void putInto(ObjectNode data) {
    data.put("root", root.toString());
    data.put("format", format.jsonName());
    data.set("synth", synth == null ? null : JSON.valueToTree(synth));
  }

  /** The section of a merged recipe (every key present). */
  static DataRecipe fromJson(JsonNode data) {
    JsonNode s = data.get("synth");
    TrainConfig.SynthRecipe synth = null;
    if (s != null && !s.isNull()) {
      synth = new TrainConfig.SynthRecipe(s.path("train").asInt(200), s.path("val").asInt(50),
          s.path("size").asInt(128), s.path("classes").asInt(3), s.path("seed").asLong(42),
          s.path("min_objects").asInt(1), s.path("max_objects").asInt(6));
    }
    return new DataRecipe(Path.of(data.get("root").asText()),
        Format.parse(data.get("format").asText()), synth);
  }
}
