package io.enginel.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real Redis Cluster of three masters (no replicas) from the {@code redis-server} binary on local ports,
 * joined with {@code redis-cli --cluster create}, in a temporary directory removed on close. Keeps nothing
 * on disk beyond the cluster's own node files.
 */
public final class RedisClusterProcess implements AutoCloseable {
  public final List<Integer> ports;
  private final Path dir;
  private final List<Process> processes = new ArrayList<>();

  private RedisClusterProcess(List<Integer> ports, Path dir) {
    this.ports = ports;
    this.dir = dir;
  }

  public static RedisClusterProcess start(int masters) {
    List<Integer> ports = freePortsWithBusPorts(masters);
    Path dir;
    try {
      dir = Files.createTempDirectory("enginel-redis-cluster");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    RedisClusterProcess c = new RedisClusterProcess(ports, dir);
    try {
      for (int port : ports) {
        c.processes.add(new ProcessBuilder(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
            "--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + port + ".conf",
            "--cluster-node-timeout", "2000", "--save", "", "--appendonly", "no", "--dir", dir.toString(),
            "--loglevel", "warning")).redirectErrorStream(true).redirectOutput(dir.resolve("redis-" + port + ".log").toFile())
            .start());
      }
      for (int port : ports) {
        RedisProcess.awaitCli(port, "PONG", 20, "PING");
      }
      List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
      ports.forEach(p -> create.add("127.0.0.1:" + p));
      create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
      String out = RedisProcess.run(create);
      if (!out.contains("[OK] All 16384 slots covered")) {
        throw new IllegalStateException("redis-cli --cluster create failed:\n" + out);
      }
      for (int port : ports) {
        RedisProcess.awaitCli(port, "cluster_state:ok", 20, "CLUSTER", "INFO");
      }
      return c;
    } catch (IOException e) {
      c.close();
      throw new IllegalStateException("cannot start redis-server (is it on the PATH?): " + e.getMessage(), e);
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
  }

  /** {@code 127.0.0.1:p1,127.0.0.1:p2,…}: the value of {@code redis.nodes}. */
  public String nodes() {
    return ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
  }

  /** The port of the master serving {@code key}'s slot (each node's own line of CLUSTER NODES says what it serves). */
  public int masterOf(String key) {
    long slot = Long.parseLong(cli(ports.get(0), "CLUSTER", "KEYSLOT", key).trim());
    for (int port : ports) {
      for (String line : cli(port, "CLUSTER", "NODES").lines().toList()) {
        if (line.contains("myself") && ownsSlot(line, slot)) {
          return port;
        }
      }
    }
    throw new IllegalStateException("no master owns slot " + slot);
  }

  private static boolean ownsSlot(String nodesLine, long slot) {
    String[] f = nodesLine.split(" ");
    for (int i = 8; i < f.length; i++) {
      String range = f[i];
      if (range.startsWith("[")) {
        continue; // a slot being migrated
      }
      int dash = range.indexOf('-');
      long from = Long.parseLong(dash < 0 ? range : range.substring(0, dash));
      long to = dash < 0 ? from : Long.parseLong(range.substring(dash + 1));
      if (slot >= from && slot <= to) {
        return true;
      }
    }
    return false;
  }

  /** How many keys the node on {@code port} holds (DBSIZE of that master alone). */
  public long keysOn(int port) {
    return Long.parseLong(cli(port, "DBSIZE").trim());
  }

  /** A command on one node through redis-cli (raw output). */
  public String cli(int port, String... args) {
    return RedisProcess.cli(port, args);
  }

  /** SIGKILL of the master on {@code port}. */
  public void kill(int port) {
    Process p = processes.get(ports.indexOf(port));
    p.destroyForcibly();
    try {
      p.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Ports p with p + 10000 (the cluster bus) free as well, both below the kernel's ephemeral range: a port from it may
   * be given to an outgoing connection between this check and redis-server binding it (a CI run failed so once).
   */
  private static List<Integer> freePortsWithBusPorts(int n) {
    List<Integer> out = new ArrayList<>();
    int below = Math.max(TestServer.ephemeralPortsFrom() - 10_000, 11_000);
    while (out.size() < n) {
      int p = ThreadLocalRandom.current().nextInt(10_000, below);
      if (!out.contains(p) && free(p) && free(p + 10_000)) {
        out.add(p);
      }
    }
    return out;
  }

  private static boolean free(int port) {
    try (java.net.ServerSocket s = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() {
    processes.forEach(Process::destroyForcibly);
    for (Process p : processes) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory
    }
  }
}
