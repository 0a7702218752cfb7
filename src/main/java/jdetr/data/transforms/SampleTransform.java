package jdetr.data.transforms;

import jdetr.data.Example;
import jdetr.data.Sample;

/** Turns a decoded image and its target into a normalised sample; random choices keyed by (seed, epoch, index). */
@FunctionalInterface
public interface SampleTransform {
  Sample apply(Example example, long seed, long epoch, long index);
}
