package io.enginel.http;

import io.enginel.http.ApiTestSupport.Team;
import io.enginel.support.HttpResult;
import io.enginel.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static io.enginel.http.ApiTestSupport.assertError;
import static io.enginel.http.ApiTestSupport.assertInvalidField;
import static io.enginel.http.ApiTestSupport.createDesign;
import static io.enginel.http.ApiTestSupport.createNode;
import static io.enginel.http.ApiTestSupport.createSeries;
import static io.enginel.http.ApiTestSupport.ids;
import static io.enginel.http.ApiTestSupport.team;
import static org.assertj.core.api.Assertions.assertThat;

/** Assembly nodes (the BOM's rows) and the computed BOM tree of a design. */
class AssemblyAndBomApiTest {
  static TestServer s;

  @BeforeAll
  static void start() {
    s = TestServer.start(ApiTestSupport.MANY_LOGINS);
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  private static String design(Team t, String pn) {
    String series = createSeries(s, t.editor(), t.org(), pn).getString("id");
    return createDesign(s, t.editor(), series, pn + ".step", 100).getString("id");
  }

  // ------------------------------------------------------------------ nodes

  @Test
  void createNodeAnswers201WithLocationAndDefaults() {
    Team t = team(s, "Node Create");
    String design = design(t, "PN-NC");
    HttpResult r = s.post("/api/assembly-nodes/", t.editor(), new JsonObject().put("design", design)
        .put("part_number", "PN-ROOT").put("name", "Top assembly"));

    assertThat(r.status()).isEqualTo(201);
    JsonObject node = r.json();
    assertThat(r.header("Location")).isEqualTo("/api/assembly-nodes/" + node.getString("id") + "/");
    assertThat(node.getString("design")).isEqualTo(design);
    assertThat(node.getValue("parent")).isNull();
    assertThat(node.getString("part_number")).isEqualTo("PN-ROOT");
    assertThat(node.getString("name")).isEqualTo("Top assembly");
    assertThat(node.getInteger("quantity")).isEqualTo(1);
    assertThat(node.getInteger("position")).isZero();
    assertThat(node.getString("organization")).isEqualTo(t.org().toString());
    assertThat(s.get(r.header("Location"), t.viewer()).json()).isEqualTo(node);
  }

  @Test
  void aChildNodeNamesItsParentInTheSameDesign() {
    Team t = team(s, "Node Child");
    String design = design(t, "PN-CH");
    String root = createNode(s, t.editor(), design, null, "PN-R", 1, 0).getString("id");

    JsonObject child = createNode(s, t.editor(), design, root, "PN-C", 4, 1);

    assertThat(child.getString("parent")).isEqualTo(root);
    assertThat(child.getInteger("quantity")).isEqualTo(4);
    assertThat(ids(s.get("/api/assembly-nodes?parent=" + root, t.viewer()))).containsExactly(child.getString("id"));
    assertThat(ids(s.get("/api/assembly-nodes?design=" + design + "&root=true", t.viewer()))).containsExactly(root);
  }

  @Test
  void aParentInAnotherDesignIs400NamingTheParent() {
    Team t = team(s, "Node Other Design");
    String design = design(t, "PN-OD1");
    String otherDesign = design(t, "PN-OD2");
    String foreignRoot = createNode(s, t.editor(), otherDesign, null, "PN-X", 1, 0).getString("id");

    assertInvalidField(s.post("/api/assembly-nodes", t.editor(), new JsonObject().put("design", design)
        .put("parent", foreignRoot).put("part_number", "PN-Y")), "parent");
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM assembly_nodes WHERE design_id = ?::uuid", design)).isZero();
  }

  @Test
  void anUnknownParentIs400NamingTheParent() {
    Team t = team(s, "Node Unknown Parent");
    String design = design(t, "PN-UP");
    assertInvalidField(s.post("/api/assembly-nodes", t.editor(), new JsonObject().put("design", design)
        .put("parent", UUID.randomUUID().toString()).put("part_number", "PN-Y")), "parent");
  }

  @Test
  void movingANodeUnderItsOwnDescendantIs400() {
    Team t = team(s, "Node Cycle");
    String design = design(t, "PN-CY");
    String a = createNode(s, t.editor(), design, null, "PN-A", 1, 0).getString("id");
    String b = createNode(s, t.editor(), design, a, "PN-B", 1, 0).getString("id");
    String c = createNode(s, t.editor(), design, b, "PN-C", 1, 0).getString("id");

    JsonObject body = assertInvalidField(s.patch("/api/assembly-nodes/" + a, t.editor(),
        new JsonObject().put("parent", c)), "parent");
    assertThat(body.getString("message")).contains("cycle");
    assertThat(s.fixtures.queryString("SELECT parent_id::text FROM assembly_nodes WHERE id = ?::uuid", a)).isNull();
  }

  @Test
  void aNodeCannotBeItsOwnParent() {
    Team t = team(s, "Node Self");
    String design = design(t, "PN-SELF");
    String a = createNode(s, t.editor(), design, null, "PN-A", 1, 0).getString("id");
    assertInvalidField(s.patch("/api/assembly-nodes/" + a, t.editor(), new JsonObject().put("parent", a)), "parent");
  }

  @Test
  void aNodeMovesUnderAnotherBranch() {
    Team t = team(s, "Node Move");
    String design = design(t, "PN-MV");
    String root = createNode(s, t.editor(), design, null, "PN-R", 1, 0).getString("id");
    String left = createNode(s, t.editor(), design, root, "PN-L", 1, 0).getString("id");
    String right = createNode(s, t.editor(), design, root, "PN-RT", 1, 1).getString("id");

    HttpResult r = s.patch("/api/assembly-nodes/" + right + "/", t.editor(), new JsonObject().put("parent", left));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getString("parent")).isEqualTo(left);

    HttpResult toRoot = s.patch("/api/assembly-nodes/" + right, t.editor(), new JsonObject().putNull("parent"));
    assertThat(toRoot.status()).isEqualTo(200);
    assertThat(toRoot.json().getValue("parent")).isNull();
  }

  @Test
  void quantityMustBePositive() {
    Team t = team(s, "Node Quantity");
    String design = design(t, "PN-Q");
    assertInvalidField(s.post("/api/assembly-nodes", t.editor(), new JsonObject().put("design", design)
        .put("part_number", "PN-Z").put("quantity", 0)), "quantity");
  }

  @Test
  void putAndDeleteOfANode() {
    Team t = team(s, "Node Put Delete");
    String design = design(t, "PN-PD");
    String root = createNode(s, t.editor(), design, null, "PN-R", 1, 0).getString("id");
    String child = createNode(s, t.editor(), design, root, "PN-C", 1, 0).getString("id");

    HttpResult put = s.put("/api/assembly-nodes/" + root, t.editor(), new JsonObject().put("part_number", "PN-R2")
        .put("name", "renamed").put("quantity", 2).put("position", 3).putNull("parent"));
    assertThat(put.status()).isEqualTo(200);
    assertThat(put.json().getString("part_number")).isEqualTo("PN-R2");
    assertThat(put.json().getInteger("quantity")).isEqualTo(2);

    assertThat(s.delete("/api/assembly-nodes/" + root, t.editor()).status()).isEqualTo(204);
    assertError(s.get("/api/assembly-nodes/" + root, t.viewer()), 404, "not_found");
    // the subtree goes with it
    assertError(s.get("/api/assembly-nodes/" + child, t.viewer()), 404, "not_found");
  }

  // ------------------------------------------------------------------ BOM

  @Test
  void bomIsANestedTreeWithQuantitiesMultipliedAlongThePath() {
    Team t = team(s, "Bom Tree");
    String design = design(t, "PN-BOM");
    String root = createNode(s, t.editor(), design, null, "PN-TOP", 2, 0).getString("id");
    String frame = createNode(s, t.editor(), design, root, "PN-FRAME", 3, 0).getString("id");
    String bolt = createNode(s, t.editor(), design, frame, "PN-BOLT", 4, 0).getString("id");
    String looseBolt = createNode(s, t.editor(), design, root, "PN-BOLT", 5, 1).getString("id");

    HttpResult r = s.get("/api/designs/" + design + "/bom/", t.viewer());

    assertThat(r.status()).isEqualTo(200);
    JsonObject bom = r.json();
    assertThat(bom.getString("design")).isEqualTo(design);
    assertThat(bom.getString("part_number")).isEqualTo("PN-BOM");
    assertThat(bom.getInteger("node_count")).isEqualTo(4);
    assertThat(bom.getInteger("max_depth")).isEqualTo(3);
    JsonArray roots = bom.getJsonArray("roots");
    assertThat(roots).hasSize(1);
    JsonObject top = roots.getJsonObject(0);
    assertThat(top.getString("id")).isEqualTo(root);
    assertThat(top.getLong("total_quantity")).isEqualTo(2);
    JsonArray children = top.getJsonArray("children");
    assertThat(children).hasSize(2);
    JsonObject frameNode = children.getJsonObject(0);
    assertThat(frameNode.getString("id")).isEqualTo(frame);
    assertThat(frameNode.getInteger("quantity")).isEqualTo(3);
    assertThat(frameNode.getLong("total_quantity")).isEqualTo(6);
    JsonObject boltNode = frameNode.getJsonArray("children").getJsonObject(0);
    assertThat(boltNode.getString("id")).isEqualTo(bolt);
    assertThat(boltNode.getInteger("depth")).isEqualTo(3);
    assertThat(boltNode.getLong("total_quantity")).isEqualTo(24);
    assertThat(boltNode.getJsonArray("children")).isEmpty();
    JsonObject loose = children.getJsonObject(1);
    assertThat(loose.getString("id")).isEqualTo(looseBolt);
    assertThat(loose.getLong("total_quantity")).isEqualTo(10);

    assertThat(bom.getJsonArray("parts")).containsExactly(
        new JsonObject().put("part_number", "PN-BOLT").put("total_quantity", 34L),
        new JsonObject().put("part_number", "PN-FRAME").put("total_quantity", 6L),
        new JsonObject().put("part_number", "PN-TOP").put("total_quantity", 2L));
  }

  @Test
  void bomOfADesignWithoutNodesIsEmpty() {
    Team t = team(s, "Bom Empty");
    String design = design(t, "PN-EMPTY");
    JsonObject bom = s.get("/api/designs/" + design + "/bom", t.viewer()).json();
    assertThat(bom.getInteger("node_count")).isZero();
    assertThat(bom.getJsonArray("roots")).isEmpty();
    assertThat(bom.getJsonArray("parts")).isEmpty();
  }

  @Test
  void bomFollowsANodeChangeAtOnce() {
    Team t = team(s, "Bom Fresh");
    String design = design(t, "PN-BF");
    String root = createNode(s, t.editor(), design, null, "PN-R", 2, 0).getString("id");
    String leaf = createNode(s, t.editor(), design, root, "PN-L", 3, 0).getString("id");
    assertThat(s.get("/api/designs/" + design + "/bom", t.viewer()).json().getJsonArray("parts"))
        .contains(new JsonObject().put("part_number", "PN-L").put("total_quantity", 6L));

    assertThat(s.patch("/api/assembly-nodes/" + leaf, t.editor(), new JsonObject().put("quantity", 7)).status())
        .isEqualTo(200);

    assertThat(s.get("/api/designs/" + design + "/bom", t.viewer()).json().getJsonArray("parts"))
        .contains(new JsonObject().put("part_number", "PN-L").put("total_quantity", 14L));
  }

  @Test
  void bomOfAnUnknownDesignIs404() {
    Team t = team(s, "Bom Unknown");
    assertError(s.get("/api/designs/" + UUID.randomUUID() + "/bom", t.viewer()), 404, "not_found");
  }
}
