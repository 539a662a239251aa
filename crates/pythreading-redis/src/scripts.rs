//! The Lua scripts that make each queue operation one atomic round trip to Redis.
//!
//! Keys: `KEYS[1]` the item stream, `KEYS[2]` its dead-letter stream (`<queue>:dead`),
//! `KEYS[3]` the count of unfinished tasks (`<queue>:unfinished`, what `join` waits on).
//! Every item is one stream entry with one field, `p`, holding its pickle.

use std::sync::LazyLock;

use redis::Script;

/// Lua helpers shared by the scripts below.
const PRELUDE: &str = r#"
local stream, dead, unfinished = KEYS[1], KEYS[2], KEYS[3]
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
      redis.call('XADD', dead, '*', 'p', payload(e[2]), 'id', id, 'deliveries', deliveries)
      remove(group, id)
      done()
    else
      return deliver(id, e[2], deliveries)
    end
  elseif cursor == '0-0' then
    break
  end
end
local r = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', 1, 'STREAMS', stream, '>')
if not r then return false end
local e = r[1][2][1]
if not e then return false end
return deliver(e[1], e[2], 1)"
    ))
});

/// Finishes a leased item (its `task_done` included): ARGV = group, id. Returns 1 if this
/// call finished it, 0 if it was already finished (acknowledged by whoever took it after this
/// lease ran out).
pub(crate) static ACK: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{PRELUDE}
local n = remove(ARGV[1], ARGV[2])
if n == 1 then done() end
return n"
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

/// Gives a leased item back at once: ARGV = group, consumer, id. Marks it idle for ever, so
/// the next `TAKE` by anyone claims it before new items (its delivery count is kept). Returns
/// 1, or 0 when the lease is no longer this consumer's.
pub(crate) static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{PRELUDE}
local group, consumer, id = ARGV[1], ARGV[2], ARGV[3]
if owner(group, id) ~= consumer then return 0 end
redis.call('XCLAIM', stream, group, consumer, 0, id, 'IDLE', 1000000000000, 'JUSTID')
return 1"
    ))
});

/// Renews a lease (its idle time back to zero): ARGV = group, consumer, id. Returns 1, or 0
/// when the lease is no longer this consumer's.
pub(crate) static RENEW: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{PRELUDE}
local group, consumer, id = ARGV[1], ARGV[2], ARGV[3]
if owner(group, id) ~= consumer then return 0 end
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
redis.call('XADD', dead, '*', 'p', ARGV[3], 'id', ARGV[2], 'reason', ARGV[4])
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
