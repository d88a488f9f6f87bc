package io.enginel.domain.geometry;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

/** Mass properties are exact on known solids, and converge on a tessellated sphere. */
class MassPropertiesTest {
  private static final double EXACT = 1e-6;

  @TempDir
  Path dir;

  private MassProperties of(List<double[]> tris, double density) throws Exception {
    return MassProperties.compute(MeshReader.read(MeshFiles.binaryStl(dir.resolve("m.stl"), tris), "stl"), density);
  }

  @Test
  void unitCubeHasVolumeOneAreaSixAndTheInertiaOfACube() throws Exception {
    MassProperties m = of(MeshFiles.cube(1, new double[3]), 1.0);
    assertThat(m.triangleCount()).isEqualTo(12);
    assertThat(m.volume()).isCloseTo(1.0, offset(EXACT));
    assertThat(m.surfaceArea()).isCloseTo(6.0, offset(EXACT));
    assertThat(m.centerOfMass()).containsExactly(new double[] {0.5, 0.5, 0.5}, offset(EXACT));
    assertThat(m.boundingBoxMin()).containsExactly(new double[] {0, 0, 0}, offset(EXACT));
    assertThat(m.boundingBoxMax()).containsExactly(new double[] {1, 1, 1}, offset(EXACT));
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        assertThat(m.inertiaTensor()[i][j]).as("I[%d][%d]", i, j).isCloseTo(i == j ? 1.0 / 6 : 0, offset(EXACT));
      }
    }
    assertThat(m.closed()).isTrue();
    assertThat(m.inverted()).isFalse();
  }

  @Test
  void densityScalesMassAndInertiaButNotVolume() throws Exception {
    MassProperties m = of(MeshFiles.cube(1, new double[3]), 2.7);
    assertThat(m.volume()).isCloseTo(1.0, offset(EXACT));
    assertThat(m.mass()).isCloseTo(2.7, offset(EXACT));
    assertThat(m.inertiaTensor()[0][0]).isCloseTo(2.7 / 6, offset(EXACT));
  }

  @Test
  void aScaledCubeFarFromTheOriginKeepsItsExactProperties() throws Exception {
    MassProperties m = of(MeshFiles.cube(2, new double[] {1000, -500, 250}), 1.0);
    assertThat(m.volume()).isCloseTo(8.0, offset(1e-3));
    assertThat(m.surfaceArea()).isCloseTo(24.0, offset(1e-3));
    assertThat(m.centerOfMass()).containsExactly(new double[] {1001, -499, 251}, offset(1e-4));
    // a cube of side 2 and mass 8: I = m (a² + a²) / 12 = 8 * 8 / 12
    assertThat(m.inertiaTensor()[1][1]).isCloseTo(64.0 / 12, offset(1e-3));
    assertThat(m.inertiaTensor()[0][1]).isCloseTo(0, offset(1e-3));
  }

  @Test
  void tetrahedronHasItsTextbookVolumeCentroidAndInertia() throws Exception {
    MassProperties m = of(MeshFiles.tetrahedron(), 1.0);
    assertThat(m.volume()).isCloseTo(1.0 / 6, offset(EXACT));
    assertThat(m.centerOfMass()).containsExactly(new double[] {0.25, 0.25, 0.25}, offset(EXACT));
    // about the centroid: diagonal 1/80, products of inertia +1/480 (density 1)
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        assertThat(m.inertiaTensor()[i][j]).as("I[%d][%d]", i, j).isCloseTo(i == j ? 1.0 / 80 : 1.0 / 480, offset(EXACT));
      }
    }
    assertThat(m.surfaceArea()).isCloseTo(1.5 + Math.sqrt(3) / 2, offset(EXACT));
    assertThat(m.closed()).isTrue();
  }

  @Test
  void aSphereMeshConvergesToTheSphere() throws Exception {
    double r = 2;
    MassProperties m = of(MeshFiles.sphere(r, 120, 240), 1.0);
    double volume = 4.0 / 3 * Math.PI * r * r * r;
    assertThat(m.volume()).isCloseTo(volume, offset(volume * 0.005));
    assertThat(m.surfaceArea()).isCloseTo(4 * Math.PI * r * r, offset(4 * Math.PI * r * r * 0.005));
    assertThat(m.centerOfMass()).containsExactly(new double[] {0, 0, 0}, offset(1e-3));
    double expected = 2.0 / 5 * m.mass() * r * r;
    for (int i = 0; i < 3; i++) {
      assertThat(m.inertiaTensor()[i][i]).isCloseTo(expected, offset(expected * 0.01));
      assertThat(m.inertiaTensor()[i][(i + 1) % 3]).isCloseTo(0, offset(expected * 1e-3));
    }
    assertThat(m.closed()).isTrue();
  }

  @Test
  void inwardWindingStillGivesAPositiveVolumeAndSaysSo() throws Exception {
    MassProperties m = of(MeshFiles.inverted(MeshFiles.cube(1, new double[3])), 1.0);
    assertThat(m.volume()).isCloseTo(1.0, offset(EXACT));
    assertThat(m.inverted()).isTrue();
    assertThat(m.inertiaTensor()[2][2]).isCloseTo(1.0 / 6, offset(EXACT));
    assertThat(m.closed()).isTrue();
  }

  @Test
  void aBoxWithoutItsTopIsNotClosed() throws Exception {
    assertThat(of(MeshFiles.openBox(), 1.0).closed()).isFalse();
  }

  @Test
  void asciiAndBinaryStlOfOneMeshGiveTheSameResult() throws Exception {
    List<double[]> sphere = MeshFiles.sphere(1.5, 20, 40);
    JsonObject binary = MassProperties.compute(MeshReader.read(MeshFiles.binaryStl(dir.resolve("b.stl"), sphere), "stl"), 1).toJson();
    JsonObject ascii = MassProperties.compute(MeshReader.read(MeshFiles.asciiStl(dir.resolve("a.stl"), sphere), "stl"), 1).toJson();
    assertThat(ascii).isEqualTo(binary);
  }

  @Test
  void anObjCubeOfQuadsEqualsTheStlCube() throws Exception {
    MassProperties obj = MassProperties.compute(MeshReader.read(MeshFiles.objCube(dir.resolve("c.obj")), "obj"), 1);
    assertThat(obj.toJson()).isEqualTo(of(MeshFiles.cube(1, new double[3]), 1).toJson());
  }

  @Test
  void theJsonHasEveryFieldTheApiPromises() throws Exception {
    JsonObject json = of(MeshFiles.cube(1, new double[3]), 1).toJson();
    assertThat(json.fieldNames()).contains("triangle_count", "surface_area", "volume", "bounding_box", "center_of_mass",
        "inertia_tensor", "is_closed", "mass", "density");
    assertThat(json.getJsonObject("bounding_box").getJsonArray("min")).hasSize(3);
    assertThat(json.getJsonArray("inertia_tensor").getJsonArray(2)).hasSize(3);
  }

  @Test
  void aMillionTrianglesParseAndComputeInSeconds() throws Exception {
    List<double[]> big = MeshFiles.sphere(10, 708, 708);
    assertThat(big.size()).isGreaterThanOrEqualTo(1_000_000);
    Path file = MeshFiles.binaryStl(dir.resolve("big.stl"), big);
    big = null;
    long start = System.nanoTime();
    MassProperties m = MassProperties.compute(MeshReader.read(file, "stl"), 1.0);
    long ms = (System.nanoTime() - start) / 1_000_000;
    System.out.printf("geometry of %,d triangles (%,d bytes): %d ms%n", m.triangleCount(), Files.size(file), ms);
    assertThat(m.closed()).isTrue();
    assertThat(m.volume()).isCloseTo(4.0 / 3 * Math.PI * 1000, offset(4.0 / 3 * Math.PI * 1000 * 0.001));
    assertThat(ms).isLessThan(10_000);
  }
}
