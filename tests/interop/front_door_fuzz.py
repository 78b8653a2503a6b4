"""Random frames at the real front door of `ksim serve`.

Usage: front_door_fuzz.py HOST PORT SEED COUNT
Opens COUNT connections one after another and, on each, sends one of: a
frame of random bytes with a correct length prefix, a Kafka-looking header
(valid api key and version) followed by garbage, a negative or huge length
prefix, or half a frame before hanging up. Whatever the broker answers (or
not) is read and ignored. The check is elsewhere: the cluster still serves
afterwards (front_door.sh).
"""
import random
import socket
import struct
import sys

host, port, seed, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(seed)


def payload():
    kind = rng.randrange(4)
    if kind == 0:
        body = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
        return struct.pack(">i", len(body)) + body
    if kind == 1:  # api key 0..60, version 0..12, correlation id, then garbage
        head = struct.pack(">hhi", rng.randrange(61), rng.randrange(13), rng.randrange(1 << 30))
        body = head + bytes(rng.randrange(256) for _ in range(rng.randrange(0, 200)))
        return struct.pack(">i", len(body)) + body
    if kind == 2:  # negative or over socket.request.max.bytes
        return struct.pack(">i", rng.choice([-1, -(1 << 31), (1 << 31) - 1, 200 << 20]))
    body = bytes(rng.randrange(256) for _ in range(100))
    return struct.pack(">i", 1000) + body  # promises more than it sends


for _ in range(count):
    s = socket.create_connection((host, port), timeout=2)
    try:
        s.sendall(payload())
        s.settimeout(0.05)
        try:
            s.recv(65536)
        except (socket.timeout, ConnectionError):
            pass
    except ConnectionError:
        pass
    finally:
        s.close()
print(f"sent {count} random frames")
