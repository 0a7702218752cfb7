package jdetr.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import java.util.Random;
import jdetr.data.Batch;
import jdetr.loss.CriterionConfig;
import jdetr.loss.SetCriterion;
import jdetr.matcher.HungarianMatcher;
import jdetr.matcher.MatcherConfig;
import jdetr.model.DeformableOptions;
import jdetr.model.DetectionTransformer;
import jdetr.model.DetrConfig;
import jdetr.model.ModelBuilder;
import jdetr.model.ModelInput;
import jdetr.model.Norm2d;
import org.junit.jupiter.api.Test;

/**
 * Memory stays flat over a long run: once the optimizer holds its moments, a training step and an
 * evaluation forward leave no array behind on the model's manager (an array derived from a
 * parameter is owned by the parameter's manager unless given to the step's).
 */
class StepArraysTest {

  @Test
  void detrStepsAndForwardsLeaveNoArrays() {
    assertFlat(TrainStepTest.TINY, CriterionConfig.detr(), MatcherConfig.DETR);
  }

  @Test
  void twoStageDeformableStepsAndForwardsLeaveNoArrays() {
    // the demo recipe's shape, smaller: several feature levels, trained BatchNorm2d
    DetrConfig config = DetrConfig.builder(DetrConfig.Architecture.DEFORMABLE_DETR)
        .backbone("resnet18").backboneNorm(Norm2d.Kind.BATCH).hiddenDim(32).nheads(2)
        .encLayers(1).decLayers(2).dimFeedforward(32).numQueries(6).numClasses(4).dropout(0)
        .deformable(new DeformableOptions(3, 2, 2, true, true)).build();
    assertFlat(config, CriterionConfig.deformableDetr(), MatcherConfig.DEFORMABLE_DETR);
  }

  private static void assertFlat(DetrConfig config, CriterionConfig criterionConfig,
      MatcherConfig matcher) {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Engine.getInstance().setRandomSeed(21);
      DetectionTransformer detr = ModelBuilder.build(config, m);
      AdamW adamw = new AdamW(ParameterGroups.reference(config.isDeformable(),
          TrainableParameters.of(detr), 1e-4, 1e-5), AdamWConfig.DETR, m);
      TrainStep step = new TrainStep(detr,
          new SetCriterion(criterionConfig.withAuxLoss(config.auxLoss()), config.numClasses()),
          MatchingSource.local(new HungarianMatcher(matcher)), adamw, 0.1, 2, m);
      Batch batch = TrainStepTest.batch(new Random(8), 2);
      step.run(batch, 0); // creates the optimizer's moments
      int arrays = m.getManagedArrays().size();
      for (long s = 1; s <= 3; s++) {
        step.run(batch, s);
        assertThat(m.getManagedArrays()).as("arrays on the model's manager after step %d", s)
            .hasSize(arrays);
      }
      for (int k = 0; k < 2; k++) {
        try (NDManager scope = m.newSubManager()) {
          ModelInput input = ModelInput.of(batch, scope);
          detr.forward(input.images(), input.mask(), false);
        }
        assertThat(m.getManagedArrays()).as("arrays after evaluation forward %d", k).hasSize(arrays);
      }
    }
  }
}
