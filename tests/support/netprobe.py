#!/usr/bin/python3
"""Test pod traffic: `serve PORT...` answers TCP and UDP echo on each port
(IPv4 and IPv6) until killed; `probe tcp|udp HOST PORT [TIMEOUT [SOURCE]]` exits 0
when the peer answers, 1 when it does not; `probe-many` reads a JSON list of
{"id", "proto", "host", "port", "timeout"} on stdin, runs them all at once and
prints {"<id>": true|false} as JSON; `loop tcp|udp HOST PORT SECONDS` probes
every 50 ms for SECONDS and prints {"ok": N, "failed": N}; `hold HOST PORT
SECONDS` keeps one TCP connection and exchanges a message on it every 100 ms,
printing {"exchanges": N, "broken": true|false}. Bounded in time by design."""

import json
import select
import socket
import sys
import threading


def serve_tcp(port, family, addr):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, port))
    s.listen(64)

    def echo(c):
        # Echo every message until the peer closes (or is idle for 5 s).
        try:
            c.settimeout(5)
            while True:
                data = c.recv(64)
                if not data:
                    break
                c.sendall(data)
        except OSError:
            pass
        finally:
            c.close()

    while True:
        c, _ = s.accept()
        threading.Thread(target=echo, args=(c,), daemon=True).start()


def serve_udp(port, family, addr):
    s = socket.socket(family, socket.SOCK_DGRAM)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, port))
    while True:
        data, peer = s.recvfrom(64)
        s.sendto(data, peer)


def serve(ports):
    threads = []
    for port in ports:
        for family, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
            for fn in (serve_tcp, serve_udp):
                try:
                    t = threading.Thread(target=fn, args=(port, family, addr), daemon=True)
                    t.start()
                    threads.append(t)
                except OSError:
                    pass
    print("ready", flush=True)
    for t in threads:
        t.join()


def probe(proto, host, port, timeout, source=None):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    if proto == "tcp":
        try:
            with socket.create_connection((host, port), timeout=timeout,
                                          source_address=(source, 0) if source else None) as c:
                c.sendall(b"ping")
                c.settimeout(timeout)
                return c.recv(64) == b"ping"
        except OSError:
            return False
    s = socket.socket(family, socket.SOCK_DGRAM)
    try:
        for _ in range(3):  # UDP may lose a datagram; retry a little.
            s.sendto(b"ping", (host, port))
            r, _, _ = select.select([s], [], [], timeout / 3)
            if r:
                data, _ = s.recvfrom(64)
                return data == b"ping"
        return False
    except OSError:
        return False
    finally:
        s.close()


def probe_many(specs):
    results = {}

    def run(spec):
        results[spec["id"]] = probe(spec["proto"], spec["host"], spec["port"],
                                    spec.get("timeout", 1.0))

    threads = [threading.Thread(target=run, args=(s,)) for s in specs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def loop(proto, host, port, seconds):
    import time
    ok = failed = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if probe(proto, host, port, 1.0):
            ok += 1
        else:
            failed += 1
        time.sleep(0.05)
    return {"ok": ok, "failed": failed}


def hold(host, port, seconds):
    import time
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    exchanges = 0
    try:
        with socket.socket(family, socket.SOCK_STREAM) as c:
            c.settimeout(2)
            c.connect((host, port))
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                c.sendall(b"ping")
                if c.recv(64) != b"ping":
                    return {"exchanges": exchanges, "broken": True}
                exchanges += 1
                time.sleep(0.1)
    except OSError:
        return {"exchanges": exchanges, "broken": True}
    return {"exchanges": exchanges, "broken": False}


def stream(proto, host, port, seconds):
    """One socket (a TCP connection, or a UDP socket with one source port)
    for `seconds`: a message every 0.1 s, the wall-clock times of the
    echoes that came back."""
    import time
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    echoes = []
    broken = False
    with socket.socket(family, kind) as c:
        c.settimeout(2)
        try:
            c.connect((host, port))
        except OSError:
            return {"echoes": echoes, "broken": True}
        c.settimeout(0.3)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                c.send(b"ping")
                if c.recv(64):
                    echoes.append(time.time())
            except socket.timeout:
                pass
            except OSError:
                broken = True
                break
            time.sleep(0.1)
    return {"echoes": echoes, "broken": broken}


if __name__ == "__main__":
    if sys.argv[1] == "stream":
        print(json.dumps(stream(sys.argv[2], sys.argv[3], int(sys.argv[4]),
                                float(sys.argv[5]))))
    elif sys.argv[1] == "loop":
        print(json.dumps(loop(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))))
    elif sys.argv[1] == "hold":
        print(json.dumps(hold(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))))
    elif sys.argv[1] == "probe-many":
        print(json.dumps(probe_many(json.load(sys.stdin))))
    elif sys.argv[1] == "serve":
        serve([int(p) for p in sys.argv[2:]])
    else:
        timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 1.0
        source = sys.argv[6] if len(sys.argv) > 6 else None
        sys.exit(0 if probe(sys.argv[2], sys.argv[3], int(sys.argv[4]), timeout, source) else 1)
