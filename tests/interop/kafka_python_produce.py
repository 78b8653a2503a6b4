"""kafka-python (2.0.2) producer with acks=all across a broker kill.

Usage: kafka_python_produce.py BOOTSTRAP TOPIC SECONDS
Sends one record every 20 ms for SECONDS (the scenario kills a broker
meanwhile), then reads the partition back from the beginning: every
acknowledged record must be there. Exit 0 when so, 1 otherwise.
"""
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

bootstrap, topic, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
acked, failed = set(), []

producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", retries=10,
                         retry_backoff_ms=500, request_timeout_ms=5000,
                         max_in_flight_requests_per_connection=1, linger_ms=5)


def on_ok(value):
    return lambda _meta: acked.add(value)


def on_error(value):
    return lambda exc: failed.append((value, repr(exc)))


start, i = time.time(), 0
while time.time() - start < seconds:
    value = str(i).encode()
    producer.send(topic, value).add_callback(on_ok(value)).add_errback(on_error(value))
    i += 1
    time.sleep(0.02)
producer.flush(timeout=60)
producer.close(timeout=10)

tp = TopicPartition(topic, 0)
consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                         auto_offset_reset="earliest", consumer_timeout_ms=10000)
consumer.assign([tp])
consumer.seek_to_beginning(tp)
end = consumer.end_offsets([tp])[tp]
seen = set()
deadline = time.time() + 60
while consumer.position(tp) < end and time.time() < deadline:
    for records in consumer.poll(timeout_ms=1000).values():
        seen.update(r.value for r in records)
consumer.close()

missing = acked - seen
print(f"kafka-python: {i} sent, {len(acked)} acknowledged, {len(failed)} failed, "
      f"{len(seen)} read back, {len(missing)} acknowledged but missing")
if len(acked) < i // 2:
    print("FAIL: fewer than half the sends were acknowledged", failed[:3])
    sys.exit(1)
if missing:
    print("FAIL: acknowledged records missing:", sorted(missing)[:10])
    sys.exit(1)
