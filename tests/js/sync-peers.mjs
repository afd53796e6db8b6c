// Drives official y-websocket clients (yjs 13 + y-websocket 3) for the sync tests.
// One JSON command per stdin line, one JSON answer per stdout line (stdin-commands.mjs):
//   {"id": 1, "cmd": "open", "peer": "a", "url": "ws://host:port/ws/rooms/r", "layer": "shared",
//    "token": "..."}  ->  {"id": 1, "ok": true, "result": ...}
// The clients are used unmodified: permission denials are read from the console.warn line
// the client prints, close codes from its 'connection-close' event.
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { serveCommands, sleep, until } from './stdin-commands.mjs'

const peers = new Map()
const denials = []
const realWarn = console.warn
console.warn = (...args) => {
  const text = args.join(' ')
  if (text.startsWith('Permission denied')) {
    for (const [name, peer] of peers) {
      if (text.includes(peer.provider.url)) peer.denials.push(text.split('\n').slice(1).join('\n'))
    }
    denials.push(text)
    return
  }
  realWarn(...args)
}

function peerOf (msg) {
  const peer = peers.get(msg.peer)
  if (!peer) throw new Error(`no peer ${msg.peer}`)
  return peer
}

function open (msg, doc = new Y.Doc()) {
  const provider = new WebsocketProvider(msg.url, msg.layer, doc, {
    WebSocketPolyfill: WebSocket,
    params: msg.token ? { token: msg.token } : {},
    disableBc: true,
    maxBackoffTime: msg.maxBackoff ?? 500
  })
  const peer = { doc, provider, closes: [], denials: [], statuses: [], bursts: [] }
  provider.on('connection-close', (event) => {
    if (event) peer.closes.push({ code: event.code, reason: event.reason })
  })
  provider.on('status', (event) => peer.statuses.push(event.status))
  if (msg.awareness) provider.awareness.setLocalState(msg.awareness)
  else provider.awareness.setLocalState(null)
  peers.set(msg.peer, peer)
  return null
}

const commands = {
  open,
  async synced (msg) {
    const peer = peerOf(msg)
    await until(() => peer.provider.synced, msg.timeout, `${msg.peer} to sync`)
    return true
  },
  async connected (msg) {
    const peer = peerOf(msg)
    await until(() => peer.provider.wsconnected, msg.timeout, `${msg.peer} to connect`)
    return true
  },
  set (msg) {
    const map = peerOf(msg).doc.getMap(msg.map)
    map.set(msg.key, msg.value)
    return null
  },
  setMany (msg) {
    const doc = peerOf(msg).doc
    doc.transact(() => {
      for (const [key, value] of Object.entries(msg.entries)) doc.getMap(msg.map).set(key, value)
    })
    return null
  },
  delete (msg) {
    peerOf(msg).doc.getMap(msg.map).delete(msg.key)
    return null
  },
  insertText (msg) {
    const text = peerOf(msg).doc.getText(msg.name)
    text.insert(Math.min(msg.index ?? text.length, text.length), msg.text)
    return null
  },
  get (msg) {
    return peerOf(msg).doc.getMap(msg.map).toJSON()
  },
  text (msg) {
    return peerOf(msg).doc.getText(msg.name).toString()
  },
  async waitKey (msg) {
    const map = peerOf(msg).doc.getMap(msg.map)
    await until(() => map.has(msg.key), msg.timeout, `${msg.peer} to see ${msg.map}.${msg.key}`)
    return map.get(msg.key)
  },
  async waitValue (msg) {
    const map = peerOf(msg).doc.getMap(msg.map)
    const want = JSON.stringify(msg.value)
    await until(() => JSON.stringify(map.get(msg.key)) === want, msg.timeout,
      `${msg.peer} to see ${msg.map}.${msg.key} = ${want}`)
    return map.get(msg.key)
  },
  async waitSize (msg) {
    const map = peerOf(msg).doc.getMap(msg.map)
    await until(() => map.size >= msg.size, msg.timeout, `${msg.peer} to hold ${msg.size} entries`)
    return map.size
  },
  async waitClose (msg) {
    const peer = peerOf(msg)
    await until(() => peer.closes.length > 0, msg.timeout, `${msg.peer} to be closed`)
    return peer.closes
  },
  async waitDenial (msg) {
    const peer = peerOf(msg)
    await until(() => peer.denials.length > 0, msg.timeout, `${msg.peer} to be denied`)
    return peer.denials
  },
  setAwareness (msg) {
    peerOf(msg).provider.awareness.setLocalState(msg.state)
    return null
  },
  awareness (msg) {
    const peer = peerOf(msg)
    const states = []
    for (const [client, state] of peer.provider.awareness.getStates()) {
      if (client !== peer.doc.clientID) states.push(state)
    }
    return states
  },
  events (msg) {
    const peer = peerOf(msg)
    return { closes: peer.closes, denials: peer.denials, statuses: peer.statuses,
      connected: peer.provider.wsconnected, synced: peer.provider.synced }
  },
  // Write `count` entries `prefix`-0.. into a map, one every `interval` ms, in the background.
  burst (msg) {
    const peer = peerOf(msg)
    const map = peer.doc.getMap(msg.map)
    const state = { written: 0, done: false }
    peer.bursts.push(state)
    ;(async () => {
      for (let i = 0; i < msg.count; i++) {
        map.set(`${msg.prefix}-${i}`, { n: i, by: msg.peer })
        state.written = i + 1
        await sleep(msg.interval ?? 5)
      }
      state.done = true
    })()
    return null
  },
  async burstDone (msg) {
    const peer = peerOf(msg)
    await until(() => peer.bursts.every((b) => b.done), msg.timeout, `${msg.peer} bursts`)
    return peer.bursts.reduce((sum, b) => sum + b.written, 0)
  },
  close (msg) {
    const peer = peerOf(msg)
    peer.provider.destroy()
    peer.doc.destroy()
    peers.delete(msg.peer)
    return null
  },
  // The same document (with whatever it holds) goes on through another server:
  // {"peer", "url", "layer", "token"}, like a client sent to another process.
  move (msg) {
    const peer = peerOf(msg)
    peer.provider.destroy()
    peers.delete(msg.peer)
    open(msg, peer.doc)
    peers.get(msg.peer).bursts = peer.bursts
    return null
  },
  disconnect (msg) {
    peerOf(msg).provider.disconnect()
    return null
  },
  connect (msg) {
    peerOf(msg).provider.connect()
    return null
  }
}

serveCommands(commands, () => {
  for (const peer of peers.values()) peer.provider.destroy()
})
