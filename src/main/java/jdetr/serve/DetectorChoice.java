package jdetr.serve;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import jdetr.engine.DeviceSpec;
import jdetr.engine.Precision;
import jdetr.model.DetrConfig;

/**
 * Which detector a server runs, as the detector stage's configuration carries it:
 * {@code {"name":"detr","weights":"runs/x/checkpoints/step-900","dc5":false,"nheads":8,
 * "device":"cpu","precision":"fp32"}} or {@code {"name":"shapes-threshold"}}.
 *
 * @param name {@link #DETR} or {@link #SHAPES_THRESHOLD}
 * @param weights detr: a jdetr weights directory or an official DETR .pth
 * @param dc5 detr from a .pth: the checkpoint has a dilated last stage
 * @param nheads detr from a .pth: attention heads (a .pth does not record them); 0 means DETR's 8
 * @param device detr: {@code cpu} (null means cpu), {@code cuda} or {@code cuda:N}
 * @param precision detr: {@code fp32} (null means fp32) or {@code bf16}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DetectorChoice(String name, String weights, boolean dc5, int nheads, String device,
    String precision) {

  /** A DETR model from weights. */
  public static final String DETR = "detr";
  /** The built-in colour-threshold finder of the demo shapes ({@link ShapesThresholdDetector}). */
  public static final String SHAPES_THRESHOLD = "shapes-threshold";

  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public DetectorChoice {
    if (name == null) {
      throw new IllegalArgumentException("detector: field name is missing (" + DETR + " or " + SHAPES_THRESHOLD + ")");
    }
    switch (name) {
      case DETR -> {
        if (weights == null || weights.isBlank()) {
          throw new IllegalArgumentException("detector " + DETR + ": field weights is missing (a jdetr weights "
              + "directory or an official .pth)");
        }
        if (nheads == 0) {
          nheads = DetrConfig.defaults().nheads();
        }
        if (nheads < 1) {
          throw new IllegalArgumentException("detector " + DETR + ": field nheads must be at least 1, got " + nheads);
        }
        device = DeviceSpec.parse(device == null ? "cpu" : device, "detector " + DETR + ": field device").toString();
        precision = Precision.parse(precision == null ? "fp32" : precision, "detector " + DETR
            + ": field precision").toString();
      }
      case SHAPES_THRESHOLD -> {
        if (weights != null) {
          throw new IllegalArgumentException("detector " + SHAPES_THRESHOLD + " takes no weights");
        }
      }
      default -> throw new IllegalArgumentException("detector '" + name + "' is unknown (available: " + DETR + ", "
          + SHAPES_THRESHOLD + ")");
    }
  }

  /** DETR from weights, with the architecture defaults a .pth does not record. */
  public static DetectorChoice detr(Path weights, boolean dc5, int nheads) {
    return detr(weights, dc5, nheads, DeviceSpec.CPU, Precision.FP32);
  }

  /** DETR from weights on a device, in a precision. */
  public static DetectorChoice detr(Path weights, boolean dc5, int nheads, DeviceSpec device,
      Precision precision) {
    return new DetectorChoice(DETR, weights.toString(), dc5, nheads, device.toString(), precision.toString());
  }

  /** DETR from weights; a .pth is taken as DETR-R50 (8 heads, no dilation). */
  public static DetectorChoice detr(Path weights) {
    return detr(weights, false, DetrConfig.defaults().nheads());
  }

  /** The colour-threshold demo detector. */
  public static DetectorChoice shapesThreshold() {
    return new DetectorChoice(SHAPES_THRESHOLD, null, false, 0, null, null);
  }

  /** Reads a choice from JSON text; {@code source} names it in errors. */
  public static DetectorChoice fromJson(String json, String source) {
    try {
      return MAPPER.readValue(json, DetectorChoice.class);
    } catch (JsonProcessingException e) {
      Throwable cause = e.getCause() instanceof IllegalArgumentException ? e.getCause() : e;
      throw new IllegalArgumentException(source + ": " + cause.getMessage(), e);
    }
  }

  public String toJson() {
    try {
      return MAPPER.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Creates the chosen detector (on the detector thread). */
  public DetectorFactory factory() {
    if (name.equals(SHAPES_THRESHOLD)) {
      return config -> new ShapesThresholdDetector();
    }
    DetrConfig pthBase = DetrConfig.defaults().toBuilder().dilation(dc5).nheads(nheads).build();
    Path w = Path.of(weights);
    DeviceSpec d = DeviceSpec.parse(device, "detector device");
    Precision p = Precision.parse(precision, "detector precision");
    return config -> DetrDetector.load(w, config, pthBase, d, p);
  }
}
