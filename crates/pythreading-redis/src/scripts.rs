//! The Lua scripts that make each queue operation one atomic round trip to Redis.
//!
//! Keys: `KEYS[1]` the item stream, `KEYS[2]` its dead-letter stream (`<queue>_dead`, the
//! name the manager server gives a queue's dead-letter queue), `KEYS[3]` the count of
//! unfinished tasks (`<queue>:unfinished`, what `join` waits on), `KEYS[4]` the dead-letter
//! stream's own unfinished count. Every item is one stream entry whose field `p` holds its
//! pickle. A lease given back is handed to the consumer `~released` with an idle time of
//! for ever, so no one can ack it and the next take claims it.

use std::sync::LazyLock;

use redis::Script;

/// Lua helpers shared by the scripts below.
const PRELUDE: &str = r#"
local stream, dead, unfinished, dead_unfinished = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local released = '~released'
local function bury(fields)
  redis.call('XADD', dead, '*', unpack(fields))
  redis.call('INCR', dead_unfinished)
end
local function payload(fields)
  for i = 1, #fields, 2 do
    if fields[i] == 'p' then return fields[i + 1] end
  end
  return ''
end
local function remove(group, id)
  local n = redis.call('XACK', stream, group, id)
  if n == 1 then redis.call('XDEL', stream, id) end
  return n
end
local function done()
  if redis.call('DECR', unfinished) < 0 then redis.call('SET', unfinished, 0) end
end
local function owner(group, id)
  local p = redis.call('XPENDING', stream, group, id, id, 1)
  if #p == 0 then return false end
  return p[1][2]
end
-- Whether `consumer` (or anyone, for '') holds a live lease on `id`.
local function holds(group, consumer, id)
  local o = owner(group, id)
  if not o or o == released then return false end
  return consumer == '' or o == consumer
end
local function give_back(group, id)
  redis.call('XCLAIM', stream, group, released, 0, id, 'IDLE', 1000000000000, 'JUSTID')
end
"#;

/// `put`: ARGV = pickle. Appends the item, counts it unfinished, returns its id.
pub(crate) static PUT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{PRELUDE}
local id = redis.call('XADD', stream, '*', 'p', ARGV[1])
redis.call('INCR', unfinished)
return id"
    ))
});

/// Takes one item without waiting: ARGV = group, consumer, lease ms, most deliveries, ack
/// (`1`: remove it at once, as a plain `get`, leaving `task_done` to count it done; `0`: keep
/// it leased to `consumer`).
///
/// First come items whose lease ran out (`XAUTOCLAIM`, which raises their delivery count);
/// one delivered more than the most deliveries goes to the dead-letter stream instead. Then
/// new items (`XREADGROUP ... >`). Returns `{id, pickle, deliveries}` or nil.
pub(crate) static TAKE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{PRELUDE}
local group, consumer = ARGV[1], ARGV[2]
local idle, most, ack = tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5] == '1'
local function deliver(id, fields, deliveries)
  local p = payload(fields)
  if ack then remove(group, id) end
  return {{id, p, deliveries}}
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
      bury({{'p', payload(e[2]), 'id', id, 'deliveries', deliveries}})
      remove(group, id)
      done()
    else
      return deliver(id, e[2], deliveries)
    end
  elseif cursor == '0-0' then
    break
  end
end
if ack then
  -- Taken for good: NOACK keeps it out of the pending list, and it is deleted at once.
  local r = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', 1, 'NOACK', 'STREAMS', stream, '>')
  if not r then return false end
  local e = r[1][2][1]
  if not e then return false end
  redis.call('XDEL', stream, e[1])
  return {{e[1], payload(e[2]), 1}}
end
local r = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', 1, 'STREAMS', stream, '>')
if not r then return false end
local e = r[1][2][1]
if not e then return false end
return deliver(e[1], e[2], 1)"
    ))
});

/// Finishes a leased item (its `task_done` included): ARGV = group, consumer (`''`: any),
/// id. Returns 1, or 0 when the lease is no longer the consumer's (finished, given back, or
/// run out and taken by another consumer).
pub(crate) static ACK: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{PRELUDE}
if not holds(ARGV[1], ARGV[2], ARGV[3]) then return 0 end
remove(ARGV[1], ARGV[3])
done()
return 1"
    ))
});

/// Finishes the consumer's oldest lease: ARGV = group, consumer. Returns 1, or 0 if it holds
/// none.
pub(crate) static ACK_OLDEST: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{PRELUDE}
local p = redis.call('XPENDING', stream, ARGV[1], '-', '+', 1, ARGV[2])
if #p == 0 then return 0 end
remove(ARGV[1], p[1][1])
done()
return 1"
    ))
});

/// Gives back every lease of a consumer (its connection closed): ARGV = group, consumer.
/// Returns how many.
pub(crate) static RELEASE_CONSUMER: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{PRELUDE}
local n = 0
while true do
  local p = redis.call('XPENDING', stream, ARGV[1], '-', '+', 100, ARGV[2])
  if #p == 0 then break end
  for _, e in ipairs(p) do
    give_back(ARGV[1], e[1])
    n = n + 1
  end
end
return n"
    ))
});

/// Appends an item that was taken for good but could not be delivered: ARGV = pickle. The
/// unfinished count is unchanged (it was never finished). A stream cannot insert at its head,
/// so it goes to the tail.
pub(crate) static GIVE_BACK: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{PRELUDE}
return redis.call('XADD', stream, '*', 'p', ARGV[1])"
    ))
});

/// Removes an item a plain `get` took by a blocking read (`task_done` still to come): ARGV =
/// group, id.
pub(crate) static REMOVE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{PRELUDE}
return remove(ARGV[1], ARGV[2])"
    ))
});

/// Gives a leased item back at once: ARGV = group, consumer (`''`: any), id. Hands it to
/// the `~released` consumer, idle for ever, so the next `TAKE` by anyone claims it before new
/// items (its delivery count kept). Returns 1, or 0 when the lease is no longer the consumer's.
pub(crate) static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{PRELUDE}
if not holds(ARGV[1], ARGV[2], ARGV[3]) then return 0 end
give_back(ARGV[1], ARGV[3])
return 1"
    ))
});

/// Renews a lease (its idle time back to zero): ARGV = group, consumer, id. Returns 1, or 0
/// when the lease is no longer this consumer's.
pub(crate) static RENEW: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{PRELUDE}
local group, consumer, id = ARGV[1], ARGV[2], ARGV[3]
if not holds(group, consumer, id) then return 0 end
redis.call('XCLAIM', stream, group, consumer, 0, id, 'JUSTID')
return 1"
    ))
});

/// Moves an item that cannot be decoded to the dead-letter stream: ARGV = group, id, pickle,
/// reason. Removes it if it is still pending; it counts as done (no one will call `task_done`
/// for an item they never received).
pub(crate) static BURY: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{PRELUDE}
bury({{'p', ARGV[3], 'id', ARGV[2], 'reason', ARGV[4]}})
remove(ARGV[1], ARGV[2])
done()
return 1"
    ))
});

/// Counts: ARGV = group, lease ms. Returns `{waiting, leased, dead, unfinished}`, where
/// entries pending longer than the lease time (given back, or their consumer silent) count as
/// waiting: the next `get` takes them.
pub(crate) static COUNTS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{PRELUDE}
local pending = redis.call('XPENDING', stream, ARGV[1])[1]
local free = 0
if pending > 0 then
  free = #redis.call('XPENDING', stream, ARGV[1], 'IDLE', tonumber(ARGV[2]), '-', '+', 100000)
end
local leased = pending - free
local waiting = redis.call('XLEN', stream) - leased
local u = tonumber(redis.call('GET', unfinished) or '0') or 0
return {{waiting, leased, redis.call('XLEN', dead), u}}"
    ))
});

/// `task_done`: one fewer unfinished task; an error when there is none.
pub(crate) static TASK_DONE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{PRELUDE}
local u = tonumber(redis.call('GET', unfinished) or '0') or 0
if u <= 0 then return redis.error_reply('task_done() called too many times') end
return redis.call('DECR', unfinished)"
    ))
});
