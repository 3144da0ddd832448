#!/usr/bin/python3
"""Raw Ethernet frames in a pod's network namespace, as a hostile pod sends
them (CAP_NET_RAW) and as its neighbour sees them.

    rawframes.py send IFACE        frames as hex strings, a JSON list on stdin;
                                   each is sent three times, 50 ms apart
    rawframes.py capture IFACE S   every frame received on IFACE for S
                                   seconds, printed as a JSON list of hex

Building frames is the caller's business (tests/adversarial/frames.py)."""

import json
import select
import socket
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def send(iface):
    frames = [bytes.fromhex(f) for f in json.load(sys.stdin)]
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
        s.bind((iface, 0))
        for _ in range(3):
            for f in frames:
                s.send(f)
            time.sleep(0.05)


def capture(iface, seconds):
    got = []
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL)) as s:
        s.bind((iface, 0))
        print("ready", file=sys.stderr, flush=True)
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if not select.select([s], [], [], left)[0]:
                continue
            data, addr = s.recvfrom(65536)
            if addr[2] != PACKET_OUTGOING:
                got.append(data.hex())
    print(json.dumps(got))


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2])
    elif sys.argv[1] == "capture":
        capture(sys.argv[2], float(sys.argv[3]))
    else:
        sys.exit(f"unknown command {sys.argv[1]}")
