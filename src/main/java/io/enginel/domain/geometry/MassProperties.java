package io.enginel.domain.geometry;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Arrays;

/**
 * Geometry metadata of a triangle mesh, in the file's units: triangle count, surface area, enclosed volume,
 * bounding box, center of mass and inertia tensor (about the center of mass) for a given density, and
 * whether the mesh is closed.
 *
 * <p>Volume, centroid and second moments are exact for a closed polyhedron: each triangle (a, b, c) and the
 * reference point span a signed tetrahedron of volume {@code v = a·(b×c)/6}, whose first moment is
 * {@code v (a+b+c)/4} and whose second moment is {@code v/20 (aaᵀ + bbᵀ + ccᵀ + ssᵀ)} with {@code s = a+b+c}
 * (the canonical tetrahedron covariance [[2,1,1],[1,2,1],[1,1,2]]/120 times the determinant). The
 * reference point is the bounding-box centre, which keeps the sums well conditioned for meshes far from the
 * origin; the inertia tensor follows from the second moment about the centroid (parallel-axis theorem). A
 * mesh wound inward has a negative signed volume: it is reported positive, with {@code inverted: true}.
 */
public record MassProperties(long triangleCount, double surfaceArea, double volume, double density, double mass,
                             double[] boundingBoxMin, double[] boundingBoxMax, double[] centerOfMass,
                             double[][] inertiaTensor, boolean closed, boolean inverted) {

  public static MassProperties compute(Mesh mesh, double density) {
    if (!(density > 0) || !Double.isFinite(density)) {
      throw new IllegalArgumentException("density must be a positive number");
    }
    int n = mesh.triangles();
    double[] min = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
    double[] max = {-Double.MAX_VALUE, -Double.MAX_VALUE, -Double.MAX_VALUE};
    for (int t = 0; t < n; t++) {
      for (int c = 0; c < 3; c++) {
        for (int k = 0; k < 3; k++) {
          double v = mesh.coordinate(t, c, k);
          min[k] = Math.min(min[k], v);
          max[k] = Math.max(max[k], v);
        }
      }
    }
    double[] ref = {(min[0] + max[0]) / 2, (min[1] + max[1]) / 2, (min[2] + max[2]) / 2};
    double area = 0;
    double vol = 0;
    double[] first = new double[3];
    double[][] second = new double[3][3];
    double[] a = new double[3];
    double[] b = new double[3];
    double[] c = new double[3];
    double[] s = new double[3];
    for (int t = 0; t < n; t++) {
      for (int k = 0; k < 3; k++) {
        a[k] = mesh.coordinate(t, 0, k) - ref[k];
        b[k] = mesh.coordinate(t, 1, k) - ref[k];
        c[k] = mesh.coordinate(t, 2, k) - ref[k];
        s[k] = a[k] + b[k] + c[k];
      }
      double e1x = b[0] - a[0];
      double e1y = b[1] - a[1];
      double e1z = b[2] - a[2];
      double e2x = c[0] - a[0];
      double e2y = c[1] - a[1];
      double e2z = c[2] - a[2];
      double nx = e1y * e2z - e1z * e2y;
      double ny = e1z * e2x - e1x * e2z;
      double nz = e1x * e2y - e1y * e2x;
      area += Math.sqrt(nx * nx + ny * ny + nz * nz) / 2;
      double v = (a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0])
          + a[2] * (b[0] * c[1] - b[1] * c[0])) / 6;
      vol += v;
      for (int i = 0; i < 3; i++) {
        first[i] += v * s[i] / 4;
        for (int j = i; j < 3; j++) {
          second[i][j] += v / 20 * (a[i] * a[j] + b[i] * b[j] + c[i] * c[j] + s[i] * s[j]);
        }
      }
    }
    boolean inverted = vol < 0;
    double sign = inverted ? -1 : 1;
    vol *= sign;
    double[] centroid = new double[3];
    double[][] inertia = new double[3][3];
    if (vol > 0) {
      for (int i = 0; i < 3; i++) {
        centroid[i] = sign * first[i] / vol;
      }
      double[][] central = new double[3][3];
      for (int i = 0; i < 3; i++) {
        for (int j = i; j < 3; j++) {
          central[i][j] = sign * second[i][j] - vol * centroid[i] * centroid[j];
          central[j][i] = central[i][j];
        }
      }
      double trace = central[0][0] + central[1][1] + central[2][2];
      for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
          inertia[i][j] = density * ((i == j ? trace : 0) - central[i][j]);
        }
      }
      for (int i = 0; i < 3; i++) {
        centroid[i] += ref[i];
      }
    } else {
      System.arraycopy(ref, 0, centroid, 0, 3);
    }
    return new MassProperties(n, area, vol, density, density * vol, min, max, centroid, inertia,
        Closedness.isClosed(mesh), inverted);
  }

  /** The JSON of {@code GET /api/designs/{id}/metadata} (plus the design and file the server adds). */
  public JsonObject toJson() {
    JsonArray tensor = new JsonArray();
    for (double[] row : inertiaTensor) {
      tensor.add(array(row));
    }
    return new JsonObject()
        .put("triangle_count", triangleCount)
        .put("surface_area", surfaceArea)
        .put("volume", volume)
        .put("density", density)
        .put("mass", mass)
        .put("bounding_box", new JsonObject().put("min", array(boundingBoxMin)).put("max", array(boundingBoxMax)))
        .put("center_of_mass", array(centerOfMass))
        .put("inertia_tensor", tensor)
        .put("is_closed", closed)
        .put("inverted", inverted);
  }

  private static JsonArray array(double[] values) {
    JsonArray a = new JsonArray();
    Arrays.stream(values).forEach(a::add);
    return a;
  }
}
