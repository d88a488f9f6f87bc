package io.enginel.domain.geometry;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A file's format is told by its content — binary STL by its size rule first, then STEP, IGES, ASCII STL and OBJ by
 * their text — and agrees with what {@link MeshReader} then reads; a name only says what its extension stands for.
 */
class ContentFormatTest {
  @TempDir
  Path dir;

  private static ContentFormat detect(byte[] file) {
    return ContentFormat.detect(Arrays.copyOf(file, Math.min(file.length, ContentFormat.HEAD_BYTES)), file.length);
  }

  private byte[] bytes(Path p) throws Exception {
    return Files.readAllBytes(p);
  }

  @Test
  void aBinaryStlIsToldByItsSizeEvenWhenItsHeaderStartsWithSolid() throws Exception {
    // MeshFiles writes binary STLs whose header is "solid but binary"
    Path stl = MeshFiles.binaryStl(dir.resolve("cube.stl"), MeshFiles.cube(1, new double[3]));
    assertThat(new String(bytes(stl), 0, 5, StandardCharsets.US_ASCII)).isEqualTo("solid");
    assertThat(detect(bytes(stl))).isEqualTo(ContentFormat.BINARY_STL);
    assertThat(MeshReader.read(stl, "stl").triangles()).isEqualTo(12);
  }

  @Test
  void aBinaryStlOfManyTrianglesIsToldFromItsHeadAndSize() throws Exception {
    Path big = MeshFiles.binaryStl(dir.resolve("sphere.stl"), MeshFiles.sphere(1, 60, 80)); // 9,440 triangles, 472 KB
    byte[] all = bytes(big);
    assertThat(all.length).isGreaterThan(ContentFormat.HEAD_BYTES);
    assertThat(detect(all)).isEqualTo(ContentFormat.BINARY_STL);
    assertThat(ContentFormat.detect(Arrays.copyOf(all, ContentFormat.HEAD_BYTES), all.length - 1))
        .as("one byte short of the size its header declares").isNotEqualTo(ContentFormat.BINARY_STL);
  }

  @Test
  void anAsciiStlStartsWithSolidAndHasFacetLines() throws Exception {
    Path stl = MeshFiles.asciiStl(dir.resolve("cube.stl"), MeshFiles.cube(1, new double[3]));
    assertThat(detect(bytes(stl))).isEqualTo(ContentFormat.ASCII_STL);
    assertThat(detect("solid nothing here\nendsolid\n".getBytes(StandardCharsets.US_ASCII)))
        .as("'solid' without a facet line").isEqualTo(ContentFormat.UNRECOGNISED);
    assertThat(detect("solidarity\nfacet\n".getBytes(StandardCharsets.US_ASCII))).isEqualTo(ContentFormat.UNRECOGNISED);
  }

  @Test
  void aTruncatedBinaryStlWhoseHeaderStartsWithSolidIsNotTakenForAscii() throws Exception {
    byte[] good = bytes(MeshFiles.binaryStl(dir.resolve("g.stl"), MeshFiles.cube(1, new double[3])));
    assertThat(detect(Arrays.copyOf(good, good.length - 30))).isEqualTo(ContentFormat.UNRECOGNISED);
  }

  @Test
  void anObjHasVertexLines() throws Exception {
    assertThat(detect(bytes(MeshFiles.objCube(dir.resolve("cube.obj"))))).isEqualTo(ContentFormat.OBJ);
    assertThat(detect("# exported\nmtllib a.mtl\no part\nv 1.5 -2 3e-2\nv 0 0 0\n".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(ContentFormat.OBJ);
    assertThat(detect("v is for vendetta\n".getBytes(StandardCharsets.UTF_8))).isEqualTo(ContentFormat.UNRECOGNISED);
  }

  @Test
  void stepAndIgesAreToldByTheirHeaders() {
    assertThat(detect("ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION(('part'),'2;1');\nENDSEC;\n".getBytes(StandardCharsets.US_ASCII)))
        .isEqualTo(ContentFormat.STEP);
    String start = String.format("%-72sS%7d", "IGES file written by a CAD system", 1);
    String global = String.format("%-72sG%7d", "1H,,1H;,4Hpart,8Hpart.igs;", 1);
    assertThat(start).hasSize(80);
    assertThat(detect((start + "\n" + global + "\n").getBytes(StandardCharsets.US_ASCII))).isEqualTo(ContentFormat.IGES);
    assertThat(detect((start + "\r\n" + global + "\r\n").getBytes(StandardCharsets.US_ASCII))).isEqualTo(ContentFormat.IGES);
    assertThat(detect((start + global).getBytes(StandardCharsets.US_ASCII))).as("records without line ends")
        .isEqualTo(ContentFormat.IGES);
    assertThat(ContentFormat.STEP.readable()).isFalse();
    assertThat(ContentFormat.IGES.readable()).isFalse();
  }

  @Test
  void garbageAndEmptyFilesAreUnrecognised() {
    byte[] noise = new byte[5000];
    new Random(7).nextBytes(noise);
    assertThat(detect(noise)).isEqualTo(ContentFormat.UNRECOGNISED);
    assertThat(detect(new byte[0])).isEqualTo(ContentFormat.UNRECOGNISED);
    assertThat(detect("just some words, no mesh".getBytes(StandardCharsets.US_ASCII))).isEqualTo(ContentFormat.UNRECOGNISED);
    assertThat(ContentFormat.UNRECOGNISED.fileFormat()).isEqualTo("unrecognised");
  }

  @Test
  void onlyCompleteLinesOfTheHeadAreJudged() {
    String vertexCut = "# a long comment\nv 1 2";
    byte[] head = vertexCut.getBytes(StandardCharsets.US_ASCII);
    assertThat(ContentFormat.detect(head, head.length + 1000)).as("the vertex line goes on past the head")
        .isEqualTo(ContentFormat.UNRECOGNISED);
    assertThat(ContentFormat.detect((vertexCut + " 3").getBytes(StandardCharsets.US_ASCII), vertexCut.length() + 2))
        .as("the head is the whole file").isEqualTo(ContentFormat.OBJ);
  }

  @Test
  void aNameSaysTheFormatOfItsExtensionOnly() {
    assertThat(ContentFormat.ofName("cube.STL")).isEqualTo("stl");
    assertThat(ContentFormat.ofName("part.stp")).isEqualTo("step");
    assertThat(ContentFormat.ofName("part.step")).isEqualTo("step");
    assertThat(ContentFormat.ofName("part.igs")).isEqualTo("iges");
    assertThat(ContentFormat.ofName("C:\\parts\\bracket.obj")).isEqualTo("obj");
    assertThat(ContentFormat.ofName("obj/readme")).isNull();
    assertThat(ContentFormat.ofName("notes.txt")).isNull();
    assertThat(ContentFormat.ofName(null)).isNull();
  }
}
