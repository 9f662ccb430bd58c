#!/usr/bin/env python3
"""A small HTTP/1.1 server for weir's e2e tests: the behaviours nginx cannot show.

  http_server.py IP:PORT [--banner TEXT]

  GET  /size/N         N bytes of body (content-length)
  GET  /chunked/N      N bytes in 1 KiB chunks (transfer-encoding: chunked)
  GET  /eof/N          N bytes, framed by closing the connection (no length)
  GET  /status/N       an empty response with status N
  GET  /slow/MS        waits MS milliseconds, then answers
  GET  /whoami         the server's own address (which endpoint answered)
  GET  /headers        the request's header fields, one "name: value" per line
  POST /echo           the request body back (content-length or chunked request)
  GET  /ws             a WebSocket-style upgrade: 101, then every byte is echoed
  --banner TEXT        no HTTP at all: says TEXT first, then echoes lines (a server-speaks-first
                       protocol such as SMTP)

Keep-alive, pipelining and HEAD are served as HTTP/1.1 says. Standard library only.
"""
import socket
import socketserver
import sys
import threading
import time


class Conn(socketserver.StreamRequestHandler):
    def setup(self):
        super().setup()
        self.here = "%s:%d" % self.connection.getsockname()[:2]

    def handle(self):
        if BANNER is not None:
            self.wfile.write(BANNER.encode() + b"\r\n")
            self.wfile.flush()
            for line in self.rfile:
                self.wfile.write(b"echo " + line)
                self.wfile.flush()
            return
        while self.one():
            pass

    def one(self):
        line = self.rfile.readline(65537)
        if not line:
            return False
        parts = line.decode("latin-1").rstrip("\r\n").split(" ")
        if len(parts) != 3:
            self.send(400, b"bad request line\n", close=True)
            return False
        method, target, version = parts
        headers = []
        while True:
            h = self.rfile.readline(65537)
            if h in (b"\r\n", b"\n", b""):
                break
            name, _, value = h.decode("latin-1").partition(":")
            headers.append((name.strip(), value.strip()))
        get = lambda n: next((v for k, v in headers if k.lower() == n), None)
        close = (get("connection") or "").lower() == "close" or version == "HTTP/1.0"
        body = self.read_body(get)
        head_only = method == "HEAD"
        path = target.split("?")[0]
        if path.startswith("/size/"):
            self.send(200, b"x" * int(path[6:]), close, head_only)
        elif path.startswith("/chunked/"):
            self.send_chunked(int(path[9:]), close)
        elif path.startswith("/eof/"):
            self.wfile.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\n")
            self.wfile.write(b"e" * int(path[5:]))
            self.wfile.flush()
            return False
        elif path.startswith("/status/"):
            self.send(int(path[8:]), b"", close, head_only)
        elif path.startswith("/slow/"):
            time.sleep(int(path[6:]) / 1000.0)
            status = int(target.split("status=")[1]) if "status=" in target else 200
            self.send(status, b"slow\n", close, head_only)
        elif path == "/whoami":
            self.send(200, self.here.encode() + b"\n", close, head_only)
        elif path == "/headers":
            text = "".join("%s: %s\n" % (k, v) for k, v in headers)
            self.send(200, text.encode(), close, head_only)
        elif path == "/echo":
            self.send(200, body, close, head_only)
        elif path == "/ws" and (get("upgrade") or "").lower() == "websocket":
            self.wfile.write(b"HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n"
                             b"connection: upgrade\r\n\r\n")
            self.wfile.flush()
            while True:
                data = self.connection.recv(65536)
                if not data:
                    return False
                self.connection.sendall(data)
        else:
            self.send(404, b"not found\n", close, head_only)
        return not close

    def read_body(self, get):
        if (get("transfer-encoding") or "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(get("content-length") or 0)
        return self.rfile.read(n) if n else b""

    def send(self, status, body, close, head_only=False):
        head = "HTTP/1.1 %d X\r\ncontent-type: text/plain\r\ncontent-length: %d\r\nx-served-by: %s\r\n" % (
            status, len(body), self.here)
        if close:
            head += "connection: close\r\n"
        self.wfile.write(head.encode() + b"\r\n" + (b"" if head_only else body))
        self.wfile.flush()

    def send_chunked(self, n, close):
        self.wfile.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n" +
                         (b"connection: close\r\n" if close else b"") + b"\r\n")
        while n > 0:
            k = min(n, 1024)
            self.wfile.write(b"%x\r\n" % k + b"c" * k + b"\r\n")
            n -= k
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    host, port = sys.argv[1].rsplit(":", 1)
    BANNER = sys.argv[sys.argv.index("--banner") + 1] if "--banner" in sys.argv else None
    Server((host, int(port)), Conn).serve_forever()
