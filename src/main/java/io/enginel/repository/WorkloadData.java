package io.enginel.repository;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;

/**
 * The data set of {@code shared/bench/WORKLOAD.md}, generated from the random seed 42: the people (10
 * organizations, 100 users, their memberships), then {@code scale} blocks, each of 1,000 series, 20,000 designs
 * and 60,000 assembly nodes under 2,000 of the block's designs. The people and block 0 are drawn from one
 * {@code Random(42)}, in the order of scale 1, so scale 1 is the data set as it has always been; block k ≥ 1 draws
 * from a {@code Random} of its own, seeded from 42 and k, so a larger scale only adds rows (series
 * {@code PN-01001} on) and the same scale always holds the same rows.
 */
final class WorkloadData {
  static final long SEED = 42;
  static final int ORGANIZATIONS = 10;
  static final int USERS = 100;
  static final int SERIES = 1_000;
  static final int DESIGNS = 20_000;
  static final int BOM_DESIGNS = 2_000;
  static final int NODES = 60_000;
  static final int MAX_DEPTH = 5;
  /** Dates are spread over the 365 days before this instant, so that every run holds the same rows. */
  static final OffsetDateTime EPOCH = OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);

  static final String[] WORDS = ("bracket housing flange shaft gear bearing bolt washer nut spring valve pump "
      + "impeller rotor stator casing cover plate beam rib gusset hinge latch clamp fixture jig mount adapter "
      + "coupling sleeve bushing spacer manifold nozzle diffuser duct panel frame chassis enclosure lid base "
      + "support bracketry weld casting forging machined sheet aluminum steel titanium composite polymer "
      + "injection molded stamped extruded revised tolerance datum surface finish thread chamfer fillet "
      + "pocket boss slot hole pattern assembly subassembly prototype production release review inspection "
      + "thermal structural fatigue stress load vibration seal gasket oring lubrication cooling airflow").split(" ");
  static final String[] FORMATS = {"step", "iges", "stl", "obj"};
  static final int[] FORMAT_WEIGHTS = {40, 20, 30, 10};
  static final String[] STATUSES = {"COMPLETED", "PROCESSING", "PENDING", "FAILED"};
  static final int[] STATUS_WEIGHTS = {80, 10, 5, 5};

  final People people;
  private final Random firstBlockRandom;
  private boolean firstBlockTaken;

  private WorkloadData(People people, Random firstBlockRandom) {
    this.people = people;
    this.firstBlockRandom = firstBlockRandom;
  }

  /** The people, drawn first from {@code Random(42)}; the blocks are drawn on demand with {@link #block}. */
  static WorkloadData generate() {
    Random rnd = new Random(SEED);
    return new WorkloadData(People.generate(rnd), rnd);
  }

  /**
   * Block {@code k}: block 0 continues the stream of the people (take it once, first), block k ≥ 1 has a stream
   * of its own. Blocks are generated one at a time so that a large scale needs the memory of one block only.
   */
  Block block(int k) {
    Random rnd;
    if (k == 0) {
      if (firstBlockTaken) {
        throw new IllegalStateException("block 0 continues the people's random stream: it can be taken once");
      }
      firstBlockTaken = true;
      rnd = firstBlockRandom;
    } else {
      rnd = new Random(SEED * 1_000_003L + k);
    }
    return Block.generate(k, rnd, people);
  }

  /** Organizations, users and their memberships: the same at every scale. */
  static final class People {
    final UUID[] orgIds = new UUID[ORGANIZATIONS];
    final String[] orgNames = new String[ORGANIZATIONS];
    final String[] orgSlugs = new String[ORGANIZATIONS];
    final long[] orgQuotas = new long[ORGANIZATIONS];
    final String[] firstNames = new String[USERS];
    final String[] lastNames = new String[USERS];
    final List<UUID> memberOrg = new ArrayList<>();
    final List<Long> memberUser = new ArrayList<>();
    final List<String> memberRole = new ArrayList<>();
    final List<List<Long>> orgMembers = new ArrayList<>();

    private static People generate(Random rnd) {
      People p = new People();
      String[] orgWords = {"Apex", "Boreal", "Cobalt", "Delta", "Ember", "Fjord", "Granite", "Helix", "Ion", "Juniper"};
      for (int i = 0; i < ORGANIZATIONS; i++) {
        p.orgIds[i] = uuid(rnd);
        p.orgNames[i] = orgWords[i] + " Engineering";
        p.orgSlugs[i] = orgWords[i].toLowerCase() + "-engineering";
        p.orgQuotas[i] = (10L + rnd.nextInt(91)) * 1_073_741_824L;
        p.orgMembers.add(new ArrayList<>());
      }
      String[] first = {"Ada", "Grace", "Alan", "Linus", "Margaret", "Edsger", "Barbara", "Ken", "Donald", "Frances"};
      String[] last = {"Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Dijkstra", "Liskov", "Thompson", "Knuth", "Allen"};
      for (int u = 0; u < USERS; u++) {
        p.firstNames[u] = first[rnd.nextInt(first.length)];
        p.lastNames[u] = last[rnd.nextInt(last.length)];
        int n = 1 + rnd.nextInt(3);
        Set<Integer> orgs = new HashSet<>();
        while (orgs.size() < n) {
          orgs.add(rnd.nextInt(ORGANIZATIONS));
        }
        for (int o : orgs.stream().sorted().toList()) {
          int roll = rnd.nextInt(100);
          boolean firstInOrg = p.orgMembers.get(o).isEmpty();
          p.memberOrg.add(p.orgIds[o]);
          p.memberUser.add((long) u + 1);
          p.memberRole.add(firstInOrg || roll < 10 ? "ADMIN" : roll < 60 ? "EDITOR" : "VIEWER");
          p.orgMembers.get(o).add((long) u + 1);
        }
      }
      return p;
    }
  }

  /** One block of series, designs and assembly nodes; indexes are local to the block. */
  static final class Block {
    final int index;
    final UUID[] seriesIds = new UUID[SERIES];
    final int[] seriesOrg = new int[SERIES];
    final String[] seriesNames = new String[SERIES];
    final long[] seriesCreator = new long[SERIES];
    final OffsetDateTime[] seriesCreated = new OffsetDateTime[SERIES];
    final UUID[] designIds = new UUID[DESIGNS];
    final int[] designSeries = new int[DESIGNS];
    final int[] designVersion = new int[DESIGNS];
    final String[] designFilename = new String[DESIGNS];
    final String[] designFormat = new String[DESIGNS];
    final long[] designSize = new long[DESIGNS];
    final String[] designStatus = new String[DESIGNS];
    final long[] designUploader = new long[DESIGNS];
    final String[] designDescription = new String[DESIGNS];
    final OffsetDateTime[] designCreated = new OffsetDateTime[DESIGNS];
    final UUID[] nodeIds = new UUID[NODES];
    final int[] nodeDesign = new int[NODES];
    final int[] nodeParent = new int[NODES];
    final String[] nodePart = new String[NODES];
    final String[] nodeName = new String[NODES];
    final int[] nodeQuantity = new int[NODES];
    final int[] nodePosition = new int[NODES];

    private Block(int index) {
      this.index = index;
    }

    /** The part number of the block's series {@code s}: {@code PN-00001} … {@code PN-01000} in block 0, on from there. */
    String partNumber(int s) {
      return String.format("PN-%05d", index * SERIES + s + 1);
    }

    private static Block generate(int index, Random rnd, People people) {
      Block d = new Block(index);
      for (int s = 0; s < SERIES; s++) {
        d.seriesIds[s] = uuid(rnd);
        d.seriesOrg[s] = rnd.nextInt(ORGANIZATIONS);
        d.seriesNames[s] = capitalize(word(rnd)) + " " + word(rnd);
        List<Long> members = people.orgMembers.get(d.seriesOrg[s]);
        d.seriesCreator[s] = members.get(rnd.nextInt(members.size()));
        d.seriesCreated[s] = EPOCH.minusDays(366).plusSeconds(rnd.nextInt(3600 * 24));
      }
      int[] perSeries = new int[SERIES];
      Arrays.fill(perSeries, DESIGNS / SERIES);
      for (int k = 0; k < SERIES * 5; k++) {
        int from = rnd.nextInt(SERIES);
        int to = rnd.nextInt(SERIES);
        if (perSeries[from] > 5 && perSeries[to] < 40) {
          perSeries[from]--;
          perSeries[to]++;
        }
      }
      int di = 0;
      for (int s = 0; s < SERIES; s++) {
        List<Long> members = people.orgMembers.get(d.seriesOrg[s]);
        for (int v = 1; v <= perSeries[s]; v++, di++) {
          d.designIds[di] = uuid(rnd);
          d.designSeries[di] = s;
          d.designVersion[di] = v;
          d.designFormat[di] = FORMATS[weighted(rnd, FORMAT_WEIGHTS)];
          d.designFilename[di] = String.format("%s_%s_v%d.%s", d.partNumber(s), word(rnd), v, d.designFormat[di]);
          d.designSize[di] = 10_000L + (long) (rnd.nextDouble() * 50_000_000L);
          d.designStatus[di] = STATUSES[weighted(rnd, STATUS_WEIGHTS)];
          d.designUploader[di] = members.get(rnd.nextInt(members.size()));
          d.designDescription[di] = description(rnd, 100 + rnd.nextInt(301));
          d.designCreated[di] = EPOCH.minusSeconds(1 + (long) (rnd.nextDouble() * 365 * 24 * 3600));
        }
      }
      int[] bomDesigns = IntStream.range(0, DESIGNS).toArray();
      for (int i = 0; i < BOM_DESIGNS; i++) {
        int j = i + rnd.nextInt(DESIGNS - i);
        int t = bomDesigns[i];
        bomDesigns[i] = bomDesigns[j];
        bomDesigns[j] = t;
      }
      int ni = 0;
      for (int b = 0; b < BOM_DESIGNS; b++) {
        int count = NODES / BOM_DESIGNS;
        int base = ni;
        int[] depth = new int[count];
        int[] children = new int[count];
        for (int k = 0; k < count; k++, ni++) {
          d.nodeIds[ni] = uuid(rnd);
          d.nodeDesign[ni] = bomDesigns[b];
          int parent = -1;
          if (k > 0) {
            do {
              parent = rnd.nextInt(k);
            } while (depth[parent] >= MAX_DEPTH);
            depth[k] = depth[parent] + 1;
          } else {
            depth[k] = 1;
          }
          d.nodeParent[ni] = parent < 0 ? -1 : base + parent;
          d.nodePosition[ni] = parent < 0 ? 0 : children[parent]++;
          d.nodePart[ni] = String.format("P-%05d", 1 + rnd.nextInt(5_000));
          d.nodeName[ni] = capitalize(word(rnd)) + " " + word(rnd);
          d.nodeQuantity[ni] = 1 + rnd.nextInt(10);
        }
      }
      return d;
    }
  }

  private static UUID uuid(Random rnd) {
    long msb = (rnd.nextLong() & ~0xF000L) | 0x4000L;
    long lsb = (rnd.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(msb, lsb);
  }

  private static int weighted(Random rnd, int[] weights) {
    int roll = rnd.nextInt(100);
    for (int i = 0; i < weights.length; i++) {
      roll -= weights[i];
      if (roll < 0) {
        return i;
      }
    }
    return weights.length - 1;
  }

  private static String word(Random rnd) {
    return WORDS[rnd.nextInt(WORDS.length)];
  }

  private static String capitalize(String w) {
    return Character.toUpperCase(w.charAt(0)) + w.substring(1);
  }

  private static String description(Random rnd, int length) {
    StringBuilder sb = new StringBuilder(length + 16);
    while (sb.length() < length) {
      sb.append(sb.length() == 0 ? capitalize(word(rnd)) : word(rnd)).append(' ');
    }
    sb.setLength(length);
    return sb.toString().trim() + ".";
  }
}
