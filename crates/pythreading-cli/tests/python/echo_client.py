"""The tutorials' echo client: an input() loop of send and recv(1024).

Two changes from the tutorials' text, so that a test can drive it: the address comes from
ECHO_HOST and ECHO_PORT (default 127.0.0.1:9000, the tutorials' address), and the end of the
input ends the loop (the tutorials' loop runs until Ctrl-C).
"""

import os
import socket

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)

ip_port = (os.environ.get("ECHO_HOST", "127.0.0.1"), int(os.environ.get("ECHO_PORT", "9000")))

BUFSIZE = 1024

sock.connect(ip_port)

while True:
    try:
        msg = input(">>>: ").strip()
    except EOFError:
        break
    if not msg:
        continue
    sock.send(msg.encode("utf-8"))
    msg_recv = sock.recv(BUFSIZE)
    print(msg_recv.decode("utf-8"))

sock.close()
