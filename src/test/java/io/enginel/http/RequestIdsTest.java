package io.enginel.http;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The request ids a node gives: unique across its event loops, each loop taking the node's counter in blocks. */
class RequestIdsTest {

  @Test
  void theLoopsOfOneNodeNeverGiveTheSameIdAndEachIsTheNodeAndACounter() {
    RequestIds node = new RequestIds("n1");
    RequestIds first = node.forLoop();
    RequestIds second = node.forLoop();
    List<String> ids = new ArrayList<>();

    for (int i = 0; i < 3 * RequestIds.BLOCK + 7; i++) { // several blocks each, taken in turns
      ids.add(first.nextId());
      ids.add(second.nextId());
      if (i % 3 == 0) {
        ids.add(first.nextId());
      }
    }

    Set<String> distinct = new HashSet<>(ids);
    assertThat(distinct).hasSameSizeAs(ids);
    assertThat(ids).allMatch(id -> id.matches("n1-[0-9a-z]+"));
  }

  @Test
  void aLoopsIdsFollowEachOtherWithinItsBlock() {
    RequestIds loop = new RequestIds("n2").forLoop();

    long a = Long.parseLong(loop.nextId().substring(3), 36);
    long b = Long.parseLong(loop.nextId().substring(3), 36);

    assertThat(a).isEqualTo(1);
    assertThat(b).isEqualTo(2);
  }
}
