#!/usr/bin/env python3
"""Byte-level HTTP/1 and TCP exchanges for weir's e2e tests: what curl cannot send or check.

  raw_client.py IP:PORT MODE

  pipeline   two requests in one write; prints both responses' status and body, in order
  bad        a request with a malformed header field; prints the status line
  big        a request with a 70 KiB header field; prints the status line
  ws         an Upgrade to websocket, then "ping" through the tunnel; prints what came back
  banner     reads what the server says first, without sending anything; prints it and the
             seconds it took
Exit status 0 when the exchange completed, 1 otherwise. Every wait is bounded (3 s).
"""
import socket
import sys
import time

TIMEOUT = 3.0


def connect(addr):
    host, port = addr.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=TIMEOUT)
    s.settimeout(TIMEOUT)
    return s


def read_all(s):
    out = b""
    try:
        while True:
            data = s.recv(65536)
            if not data:
                break
            out += data
    except socket.timeout:
        pass
    return out


def responses(data):
    """Splits content-length framed responses; yields (status, body)."""
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        length = 0
        for l in lines[1:]:
            k, _, v = l.partition(":")
            if k.strip().lower() == "content-length":
                length = int(v.strip())
        yield status, rest[:length]
        data = rest[length:]


def main():
    addr, mode = sys.argv[1], sys.argv[2]
    s = connect(addr)
    if mode == "pipeline":
        s.sendall(b"GET /size/3 HTTP/1.1\r\nhost: web\r\n\r\n"
                  b"POST /echo HTTP/1.1\r\nhost: web\r\ncontent-length: 5\r\n\r\nhello"
                  b"GET /size/7 HTTP/1.1\r\nhost: web\r\nconnection: close\r\n\r\n")
        got = list(responses(read_all(s)))
        for status, body in got:
            print(status, body.decode())
        return 0 if len(got) == 3 else 1
    if mode in ("bad", "big"):
        field = b"Bad Header: x" if mode == "bad" else b"x-big: " + b"a" * (70 * 1024)
        s.sendall(b"GET / HTTP/1.1\r\nhost: web\r\n" + field + b"\r\n\r\n")
        data = read_all(s)
        print(data.split(b"\r\n")[0].decode())
        return 0 if data else 1
    if mode == "ws":
        s.sendall(b"GET /ws HTTP/1.1\r\nhost: web\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n")
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(4096)
            if not chunk:
                return 1
            head += chunk
        print(head.split(b"\r\n")[0].decode())
        rest = head.split(b"\r\n\r\n", 1)[1]
        s.sendall(b"ping")
        while len(rest) < 4:
            rest += s.recv(4096)
        print(rest.decode())
        return 0
    if mode == "banner":
        start = time.monotonic()
        data = s.recv(4096)
        took = time.monotonic() - start
        print(data.decode().strip(), "%.3f" % took)
        s.sendall(b"HELO weir\r\n")
        print(s.recv(4096).decode().strip())
        return 0 if data else 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
