package io.enginel.cache;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Lua scripts of the invalidation scheme (docs/invalidation.md). Each runs atomically in Redis, so a fill
 * and an invalidation can never interleave.
 *
 * <p>A tier's invalidation state is one hash, {@code <prefix>:_inv}: {@code i} the incarnation, {@code s} the
 * sequence, {@code f} the floor (entries and fills of an older sequence are invalid), {@code h} the mark of the
 * last invalidation (Redis's time when it ran, in microseconds: a clock replayed after Redis went back in time —
 * a restored snapshot, a lagging replica promoted — carries another mark, so a lookup can tell the clock it knew
 * from the same number reached again by other invalidations), {@code m:<sequence mod MARK_SLOTS>} the mark of each
 * of the last {@link #MARK_SLOTS} sequences (so a fill can tell whether the history its ticket was read on is still
 * the one Redis holds), and {@code t:<tag>} the sequence at which each tag was last invalidated. One key, so that Redis loses all of it or nothing: eviction,
 * expiry, a flush, a restart and a failover act on whole keys. Without it nothing is served or filled until a new
 * incarnation starts.
 */
final class Scripts {

  /**
   * How many sequences keep their mark ({@code m:<sequence mod MARK_SLOTS>}): a fill whose ticket is more
   * invalidations old than this is refused (a miss not stored). Loads take milliseconds, at most
   * {@code cache.maxFillAgeMs}; about 70 KB of Redis memory per tier.
   */
  static final int MARK_SLOTS = 1024;

  /**
   * KEYS: entry, state, then the n tag sets. ARGV: ticket incarnation, ticket sequence, ttl, value, the sequence
   * and mark the lookup read (the mark '' when the state had none), then the n tags. Stores the entry only if the
   * state holds the ticket's incarnation, the ticket is not below the floor nor above the sequence (a state that
   * went back in time since the ticket was read), the lookup's sequence still carries the lookup's mark (else
   * Redis went back in time and other invalidations reached that sequence again: the stamps below are of another
   * history), and no tag was invalidated after the ticket; then adds the entry to each tag's set, whose TTL it
   * extends to the entry's (never shortens: a set lives as long as the longest-lived entry it names, and no longer).
   * 1 stored, 0 not.
   */
  static final String FILL = """
      local st = redis.call('HMGET', KEYS[2], 'i', 's', 'f')
      if st[1] ~= ARGV[1] then return 0 end
      local seq = tonumber(ARGV[2])
      if seq < tonumber(st[3]) or seq > tonumber(st[2]) then return 0 end
      if ARGV[6] ~= '' then
        local seen = tonumber(ARGV[5])
        if seen > tonumber(st[2]) then return 0 end
        if redis.call('HGET', KEYS[2], 'm:' .. string.format('%d', seen % MARK_SLOTS)) ~= ARGV[6] then return 0 end
      end
      local n = #KEYS - 2
      if n > 0 and tonumber(st[2]) ~= seq then
        local fields = {}
        for k = 1, n do fields[k] = 't:' .. ARGV[6 + k] end
        for c = 1, n, 500 do
          local stamps = redis.call('HMGET', KEYS[2], unpack(fields, c, math.min(c + 499, n)))
          for k = 1, #stamps do
            if stamps[k] and tonumber(stamps[k]) > seq then return 0 end
          end
        end
      end
      local ttl = tonumber(ARGV[3])
      redis.call('SET', KEYS[1], ARGV[4], 'EX', ttl)
      for k = 3, #KEYS do
        redis.call('SADD', KEYS[k], KEYS[1])
        if redis.call('PTTL', KEYS[k]) < ttl * 1000 then redis.call('EXPIRE', KEYS[k], ttl) end
      end
      return 1
      """.replace("MARK_SLOTS", Integer.toString(MARK_SLOTS));

  /**
   * KEYS: state. ARGV: a fresh incarnation, '1' to start a new incarnation, then the tags. Advances the sequence,
   * marks it with Redis's time ({@code h}, and in the sequence's slot) and stamps each tag with it; starts a new
   * incarnation (larger than the old one and than ARGV[1], marked too) when asked or when the state is missing —
   * every entry stored before becomes invalid. Returns the new clock.
   */
  static final String INVALIDATE = """
      local now = redis.call('TIME')
      local mark = now[1] .. string.format('%06d', tonumber(now[2]))
      local i = redis.call('HGET', KEYS[1], 'i')
      if not i or ARGV[2] == '1' then
        local inc = tonumber(ARGV[1])
        if i and tonumber(i) and tonumber(i) >= inc then inc = tonumber(i) + 1 end
        local text = string.format('%.0f', inc)
        redis.call('UNLINK', KEYS[1])
        redis.call('HSET', KEYS[1], 'i', text, 's', '1', 'f', '0', 'h', mark, 'm:1', mark)
        return text .. ':1'
      end
      local s = redis.call('HINCRBY', KEYS[1], 's', 1)
      redis.call('HSET', KEYS[1], 'h', mark, 'm:' .. string.format('%d', s % MARK_SLOTS), mark)
      for c = 3, #ARGV, 250 do
        local args = {}
        for k = c, math.min(c + 249, #ARGV) do
          args[#args + 1] = 't:' .. ARGV[k]
          args[#args + 1] = s
        end
        redis.call('HSET', KEYS[1], unpack(args))
      end
      return i .. ':' .. s
      """.replace("MARK_SLOTS", Integer.toString(MARK_SLOTS));

  /**
   * KEYS: state. ARGV: incarnation, floor, then stamp fields. Raises the floor of that incarnation to ARGV[2] and
   * deletes each given stamp that is below it (a stamp stamped again since is kept). Returns how many went.
   */
  static final String PRUNE = """
      if redis.call('HGET', KEYS[1], 'i') ~= ARGV[1] then return 0 end
      local floor = tonumber(ARGV[2])
      if floor > tonumber(redis.call('HGET', KEYS[1], 'f')) then redis.call('HSET', KEYS[1], 'f', ARGV[2]) end
      local gone = 0
      for k = 3, #ARGV do
        local v = redis.call('HGET', KEYS[1], ARGV[k])
        if v and tonumber(v) < floor then
          redis.call('HDEL', KEYS[1], ARGV[k])
          gone = gone + 1
        end
      end
      return gone
      """;

  /** KEYS: the lease. ARGV: its owner. Deletes the lease only if that owner still holds it. */
  static final String RELEASE = """
      if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
      return 0
      """;

  /**
   * A script and its SHA-1, plain and flagged {@code allow-oom} (Redis 7+): the flagged form runs even when Redis
   * is full under {@code noeviction}, for the scripts that only record invalidations and delete.
   */
  record Script(String text, String sha, String flaggedText, String flaggedSha) {
    static Script of(String text) {
      String flagged = "#!lua flags=allow-oom\n" + text;
      return new Script(text, sha1(text), flagged, sha1(flagged));
    }
  }

  static final Script FILL_SCRIPT = Script.of(FILL);
  static final Script INVALIDATE_SCRIPT = Script.of(INVALIDATE);
  static final Script PRUNE_SCRIPT = Script.of(PRUNE);
  static final Script RELEASE_SCRIPT = Script.of(RELEASE);

  private Scripts() {}

  static String sha1(String script) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
