#!/usr/bin/env python3
"""A minimal keep-alive JSON-RPC client for bench_rpc.sh (raw sockets: the client must cost
less than the server it measures).

  rpc_client.py latency PORT AUTH METHOD COUNT      -> JSON: min/median/p95 ms, reply bytes
  rpc_client.py rate PORT AUTH METHOD SECONDS PROCS -> JSON: requests/s over PROCS processes,
                                                       each one keep-alive connection
  rpc_client.py call PORT AUTH METHOD               -> the result, as JSON
AUTH is "user:password" (a cookie file's content).
"""
import base64
import json
import multiprocessing
import socket
import statistics
import sys
import time


def request(auth, method):
    body = json.dumps({"jsonrpc": "1.0", "id": 1, "method": method, "params": []}).encode()
    return (b"POST / HTTP/1.1\r\nHost: bench\r\nAuthorization: Basic " +
            base64.b64encode(auth.encode()) + b"\r\nContent-Type: application/json\r\n" +
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=120)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def exchange(self, req):
        self.s.sendall(req)
        while b"\r\n\r\n" not in self.buf:
            chunk = self.s.recv(1 << 20)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        head, _, rest = self.buf.partition(b"\r\n\r\n")
        status = int(head.split(b" ")[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(rest) < length:
            chunk = self.s.recv(1 << 20)
            if not chunk:
                raise ConnectionError("closed")
            rest += chunk
        self.buf = rest[length:]
        return status, rest[:length]


def latency(port, auth, method, count):
    c = Conn(port)
    req = request(auth, method)
    c.exchange(req)  # warm-up
    times, size = [], 0
    for _ in range(count):
        t0 = time.perf_counter()
        status, body = c.exchange(req)
        times.append((time.perf_counter() - t0) * 1000)
        if status != 200:
            raise SystemExit(f"HTTP {status}: {body[:200]}")
        size = len(body)
        result = json.loads(body)["result"]
    times.sort()
    return {"count": count, "min_ms": round(times[0], 3),
            "median_ms": round(statistics.median(times), 3),
            "p95_ms": round(times[int(len(times) * 0.95) - 1], 3), "reply_bytes": size,
            "result_len": len(result) if isinstance(result, list) else None}


def worker(port, auth, method, seconds, out):
    c = Conn(port)
    req = request(auth, method)
    n = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        status, _ = c.exchange(req)
        if status != 200:
            raise SystemExit(f"HTTP {status}")
        n += 1
    out.put(n)


def rate(port, auth, method, seconds, procs):
    out = multiprocessing.Queue()
    ps = [multiprocessing.Process(target=worker, args=(port, auth, method, seconds, out))
          for _ in range(procs)]
    t0 = time.perf_counter()
    for p in ps:
        p.start()
    total = sum(out.get() for _ in ps)
    for p in ps:
        p.join()
    elapsed = time.perf_counter() - t0
    return {"connections": procs, "seconds": round(elapsed, 2), "requests": total,
            "requests_per_s": round(total / seconds)}


def main():
    mode, port, auth, method = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    if mode == "latency":
        print(json.dumps(latency(port, auth, method, int(sys.argv[5]))))
    elif mode == "rate":
        print(json.dumps(rate(port, auth, method, float(sys.argv[5]), int(sys.argv[6]))))
    else:
        status, body = Conn(port).exchange(request(auth, method))
        print(json.dumps(json.loads(body)["result"]))


if __name__ == "__main__":
    main()
