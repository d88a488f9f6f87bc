package io.enginel.domain;

import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;

/**
 * How another service proves, over the event bus, that a user asks for an operation — without sending the user's
 * bearer token, which any member registered at the same address could take (the event bus does not own addresses).
 * The request carries the header
 * <pre>  Authorization: EnginelSig session=&lt;bus id&gt;, ts=&lt;epoch ms&gt;, sig=&lt;signature&gt;</pre>
 * where the bus id is {@code hex(SHA-256("enginel-bus:" + hex(SHA-256(token))))} and the signature is
 * {@code base64url(HMAC-SHA256(key = hex(SHA-256(token)), address + "\n" + ts + "\n" + hex(SHA-256(body as JSON text))))}.
 * A node finds the session by its bus id, checks the signature with the token's hash it stores, and refuses a
 * request more than {@link #MAX_AGE_MS} old. A captured request gives nobody the token nor its hash: it can only be
 * sent again, unchanged, within that minute — the same operation, which the user asked for.
 */
public final class BusSignatures {
  public static final String SCHEME = "EnginelSig";
  public static final long MAX_AGE_MS = 60_000;

  /** A parsed header. */
  public record Signed(String busId, long ts, String sig) {}

  private BusSignatures() {}

  /** The header a service sends to act, over the bus, for the user whose bearer token this is. */
  public static String header(String token, String address, JsonObject body, long nowMillis) {
    String tokenHash = sha256Hex(token.getBytes(StandardCharsets.US_ASCII));
    return SCHEME + " session=" + busId(tokenHash) + ", ts=" + nowMillis + ", sig="
        + signature(tokenHash, address, nowMillis, body);
  }

  /** The session's id on the bus, from the SHA-256 (hex) of its token. */
  public static String busId(String tokenHash) {
    return sha256Hex(("enginel-bus:" + tokenHash).getBytes(StandardCharsets.UTF_8));
  }

  /** The parts of an {@code EnginelSig} header; null when the header is missing or not one. */
  public static Signed parse(String header) {
    if (header == null || !header.startsWith(SCHEME + " ")) {
      return null;
    }
    String busId = null;
    String sig = null;
    Long ts = null;
    for (String part : header.substring(SCHEME.length() + 1).split(",")) {
      String p = part.trim();
      int eq = p.indexOf('=');
      if (eq <= 0) {
        return null;
      }
      String name = p.substring(0, eq);
      String value = p.substring(eq + 1);
      switch (name) {
        case "session" -> busId = value.matches("[0-9a-f]{64}") ? value : null;
        case "sig" -> sig = value.matches("[A-Za-z0-9_-]{43}") ? value : null;
        case "ts" -> ts = value.matches("\\d{1,15}") ? Long.parseLong(value) : null;
        default -> {
          return null;
        }
      }
    }
    return busId == null || sig == null || ts == null ? null : new Signed(busId, ts, sig);
  }

  /** Whether a request to {@code address} with {@code body} is signed with the key of the session {@code tokenHash}, recently. */
  public static boolean verifies(Signed signed, String tokenHash, String address, JsonObject body, long nowMillis) {
    return Math.abs(nowMillis - signed.ts()) <= MAX_AGE_MS
        && MessageDigest.isEqual(signed.sig().getBytes(StandardCharsets.US_ASCII),
            signature(tokenHash, address, signed.ts(), body).getBytes(StandardCharsets.US_ASCII));
  }

  private static String signature(String tokenHash, String address, long ts, JsonObject body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(tokenHash.getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
      String text = address + "\n" + ts + "\n" + sha256Hex(body.encode().getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  private static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
