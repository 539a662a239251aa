"""The CPython end of the connection interop tests (connection_interop.rs).

Usage:
  conn_peer.py client ADDRESS KEY        connect to our Listener and run the echo script
  conn_peer.py listener KEY [unix PATH]  listen, print the address, accept one client, echo
  conn_peer.py client_badkey ADDRESS KEY expect our Listener to refuse the key
  conn_peer.py listener_badkey KEY       expect the connecting client to fail authentication

ADDRESS is host:port or a path. The echo script, run by the CPython side:
  1. obj = recv(); send(('echo', obj, repr(obj)))
  2. b = recv_bytes(); send_bytes(b[::-1])
  3. send({'version': 'X.Y', 'list': [1, 2.5, 'x', None, True], 'tup': (1, 'a'), 'big': 2**62})
  4. b = recv_bytes(); send(len(b))
  5. recv() must raise EOFError once the Rust side closes.
"""
import sys
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Listener


def parse(address):
    if "/" in address:
        return address
    host, port = address.rsplit(":", 1)
    return (host, int(port))


def echo(c):
    obj = c.recv()
    c.send(("echo", obj, repr(obj)))
    b = c.recv_bytes()
    c.send_bytes(b[::-1])
    c.send({"version": "%d.%d" % sys.version_info[:2], "list": [1, 2.5, "x", None, True],
            "tup": (1, "a"), "big": 2**62})
    b = c.recv_bytes()
    c.send(len(b))
    try:
        c.recv()
        print("no eof")
    except EOFError:
        print("eof ok")


def main():
    mode = sys.argv[1]
    print("python %d.%d" % sys.version_info[:2], flush=True)
    if mode == "client":
        c = Client(parse(sys.argv[2]), authkey=sys.argv[3].encode())
        echo(c)
    elif mode == "client_badkey":
        try:
            Client(parse(sys.argv[2]), authkey=sys.argv[3].encode())
            print("accepted")
        except AuthenticationError as e:
            print("refused: %s" % e)
    elif mode in ("listener", "listener_badkey"):
        if len(sys.argv) > 3 and sys.argv[3] == "unix":
            listener = Listener(sys.argv[4], authkey=sys.argv[2].encode())
            print("address %s" % listener.address, flush=True)
        else:
            listener = Listener(("127.0.0.1", 0), authkey=sys.argv[2].encode())
            print("address 127.0.0.1:%d" % listener.address[1], flush=True)
        if mode == "listener":
            echo(listener.accept())
        else:
            try:
                listener.accept()
                print("accepted")
            except AuthenticationError as e:
                print("refused: %s" % e)
        listener.close()
    sys.stdout.flush()


main()
