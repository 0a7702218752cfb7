package jdetr.train;

import jdetr.engine.StageTimes;
import jdetr.engine.StepLog;
import jdetr.engine.TrainStep;

/**
 * One step of {@link TrainOneEpoch}, measured on the thread that owns the model.
 *
 * @param step the global step number (0-based)
 * @param epoch the epoch
 * @param epochStep the step's index within its epoch
 * @param log what {@link TrainStep#run} returned, with its stage times
 * @param dataWaitNs time spent getting the batch: waiting for it, and asking for the next one
 *     (which prepares it, when the source prepares batches on the calling thread)
 * @param trainNs {@link TrainStep#run}
 * @param dataCpuNs process CPU time during the data wait (0 unless a CPU clock is given)
 * @param trainCpuNs process CPU time during the step (every thread of the process)
 * @param height padded batch height
 * @param width padded batch width
 * @param targets objects in the batch
 */
public record TimedStep(long step, int epoch, int epochStep, StepLog log, long dataWaitNs,
    long trainNs, long dataCpuNs, long trainCpuNs, int height, int width, int targets) {

  public StageTimes stages() {
    return log.times();
  }

  /** Wall time of the whole step: data wait and training. */
  public long stepNs() {
    return dataWaitNs + trainNs;
  }

  /** Pure compute over the wall step time (1 when data and matching are fully hidden). */
  public double efficiency() {
    return stepNs() == 0 ? 0 : (double) stages().computeNs() / stepNs();
  }
}
