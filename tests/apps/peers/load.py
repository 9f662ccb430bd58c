#!/usr/bin/env python3
"""Open-loop HTTP/1.1 load on a fixed schedule, for tests whose metrics must match the traffic.

  load.py HOST:PORT RATE COUNT PATH...

Sends COUNT requests, request i at start + i/RATE seconds, each on its own connection and
thread (a slow response never delays the next request), cycling through the PATHs in order.
Prints "sent N ok M" (M: responses with a status) and exits 0 when every request was answered.
Bounded: each request waits at most 5 s.
"""
import http.client
import sys
import threading
import time


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    rate, count, paths = float(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
    answered = [0]
    lock = threading.Lock()

    def one(path):
        try:
            c = http.client.HTTPConnection(host, int(port), timeout=5)
            c.request("GET", path)
            c.getresponse().read()
            c.close()
            with lock:
                answered[0] += 1
        except Exception as e:  # counted as unanswered
            print("error", path, e, file=sys.stderr)

    threads = []
    start = time.monotonic()
    for i in range(count):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        t = threading.Thread(target=one, args=(paths[i % len(paths)],))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    print("sent %d ok %d" % (count, answered[0]))
    return 0 if answered[0] == count else 1


if __name__ == "__main__":
    sys.exit(main())
