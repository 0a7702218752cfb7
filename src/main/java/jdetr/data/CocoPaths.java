package jdetr.data;

import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where one split of a COCO-format dataset lives.
 *
 * @param annotations the annotations JSON file
 * @param images the folder the {@code file_name}s are relative to
 * @param panoptic for a COCO panoptic split, where it lives: the targets come from its PNGs and
 *     {@code annotations} is the instances view derived from it ({@link PanopticInstances});
 *     null for a COCO instances split
 */
public record CocoPaths(Path annotations, Path images, CocoPanopticReader.Layout panoptic) {

  /** A COCO instances split. */
  public CocoPaths(Path annotations, Path images) {
    this(annotations, images, null);
  }

  /**
   * The usual layouts under a dataset root, first match wins: annotations
   * {@code annotations/instances_<split>2017.json}, {@code annotations/instances_<split>.json},
   * {@code annotations/custom_<split>.json}, {@code custom_<split>.json}; images
   * {@code <split>2017/}, {@code <split>/}.
   */
  public static CocoPaths resolve(Path root, String split) throws FileNotFoundException {
    List<Path> files = List.of(
        root.resolve("annotations").resolve("instances_" + split + "2017.json"),
        root.resolve("annotations").resolve("instances_" + split + ".json"),
        root.resolve("annotations").resolve("custom_" + split + ".json"),
        root.resolve("custom_" + split + ".json"));
    List<Path> folders = List.of(root.resolve(split + "2017"), root.resolve(split));
    return new CocoPaths(first(files, Files::isRegularFile, "annotations file for split " + split),
        first(folders, Files::isDirectory, "image folder for split " + split));
  }

  /** The COCO 2017 layout: {@code annotations/instances_<split>2017.json} and {@code <split>2017/}. */
  public static CocoPaths coco2017(Path root, String split) {
    return new CocoPaths(root.resolve("annotations").resolve("instances_" + split + "2017.json"),
        root.resolve(split + "2017"));
  }

  private static Path first(List<Path> candidates, java.util.function.Predicate<Path> exists,
      String what) throws FileNotFoundException {
    List<String> tried = new ArrayList<>();
    for (Path p : candidates) {
      if (exists.test(p)) return p;
      tried.add(p.toString());
    }
    throw new FileNotFoundException("no " + what + "; tried " + String.join(", ", tried));
  }
}
