// Cross-check of broker/kp against kafkajs 2.2.4's own request encoders
// and response decoders (see README.md): every version both speak.
const { execFileSync } = require('child_process')
const R = 'kafkajs/src/protocol/requests/'
const buf = (s) => Buffer.from(s)
const args = {
  apiVersions: [0, 2, {}],
  metadata: [0, 6, { topics: ['t'], allowAutoTopicCreation: false }],
  produce: [3, 7, { acks: -1, timeout: 1000, transactionalId: null, compression: 0,
    topicData: [{ topic: 't', partitions: [{ partition: 0, firstSequence: 0,
      messages: [{ key: 'k', value: 'v', timestamp: 1 }] }] }] }],
  fetch: [4, 11, { replicaId: -1, maxWaitTime: 500, minBytes: 1, maxBytes: 1000, isolationLevel: 1,
    topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: '5', maxBytes: 1000 }] }] }],
  listOffsets: [1, 3, { replicaId: -1, isolationLevel: 1,
    topics: [{ topic: 't', partitions: [{ partition: 0, timestamp: -1 }] }] }],
  findCoordinator: [0, 2, { groupId: 'g', coordinatorKey: 'g', coordinatorType: 0 }],
  joinGroup: [0, 5, { groupId: 'g', sessionTimeout: 10000, rebalanceTimeout: 60000, memberId: '',
    protocolType: 'consumer', groupProtocols: [{ name: 'range', metadata: buf('ab') }] }],
  syncGroup: [0, 3, { groupId: 'g', generationId: 1, memberId: 'm',
    groupAssignment: [{ memberId: 'm', memberAssignment: buf('cd') }] }],
  heartbeat: [0, 3, { groupId: 'g', groupGenerationId: 1, memberId: 'm' }],
  leaveGroup: [0, 2, { groupId: 'g', memberId: 'm' }],
  offsetCommit: [1, 5, { groupId: 'g', groupGenerationId: 1, memberId: 'm', retentionTime: -1,
    topics: [{ topic: 't', partitions: [{ partition: 0, offset: '5', timestamp: -1 }] }] }],
  offsetFetch: [1, 4, { groupId: 'g', topics: [{ topic: 't', partitions: [{ partition: 0 }] }] }],
  initProducerId: [0, 1, { transactionalId: null, transactionTimeout: 60000 }],
  createTopics: [0, 3, { topics: [{ topic: 't', numPartitions: 3, replicationFactor: 1 }],
    timeout: 5000, validateOnly: false }],
}
;(async () => {
  const reqs = []
  for (const [api, [lo, hi, a]] of Object.entries(args)) {

    for (let v = lo; v <= hi; v++) {
      const { request, response } = require(R + api).protocol({ version: v })(a)
      const encoder = await require('kafkajs/src/protocol/request')({ correlationId: reqs.length, clientId: 'kafkajs', request })
      reqs.push({ name: `${api} v${v}`, frame: encoder.buffer, response })
    }
  }
  const input = Buffer.concat(reqs.map((r) => r.frame))
  const out = execFileSync(process.env.KPECHO || './kpecho', { input })
  let at = 0, ok = 0, bad = 0
  for (const r of reqs) {
    const st = out.readInt32BE(at); at += 4
    let n = out.readUInt32BE(at); at += 4
    const again = out.slice(at, at + n); at += n
    n = out.readUInt32BE(at); at += 4
    const resp = out.slice(at, at + n); at += n
    const sent = r.frame.slice(4)
    if (st !== 0 || !again.equals(sent)) { console.log('FAIL request', r.name, st, sent.toString('hex'), again.toString('hex')); bad++; continue }
    try {
      const data = await r.response.decode(resp.slice(4))
      let parsed
      try { parsed = await r.response.parse(data) } catch (e) { parsed = 'parse: ' + e.type + ' ' + e.message }
      console.log('ok  ', r.name, JSON.stringify(parsed).slice(0, 400)); ok++
    } catch (e) { console.log('FAIL response', r.name, e.message, resp.toString('hex')); bad++ }
  }
  console.log('ok', ok, 'failed', bad)
})()
