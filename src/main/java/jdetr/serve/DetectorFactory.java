package jdetr.serve;

/** Creates the detector on the detector thread (model loading happens there). */
@FunctionalInterface
public interface DetectorFactory {
  Detector<?> create(ServeConfig config) throws Exception;
}
