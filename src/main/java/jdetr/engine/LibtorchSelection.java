package jdetr.engine;

import java.util.Map;

/**
 * Which libtorch DJL loads. The default is the CPU natives bundled in the jar, with DJL's
 * network access off ({@code ai.djl.offline=true}). The user's own choice is left alone:
 * {@code PYTORCH_LIBRARY_PATH} (+ {@code PYTORCH_FLAVOR}, {@code PYTORCH_VERSION}) points DJL at
 * an installed libtorch, which works offline (the JNI glue of the cpu and cu128 flavours is in the
 * jar); {@code JDETR_ALLOW_DOWNLOAD=1} lets DJL download the flavour {@code PYTORCH_FLAVOR} names;
 * a {@code -Dai.djl.offline=...} on the command line wins over both.
 */
public final class LibtorchSelection {

  /** The environment variable that lets DJL download libtorch. */
  public static final String ALLOW_DOWNLOAD = "JDETR_ALLOW_DOWNLOAD";
  static final String OFFLINE = "ai.djl.offline";

  private LibtorchSelection() {}

  /**
   * The value of {@code ai.djl.offline} to set, or null to leave it as the user set it.
   *
   * @param env the process environment
   * @param offlineProperty the current {@code ai.djl.offline} system property (null: unset)
   */
  public static String offlineSetting(Map<String, String> env, String offlineProperty) {
    if (offlineProperty != null) {
      return null;
    }
    String allow = env.get(ALLOW_DOWNLOAD);
    boolean download = allow != null && (allow.equals("1") || allow.equalsIgnoreCase("true"));
    return download ? "false" : "true";
  }

  /** Applies {@link #offlineSetting} to this JVM, before DJL loads an engine. */
  public static void apply() {
    String v = offlineSetting(System.getenv(), System.getProperty(OFFLINE));
    if (v != null) {
      System.setProperty(OFFLINE, v);
    }
  }
}
