package io.enginel.domain.geometry;

import java.util.Arrays;

/**
 * A triangle soup: {@code triangles} triangles, their corners stored flat in {@link #corners} as
 * {@code x0 y0 z0 x1 y1 z1 x2 y2 z2} per triangle (single precision, as STL stores them). Primitive
 * arrays only, so a million triangles take 36 MB rather than millions of objects.
 */
public final class Mesh {
  private final float[] corners;
  private final int triangles;

  Mesh(float[] corners, int triangles) {
    this.corners = corners;
    this.triangles = triangles;
  }

  public int triangles() {
    return triangles;
  }

  /** Coordinate {@code axis} (0..2) of corner {@code corner} (0..2) of triangle {@code t}. */
  public float coordinate(int t, int corner, int axis) {
    return corners[t * 9 + corner * 3 + axis];
  }

  float[] corners() {
    return corners;
  }

  /** Grows a corner array while reading a file whose triangle count is not known in advance. */
  static final class Builder {
    private float[] corners = new float[9 * 1024];
    private int triangles;

    void add(float[] nine) {
      if ((triangles + 1) * 9 > corners.length) {
        corners = Arrays.copyOf(corners, corners.length * 2);
      }
      System.arraycopy(nine, 0, corners, triangles * 9, 9);
      triangles++;
    }

    Mesh build() {
      return new Mesh(Arrays.copyOf(corners, triangles * 9), triangles);
    }
  }
}
