#!/usr/bin/env python3
"""Holds many idle keep-alive HTTP/1.1 connections open, for memory measurements.

  hold.py HOST:PORT COUNT SECONDS

Opens COUNT connections (in batches, so the listener's backlog never overflows), sends one
GET / on each and reads its response, prints "open COUNT" once all are established and
answered, then keeps them open for SECONDS (or until killed) without sending anything more.
Exits 1 if any connection or response failed.
"""
import selectors
import socket
import sys
import time


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    count, seconds = int(sys.argv[2]), float(sys.argv[3])
    request = b"GET / HTTP/1.1\r\nhost: bench\r\n\r\n"
    socks = []
    batch = 200
    sel = selectors.DefaultSelector()
    for start in range(0, count, batch):
        pending = {}
        for _ in range(min(batch, count - start)):
            s = socket.create_connection((host, int(port)), timeout=10)
            s.sendall(request)
            s.setblocking(False)
            pending[s] = b""
            sel.register(s, selectors.EVENT_READ)
        deadline = time.monotonic() + 10
        while pending and time.monotonic() < deadline:
            for key, _ in sel.select(timeout=1):
                s = key.fileobj
                data = s.recv(65536)
                if not data:
                    print("closed by the server", file=sys.stderr)
                    return 1
                pending[s] += data
                head, sep, body = pending[s].partition(b"\r\n\r\n")
                if sep:
                    length = 0
                    for line in head.split(b"\r\n")[1:]:
                        k, _, v = line.partition(b":")
                        if k.strip().lower() == b"content-length":
                            length = int(v)
                    if len(body) >= length:
                        sel.unregister(s)
                        del pending[s]
                        socks.append(s)
        if pending:
            print("%d responses missing" % len(pending), file=sys.stderr)
            return 1
    print("open %d" % len(socks), flush=True)
    time.sleep(seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
