package jdetr.eval.panoptic;

/**
 * Panoptic quality PQ = SQ · RQ, segmentation quality SQ and recognition quality RQ, averaged
 * over the {@code n} categories that have a segment in the ground truth or the predictions (for
 * one class, {@code n} is 1, or 0 when the class has none and its numbers are 0). With no such
 * category the averages are NaN (panopticapi divides by zero there).
 */
public record PqAverage(double pq, double sq, double rq, int n) {}
