package jdetr.checkpoint;

import java.util.Collections;
import java.util.Map;

/**
 * An inert record of an object the checkpoint pickled by class, kept only as its attribute values.
 * The single class accepted this way is {@code argparse.Namespace} (the {@code 'args'} entry of
 * checkpoints written by DETR's training script): nothing is imported or called, the attributes
 * are plain values (numbers, strings, lists, None).
 *
 * @param type       the pickled class, module.name
 * @param attributes the attributes set by the pickle's BUILD, in pickle order
 */
public record PickledObject(String type, Map<String, Object> attributes) {

  public PickledObject {
    attributes = Collections.unmodifiableMap(attributes);
  }

  @Override
  public String toString() {
    return type + "(" + attributes.size() + " attributes)";
  }
}
