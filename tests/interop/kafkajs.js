// kafkajs (2.2.4) against `ksim serve`: produce 100 records with acks=all,
// then consume them in a group until every one is seen.
// Usage: node kafkajs.js BOOTSTRAP TOPIC   (exit 0 when every record is read)
const { Kafka, logLevel } = require('kafkajs');

const [brokers, topic] = [process.argv[2].split(','), process.argv[3]];
const kafka = new Kafka({ clientId: 'ksim-interop', brokers, logLevel: logLevel.WARN,
  retry: { retries: 10 } });
const N = 100;
const tag = `${Date.now()}`;

async function main() {
  const producer = kafka.producer();
  await producer.connect();
  const messages = Array.from({ length: N }, (_, i) => ({ value: `${tag}:${i}` }));
  await producer.send({ topic, acks: -1, messages });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: `interop-js-${tag}` });
  const seen = new Set();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${seen.size} of ${N} read`)), 60000);
    consumer.run({
      eachMessage: async ({ message }) => {
        const v = message.value.toString();
        if (v.startsWith(`${tag}:`)) seen.add(v);
        if (seen.size === N) { clearTimeout(timer); resolve(); }
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  console.log(`kafkajs: ${N} produced (acks=all), ${seen.size} consumed in a group`);
}

main().then(() => process.exit(0), (e) => { console.error('FAIL:', e.message); process.exit(1); });
