//! The Lua scripts that make the queue operations that need more than one command one
//! atomic round trip to Redis.
//!
//! Keys: `KEYS[1]` the item stream, `KEYS[2]` its dead-letter stream (`<queue>_dead`, the
//! name the manager server gives a queue's dead-letter queue), `KEYS[3]` the count of
//! unfinished tasks (`<queue>:unfinished`, what `join` waits on), `KEYS[4]` the dead-letter
//! stream's own unfinished count. Every item is one stream entry whose field `p` holds its
//! pickle. A lease given back is handed to the consumer `~released` with an idle time of
//! for ever, so no one can ack it and the next claim takes it.
//!
//! Finished entries are not deleted one by one: Redis 7.0 spends several microseconds on
//! each `XDEL` at a stream's head (it walks the deleted entries of the head node to find the
//! new first entry). Instead a sweep (see [`TAKE`]) trims whole nodes below the oldest entry
//! still needed (`XTRIM MINID ~`). So the stream's length is not the queue's: what waits is
//! the group's `lag` (entries never delivered) plus the pending entries whose lease ran out.
//!
//! A script costs Redis several times a plain command (each `redis.call` inside costs more
//! than the command itself), so the commonest calls use none: `put` is `MULTI`, `XADD`,
//! `INCR`, `EXEC` in one write, and a plain `get` an `XREADGROUP ... NOACK`. Each script
//! carries only the helpers it calls: Redis runs a script's whole body on every call.

use std::sync::LazyLock;

use redis::Script;

/// The keys, named.
const KEYS: &str =
    "local stream, dead, unfinished, dead_unfinished = KEYS[1], KEYS[2], KEYS[3], KEYS[4]\n";

/// `payload(fields)`: the pickle among an entry's fields.
const PAYLOAD: &str = r#"
local function payload(fields)
  for i = 1, #fields, 2 do
    if fields[i] == 'p' then return fields[i + 1] end
  end
  return ''
end
"#;

/// `done()`: one fewer unfinished task, never below zero (CPython's count never goes
/// negative: `task_done` may come before an item is finished, and a `put` after counts one
/// again).
const DONE: &str = r#"
local function done()
  if redis.call('DECR', unfinished) < 0 then redis.call('SET', unfinished, 0) end
end
"#;

/// `bury(fields)`: appends an entry to the dead-letter stream, counted unfinished there.
const BURY_FN: &str = r#"
local function bury(fields)
  redis.call('XADD', dead, '*', unpack(fields))
  redis.call('INCR', dead_unfinished)
end
"#;

/// `sweep(floor)`: trims the whole nodes of entries below the oldest one still pending, or
/// below `floor` (an entry just delivered: every older one was delivered before it) when
/// none is.
const SWEEP: &str = r#"
local function sweep(group, floor)
  local p = redis.call('XPENDING', stream, group, '-', '+', 1)
  if p[1] then floor = p[1][1] end
  if floor then redis.call('XTRIM', stream, 'MINID', '~', floor) end
end
"#;

/// `holds(group, consumer, id)`: whether `consumer` (or anyone, for '') holds a live lease on
/// `id`.
const HOLDS: &str = r#"
local released = '~released'
local function holds(group, consumer, id)
  local p = redis.call('XPENDING', stream, group, id, id, 1)
  if #p == 0 then return false end
  local o = p[1][2]
  if o == released then return false end
  return consumer == '' or o == consumer
end
"#;

/// `give_back(group, id)`: hands a lease to `~released`, idle for ever.
const GIVE_BACK_FN: &str = r#"
local function give_back(group, id)
  redis.call('XCLAIM', stream, group, '~released', 0, id, 'IDLE', 1000000000000, 'JUSTID')
end
"#;

fn script(parts: &[&str], body: &str) -> Script {
    let mut src = String::from(KEYS);
    for p in parts {
        src.push_str(p);
    }
    src.push_str(body);
    Script::new(&src)
}

/// Takes one item without waiting: ARGV = group, consumer, lease ms, most deliveries, ack
/// (`1`: taken for good, as a plain `get`, leaving `task_done` to count it done; `0`: kept
/// leased to `consumer`), the id of a lease of `consumer` to finish first (`''`: none), and
/// sweep (`1`: trim the finished entries afterwards).
///
/// The lease to finish is acknowledged before anything is taken, in the same atomic call, so
/// a worker's `ack` of one task and its take of the next cost one round trip and the ack is
/// in Redis before the next item is handed out.
///
/// First come items whose lease ran out or was given back (`XAUTOCLAIM`, which raises their
/// delivery count); one delivered more than the most deliveries goes to the dead-letter
/// stream instead. Then new items (`XREADGROUP ... >`). Returns `{acked}` when nothing was
/// there, or `{acked, id, pickle, deliveries}`, where `acked` is 1 if the lease to finish was
/// finished, 0 if it was no longer the consumer's, -1 if there was none.
pub(crate) static TAKE: LazyLock<Script> = LazyLock::new(|| {
    script(
        &[PAYLOAD, DONE, BURY_FN, HOLDS, SWEEP],
        r#"
local group, consumer = ARGV[1], ARGV[2]
local idle, most, ack, finish = tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5] == '1', ARGV[6]
local swept = ARGV[7] ~= '1'
local acked = -1
if finish ~= '' then
  acked = 0
  if holds(group, consumer, finish) then
    redis.call('XACK', stream, group, finish)
    done()
    acked = 1
  end
end
local cursor = '0-0'
for _ = 1, 100 do
  local r = redis.call('XAUTOCLAIM', stream, group, consumer, idle, cursor, 'COUNT', 1)
  cursor = r[1]
  local e = r[2][1]
  if e and e[2] then
    local id = e[1]
    local deliveries = redis.call('XPENDING', stream, group, id, id, 1)[1][4]
    if deliveries > most then
      bury({'p', payload(e[2]), 'id', id, 'deliveries', deliveries})
      redis.call('XACK', stream, group, id)
      done()
    else
      if ack then redis.call('XACK', stream, group, id) end
      if not swept then sweep(group, nil) end
      return {acked, id, payload(e[2]), deliveries}
    end
  elseif cursor == '0-0' then
    break
  end
end
local r
if ack then
  -- Taken for good: NOACK keeps it out of the pending list.
  r = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', 1, 'NOACK', 'STREAMS', stream, '>')
else
  r = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', 1, 'STREAMS', stream, '>')
end
local e = r and r[1][2][1]
if not swept then sweep(group, e and e[1]) end
if not e then return {acked} end
return {acked, e[1], payload(e[2]), 1}"#,
    )
});

/// Finishes a leased item (its `task_done` included): ARGV = group, consumer (`''`: any),
/// id. Returns 1, or 0 when the lease is no longer the consumer's (finished, given back, or
/// run out and taken by another consumer).
pub(crate) static ACK: LazyLock<Script> = LazyLock::new(|| {
    script(
        &[DONE, HOLDS],
        r#"
if not holds(ARGV[1], ARGV[2], ARGV[3]) then return 0 end
redis.call('XACK', stream, ARGV[1], ARGV[3])
done()
return 1"#,
    )
});

/// Finishes the consumer's oldest lease: ARGV = group, consumer. Returns 1, or 0 if it holds
/// none.
pub(crate) static ACK_OLDEST: LazyLock<Script> = LazyLock::new(|| {
    script(
        &[DONE],
        r#"
local p = redis.call('XPENDING', stream, ARGV[1], '-', '+', 1, ARGV[2])
if #p == 0 then return 0 end
redis.call('XACK', stream, ARGV[1], p[1][1])
done()
return 1"#,
    )
});

/// Gives back every lease of a consumer (its connection closed): ARGV = group, consumer.
/// Returns how many.
pub(crate) static RELEASE_CONSUMER: LazyLock<Script> = LazyLock::new(|| {
    script(
        &[GIVE_BACK_FN],
        r#"
local n = 0
while true do
  local p = redis.call('XPENDING', stream, ARGV[1], '-', '+', 100, ARGV[2])
  if #p == 0 then break end
  for _, e in ipairs(p) do
    give_back(ARGV[1], e[1])
    n = n + 1
  end
end
return n"#,
    )
});

/// Gives a leased item back at once: ARGV = group, consumer (`''`: any), id. Hands it to
/// the `~released` consumer, idle for ever, so the next claim by anyone takes it before new
/// items (its delivery count kept). Returns 1, or 0 when the lease is no longer the consumer's.
pub(crate) static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    script(
        &[HOLDS, GIVE_BACK_FN],
        r#"
if not holds(ARGV[1], ARGV[2], ARGV[3]) then return 0 end
give_back(ARGV[1], ARGV[3])
return 1"#,
    )
});

/// Renews a lease (its idle time back to zero): ARGV = group, consumer, id. Returns 1, or 0
/// when the lease is no longer this consumer's.
pub(crate) static RENEW: LazyLock<Script> = LazyLock::new(|| {
    script(
        &[HOLDS],
        r#"
local group, consumer, id = ARGV[1], ARGV[2], ARGV[3]
if not holds(group, consumer, id) then return 0 end
redis.call('XCLAIM', stream, group, consumer, 0, id, 'JUSTID')
return 1"#,
    )
});

/// Moves an item that cannot be decoded to the dead-letter stream: ARGV = group, id, pickle,
/// reason. Acknowledges it if it is still pending; it counts as done (no one will call
/// `task_done` for an item they never received).
pub(crate) static BURY: LazyLock<Script> = LazyLock::new(|| {
    script(
        &[DONE, BURY_FN],
        r#"
bury({'p', ARGV[3], 'id', ARGV[2], 'reason', ARGV[4]})
redis.call('XACK', stream, ARGV[1], ARGV[2])
done()
return 1"#,
    )
});

/// `lag_of(key, group)`: the entries of a stream never delivered to the group, and the
/// group's pending count; nil when the group is not there.
const LAG_OF: &str = r#"
local function lag_of(key, group)
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', key)) do
    local f = {}
    for i = 1, #g, 2 do f[g[i]] = g[i + 1] end
    if f['name'] == group then
      local lag = f['lag']
      if not lag then
        -- Redis cannot tell (entries deleted after the last delivered one): count them.
        lag = #redis.call('XRANGE', key, '(' .. f['last-delivered-id'], '+')
      end
      return lag, f['pending']
    end
  end
  return nil
end
"#;

/// Counts: ARGV = group, lease ms. Returns `{waiting, leased, dead, unfinished}`: waiting are
/// the entries never delivered (the group's lag) and those pending longer than the lease
/// time (given back, or their consumer silent: the next take claims them); dead are the
/// dead-letter stream's entries not yet taken from it (all of them when no one reads it as
/// a queue).
pub(crate) static COUNTS: LazyLock<Script> = LazyLock::new(|| {
    script(
        &[LAG_OF],
        r#"
local group = ARGV[1]
local pending = redis.call('XPENDING', stream, group)[1]
local free = 0
if pending > 0 then
  free = #redis.call('XPENDING', stream, group, 'IDLE', tonumber(ARGV[2]), '-', '+', 100000)
end
local lag = lag_of(stream, group) or redis.call('XLEN', stream)
local d = redis.call('XLEN', dead)
if d > 0 then
  local l, p = lag_of(dead, group)
  if l then d = l + p end
end
local u = tonumber(redis.call('GET', unfinished) or '0') or 0
return {lag + free, pending - free, d, u}"#,
    )
});

/// `task_done`: one fewer unfinished task; an error when there is none.
pub(crate) static TASK_DONE: LazyLock<Script> = LazyLock::new(|| {
    script(
        &[],
        r#"
local u = tonumber(redis.call('GET', unfinished) or '0') or 0
if u <= 0 then return redis.error_reply('task_done() called too many times') end
return redis.call('DECR', unfinished)"#,
    )
});
