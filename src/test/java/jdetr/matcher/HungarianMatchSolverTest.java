package jdetr.matcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import jdetr.loss.ClassLoss;
import jdetr.loss.Matching;
import org.junit.jupiter.api.Test;

class HungarianMatchSolverTest {
  @Test
  void solvesAsTheMatcherWithTheRequestsCostsAndClassLoss() {
    HungarianMatchSolver solver = new HungarianMatchSolver();
    Random rnd = new Random(8);
    for (ClassLoss loss : ClassLoss.values()) {
      MatcherConfig config = MatcherConfig.defaults(loss);
      for (int k = 0; k < 20; k++) {
        MatchRequest base = RandomMatchRequests.randomRequest(rnd, 3, k, k % 6, 30, 8, k % 10);
        MatchRequest r = new MatchRequest(base.step(), base.image(), base.layer(), config,
            base.numQueries(), base.numClasses(), base.logits(), base.boxes(), base.targetLabels(),
            base.targetBoxes());
        MatchReply reply = solver.solve(r);
        Matching expected = new HungarianMatcher(config)
            .match(new MatchInput(r.logits(), r.boxes(), r.targetLabels(), r.targetBoxes()));
        assertThat(reply.answers(r)).isTrue();
        assertThat(reply.queryIndices()).isEqualTo(expected.queryIdx());
        assertThat(reply.targetIndices()).isEqualTo(expected.targetIdx());
        assertThat(reply.size()).isEqualTo(r.numTargets());
      }
    }
  }

  @Test
  void moreTargetsThanQueriesIsRefused() {
    MatchRequest r = RandomMatchRequests.randomRequest(new Random(1), 0, 0, 0, 2, 3, 3);
    assertThatThrownBy(() -> new HungarianMatchSolver().solve(r))
        .hasMessageContaining("3 targets but only 2 queries");
  }
}
