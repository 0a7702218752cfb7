package jdetr.train;

import java.io.IOException;
import jdetr.data.CocoDataset;
import jdetr.data.CocoPaths;
import jdetr.data.DatasetValidation;
import jdetr.data.DatasetValidationException;
import jdetr.data.ImageLimits;
import jdetr.data.ValidationOptions;

/**
 * The dataset check a run makes before step 0: the train and val splits of the recipe (generated
 * first when the recipe is synthetic and they are missing) against the rules of
 * {@link DatasetValidation}, image headers included. Warnings are logged once and the run goes on;
 * an error stops it before anything is written under the output directory.
 */
public final class PreFlightCheck {
  private PreFlightCheck() {}

  /**
   * @throws DatasetValidationException naming every broken rule with its count and first ids or
   *     files, when a split would corrupt or crash training
   * @throws IOException when a split cannot be read at all (missing file, malformed JSON)
   */
  public static void run(TrainConfig config) throws IOException {
    ValidationOptions options = new ValidationOptions(false, true, ImageLimits.DEFAULT,
        config.numClassesFromData() ? 0 : config.model().numClasses());
    for (CocoPaths split : TrainData.openOrGenerate(config.data())) {
      DatasetValidation.check(CocoDataset.open(split).withMasks(config.model().masks()), options);
    }
  }
}
