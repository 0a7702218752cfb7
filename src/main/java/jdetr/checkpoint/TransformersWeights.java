package jdetr.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jdetr.io.AtomicFiles;
import jdetr.model.DetrConfig;
import jdetr.model.segmentation.SegmentationWeights;

/**
 * A Hugging Face transformers model directory ({@code config.json} with {@code model.safetensors},
 * or {@code pytorch_model.bin} read by the safe pickle reader), read into reference names and
 * written from them. Reading renames every tensor by {@link TransformersNames} (an unknown name is
 * an error naming it), joins q/k/v back into {@code in_proj} tensors, and lists a Deformable DETR
 * head under each name the reference gives it (transformers may store a tied head once: {@code
 * class_embed.0} for heads shared by all layers, {@code bbox_embed.N} for the decoder's refinement
 * heads). Writing produces the layout the transformers conversion scripts produce, with timm
 * backbone names.
 */
public final class TransformersWeights {

  /** The tensors in safetensors format, as transformers saves them. */
  public static final String SAFETENSORS = "model.safetensors";
  /** The tensors as {@code torch.save} of a state dict (older Hub uploads). */
  public static final String PICKLE = "pytorch_model.bin";

  private static final Pattern HEAD = Pattern.compile("^(class_embed|bbox_embed)\\.(\\d+)\\.(.+)$");
  private static final String DECODER = "transformer.decoder.";

  /** What a transformers directory holds, in reference names. */
  public record Contents(TransformersConfig description, Map<String, NDArray> state, Path tensorFile) {}

  private TransformersWeights() {}

  /** Whether {@code dir} is a transformers model directory (a {@code config.json}, no jdetr {@code model.json}). */
  public static boolean isTransformersDirectory(Path dir) {
    return Files.isRegularFile(dir.resolve(TransformersConfig.FILE))
        && !Files.exists(dir.resolve(ModelWeights.DESCRIPTION));
  }

  /**
   * Reads {@code dir} into {@code manager}: the config and the tensors under their reference names.
   *
   * @throws IOException naming the file and the tensor or field that does not fit
   */
  public static Contents read(Path dir, NDManager manager) throws IOException {
    TransformersConfig description = TransformersConfig.read(dir.resolve(TransformersConfig.FILE));
    Path file = tensorFile(dir);
    Map<String, NDArray> stored = file.getFileName().toString().equals(SAFETENSORS)
        ? Safetensors.read(file, manager).tensors()
        : TorchCheckpointReader.readStateDict(file, manager);
    DetrConfig config = description.config();
    TransformersNames names = new TransformersNames(config.isDeformable(),
        description.backboneNames(), description.panoptic());
    try {
      Map<String, NDArray> state = toOfficial(stored, names);
      if (config.isDeformable()) {
        fillTiedHeads(state, config);
      }
      return new Contents(description, state, file);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  private static Path tensorFile(Path dir) throws IOException {
    for (String name : List.of(SAFETENSORS, PICKLE)) {
      if (Files.isRegularFile(dir.resolve(name))) {
        return dir.resolve(name);
      }
    }
    String sharded = Files.exists(dir.resolve(SAFETENSORS + ".index.json"))
        ? " (sharded checkpoints are not supported; DETR models fit one file)" : "";
    throw new NoSuchFileException(dir + ": neither " + SAFETENSORS + " nor " + PICKLE + sharded);
  }

  /** Renames {@code stored} to reference names, joining each q/k/v triple (rows q, k, v). */
  static Map<String, NDArray> toOfficial(Map<String, NDArray> stored, TransformersNames names) {
    Map<String, NDArray> state = new LinkedHashMap<>();
    Map<String, NDArray[]> parts = new LinkedHashMap<>();
    Map<String, String[]> partNames = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray> e : stored.entrySet()) {
      TransformersNames.Official target = names.toOfficial(e.getKey());
      if (target.qkvPart() < 0) {
        state.put(target.name(), e.getValue());
        continue;
      }
      parts.computeIfAbsent(target.name(), k -> new NDArray[3])[target.qkvPart()] = e.getValue();
      partNames.computeIfAbsent(target.name(), k -> new String[3])[target.qkvPart()] = e.getKey();
      state.put(target.name(), null); // keeps the file order
    }
    for (Map.Entry<String, NDArray[]> e : parts.entrySet()) {
      NDArray[] qkv = e.getValue();
      for (int i = 0; i < 3; i++) {
        if (qkv[i] == null) {
          String present = partNames.get(e.getKey())[qkv[0] != null ? 0 : qkv[1] != null ? 1 : 2];
          throw new IllegalArgumentException("'" + present + "' has no " + "qkv".charAt(i)
              + "_proj companion (all three make " + e.getKey() + ")");
        }
      }
      // [3 * d, d] or [3 * d]: rows q, then k, then v
      state.put(e.getKey(), NDArrays.concat(new NDList(qkv), 0));
    }
    return state;
  }

  /**
   * Lists each Deformable DETR head under every reference name: {@code class_embed.N} and {@code
   * bbox_embed.N} from {@code .0} when one head serves all layers (no box refinement), and the
   * decoder's {@code transformer.decoder.bbox_embed.N}/{@code class_embed.N} (box refinement,
   * two-stage) and the model's heads from each other.
   */
  static void fillTiedHeads(Map<String, NDArray> state, DetrConfig config) {
    int heads = config.decLayers() + (config.deformable().twoStage() ? 1 : 0);
    for (String key : new ArrayList<>(state.keySet())) {
      if (key.startsWith(DECODER) && HEAD.matcher(key.substring(DECODER.length())).matches()) {
        state.putIfAbsent(key.substring(DECODER.length()), state.get(key));
      }
    }
    if (!config.deformable().withBoxRefine()) {
      for (String key : new ArrayList<>(state.keySet())) {
        Matcher m = HEAD.matcher(key);
        if (m.matches() && m.group(2).equals("0")) {
          for (int i = 1; i < heads; i++) {
            state.putIfAbsent(m.group(1) + "." + i + "." + m.group(3), state.get(key));
          }
        }
      }
    }
    for (String key : new ArrayList<>(state.keySet())) {
      Matcher m = HEAD.matcher(key);
      boolean decoderHolds = m.matches() && (m.group(1).equals("bbox_embed")
          ? config.deformable().withBoxRefine() : config.deformable().twoStage());
      if (decoderHolds) {
        state.putIfAbsent(DECODER + key, state.get(key));
      }
    }
  }

  /**
   * Writes {@code state} (reference names, a model's complete state dict) as a transformers
   * directory: {@code model.safetensors} (q/k/v split out of {@code in_proj}) then {@code
   * config.json}, each replaced atomically. A DETRsegm ({@code masks}) is written as
   * {@code DetrForSegmentation}: the detector under {@code detr.}, the mask head beside it.
   *
   * @return the reference tensors not written, each with the reason (a BatchNorm's
   *     {@code num_batches_tracked}, which transformers' frozen BatchNorm does not keep; the
   *     denoising label embedding, used in training only)
   * @throws IOException naming a tensor transformers has no place for
   */
  public static List<String> write(Path dir, Map<String, NDArray> state, DetrConfig config,
      SortedMap<Integer, String> categories, NDManager manager) throws IOException {
    if (config.preNorm()) {
      throw new IOException("pre-norm DETR (pre_norm: true) has no transformers layout: its"
          + " DetrEncoder has no final LayerNorm");
    }
    if (config.isDeformable() && config.deformable().mixedQuerySelection()) {
      throw new IOException("mixed query selection (mixed_query_selection: true, the learned"
          + " content queries transformer.tgt_embed.weight) has no transformers layout:"
          + " DeformableDetrModel takes its two-stage content queries from pos_trans;"
          + " export --format official keeps them");
    }
    if (config.isDeformable() && config.deformable().distinctQueryIou() > 0) {
      throw new IOException("distinct query selection (distinct_query_iou: "
          + config.deformable().distinctQueryIou() + ") has no transformers counterpart:"
          + " DeformableDetrModel takes the plain top-k proposals, so the exported model would"
          + " detect differently; export --format official, or train without it");
    }
    TransformersNames names = new TransformersNames(config.isDeformable(),
        TransformersNames.BackboneNames.TIMM, config.masks());
    List<String> left = new ArrayList<>();
    Map<String, NDArray> out = new LinkedHashMap<>();
    try (NDManager slices = manager.newSubManager()) {
      for (Map.Entry<String, NDArray> e : state.entrySet()) {
        String key = e.getKey();
        if (key.endsWith(".num_batches_tracked")) {
          left.add(key + " (transformers' frozen BatchNorm keeps no batch count)");
          continue;
        }
        if (key.startsWith("label_enc.")) {
          left.add(key + " (denoising queries, used in training only)");
          continue;
        }
        List<String> hf;
        try {
          hf = names.toTransformers(config.masks() ? SegmentationWeights.wrappedName(key) : key);
        } catch (IllegalArgumentException ex) {
          throw new IOException(ex.getMessage() + " (is it a " + config.architecture().jsonName()
              + " model?)", ex);
        }
        if (hf.size() == 1) {
          out.put(hf.get(0), e.getValue());
          continue;
        }
        long rows = e.getValue().getShape().get(0) / 3; // [3 * d, ...] -> q, k, v of [d, ...]
        for (int i = 0; i < 3; i++) {
          NDArray part = e.getValue().get(i * rows + ":" + (i + 1) * rows);
          part.attach(slices);
          out.put(hf.get(i), part);
        }
      }
      Files.createDirectories(dir);
      Safetensors.write(dir.resolve(SAFETENSORS), out, Map.of("format", "pt"));
    }
    AtomicFiles.writeBytes(dir.resolve(TransformersConfig.FILE),
        TransformersConfig.toJson(config, categories));
    return left;
  }
}
