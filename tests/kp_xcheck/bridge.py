# A throwaway TCP bridge for a manual kcat check: each connection gets its
# own kpecho, which decodes every request with broker/kp and answers with
# its canned response (one broker, topic "t"). Not a broker.
#   python3 tests/kp_xcheck/bridge.py & ; kcat -b 127.0.0.1:19092 -L -d feature
import os
import socket, struct, subprocess, sys, threading
def rd(f, n):
    b = b''
    while len(b) < n:
        c = f.read(n - len(b)) if hasattr(f, 'read') else f.recv(n - len(b))
        if not c: return None
        b += c
    return b
def serve(conn):
    p = subprocess.Popen([os.environ.get('KPECHO', './kpecho')], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    while True:
        h = rd(conn, 4)
        if not h: break
        n, = struct.unpack('>i', h); body = rd(conn, n)
        api, ver = struct.unpack('>hh', body[:4])
        p.stdin.write(h + body); p.stdin.flush()
        st, = struct.unpack('>i', rd(p.stdout, 4))
        m, = struct.unpack('>I', rd(p.stdout, 4)); rd(p.stdout, m)
        m, = struct.unpack('>I', rd(p.stdout, 4)); resp = rd(p.stdout, m) if m else b''
        print('api %d v%d -> status %d, %d bytes' % (api, ver, st, len(resp)), file=sys.stderr, flush=True)
        if st != 0 or not resp: break
        conn.sendall(struct.pack('>i', len(resp)) + resp)
    conn.close(); p.kill()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', 19092)); s.listen(5)
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
