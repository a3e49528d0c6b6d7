/*
 * fleet_lua.h - the fleet's Lua scripts (crawler/fleet.c only).
 *
 * Every script builds its keys from the namespace in ARGV[1] (so one
 * script serves every host and source); this needs a single, non-cluster
 * Redis (docs/FLEET.md). Times are wall-clock milliseconds from the worker.
 * Numbers go back as strings: Redis truncates Lua numbers to integers.
 */
#ifndef TRENDGUARD_FLEET_LUA_H
#define TRENDGUARD_FLEET_LUA_H

/*
 * LEASE ns now_ms lease_ms n once [prefix ...]
 * Expired leases go back to NS:fr:due first (due now); then up to n due
 * items are leased: removed from the due set, given a lease expiry and a
 * fresh token from NS:fr:seq. Items whose key starts with one of the
 * prefixes (sources this worker has paused) are skipped, and with once = 1
 * so are the items in NS:fr:round (done with this round). Returns {key, due, token, value, ...},
 * the earliest due time in the future ("" none) and the round's outstanding count
 * (leased + due items not yet done with the round).
 */
static const char LUA_LEASE[] =
    "local ns, now, lease, n, once = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]),\n"
    "  tonumber(ARGV[4]), ARGV[5] == '1'\n"
    "local due, lz, tk, item, rnd = ns..':fr:due', ns..':fr:lease', ns..':fr:tok',\n"
    "  ns..':fr:item', ns..':fr:round'\n"
    "local exp = redis.call('ZRANGEBYSCORE', lz, '-inf', now, 'LIMIT', 0, 1000)\n"
    "for _, k in ipairs(exp) do\n"
    "  redis.call('ZREM', lz, k)\n"
    "  redis.call('HDEL', tk, k)\n"
    "  if redis.call('HEXISTS', item, k) == 1 then redis.call('ZADD', due, now, k) end\n"
    "end\n"
    "local skip = {}\n"
    "for i = 6, #ARGV do skip[#skip+1] = ARGV[i] end\n"
    "local function skipped(k)\n"
    "  for _, p in ipairs(skip) do\n"
    "    if string.sub(k, 1, #p) == p then return true end\n"
    "  end\n"
    "  return once and redis.call('SISMEMBER', rnd, k) == 1\n"
    "end\n"
    "local out = {}\n"
    "local off = 0\n"
    "while n > 0 do\n"
    "  local got = redis.call('ZRANGEBYSCORE', due, '-inf', now, 'WITHSCORES', 'LIMIT', off, n)\n"
    "  if #got == 0 then break end\n"
    "  for i = 1, #got, 2 do\n"
    "    local k = got[i]\n"
    "    if skipped(k) then\n"
    "      off = off + 1\n"
    "    else\n"
    "      local v = redis.call('HGET', item, k)\n"
    "      redis.call('ZREM', due, k)\n"
    "      if v then\n"
    "        local t = redis.call('INCR', ns..':fr:seq')\n"
    "        redis.call('ZADD', lz, now + lease, k)\n"
    "        redis.call('HSET', tk, k, t)\n"
    "        out[#out+1] = k; out[#out+1] = got[i+1]; out[#out+1] = tostring(t)\n"
    "        out[#out+1] = v\n"
    "        n = n - 1\n"
    "      end\n"
    "    end\n"
    "  end\n"
    "end\n"
    "local nx = redis.call('ZRANGEBYSCORE', due, '('..ARGV[2], '+inf', 'WITHSCORES', 'LIMIT', 0, "
    "1)\n"
    "local left = redis.call('ZCARD', lz) + redis.call('ZCARD', due)\n"
    "if once then left = left - redis.call('ZINTERCARD', 2, due, rnd) end\n"
    "return {out, nx[2] or '', tostring(left)}\n";

/*
 * A fetch ended (START and DONE): its host slot goes back; a 429 or 503
 * raises the host's backoff level and sets backoff_until (Retry-After when
 * given, else base * 2^(level-1) capped, times the jitter in [0,1)); a
 * success lowers the level by one once the backoff has passed.
 */
#define LUA_ENDED                                                                                  \
    "local function ended(ns, now, base, cap, host, slot, st, ra, jit)\n"                          \
    "  local h = ns..':host:'..host\n"                                                             \
    "  redis.call('ZREM', h..':slots', slot)\n"                                                    \
    "  if st == 429 or st == 503 then\n"                                                           \
    "    local lvl = redis.call('HINCRBY', h, 'level', 1)\n"                                       \
    "    local d = ra\n"                                                                           \
    "    if d < 0 then\n"                                                                          \
    "      d = base * 2 ^ (lvl - 1)\n"                                                             \
    "      if d > cap then d = cap end\n"                                                          \
    "      d = d * jit\n"                                                                          \
    "    end\n"                                                                                    \
    "    if d > cap then d = cap end\n"                                                            \
    "    local u = now + d * 1000\n"                                                               \
    "    if u > tonumber(redis.call('HGET', h, 'backoff_until') or '0') then\n"                    \
    "      redis.call('HSET', h, 'backoff_until', tostring(u))\n"                                  \
    "    end\n"                                                                                    \
    "  elseif st >= 200 and st < 400 then\n"                                                       \
    "    local v = redis.call('HMGET', h, 'level', 'backoff_until')\n"                             \
    "    local lvl = tonumber(v[1] or '0')\n"                                                      \
    "    if lvl > 0 and now >= tonumber(v[2] or '0') then\n"                                       \
    "      redis.call('HSET', h, 'level', lvl - 1)\n"                                              \
    "    end\n"                                                                                    \
    "  end\n"                                                                                      \
    "end\n"

/*
 * START ns origin now_ms rate max_inflight slot slot_ttl_ms qkey qcap
 *       base cap [slot status retry_after jitter ...]
 * First the ended fetches of this host that ride along (their slots go
 * back, backoff is recorded: see LUA_ENDED); then
 * the host's gate, atomically: backoff, Crawl-delay floor, token bucket
 * (burst of max(rate, 1), starting at one token), concurrency slots (a
 * ZSET of slot -> expiry, so a dead worker's slot lapses) and, when qkey
 * is not "", the daily quota (a counter that expires after 3 days).
 * Returns "0" (started: token, slot and quota taken), seconds to wait, or
 * "Q" (the day's budget is spent).
 */
static const char LUA_START[] = LUA_ENDED
    "local ns, now, rate, maxin = ARGV[1], tonumber(ARGV[3]), tonumber(ARGV[4]),\n"
    "  tonumber(ARGV[5])\n"
    "for i = 12, #ARGV - 3, 4 do\n"
    "  ended(ns, now, tonumber(ARGV[10]), tonumber(ARGV[11]), ARGV[2], ARGV[i],\n"
    "    tonumber(ARGV[i+1]), tonumber(ARGV[i+2]), tonumber(ARGV[i+3]))\n"
    "end\n"
    "local h = ns..':host:'..ARGV[2]\n"
    "local slots = h..':slots'\n"
    "redis.call('ZREMRANGEBYSCORE', slots, '-inf', now)\n"
    "local v = redis.call('HMGET', h, 'tokens', 'ts', 'backoff_until', 'delay', 'last')\n"
    "local w = 0\n"
    "local bu = tonumber(v[3] or '0')\n"
    "if bu > now then w = (bu - now) / 1000 end\n"
    "local delay, last = tonumber(v[4] or '0'), tonumber(v[5] or '0')\n"
    "if delay > 0 and last + delay * 1000 > now + w * 1000 then\n"
    "  w = (last + delay * 1000 - now) / 1000\n"
    "end\n"
    "local burst = rate > 1 and rate or 1\n"
    "local tokens, ts = tonumber(v[1] or '1'), tonumber(v[2] or ARGV[3])\n"
    "if now > ts then\n"
    "  tokens = tokens + (now - ts) / 1000 * rate\n"
    "  if tokens > burst then tokens = burst end\n"
    "  ts = now\n"
    "end\n"
    "if tokens < 1 then\n"
    "  local need = (1 - tokens) / rate\n"
    "  if need > w then w = need end\n"
    "end\n"
    "if w > 0 then return tostring(w) end\n"
    "if redis.call('ZCARD', slots) >= maxin then return '0.05' end\n"
    "if ARGV[8] ~= '' then\n"
    "  local q = ns..':quota:'..ARGV[8]\n"
    "  if tonumber(redis.call('GET', q) or '0') >= tonumber(ARGV[9]) then return 'Q' end\n"
    "  redis.call('INCR', q)\n"
    "  redis.call('EXPIRE', q, 259200)\n"
    "end\n"
    "redis.call('HSET', h, 'tokens', tostring(tokens - 1), 'ts', tostring(ts), 'last', ARGV[3])\n"
    "redis.call('ZADD', slots, now + tonumber(ARGV[7]), ARGV[6])\n"
    "redis.call('PEXPIRE', h, 86400000)\n"
    "redis.call('PEXPIRE', slots, 86400000)\n"
    "return '0'\n";

/*
 * DONE ns now_ms backoff_base_s backoff_cap_s, then per result 13 fields:
 *   key tok fate next_key next_val next_due round res host slot status
 *   retry_after jitter nitems, then nitems x (key val due seen site max_pages)
 * (13 fixed fields + nitems: 14 per result before its items.)
 * A result whose key is not "" counts only while its lease token is still
 * the item's current one: a stale result (its lease expired and the item
 * went to another worker) is dropped, discoveries and all. A current one:
 * XADD its encoded bytes to NS:results (when not ""), the item's fate
 * (0 delete, 1 put next_key/next_val at next_due, 2 put back at next_due),
 * NS:fr:round membership for --once, and discovered items: with a seen
 * key only when unseen (and under the site's max_pages), else only when
 * absent. The host slot is released and backoff recorded either way (the
 * fetch did happen). Returns the number of stale results dropped.
 */
static const char LUA_DONE[] = LUA_ENDED
    "local ns, now, base, cap = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]),\n"
    "  tonumber(ARGV[4])\n"
    "local due, lz, tk, item = ns..':fr:due', ns..':fr:lease', ns..':fr:tok', ns..':fr:item'\n"
    "local i, stale = 5, 0\n"
    "while i + 13 <= #ARGV do\n"
    "  local key, tok, fate = ARGV[i], ARGV[i+1], ARGV[i+2]\n"
    "  local nk, nv, nd, rnd, res = ARGV[i+3], ARGV[i+4], ARGV[i+5], ARGV[i+6], ARGV[i+7]\n"
    "  local host, slot, st, ra = ARGV[i+8], ARGV[i+9], tonumber(ARGV[i+10]),\n"
    "    tonumber(ARGV[i+11])\n"
    "  local jit, ni = tonumber(ARGV[i+12]), tonumber(ARGV[i+13])\n"
    "  local j = i + 14\n"
    "  i = j + 6 * ni\n"
    "  local ok = key == '' or redis.call('HGET', tk, key) == tok\n"
    "  if ok then\n"
    "    if res ~= '' then redis.call('XADD', ns..':results', '*', 'r', res) end\n"
    "    if key ~= '' then\n"
    "      redis.call('ZREM', lz, key)\n"
    "      redis.call('HDEL', tk, key)\n"
    "      if fate == '0' then\n"
    "        redis.call('HDEL', item, key)\n"
    "        redis.call('ZREM', due, key)\n"
    "      elseif fate == '1' then\n"
    "        if nk ~= key then redis.call('HDEL', item, key) end\n"
    "        redis.call('HSET', item, nk, nv)\n"
    "        redis.call('ZADD', due, nd, nk)\n"
    "      else\n"
    "        redis.call('ZADD', due, nd, key)\n"
    "      end\n"
    "      if rnd == '1' then redis.call('SADD', ns..':fr:round', key) end\n"
    "    end\n"
    "    for m = j, i - 1, 6 do\n"
    "      local k, v, d, seen, site = ARGV[m], ARGV[m+1], ARGV[m+2], ARGV[m+3], ARGV[m+4]\n"
    "      local maxp = tonumber(ARGV[m+5])\n"
    "      if seen ~= '' then\n"
    "        if redis.call('SISMEMBER', ns..':seen', seen) == 0 then\n"
    "          local room = true\n"
    "          if site ~= '' and maxp > 0 then\n"
    "            room = tonumber(redis.call('HGET', ns..':site:pages', site) or '0') < maxp\n"
    "          end\n"
    "          if room then\n"
    "            redis.call('SADD', ns..':seen', seen)\n"
    "            if site ~= '' then redis.call('HINCRBY', ns..':site:pages', site, 1) end\n"
    "            redis.call('HSET', item, k, v)\n"
    "            if redis.call('ZSCORE', lz, k) == false then redis.call('ZADD', due, d, k) end\n"
    "          end\n"
    "        end\n"
    "      elseif redis.call('HSETNX', item, k, v) == 1 then\n"
    "        redis.call('ZADD', due, d, k)\n"
    "      end\n"
    "    end\n"
    "  else\n"
    "    stale = stale + 1\n"
    "  end\n"
    "  if host ~= '' then ended(ns, now, base, cap, host, slot, st, ra, jit) end\n"
    "end\n"
    "return stale\n";

/*
 * RENEW ns now_ms lease_ms key tok ...: extend the leases still held
 * (token unchanged); drop the given slots' expiry forward the same way
 * is not needed (slots carry the lease length). Returns how many were
 * renewed.
 */
static const char LUA_RENEW[] =
    "local ns, now, lease = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])\n"
    "local n = 0\n"
    "for i = 4, #ARGV - 1, 2 do\n"
    "  if redis.call('HGET', ns..':fr:tok', ARGV[i]) == ARGV[i+1] then\n"
    "    redis.call('ZADD', ns..':fr:lease', now + lease, ARGV[i])\n"
    "    n = n + 1\n"
    "  end\n"
    "end\n"
    "return n\n";

/*
 * RELEASE ns key tok due ...: give leases back without a result (a
 * stopping worker, a paused source): the item is due again at its old due
 * time. Only while the token is current.
 */
static const char LUA_RELEASE[] = "local ns = ARGV[1]\n"
                                  "for i = 2, #ARGV - 2, 3 do\n"
                                  "  local k = ARGV[i]\n"
                                  "  if redis.call('HGET', ns..':fr:tok', k) == ARGV[i+1] then\n"
                                  "    redis.call('ZREM', ns..':fr:lease', k)\n"
                                  "    redis.call('HDEL', ns..':fr:tok', k)\n"
                                  "    if redis.call('HEXISTS', ns..':fr:item', k) == 1 then\n"
                                  "      redis.call('ZADD', ns..':fr:due', ARGV[i+2], k)\n"
                                  "    end\n"
                                  "  end\n"
                                  "end\n"
                                  "return 0\n";

/* LEADER key id lease_ms: keep (compare-and-pexpire) or take the leader key.
 * Returns 1 when id kept it, 2 when id took it (it was free: first start, a
 * lapsed leader, or a Redis that lost its data), 0 when another id leads. */
static const char LUA_LEADER[] = "local cur = redis.call('GET', KEYS[1])\n"
                                 "if cur == ARGV[1] then\n"
                                 "  redis.call('PEXPIRE', KEYS[1], ARGV[2])\n"
                                 "  return 1\n"
                                 "end\n"
                                 "if cur == false then\n"
                                 "  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])\n"
                                 "  return 2\n"
                                 "end\n"
                                 "return 0\n";

#endif
