package jdetr.engine;

import java.util.ArrayList;
import java.util.List;

/** The reference training scripts' split of the parameters into learning-rate groups. */
public final class ParameterGroups {
  private ParameterGroups() {}

  /** Deformable DETR's default backbone name keywords ({@code --lr_backbone_names}). */
  public static final List<String> DEFORMABLE_BACKBONE_NAMES = List.of("backbone.0");
  /** Deformable DETR's default keywords of the sampling layers ({@code --lr_linear_proj_names}). */
  public static final List<String> DEFORMABLE_LINEAR_PROJ_NAMES =
      List.of("reference_points", "sampling_offsets");

  /** Deformable DETR's rate multiplier of the linear projections ({@code --lr_linear_proj_mult}). */
  public static final double DEFORMABLE_LINEAR_PROJ_MULT = 0.1;

  /**
   * The groups of the reference training script of the model: {@link #deformableDetr} with its
   * default names and multiplier for Deformable DETR, {@link #detr} otherwise.
   */
  public static List<ParamGroup> reference(boolean deformable, List<NamedParameter> parameters,
      double lr, double lrBackbone) {
    return deformable
        ? deformableDetr(parameters, lr, lrBackbone, DEFORMABLE_BACKBONE_NAMES,
            DEFORMABLE_LINEAR_PROJ_NAMES, DEFORMABLE_LINEAR_PROJ_MULT)
        : detr(parameters, lr, lrBackbone);
  }

  /**
   * DETR (main.py): every parameter whose name contains "backbone" at {@code lrBackbone}, the rest
   * at {@code lr}. Groups: [default, backbone].
   */
  public static List<ParamGroup> detr(List<NamedParameter> parameters, double lr, double lrBackbone) {
    List<NamedParameter> rest = new ArrayList<>();
    List<NamedParameter> backbone = new ArrayList<>();
    for (NamedParameter p : parameters) {
      (p.name().contains("backbone") ? backbone : rest).add(p);
    }
    return List.of(new ParamGroup("default", lr, rest), new ParamGroup("backbone", lrBackbone, backbone));
  }

  /**
   * Deformable DETR (main.py): names containing a backbone keyword at {@code lrBackbone}, names
   * containing a linear-projection keyword at {@code lr * linearProjMult}, the rest at
   * {@code lr}. Groups: [default, backbone, linear_proj]. A name matching both keyword lists
   * falls in both groups there; here it is refused, since one array cannot have two rates.
   */
  public static List<ParamGroup> deformableDetr(List<NamedParameter> parameters, double lr,
      double lrBackbone, List<String> backboneNames, List<String> linearProjNames,
      double linearProjMult) {
    List<NamedParameter> rest = new ArrayList<>();
    List<NamedParameter> backbone = new ArrayList<>();
    List<NamedParameter> linearProj = new ArrayList<>();
    for (NamedParameter p : parameters) {
      boolean isBackbone = matches(p.name(), backboneNames);
      boolean isLinearProj = matches(p.name(), linearProjNames);
      if (isBackbone && isLinearProj) {
        throw new IllegalArgumentException("parameter " + p.name()
            + " matches both the backbone and the linear-projection names");
      }
      (isBackbone ? backbone : isLinearProj ? linearProj : rest).add(p);
    }
    return List.of(new ParamGroup("default", lr, rest),
        new ParamGroup("backbone", lrBackbone, backbone),
        new ParamGroup("linear_proj", lr * linearProjMult, linearProj));
  }

  private static boolean matches(String name, List<String> keywords) {
    for (String k : keywords) {
      if (name.contains(k)) {
        return true;
      }
    }
    return false;
  }
}
