package io.enginel.domain.geometry;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Corrupt, truncated, empty and unsupported files are refused with a message that says why. */
class MeshReaderTest {
  @TempDir
  Path dir;

  @Test
  void aTruncatedBinaryStlIsRefused() throws Exception {
    Path good = MeshFiles.binaryStl(dir.resolve("g.stl"), MeshFiles.cube(1, new double[3]));
    byte[] bytes = Files.readAllBytes(good);
    Path cut = Files.write(dir.resolve("cut.stl"), Arrays.copyOf(bytes, bytes.length - 30));
    assertThatThrownBy(() -> MeshReader.read(cut, "stl")).isInstanceOf(GeometryException.class)
        .hasMessageContaining("declares 12 triangles");
  }

  @Test
  void garbageIsNotAnStl() throws Exception {
    Path junk = Files.write(dir.resolve("junk.stl"), "this is not a mesh at all, just some text of no use".getBytes());
    assertThatThrownBy(() -> MeshReader.read(junk, "stl")).isInstanceOf(GeometryException.class)
        .hasMessageContaining("not an STL");
  }

  @Test
  void anEmptyFileIsRefused() throws Exception {
    Path empty = Files.write(dir.resolve("e.stl"), new byte[0]);
    assertThatThrownBy(() -> MeshReader.read(empty, "stl")).hasMessageContaining("empty");
  }

  @Test
  void anAsciiFacetWithTwoVerticesIsRefused() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.stl"), "solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\n"
        + "vertex 1 0 0\nendloop\nendfacet\nendsolid x\n");
    assertThatThrownBy(() -> MeshReader.read(bad, "stl")).hasMessageContaining("2 vertices");
  }

  @Test
  void anAsciiCoordinateThatIsNotANumberIsRefusedWithItsLine() throws Exception {
    Path bad = Files.writeString(dir.resolve("nan.stl"), "solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 zero\n");
    assertThatThrownBy(() -> MeshReader.read(bad, "stl")).hasMessageContaining("line 4").hasMessageContaining("zero");
  }

  @Test
  void anObjFaceOutOfRangeIsRefused() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.obj"), "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 9\n");
    assertThatThrownBy(() -> MeshReader.read(bad, "obj")).hasMessageContaining("vertex 9 of 3");
  }

  @Test
  void objNegativeIndicesCountFromTheLastVertex() throws Exception {
    Path obj = Files.writeString(dir.resolve("neg.obj"), "v 0 0 0\nv 1 0 0\nv 0 1 0\nf -3 -2 -1\n");
    assertThat(MeshReader.read(obj, "obj").triangles()).isEqualTo(1);
  }

  @Test
  void stepFilesAreExplainedNotParsed() throws Exception {
    Path step = Files.writeString(dir.resolve("a.step"), "ISO-10303-21;\n");
    assertThatThrownBy(() -> MeshReader.read(step, "step")).hasMessageContaining("STEP").hasMessageContaining("STL or OBJ");
  }
}
