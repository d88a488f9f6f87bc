package io.enginel.load;

import io.gatling.javaapi.http.HttpProtocolBuilder;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static io.gatling.javaapi.http.HttpDsl.http;

/**
 * What every simulation of shared/bench/WORKLOAD.md shares: the target and the load (system properties
 * {@code baseUrl}, {@code users}, {@code duration} in seconds), the 100 users' tokens (each logs in once,
 * before the load starts, as the workload says, or they come from the file named by {@code tokens}) and the
 * request pools.
 */
final class Workload {
  static final String BASE_URL = System.getProperty("baseUrl", "http://127.0.0.1:8080");
  static final int USERS = Integer.getInteger("users", 64);
  static final int DURATION = Integer.getInteger("duration", 60);
  static final int ACCOUNTS = 100;

  static final String[] WORDS = ("bracket housing flange shaft gear bearing bolt washer nut spring valve pump impeller "
      + "rotor stator casing cover plate beam rib gusset hinge latch clamp fixture jig mount adapter coupling sleeve "
      + "bushing spacer manifold nozzle diffuser duct panel frame chassis enclosure lid base support weld casting").split(" ");

  private static final Map<Integer, String> TOKENS = new ConcurrentHashMap<>();
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private Workload() {}

  static HttpProtocolBuilder protocol() {
    return http.baseUrl(BASE_URL).acceptHeader("application/json").disableCaching().warmUp(BASE_URL + "/health");
  }

  /**
   * Logs the 100 users in (user{N} / pass{N}); call from a simulation's constructor. With the system property
   * {@code tokens} (a file of 100 bearer tokens, line N the token of user{N}, as load-tests/bench.sh writes
   * it), those tokens are used instead, which spares logins (the server throttles them per address).
   */
  static synchronized void loginAll() {
    if (TOKENS.size() == ACCOUNTS) {
      return;
    }
    String file = System.getProperty("tokens", "");
    if (!file.isEmpty()) {
      try {
        List<String> lines = java.nio.file.Files.readAllLines(java.nio.file.Path.of(file)).stream()
            .filter(l -> !l.isBlank()).toList();
        if (lines.size() != ACCOUNTS) {
          throw new IllegalStateException("tokens file " + file + " holds " + lines.size() + " tokens, not " + ACCOUNTS);
        }
        for (int n = 1; n <= ACCOUNTS; n++) {
          TOKENS.put(n, lines.get(n - 1).trim());
        }
        return;
      } catch (java.io.IOException e) {
        throw new IllegalStateException("cannot read tokens file " + file + ": " + e, e);
      }
    }
    HttpClient client = CLIENT;
    Pattern token = Pattern.compile("\"token\"\\s*:\\s*\"([^\"]+)\"");
    IntStream.rangeClosed(1, ACCOUNTS).parallel().forEach(n -> {
      try {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(BASE_URL + "/api/auth/login"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"user" + n + "\",\"password\":\"pass" + n + "\"}"))
            .build(), HttpResponse.BodyHandlers.ofString());
        Matcher m = token.matcher(r.body());
        if (r.statusCode() != 200 || !m.find()) {
          throw new IllegalStateException("login of user" + n + " failed: " + r.statusCode() + " " + r.body());
        }
        TOKENS.put(n, m.group(1));
      } catch (java.io.IOException | InterruptedException e) {
        throw new IllegalStateException("login of user" + n + " failed: " + e, e);
      }
    });
  }

  static String bearer(int user) {
    return "Bearer " + TOKENS.get(user);
  }

  /**
   * One request outside the load (before or after it), as {@code user}: {@code body} null for none, else
   * sent as JSON. Answers the response; an I/O failure is an IllegalStateException.
   */
  static HttpResponse<String> send(String method, String path, int user, String body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(BASE_URL + path)).timeout(Duration.ofSeconds(10))
        .header("Authorization", bearer(user)).header("Accept", "application/json");
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    try {
      return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      throw new IllegalStateException(method + " " + path + " as user" + user + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(method + " " + path + " interrupted", e);
    }
  }

  static int randomUser() {
    return 1 + ThreadLocalRandom.current().nextInt(ACCOUNTS);
  }

  /** Rows {@code design,user} of a pool file in {@code pools/}. */
  static List<String[]> pool(String name) {
    List<String[]> rows = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(
        Workload.class.getResourceAsStream("/pools/" + name + ".csv"), StandardCharsets.UTF_8))) {
      in.readLine();
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (!line.isBlank()) {
          rows.add(line.split(","));
        }
      }
    } catch (java.io.IOException | NullPointerException e) {
      throw new IllegalStateException("cannot read pool " + name + ": " + e);
    }
    return rows;
  }

  static <T> T any(List<T> list) {
    return list.get(ThreadLocalRandom.current().nextInt(list.size()));
  }
}
