package jdetr.bus;

import io.vertx.core.eventbus.EventBus;
import java.util.List;

/**
 * The binary codecs of the pipeline. Every node registers all of them as default codecs, so a
 * message record can be sent as is and is encoded the same way on every node.
 */
public final class MessageCodecs {
  private MessageCodecs() {}

  /** Every codec, one per message type. */
  public static List<BinaryCodec<?>> all() {
    return List.of(new MatchRequestCodec(), new MatchReplyCodec(), new StepMetricsCodec(),
        new EvalResultCodec(), new CommitRequestCodec(), new CheckpointNoticeCodec());
  }

  /** Registers every codec as the default codec of its message type on {@code bus}. */
  public static void registerAll(EventBus bus) {
    for (BinaryCodec<?> codec : all()) {
      register(bus, codec);
    }
  }

  private static <T> void register(EventBus bus, BinaryCodec<T> codec) {
    bus.registerDefaultCodec(codec.type(), codec);
  }
}
