package jdetr.engine;

import ai.djl.ndarray.NDArray;

/**
 * A trainable array with its state-dict name ({@code transformer.encoder.layers.0.linear1.weight}).
 * The array requires a gradient; the optimizer updates it in place.
 */
public record NamedParameter(String name, NDArray array) {}
