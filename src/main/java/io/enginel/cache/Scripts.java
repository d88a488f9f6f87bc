package io.enginel.cache;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The two Lua scripts of the invalidation scheme (README, "No stale fill"). Each runs atomically in
 * Redis, so a fill and an invalidation can never interleave.
 *
 * <p>The clock of a tier is {@code <incarnation>:<sequence>}. Every invalidation advances it and stamps
 * each invalidated tag with the new value. A miss reads the clock with its lookup (its "ticket"); its
 * fill is stored only if no tag of the entry was stamped after the ticket, and in the same incarnation.
 */
final class Scripts {

  /**
   * KEYS: entry, clock, n tag-version keys, n tag-set keys. ARGV: ticket, ttl, value, n, tag-set ttl.
   * Returns 1 when stored, 0 when refused (stale).
   */
  static final String FILL = """
      local clock = redis.call('GET', KEYS[2]) or ''
      local ticket = ARGV[1]
      local n = tonumber(ARGV[4])
      if clock ~= ticket then
        if ticket == '' or clock == '' then return 0 end
        local ts = string.find(ticket, ':', 1, true)
        local cs = string.find(clock, ':', 1, true)
        local inc = string.sub(ticket, 1, ts - 1)
        if inc ~= string.sub(clock, 1, cs - 1) then return 0 end
        local seq = tonumber(string.sub(ticket, ts + 1))
        for i = 3, 2 + n do
          local v = redis.call('GET', KEYS[i])
          if v then
            local vs = string.find(v, ':', 1, true)
            if string.sub(v, 1, vs - 1) ~= inc or tonumber(string.sub(v, vs + 1)) > seq then return 0 end
          end
        end
      end
      redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[2])
      for i = 3 + n, 2 + 2 * n do
        redis.call('SADD', KEYS[i], KEYS[1])
        redis.call('EXPIRE', KEYS[i], ARGV[5])
      end
      return 1
      """;

  /**
   * KEYS: clock, tag-version keys. ARGV: a fresh incarnation (used when the clock is missing or when
   * ARGV[3] is '1', which starts a new incarnation: everything stored before becomes invalid),
   * tag-version ttl, '1' to start a new incarnation. Returns the new clock.
   */
  static final String INVALIDATE = """
      local clock = redis.call('GET', KEYS[1])
      local now
      if clock and ARGV[3] ~= '1' then
        local s = string.find(clock, ':', 1, true)
        now = string.sub(clock, 1, s - 1) .. ':' .. (tonumber(string.sub(clock, s + 1)) + 1)
      else
        now = ARGV[1] .. ':1'
      end
      redis.call('SET', KEYS[1], now)
      for i = 2, #KEYS do
        redis.call('SET', KEYS[i], now, 'EX', ARGV[2])
      end
      return now
      """;

  /** KEYS: the lease. ARGV: its owner. Deletes the lease only if that owner still holds it. */
  static final String RELEASE = """
      if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
      return 0
      """;

  /**
   * KEYS: any key of the tier (it routes the script to the server holding the tier in cluster mode). Returns
   * that server's run id, which changes when another process answers: a restart, a promoted replica.
   */
  static final String RUN_ID = """
      return string.match(redis.call('INFO', 'server'), 'run_id:(%w+)')
      """;

  static final String RUN_ID_SHA = sha1(RUN_ID);
  static final String FILL_SHA = sha1(FILL);
  static final String RELEASE_SHA = sha1(RELEASE);
  static final String INVALIDATE_SHA = sha1(INVALIDATE);

  private Scripts() {}

  static String sha1(String script) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
