#!/usr/bin/env python3
"""CPython side of `pythreading-bench net`: socketserver.ThreadingTCPServer serving the
tutorials' echo (each message sent back upper-cased) on 127.0.0.1, for the bench's Rust client.

    python3 net.py

Prints `port N` once listening, serves until its standard input closes, then exits.
Settings: daemon_threads (exit does not wait for handlers) and request_queue_size = 128, the
listen backlog the Rust servers get from the standard library (CPython's default of 5 overflows
when 1,000 clients connect, and every overflow costs a client a one-second SYN retry: that would
measure the backlog, not the server).
"""
import socketserver
import sys
import threading


class UpperEcho(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            try:
                data = self.request.recv(1024)
                if not data:
                    return
                self.request.sendall(data.upper())
            except OSError:  # the bench client resets its connections when it is done
                return


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128


def main():
    with Server(("127.0.0.1", 0), UpperEcho) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        print("port", server.server_address[1], flush=True)
        sys.stdin.read()
        server.shutdown()


if __name__ == "__main__":
    main()
