// Official y-websocket clients (yjs 13 + y-websocket 3) that write edits continuously while
// servers and Redis are killed under them, for benchmarks/sync_chaos.py and its test.
// One JSON command per stdin line, one JSON answer per stdout line (tests/js/stdin-commands.mjs).
//
// Every edit is checkable in the final state: map keys and text tokens are unique to the
// client that made them, and only that client overwrites or deletes them, so the last edit
// a client made on a key (or token) decides what the converged document must hold there.
//   map   key "<peer>-<n>": set {by, n, v}, overwritten with v+1, or deleted
//   text  token "<peer.n>": inserted between two tokens, or deleted whole
// Concurrent inserts between the same two tokens interleave as whole items, never inside a
// token, so the text always parses back into tokens.
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { serveCommands, sleep } from './stdin-commands.mjs'

const MAP = 'notes'
const TEXT = 'text'
const TOKEN = /<[^<>]*>/g
const peers = new Map()
const retired = new Map() // room -> peers closed, whose edits the room must still hold
let writing = null

function mulberry32 (seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function connect (peer, url, token) {
  peer.provider = new WebsocketProvider(url, peer.layer, peer.doc, {
    WebSocketPolyfill: WebSocket,
    params: { token },
    disableBc: true,
    maxBackoffTime: 1000
  })
  peer.url = url
  peer.provider.on('connection-close', (event) => {
    if (event) peer.closes[event.code] = (peer.closes[event.code] ?? 0) + 1
  })
  peer.provider.awareness.setLocalState({ name: peer.name, cursor: 0 })
}

function open (msg) {
  const peer = {
    name: msg.peer,
    room: msg.room,
    layer: msg.layer ?? 'shared',
    doc: new Y.Doc(),
    random: mulberry32(msg.seed ?? 1),
    next: 0,
    ops: 0,
    keys: new Map(), // key -> {value, ops, deleted}
    tokens: new Map(), // token -> {deleted}
    closes: {}
  }
  connect(peer, msg.url, msg.token)
  peers.set(msg.peer, peer)
  return null
}

function peerOf (msg) {
  const peer = peers.get(msg.peer)
  if (!peer) throw new Error(`no peer ${msg.peer}`)
  return peer
}

function pick (random, items) {
  return items[Math.floor(random() * items.length)]
}

// One edit, chosen by the peer's own seeded generator.
function edit (peer) {
  const r = peer.random()
  const map = peer.doc.getMap(MAP)
  const text = peer.doc.getText(TEXT)
  const liveKeys = () => [...peer.keys].filter(([, k]) => !k.deleted)
  const liveTokens = () => [...peer.tokens].filter(([, t]) => !t.deleted)
  peer.ops++
  if (r < 0.15 && liveKeys().length > 0) {
    const [key, entry] = pick(peer.random, liveKeys())
    entry.value = { ...entry.value, v: entry.value.v + 1 }
    entry.ops++
    map.set(key, entry.value)
  } else if (r < 0.25 && liveKeys().length > 0) {
    const [key, entry] = pick(peer.random, liveKeys())
    entry.deleted = true
    entry.ops++
    map.delete(key)
  } else if (r < 0.6) {
    const n = peer.next++
    const key = `${peer.name}-${n}`
    const value = { by: peer.name, n, v: 0 }
    peer.keys.set(key, { value, ops: 1, deleted: false })
    map.set(key, value)
  } else if (r < 0.9 || liveTokens().length === 0) {
    const token = `<${peer.name}.${peer.next++}>`
    const current = text.toString()
    const at = Math.floor(peer.random() * (current.length + 1))
    const end = current.indexOf('>', at)
    const index = at === 0 ? 0 : end === -1 ? current.length : end + 1
    peer.tokens.set(token, { deleted: false })
    text.insert(index, token)
  } else {
    const [token, entry] = pick(peer.random, liveTokens())
    const index = text.toString().indexOf(token)
    entry.deleted = true
    if (index >= 0) text.delete(index, token.length)
    // else: its insert is not here yet, which cannot be (a client sees its own edits)
  }
  if (peer.ops % 10 === 0) {
    peer.provider.awareness.setLocalStateField('cursor', peer.ops)
  }
}

async function writeLoop (state, rate) {
  let i = 0
  while (!state.stop) {
    const writers = [...peers.values()].filter((peer) => peer.writes)
    if (writers.length > 0) edit(writers[i++ % writers.length])
    await sleep(1000 / rate / Math.max(1, writers.length) * (0.5 + Math.random()))
  }
}

// What the room's writers made, as the converged document must hold it.
function expected (room) {
  const keys = new Map()
  const tokens = new Map()
  let ops = 0
  for (const peer of [...peers.values(), ...(retired.get(room) ?? [])]) {
    if (peer.room !== room) continue
    ops += peer.ops
    for (const [key, entry] of peer.keys) keys.set(key, entry)
    for (const [token, entry] of peer.tokens) tokens.set(token, entry)
  }
  return { keys, tokens, ops }
}

// JSON with object keys sorted: a value that went through the server's Yrs document comes
// back with its keys in Yrs's order (a hash map), which is the same value.
function canonical (value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort()
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`
  }
  return JSON.stringify(value)
}

// Edits of `want` missing from one peer's document (counted per edit), and content nobody made.
function audit (peer, want) {
  const map = peer.doc.getMap(MAP).toJSON()
  const text = peer.doc.getText(TEXT).toString()
  let lost = 0
  let extra = 0
  for (const [key, entry] of want.keys) {
    const got = map[key]
    if (entry.deleted) {
      if (got !== undefined) lost++
    } else if (got === undefined) {
      lost += entry.ops
    } else if (got.v !== entry.value.v || got.by !== entry.value.by) {
      lost += Math.max(1, entry.value.v - (got.v ?? 0))
    }
  }
  for (const key of Object.keys(map)) if (!want.keys.has(key)) extra++
  const found = text.match(TOKEN) ?? []
  if (found.join('') !== text) extra++ // a token was cut: the text no longer parses
  const seen = new Map()
  for (const token of found) seen.set(token, (seen.get(token) ?? 0) + 1)
  for (const [token, entry] of want.tokens) {
    const count = seen.get(token) ?? 0
    if (entry.deleted) {
      if (count > 0) lost++
    } else if (count === 0) {
      lost++
    }
  }
  for (const [token, count] of seen) {
    if (!want.tokens.has(token)) extra += count
    else if (count > 1) extra += count - 1
  }
  const digest = createHash('sha1')
    .update(canonical(map))
    .update(text)
    .digest('hex')
    .slice(0, 16)
  return { lost, extra, digest }
}

// The names of the other clients this one sees in the room (awareness).
function present (peer) {
  const names = []
  for (const [client, state] of peer.provider.awareness.getStates()) {
    if (client !== peer.doc.clientID && state?.name) names.push(state.name)
  }
  return names.sort()
}

const commands = {
  open (msg) {
    open(msg)
    peers.get(msg.peer).writes = msg.writes ?? true
    return null
  },
  // The same document goes on through another server, as a load balancer would send it.
  move (msg) {
    const peer = peerOf(msg)
    peer.provider.destroy()
    connect(peer, msg.url, msg.token)
    return null
  },
  // Stop (or restart) some peers' writing, e.g. before they leave.
  hold (msg) {
    for (const name of msg.peers) peerOf({ peer: name }).writes = msg.writes ?? false
    return null
  },
  write (msg) {
    if (writing) return null
    writing = { stop: false }
    writing.done = writeLoop(writing, msg.rate)
    return null
  },
  async pause () {
    if (writing) {
      writing.stop = true
      await writing.done
      writing = null
    }
    return null
  },
  // Per peer: connected, synced, its digest, edits lost and content nobody made, with the
  // room's totals of edits made.
  state () {
    const rooms = {}
    const result = { peers: {}, rooms }
    for (const peer of peers.values()) {
      if (!rooms[peer.room]) {
        const want = expected(peer.room)
        rooms[peer.room] = { want, ops: want.ops }
      }
      const { lost, extra, digest } = audit(peer, rooms[peer.room].want)
      result.peers[peer.name] = {
        room: peer.room,
        url: peer.url,
        connected: peer.provider.wsconnected,
        synced: peer.provider.synced,
        ops: peer.ops,
        lost,
        extra,
        digest,
        closes: peer.closes,
        present: present(peer)
      }
    }
    for (const room of Object.values(rooms)) delete room.want
    return result
  },
  // Every peer's document (JSON and the whole Yjs update, base64) to a file, to see why a
  // run did not converge.
  dump (msg) {
    const out = {}
    for (const [name, peer] of peers) {
      out[name] = {
        room: peer.room,
        map: peer.doc.getMap(MAP).toJSON(),
        text: peer.doc.getText(TEXT).toString(),
        update: Buffer.from(Y.encodeStateAsUpdate(peer.doc)).toString('base64')
      }
    }
    writeFileSync(msg.path, JSON.stringify(out))
    return null
  },
  // The client leaves for good; the room must keep what it made.
  close (msg) {
    const peer = peerOf(msg)
    peer.provider.destroy()
    peer.doc.destroy()
    peers.delete(msg.peer)
    if (!retired.has(peer.room)) retired.set(peer.room, [])
    retired.get(peer.room).push({ room: peer.room, ops: peer.ops, keys: peer.keys, tokens: peer.tokens })
    return null
  }
}

serveCommands(commands, () => {
  for (const peer of peers.values()) peer.provider.destroy()
})
