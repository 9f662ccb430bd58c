#!/usr/bin/env python3
"""Steady HTTP/1.1 load until told to stop, for tests that change something under traffic.

  steady.py HOST:PORT PATH new|keepalive RATE STOPFILE MAXSECONDS

Sends GET PATH about RATE times a second, one at a time: on a new connection each (new), or
over one kept-alive connection (keepalive; reopened only after an error), until STOPFILE exists
or MAXSECONDS passed. A request fails when it errs or its status is not 200; each failure is
printed. Ends with "sent N failed F" and exits 0 when F is 0. Each request waits at most 5 s.
"""
import http.client
import os
import sys
import time


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    path, mode, rate = sys.argv[2], sys.argv[3], float(sys.argv[4])
    stop, max_seconds = sys.argv[5], float(sys.argv[6])
    sent = failed = 0
    conn = None
    start = time.monotonic()
    while not os.path.exists(stop) and time.monotonic() - start < max_seconds:
        try:
            if conn is None:
                conn = http.client.HTTPConnection(host, int(port), timeout=5)
            conn.request("GET", path)
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                failed += 1
                print("status", resp.status, "at", round(time.monotonic() - start, 2), flush=True)
        except Exception as e:
            failed += 1
            print("error", repr(e), "at", round(time.monotonic() - start, 2), flush=True)
            conn.close()
            conn = None
        sent += 1
        if mode == "new" and conn is not None:
            conn.close()
            conn = None
        time.sleep(1.0 / rate)
    print("sent %d failed %d" % (sent, failed), flush=True)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
