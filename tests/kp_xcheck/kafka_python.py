# Cross-check of broker/kp against kafka-python 2.0.2's own protocol
# classes: every version both speak is encoded by kafka-python, decoded and
# re-encoded by ksim (must give the same bytes), and ksim's answer is
# decoded by kafka-python. Run: python3 kafka_python.py (KPECHO = binary).
import os
import struct, subprocess, io
import kafka.protocol.types as T
from kafka.protocol.api import RequestHeader
import kafka.protocol.metadata as md, kafka.protocol.produce as pr, kafka.protocol.fetch as fe
import kafka.protocol.offset as of, kafka.protocol.commit as cm, kafka.protocol.group as gr
import kafka.protocol.admin as ad

def sample(t):
    if isinstance(t, T.Schema):
        return tuple(sample(f) for f in t.fields)
    if isinstance(t, T.Array):
        return [sample(t.array_of)]
    c = t if isinstance(t, type) else type(t)
    if issubclass(c, T.String): return 't'
    if issubclass(c, T.Bytes): return b'ab'
    if t is T.Boolean: return False
    if t in (T.Int8,): return 1
    if t in (T.Int16,): return 2
    if t in (T.Int32,): return 3
    if t in (T.Int64,): return 4
    raise Exception('type %r' % t)

cases = [(md.MetadataRequest, range(0, 6)), (pr.ProduceRequest, range(3, 8)),
         (fe.FetchRequest, range(4, 12)), (of.OffsetRequest, range(1, 4)),
         (cm.OffsetCommitRequest, range(1, 4)), (cm.OffsetFetchRequest, range(1, 4)),
         (cm.GroupCoordinatorRequest, range(0, 2)), (gr.JoinGroupRequest, range(0, 3)),
         (gr.SyncGroupRequest, range(0, 2)), (gr.HeartbeatRequest, range(0, 2)),
         (gr.LeaveGroupRequest, range(0, 2)), (ad.ApiVersionRequest, range(0, 3)),
         (ad.CreateTopicsRequest, range(0, 4))]
reqs = []
buf = b''
for cls, vers in cases:
    for v in vers:
        k = cls[v]
        args = sample(k.SCHEMA)
        if k.API_KEY == 8 and v == 1:  # commit_timestamp: ksim re-encodes -1
            args = (args[0], args[1], args[2], [('t', [(3, 4, -1, 't')])])
        if k.API_KEY == 8 and v >= 2:
            args = args[:3] + (-1,) + args[4:]  # retention_time: ksim re-encodes -1
        req = k(*args)
        hdr = RequestHeader(req, correlation_id=len(reqs), client_id='kafka-python')
        try:
            body = hdr.encode() + req.encode()
        except TypeError as e:
            print('skip (kafka-python cannot encode)', k.__name__, e)
            continue
        reqs.append((k, v, body))
        buf += struct.pack('>I', len(body)) + body
p = subprocess.run([os.environ.get('KPECHO', './kpecho')], input=buf, stdout=subprocess.PIPE, check=True)
r = io.BytesIO(p.stdout)
ok = bad = 0
for k, v, body in reqs:
    st, = struct.unpack('>i', r.read(4))
    n, = struct.unpack('>I', r.read(4)); again = r.read(n)
    n, = struct.unpack('>I', r.read(4)); resp = r.read(n)
    name = '%s v%d' % (k.__name__.split('_')[0], v)
    if st != 0 or again != body:
        print('FAIL request', name, st, body.hex(), again.hex()); bad += 1; continue
    try:
        corr, = struct.unpack('>i', resp[:4])
        obj = k.RESPONSE_TYPE.decode(resp[4:])
        assert corr == reqs.index((k, v, body))
        print('ok  ', name, str(obj)[:110]); ok += 1
    except Exception as e:
        print('FAIL response', name, repr(e), resp.hex()); bad += 1
print('ok', ok, 'failed', bad)
