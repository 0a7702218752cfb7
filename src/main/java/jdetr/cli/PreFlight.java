package jdetr.cli;

import java.io.IOException;
import jdetr.data.DatasetValidationException;
import jdetr.train.PreFlightCheck;
import jdetr.train.TrainConfig;

/** The dataset check of {@code train} and {@code node}, as a command reports it. */
final class PreFlight {
  private PreFlight() {}

  /** Runs {@link PreFlightCheck}; on failure prints why on stderr (no stack trace). */
  static boolean passes(TrainConfig config, String command) {
    try {
      PreFlightCheck.run(config);
      return true;
    } catch (DatasetValidationException e) {
      System.err.println(command + ": " + e.getMessage());
      System.err.println(command + ": nothing was trained; fix the dataset, or pass"
          + " --skip-validation to train anyway");
    } catch (IOException e) {
      System.err.println(command + ": " + e.getMessage());
    }
    return false;
  }
}
