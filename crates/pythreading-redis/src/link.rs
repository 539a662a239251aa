//! One connection to Redis that comes back after it breaks: a broken connection is dropped and
//! the next call opens a new one (the sync API has no connection manager of its own).

use std::time::Duration;

use redis::{Client, Connection};

use crate::error::RedisQueueError;

/// How long opening a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long an ordinary (non-blocking) command may take to answer.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

/// A client and its current connection, if any, with the read timeout last set on it.
pub(crate) struct Link {
    client: Client,
    conn: Option<Connection>,
    read_timeout: Option<Duration>,
}

impl Link {
    pub(crate) fn new(client: Client) -> Self {
        Link {
            client,
            conn: None,
            read_timeout: None,
        }
    }

    pub(crate) fn is_connected(&self) -> bool {
        self.conn.is_some()
    }

    /// Runs `f` on a live connection whose reads time out after `read_timeout` (a blocking
    /// command's wait plus a margin); a connection that breaks is dropped so the next call
    /// reconnects.
    pub(crate) fn run<R>(
        &mut self,
        read_timeout: Option<Duration>,
        f: impl FnOnce(&mut Connection) -> redis::RedisResult<R>,
    ) -> Result<R, RedisQueueError> {
        if self.conn.is_none() {
            let conn = self
                .client
                .get_connection_with_timeout(CONNECT_TIMEOUT)
                .map_err(|e| RedisQueueError::ConnectionLost(e.to_string()))?;
            conn.set_write_timeout(Some(COMMAND_TIMEOUT))
                .map_err(|e| RedisQueueError::from_redis(&e))?;
            self.conn = Some(conn);
            self.read_timeout = None;
        }
        let Some(conn) = self.conn.as_mut() else {
            unreachable!("connected above")
        };
        // Set only when it changes: a system call per command is a measurable share of a
        // round trip on loopback.
        let timeout = read_timeout.unwrap_or(COMMAND_TIMEOUT);
        if self.read_timeout != Some(timeout) {
            if let Err(e) = conn.set_read_timeout(Some(timeout)) {
                self.conn = None;
                return Err(RedisQueueError::from_redis(&e));
            }
            self.read_timeout = Some(timeout);
        }
        match f(conn) {
            Ok(r) => Ok(r),
            Err(e) => {
                let e = RedisQueueError::from_redis(&e);
                if e.is_connection_lost() {
                    self.conn = None;
                }
                Err(e)
            }
        }
    }
}
