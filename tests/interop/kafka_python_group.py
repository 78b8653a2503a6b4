"""kafka-python (2.0.2) group consumer: a commit, then a second member resumes.

Usage: kafka_python_group.py BOOTSTRAP TOPIC
Produces 300 records (acks=all), a first member of group "interop" reads
about half and commits synchronously, leaves; a second member of the same
group must start at the committed offsets (nothing below them again) and
the two together must have read every record. Exit 0 when so.
"""
import sys
import time

from kafka import KafkaConsumer, KafkaProducer

bootstrap, topic = sys.argv[1], sys.argv[2]
N = 300
producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
tag = str(time.time())
for i in range(N):
    producer.send(topic, f"{tag}:{i}".encode())
producer.flush(timeout=30)
producer.close()


def member():
    return KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id="interop-" + tag,
                         enable_auto_commit=False, auto_offset_reset="earliest",
                         session_timeout_ms=10000, max_poll_records=25)


def mine(records):
    return [r for r in records if r.value.decode().startswith(tag + ":")]


first, got1 = member(), []
deadline = time.time() + 60
while len(got1) < N // 2 and time.time() < deadline:
    for records in first.poll(timeout_ms=1000).values():
        got1.extend(mine(records))
first.commit()
committed = {tp: first.committed(tp) for tp in first.assignment()}
first.close()

second, got2 = member(), []
deadline = time.time() + 60
while len({r.value for r in got1 + got2}) < N and time.time() < deadline:
    for records in second.poll(timeout_ms=1000).values():
        got2.extend(mine(records))
second.close()

below = [r for r in got2 for tp, off in committed.items()
         if r.partition == tp.partition and off is not None and r.offset < off]
values = {r.value for r in got1 + got2}
print(f"kafka-python group: first member read {len(got1)} and committed {committed}; "
      f"second read {len(got2)}; {len(values)} of {N} distinct")
if not got1 or not committed:
    print("FAIL: the first member read or committed nothing")
    sys.exit(1)
if below:
    print("FAIL: the second member re-read records below the commit:", below[:3])
    sys.exit(1)
if len(values) != N:
    print("FAIL: records never read by the group:", N - len(values))
    sys.exit(1)
