package jdetr.eval;

/** A category of the ground truth: raw id and name. */
public record CocoCategory(long id, String name) {}
