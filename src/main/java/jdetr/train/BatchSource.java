package jdetr.train;

import java.util.concurrent.CompletableFuture;
import jdetr.data.Batch;

/** Where the trainer gets batch {@code step} of {@code epoch}: a local loader thread or the data stage. */
@FunctionalInterface
public interface BatchSource {
  CompletableFuture<Batch> batch(int epoch, int step);
}
