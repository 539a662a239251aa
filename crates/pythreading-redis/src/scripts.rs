//! The Lua scripts that make each queue operation one atomic round trip to Redis.
//!
//! Keys: `KEYS[1]` the item stream, `KEYS[2]` its dead-letter stream (`<queue>_dead`, the
//! name the manager server gives a queue's dead-letter queue), `KEYS[3]` the count of items
//! taken for good whose `task_done` has not come (`<queue>:taken`). Every item is one stream
//! entry whose field `p` holds its pickle. A lease given back is handed to the consumer
//! `~released` with an idle time of for ever, so no one can ack it and the next take claims
//! it.
//!
//! The unfinished count (what `join` waits on) is `XLEN` of the stream plus the taken count:
//! an item in the stream (waiting or leased) is unfinished, and so is one taken for good
//! until its `task_done`. That keeps `put` a bare `XADD` with no script (the commonest call,
//! and a script costs Redis several times a plain command), and a dead-letter stream's
//! unfinished count is its length with nothing to update.
//!
//! Each script carries only the helpers it calls: Redis runs a script's whole body on every
//! call, so helpers it does not use would still be built each time.

use std::sync::LazyLock;

use redis::Script;

/// The keys, named.
const KEYS: &str = "local stream, dead, taken = KEYS[1], KEYS[2], KEYS[3]\n";

/// `payload(fields)`: the pickle among an entry's fields.
const PAYLOAD: &str = r#"
local function payload(fields)
  for i = 1, #fields, 2 do
    if fields[i] == 'p' then return fields[i + 1] end
  end
  return ''
end
"#;

/// `remove(group, id)`: acknowledges and deletes an entry; 1 if it was pending.
const REMOVE: &str = r#"
local function remove(group, id)
  local n = redis.call('XACK', stream, group, id)
  if n == 1 then redis.call('XDEL', stream, id) end
  return n
end
"#;

/// `settle()`: after an entry was finished (removed from the stream), keeps the unfinished
/// count from going below zero when `task_done` was called for it already (CPython's count
/// never goes negative: a `put` after that counts one again).
const SETTLE: &str = r#"
local function settle()
  local t = redis.call('GET', taken)
  if t and tonumber(t) < 0 then
    local l = redis.call('XLEN', stream)
    -- `0 - l`, not `-l`: the negation of 0 is -0, which Redis would store as '-0', not an
    -- integer it can INCR.
    if l + tonumber(t) < 0 then redis.call('SET', taken, 0 - l) end
  end
end
"#;

/// `bury(fields)`: appends an entry to the dead-letter stream (its length is its unfinished
/// count).
const BURY_FN: &str = r#"
local function bury(fields)
  redis.call('XADD', dead, '*', unpack(fields))
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
/// leased to `consumer`), and the id of a lease of `consumer` to finish first (`''`: none).
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
        &[PAYLOAD, REMOVE, SETTLE, BURY_FN, HOLDS],
        r#"
local group, consumer = ARGV[1], ARGV[2]
local idle, most, ack, finish = tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5] == '1', ARGV[6]
local acked = -1
if finish ~= '' then
  acked = 0
  if holds(group, consumer, finish) then
    remove(group, finish)
    settle()
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
      remove(group, id)
      settle()
    else
      if ack then
        remove(group, id)
        redis.call('INCR', taken)
      end
      return {acked, id, payload(e[2]), deliveries}
    end
  elseif cursor == '0-0' then
    break
  end
end
if ack then
  -- Taken for good: NOACK keeps it out of the pending list, and it is deleted at once.
  local r = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', 1, 'NOACK', 'STREAMS', stream, '>')
  local e = r and r[1][2][1]
  if not e then return {acked} end
  redis.call('XDEL', stream, e[1])
  redis.call('INCR', taken)
  return {acked, e[1], payload(e[2]), 1}
end
local r = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', 1, 'STREAMS', stream, '>')
local e = r and r[1][2][1]
if not e then return {acked} end
return {acked, e[1], payload(e[2]), 1}"#,
    )
});

/// Finishes a leased item (its `task_done` included): ARGV = group, consumer (`''`: any),
/// id. Returns 1, or 0 when the lease is no longer the consumer's (finished, given back, or
/// run out and taken by another consumer).
pub(crate) static ACK: LazyLock<Script> = LazyLock::new(|| {
    script(
        &[REMOVE, SETTLE, HOLDS],
        r#"
if not holds(ARGV[1], ARGV[2], ARGV[3]) then return 0 end
remove(ARGV[1], ARGV[3])
settle()
return 1"#,
    )
});

/// Finishes the consumer's oldest lease: ARGV = group, consumer. Returns 1, or 0 if it holds
/// none.
pub(crate) static ACK_OLDEST: LazyLock<Script> = LazyLock::new(|| {
    script(
        &[REMOVE, SETTLE],
        r#"
local p = redis.call('XPENDING', stream, ARGV[1], '-', '+', 1, ARGV[2])
if #p == 0 then return 0 end
remove(ARGV[1], p[1][1])
settle()
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

/// Appends an item that was taken for good but could not be delivered: ARGV = pickle. It is
/// in the stream again and no longer taken, so the unfinished count is unchanged. A stream
/// cannot insert at its head, so it goes to the tail.
pub(crate) static GIVE_BACK: LazyLock<Script> = LazyLock::new(|| {
    script(
        &[],
        r#"
local id = redis.call('XADD', stream, '*', 'p', ARGV[1])
redis.call('DECR', taken)
return id"#,
    )
});

/// Takes for good an item a plain `get` read by a blocking `XREADGROUP` (`task_done` still to
/// come): ARGV = group, id. Returns 1, or 0 if it was no longer pending (a lease that ran out
/// meanwhile and was claimed by another consumer, which now holds it).
pub(crate) static TAKE_READ: LazyLock<Script> = LazyLock::new(|| {
    script(
        &[REMOVE],
        r#"
local n = remove(ARGV[1], ARGV[2])
if n == 1 then redis.call('INCR', taken) end
return n"#,
    )
});

/// Gives a leased item back at once: ARGV = group, consumer (`''`: any), id. Hands it to
/// the `~released` consumer, idle for ever, so the next `TAKE` by anyone claims it before new
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
/// reason, taken (`1` when a plain get took it for good already, so it is no longer in the
/// stream but counted taken). It counts as done (no one will call `task_done` for an item
/// they never received).
pub(crate) static BURY: LazyLock<Script> = LazyLock::new(|| {
    script(
        &[REMOVE, SETTLE, BURY_FN],
        r#"
bury({'p', ARGV[3], 'id', ARGV[2], 'reason', ARGV[4]})
if ARGV[5] == '1' then
  redis.call('DECR', taken)
else
  remove(ARGV[1], ARGV[2])
end
settle()
return 1"#,
    )
});

/// Counts: ARGV = group, lease ms. Returns `{waiting, leased, dead, unfinished}`, where
/// entries pending longer than the lease time (given back, or their consumer silent) count as
/// waiting: the next `get` takes them.
pub(crate) static COUNTS: LazyLock<Script> = LazyLock::new(|| {
    script(
        &[],
        r#"
local pending = redis.call('XPENDING', stream, ARGV[1])[1]
local free = 0
if pending > 0 then
  free = #redis.call('XPENDING', stream, ARGV[1], 'IDLE', tonumber(ARGV[2]), '-', '+', 100000)
end
local len = redis.call('XLEN', stream)
local leased = pending - free
local t = tonumber(redis.call('GET', taken) or '0') or 0
return {len - leased, leased, redis.call('XLEN', dead), math.max(len + t, 0)}"#,
    )
});

/// The unfinished count alone: `XLEN` plus the taken count, read together.
pub(crate) static UNFINISHED: LazyLock<Script> = LazyLock::new(|| {
    script(
        &[],
        r#"
local t = tonumber(redis.call('GET', taken) or '0') or 0
return math.max(redis.call('XLEN', stream) + t, 0)"#,
    )
});

/// `task_done`: one fewer unfinished task; an error when there is none.
pub(crate) static TASK_DONE: LazyLock<Script> = LazyLock::new(|| {
    script(
        &[],
        r#"
local t = tonumber(redis.call('GET', taken) or '0') or 0
if redis.call('XLEN', stream) + t <= 0 then
  return redis.error_reply('task_done() called too many times')
end
return redis.call('DECR', taken)"#,
    )
});
