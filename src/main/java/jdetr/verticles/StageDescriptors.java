package jdetr.verticles;

import io.vertx.core.ThreadingModel;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import jdetr.train.TrainConfig;

/**
 * Reads the {@code verticles/*.json} stage descriptors, in file-name (data-flow) order. The
 * build also packs them into the jar; those are used when the default directory {@code verticles}
 * is absent from the working directory.
 */
public final class StageDescriptors {
  /** The directory the commands read by default, relative to the working directory. */
  public static final Path DEFAULT_DIR = Path.of("verticles");
  /** Where the build puts a copy of {@code verticles/} on the classpath. */
  static final String BUNDLED = "jdetr/verticles";

  private static final Set<String> FIELDS = Set.of("name", "verticle", "threadingModel",
      "instances", "workerPool", "roles", "config");

  private StageDescriptors() {}

  /**
   * Every descriptor in {@code dir}, sorted by file name; the bundled ones when {@code dir} is
   * {@link #DEFAULT_DIR} and does not exist.
   *
   * @throws IllegalArgumentException naming the file and field of the first bad descriptor
   */
  public static List<StageDescriptor> load(Path dir) throws IOException {
    return !Files.isDirectory(dir) && dir.equals(DEFAULT_DIR) ? bundled() : readAll(dir);
  }

  /** The descriptors packed into the jar (or {@code target/classes}) by the build. */
  public static List<StageDescriptor> bundled() throws IOException {
    URI root;
    try {
      root = StageDescriptors.class.getProtectionDomain().getCodeSource().getLocation().toURI();
    } catch (URISyntaxException | NullPointerException e) {
      throw new IOException("cannot locate the jdetr classes to read " + BUNDLED, e);
    }
    return bundled(Path.of(root));
  }

  /** The descriptors under {@link #BUNDLED} in a classes directory or a jar. */
  static List<StageDescriptor> bundled(Path classes) throws IOException {
    if (Files.isDirectory(classes)) {
      return readAll(classes.resolve(BUNDLED));
    }
    try (FileSystem jar = FileSystems.newFileSystem(classes)) {
      return readAll(jar.getPath(BUNDLED));
    }
  }

  private static List<StageDescriptor> readAll(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("stage descriptor directory " + dir + " does not exist");
    }
    List<StageDescriptor> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".json"))
          .sorted(Comparator.comparing(p -> p.getFileName().toString())).toList()) {
        out.add(parse(f.getFileName().toString(), Files.readString(f)));
      }
    }
    return out;
  }

  /** The descriptors of one role, in order; fails if the role is unknown or has none. */
  public static List<StageDescriptor> forRole(List<StageDescriptor> all, String role) {
    if (!StageDescriptor.ROLES.contains(role)) {
      throw new IllegalArgumentException("unknown role '" + role + "'; roles are "
          + StageDescriptor.ROLES.stream().sorted().toList());
    }
    List<StageDescriptor> mine = all.stream().filter(d -> d.belongsTo(role)).toList();
    if (mine.isEmpty()) {
      throw new IllegalArgumentException("no stage descriptor has role '" + role + "' (files: "
          + all.stream().map(StageDescriptor::file).toList() + ")");
    }
    return mine;
  }

  /**
   * The stages a node of {@code role} deploys for a training run, in deployment order: the role's
   * descriptors, each given the run's recipe (none when {@code recipe} is null) and the resume flag;
   * an eval stage deployed with a trainer is told it runs beside it
   * ({@link EvalVerticle#BESIDE_TRAINER}). The trainer comes last: the stages it talks to listen
   * when it starts, and undeploying in reverse order stops it first, so that its last step and the
   * commit in flight still reach them.
   */
  public static List<StageDescriptor> forRun(List<StageDescriptor> all, String role,
      TrainConfig recipe, boolean resume) {
    List<StageDescriptor> mine = forRole(all, role);
    boolean withTrainer = mine.stream().anyMatch(StageDescriptors::isTrainer);
    JsonObject extra = new JsonObject();
    if (recipe != null) {
      extra.put("recipe", new JsonObject(recipe.toJson().toString())).put("resume", resume);
    }
    List<StageDescriptor> out = new ArrayList<>();
    for (StageDescriptor d : mine) {
      JsonObject c = extra.copy();
      if (withTrainer && d.verticle().equals(EvalVerticle.class.getName())) {
        c.put(EvalVerticle.BESIDE_TRAINER, true);
      }
      out.add(d.withConfig(c));
    }
    out.sort(Comparator.comparing(StageDescriptors::isTrainer));
    return out;
  }

  /** Whether {@code d} deploys the {@link TrainerVerticle}. */
  public static boolean isTrainer(StageDescriptor d) {
    return d.verticle().equals(TrainerVerticle.class.getName());
  }

  /** Parses one descriptor; {@code file} names it in errors. */
  public static StageDescriptor parse(String file, String json) {
    JsonObject o;
    try {
      o = new JsonObject(json);
    } catch (DecodeException e) {
      throw new IllegalArgumentException(file + ": not a JSON object: " + e.getMessage(), e);
    }
    for (String key : o.fieldNames()) {
      if (!FIELDS.contains(key)) {
        throw new IllegalArgumentException(file + ": unknown field '" + key + "'; fields are "
            + FIELDS.stream().sorted().toList());
      }
    }
    String name = text(file, o, "name");
    String verticle = text(file, o, "verticle");
    ThreadingModel threading;
    String model = o.getValue("threadingModel") == null ? "EVENT_LOOP" : text(file, o, "threadingModel");
    try {
      threading = ThreadingModel.valueOf(model);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": field threadingModel is '" + model
          + "', expected EVENT_LOOP or WORKER");
    }
    if (threading == ThreadingModel.VIRTUAL_THREAD) {
      throw new IllegalArgumentException(file + ": threadingModel VIRTUAL_THREAD is not allowed:"
          + " libtorch state is per OS thread and a virtual thread may change carrier");
    }
    int instances = integer(file, o, "instances", 1);
    if (instances < 1) {
      throw new IllegalArgumentException(file + ": field instances must be at least 1, got " + instances);
    }
    String poolName = null;
    int poolSize = 0;
    Object pool = o.getValue("workerPool");
    if (pool != null) {
      if (!(pool instanceof JsonObject p)) {
        throw new IllegalArgumentException(file + ": field workerPool must be {\"name\": …, \"size\": …}");
      }
      poolName = text(file, p, "name");
      poolSize = integer(file, p, "size", 0);
      if (poolSize < 1) {
        throw new IllegalArgumentException(file + ": field workerPool.size must be at least 1");
      }
      if (threading != ThreadingModel.WORKER) {
        throw new IllegalArgumentException(file + ": field workerPool needs threadingModel WORKER");
      }
    }
    Object rolesValue = o.getValue("roles");
    if (!(rolesValue instanceof JsonArray rolesArray) || rolesArray.isEmpty()) {
      throw new IllegalArgumentException(file + ": field roles must be a non-empty array of "
          + StageDescriptor.ROLES.stream().sorted().toList());
    }
    Set<String> roles = new LinkedHashSet<>();
    for (Object r : rolesArray) {
      if (!(r instanceof String s) || !StageDescriptor.ROLES.contains(s)) {
        throw new IllegalArgumentException(file + ": field roles has unknown role '" + r + "'; roles are "
            + StageDescriptor.ROLES.stream().sorted().toList());
      }
      roles.add(s);
    }
    Object config = o.getValue("config");
    if (config != null && !(config instanceof JsonObject)) {
      throw new IllegalArgumentException(file + ": field config must be an object");
    }
    return new StageDescriptor(file, name, verticle, threading, instances, poolName, poolSize,
        roles, config == null ? new JsonObject() : (JsonObject) config);
  }

  private static String text(String file, JsonObject o, String field) {
    Object v = o.getValue(field);
    if (!(v instanceof String s) || s.isBlank()) {
      throw new IllegalArgumentException(file + ": field " + field + " must be a non-empty string");
    }
    return s;
  }

  private static int integer(String file, JsonObject o, String field, int absent) {
    Object v = o.getValue(field);
    if (v == null) {
      return absent;
    }
    if (!(v instanceof Integer i)) {
      throw new IllegalArgumentException(file + ": field " + field + " must be an integer, got " + v);
    }
    return i;
  }
}
