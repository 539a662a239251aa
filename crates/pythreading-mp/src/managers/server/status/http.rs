//! The status page's HTTP/1.1 server: `GET /` (the page), `GET /status.json`, `GET /metrics`.
//!
//! Anyone who can reach the port may connect, so every resource is bounded before a request is
//! understood: at most [`MAX_CONNECTIONS`] connections are read at once (more are answered
//! `503` without waiting and closed), a request's head must arrive whole within
//! [`REQUEST_DEADLINE`] (trickling bytes does not extend it), be at most [`MAX_HEAD`] bytes and
//! [`MAX_HEADERS`] headers, and use `GET` or `HEAD`. One request per connection
//! (`Connection: close`): the page polls every 500 ms, which is cheap on loopback. The page
//! has no authentication: bind it to a loopback address, as `serve --http 127.0.0.1:PORT` does
//! in the examples.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use super::{StatusSnapshot, metrics};
use crate::managers::server::Shared;

/// The most connections being read or answered at once.
pub(crate) const MAX_CONNECTIONS: usize = 16;
/// The largest request head (request line and headers) accepted, in bytes.
pub(crate) const MAX_HEAD: usize = 8 * 1024;
/// The most header lines accepted.
pub(crate) const MAX_HEADERS: usize = 64;
/// How long a client has to send its whole request head, and to read the reply.
pub(crate) const REQUEST_DEADLINE: Duration = Duration::from_secs(3);

const PAGE: &str = include_str!("page.html");

/// Serves until the manager server stops (its `stop` connects here to wake this loop).
pub(crate) fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let active = Arc::new(AtomicUsize::new(0));
    while !shared.is_stopped() {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(e) if e.raw_os_error().is_some_and(|c| c == 23 || c == 24) => {
                // Out of file descriptors: back off instead of spinning.
                thread::sleep(Duration::from_millis(10));
                continue;
            }
            Err(_) => continue,
        };
        if shared.is_stopped() {
            break;
        }
        if active.fetch_add(1, Ordering::AcqRel) >= MAX_CONNECTIONS {
            active.fetch_sub(1, Ordering::AcqRel);
            busy(stream);
            continue;
        }
        let conn_shared = Arc::clone(&shared);
        let slot = ActiveSlot(Arc::clone(&active));
        let spawned = thread::Builder::new()
            .name("pythreading-status-http".into())
            .spawn(move || {
                let _slot = slot;
                handle(stream, &conn_shared);
            });
        // If no thread could be made, the closure (stream and slot) is dropped: closed, counted.
        drop(spawned);
    }
}

/// Gives its place back when the connection's thread ends.
struct ActiveSlot(Arc<AtomicUsize>);

impl Drop for ActiveSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Over the connection limit: one non-blocking write of a `503`, then close. Whatever part of
/// the request has already arrived is read first (never waited for): closing a socket with
/// unread bytes sends a reset, which can destroy the `503` before the client reads it.
fn busy(mut stream: TcpStream) {
    let _ = stream.set_nonblocking(true);
    let _ = stream.write_all(&response(
        "503 Service Unavailable",
        "text/plain; charset=utf-8",
        b"too many status connections; try again\n",
        true,
        &[("Retry-After", "1")],
    ));
    let _ = stream.shutdown(Shutdown::Write);
    let mut sink = [0u8; 1024];
    for _ in 0..8 {
        match stream.read(&mut sink) {
            Ok(n) if n > 0 => {}
            _ => break,
        }
    }
}

fn response(
    status: &str,
    content_type: &str,
    body: &[u8],
    with_body: bool,
    extra: &[(&str, &str)],
) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in extra {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(value);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    if with_body {
        bytes.extend_from_slice(body);
    }
    bytes
}

/// Why a request head could not be read.
enum HeadError {
    /// The client closed or reset the connection: nothing to answer.
    Gone,
    /// Too slow: `408`.
    Timeout,
    /// Over [`MAX_HEAD`]: `431`.
    TooLarge,
}

/// Reads up to the blank line that ends the head, within `deadline` and [`MAX_HEAD`].
fn read_head(stream: &mut TcpStream, deadline: Instant) -> Result<Vec<u8>, HeadError> {
    let mut buf = vec![0u8; MAX_HEAD];
    let mut len = 0;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(HeadError::Timeout);
        }
        stream
            .set_read_timeout(Some(left))
            .map_err(|_| HeadError::Gone)?;
        match stream.read(&mut buf[len..]) {
            Ok(0) => return Err(HeadError::Gone),
            Ok(n) => {
                // Look for the end only where the new bytes could complete it.
                let from = len.saturating_sub(3);
                len += n;
                if let Some(end) = find_end(&buf[from..len]) {
                    buf.truncate(from + end);
                    return Ok(buf);
                }
                if len == MAX_HEAD {
                    return Err(HeadError::TooLarge);
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(HeadError::Timeout);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Err(HeadError::Gone),
        }
    }
}

/// The length of the head up to its ending blank line (`\r\n\r\n`, or a bare `\n\n`).
fn find_end(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4)
        .or_else(|| bytes.windows(2).position(|w| w == b"\n\n").map(|i| i + 2))
}

/// What to send for a request head.
fn answer(head: &[u8], shared: &Shared) -> Vec<u8> {
    let plain = "text/plain; charset=utf-8";
    let Ok(text) = std::str::from_utf8(head) else {
        return response(
            "400 Bad Request",
            plain,
            b"request head is not UTF-8\n",
            true,
            &[],
        );
    };
    let mut lines = text.split('\n').map(|l| l.trim_end_matches('\r'));
    let request_line = lines.next().unwrap_or("");
    let headers = lines.filter(|l| !l.is_empty()).count();
    if headers > MAX_HEADERS {
        return response(
            "431 Request Header Fields Too Large",
            plain,
            b"too many headers\n",
            true,
            &[],
        );
    }
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return response("400 Bad Request", plain, b"bad request line\n", true, &[]);
    };
    if !version.starts_with("HTTP/1.") {
        return response(
            "505 HTTP Version Not Supported",
            plain,
            b"HTTP/1.x only\n",
            true,
            &[],
        );
    }
    let with_body = match method {
        "GET" => true,
        "HEAD" => false,
        _ => {
            return response(
                "405 Method Not Allowed",
                plain,
                b"GET or HEAD only\n",
                true,
                &[("Allow", "GET, HEAD")],
            );
        }
    };
    let path = target.split('?').next().unwrap_or("");
    match path {
        "/" | "/index.html" => response(
            "200 OK",
            "text/html; charset=utf-8",
            PAGE.as_bytes(),
            with_body,
            &[(
                "Content-Security-Policy",
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
            )],
        ),
        "/status.json" => response(
            "200 OK",
            "application/json",
            StatusSnapshot::gather(shared).to_json().as_bytes(),
            with_body,
            &[],
        ),
        "/metrics" => response(
            "200 OK",
            metrics::CONTENT_TYPE,
            StatusSnapshot::gather(shared).to_prometheus().as_bytes(),
            with_body,
            &[],
        ),
        _ => response("404 Not Found", plain, b"not found\n", with_body, &[]),
    }
}

fn handle(mut stream: TcpStream, shared: &Shared) {
    let deadline = Instant::now() + REQUEST_DEADLINE;
    let reply = match read_head(&mut stream, deadline) {
        Ok(head) => answer(&head, shared),
        Err(HeadError::Gone) => return,
        Err(HeadError::Timeout) => response(
            "408 Request Timeout",
            "text/plain; charset=utf-8",
            b"request head too slow\n",
            true,
            &[],
        ),
        Err(HeadError::TooLarge) => response(
            "431 Request Header Fields Too Large",
            "text/plain; charset=utf-8",
            b"request head too large\n",
            true,
            &[],
        ),
    };
    let _ = stream.set_write_timeout(Some(REQUEST_DEADLINE));
    if stream.write_all(&reply).is_ok() {
        let _ = stream.flush();
    }
    let _ = stream.shutdown(Shutdown::Write);
}

#[cfg(test)]
mod tests {
    use super::find_end;

    #[test]
    fn head_ends_at_the_blank_line() {
        assert_eq!(find_end(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nbody"), Some(27));
        assert_eq!(find_end(b"GET / HTTP/1.0\n\n"), Some(16));
        assert_eq!(find_end(b"GET / HTTP/1.1\r\nHost: x\r\n"), None);
    }
}
