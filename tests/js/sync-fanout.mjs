// Fan-out benchmark client, the same for every server under test (benchmarks/_fanout.py,
// used by benchmarks/sync_fanout.py and benchmarks/sync_redis.py). Each readers process
// reports on its own, so the harness can tell apart readers connected to different servers.
//   node sync-fanout.mjs readers <serverUrl> <roomname> <count> [token]
//     opens <count> y-websocket readers, prints {"ready": n} once all synced, records the
//     latency of every update it sees; on the line "count" prints {"count": n} (updates
//     seen by all its readers), on the line "report" its measurements ("latencies" flat:
//     receive time, latency, receive time, latency...).
//   node sync-fanout.mjs writer <serverUrl> <roomname> <rate> <seconds> <warmup> [token]
//     waits for the line "go", then sets one map entry per tick (its send time inside):
//     <warmup> seconds of entries the readers ignore, then <seconds> measured; prints
//     {"sent": n} (measured entries only).
// Times are performance.timeOrigin + performance.now(): comparable across processes here.
import * as readline from 'node:readline'
import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'

const [mode, serverUrl, roomname, ...rest] = process.argv.slice(2)
const now = () => performance.timeOrigin + performance.now()
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const out = (obj) => new Promise((resolve) => process.stdout.write(JSON.stringify(obj) + '\n', resolve))
process.setMaxListeners(0)

function connect (token) {
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(serverUrl, roomname, doc, {
    WebSocketPolyfill: WebSocket,
    params: token ? { token } : {},
    disableBc: true
  })
  provider.awareness.setLocalState(null)
  return { doc, provider }
}

// The measuring side allocates as little as it can: over a long run with many readers,
// per-sample arrays and string sets grow the heap and the garbage collector's pauses would
// show as latency. Samples go into a flat typed array, seen entries into a byte per index.
class Samples {
  constructor () {
    this.data = new Float64Array(1 << 16)
    this.length = 0
  }

  push (at, latency) {
    if (this.length + 2 > this.data.length) {
      const bigger = new Float64Array(this.data.length * 2)
      bigger.set(this.data)
      this.data = bigger
    }
    this.data[this.length++] = at
    this.data[this.length++] = latency
  }

  toJSON () { // [receivedAt, latencyMs, receivedAt, latencyMs, ...]
    return Array.from(this.data.subarray(0, this.length))
  }
}

class Seen {
  constructor () {
    this.flags = new Uint8Array(1 << 12)
    this.size = 0
  }

  add (index) { // false if already seen
    if (index >= this.flags.length) {
      const bigger = new Uint8Array(Math.max(index + 1, this.flags.length * 2))
      bigger.set(this.flags)
      this.flags = bigger
    }
    if (this.flags[index]) return false
    this.flags[index] = 1
    this.size++
    return true
  }
}

async function readers (count, token) {
  const clients = []
  const latencies = new Samples()
  const seen = []
  let closes = 0
  for (let i = 0; i < count; i++) {
    const client = connect(token)
    const got = new Seen()
    seen.push(got)
    client.provider.on('connection-close', () => { closes++ })
    client.doc.getMap('bench').observe((event) => {
      const at = now()
      for (const key of event.keysChanged) {
        const value = event.target.get(key)
        if (value && !value.warm && got.add(Number(key))) latencies.push(at, at - value.t)
      }
    })
    clients.push(client)
  }
  while (!clients.every((c) => c.provider.synced)) await sleep(20)
  out({ ready: count })
  const lines = readline.createInterface({ input: process.stdin })
  for await (const line of lines) {
    if (line.trim() === 'count') {
      await out({ count: seen.reduce((sum, s) => sum + s.size, 0) })
    }
    if (line.trim() === 'report') {
      const report = { received: seen.map((s) => s.size), latencies, closes }
      for (const c of clients) c.provider.destroy()
      await out(report)
      process.exit(0)
    }
  }
}

async function writer (rate, seconds, warmup, token) {
  const { doc, provider } = connect(token)
  while (!provider.synced) await sleep(20)
  out({ ready: 1 })
  const lines = readline.createInterface({ input: process.stdin })
  for await (const line of lines) {
    if (line.trim() === 'go') break
  }
  const map = doc.getMap('bench')
  const period = 1000 / rate
  const warm = Math.round(rate * warmup)
  const total = Math.round(rate * seconds)
  let start = performance.now()
  for (let i = 0; i < warm + total; i++) {
    if (i === warm && warm > 0) start = performance.now() + period
    const wait = start + (i < warm ? i : i - warm) * period - performance.now()
    if (wait > 0) await sleep(wait)
    if (i < warm) map.set(`w${i}`, { t: now(), warm: true })
    else map.set(String(i - warm), { t: now() })
  }
  await sleep(200)
  provider.destroy()
  await out({ sent: total, seconds: (performance.now() - start) / 1000 })
  process.exit(0)
}

if (mode === 'readers') {
  readers(Number(rest[0]), rest[1])
} else if (mode === 'writer') {
  writer(Number(rest[0]), Number(rest[1]), Number(rest[2]), rest[3])
} else {
  console.error('usage: sync-fanout.mjs readers|writer ...')
  process.exit(2)
}
