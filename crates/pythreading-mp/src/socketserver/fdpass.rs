//! Passing an accepted socket to a worker process: one byte with the descriptor attached
//! (`SCM_RIGHTS`) over the worker's Unix control socket, through `rustix` (no `unsafe` here).
//!
//! The parent sends one connection to a worker only while that worker is idle, so at most one
//! such byte is in flight per control socket and the worker's one-byte read never takes two
//! messages' descriptors at once.

use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::net::UnixStream;

use rustix::io::Errno;
use rustix::net::{
    RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags, recvmsg, sendmsg,
};

/// The byte that carries a connection.
const CONNECTION: u8 = b'C';

/// Sends `fd` to the process at the other end of `control`.
pub(crate) fn send_fd(control: &UnixStream, fd: BorrowedFd<'_>) -> io::Result<()> {
    let fds = [fd];
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut ancillary = SendAncillaryBuffer::new(&mut space);
    if !ancillary.push(SendAncillaryMessage::ScmRights(&fds)) {
        return Err(io::Error::other(
            "no room for a descriptor in the control message",
        ));
    }
    loop {
        // NOSIGNAL: a worker that died must not kill this process with SIGPIPE.
        match sendmsg(
            control.as_fd(),
            &[io::IoSlice::new(&[CONNECTION])],
            &mut ancillary,
            SendFlags::NOSIGNAL,
        ) {
            Ok(1) => return Ok(()),
            Ok(_) => return Err(io::ErrorKind::WriteZero.into()),
            Err(Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Receives one descriptor sent by [`send_fd`]; `Ok(None)` at end of stream (the parent closed
/// the control socket: time to exit).
///
/// # Errors
///
/// `InvalidData` when a byte arrives without exactly one descriptor, or is not the connection
/// byte; the socket's own errors otherwise.
pub(crate) fn recv_fd(control: &UnixStream) -> io::Result<Option<OwnedFd>> {
    let mut byte = [0u8; 1];
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut ancillary = RecvAncillaryBuffer::new(&mut space);
    let got = loop {
        match recvmsg(
            control.as_fd(),
            &mut [io::IoSliceMut::new(&mut byte)],
            &mut ancillary,
            RecvFlags::CMSG_CLOEXEC,
        ) {
            Ok(got) => break got,
            Err(Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    };
    if got.bytes == 0 {
        return Ok(None);
    }
    let mut received: Vec<OwnedFd> = Vec::new();
    for message in ancillary.drain() {
        if let RecvAncillaryMessage::ScmRights(fds) = message {
            received.extend(fds);
        }
    }
    if byte[0] != CONNECTION || received.len() != 1 {
        // Every received descriptor is closed as `received` drops.
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "control message {:#04x} with {} descriptors, expected one connection",
                byte[0],
                received.len()
            ),
        ));
    }
    Ok(received.pop())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};

    #[test]
    fn a_socket_sent_arrives_usable() {
        let (parent, child) = UnixStream::pair().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (accepted, _) = listener.accept().unwrap();
        send_fd(&parent, accepted.as_fd()).unwrap();
        drop(accepted);
        let fd = recv_fd(&child).unwrap().expect("a descriptor");
        let mut served = TcpStream::from(fd);
        client.write_all(b"ping").unwrap();
        let mut buf = [0u8; 4];
        served.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"ping");
    }

    #[test]
    fn end_of_stream_is_none_and_a_bare_byte_is_refused() {
        let (mut parent, child) = UnixStream::pair().unwrap();
        parent.write_all(b"C").unwrap();
        let err = recv_fd(&child).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        drop(parent);
        assert!(recv_fd(&child).unwrap().is_none());
    }
}
