// One official y-websocket client in its own Node process, so a test can kill -9 it, freeze
// it (SIGSTOP) and thaw it (SIGCONT) like a crashed laptop or a backgrounded phone tab.
// One JSON command per stdin line, one JSON answer per stdout line (the protocol of
// stdin-commands.mjs): {"id": 1, "cmd": "open", ...} -> {"id": 1, "ok": true, "result": ...}.
//
// The client is used unmodified. y-websocket keeps nothing on disk, so a client that
// survives a crash is emulated the way y-indexeddb does it: `persist` saves
// Y.encodeStateAsUpdate after every edit (write then rename), and `open` with `load` starts
// a new Y.Doc from that file. YWS_MODULE (a path) runs another y-websocket release, e.g.
// one unpacked with `npm pack y-websocket@1.5.4`, for manual compatibility checks.
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import { pathToFileURL } from 'node:url'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { serveCommands, sleep, until } from './stdin-commands.mjs'

const { WebsocketProvider } = await import(
  process.env.YWS_MODULE ? pathToFileURL(process.env.YWS_MODULE).href : 'y-websocket'
)

// y-websocket's resyncInterval timer reads the global WebSocket, which Node 20 lacks.
globalThis.WebSocket ??= WebSocket

const denials = []
const realWarn = console.warn
console.warn = (...args) => {
  const text = args.join(' ')
  if (text.startsWith('Permission denied')) denials.push(text.split('\n').slice(1).join('\n'))
  else realWarn(...args)
}

let doc = null
let provider = null
const events = { closes: [], terminal: [], statuses: [], opened: 0 }
const bursts = []

function persist (file) {
  if (!file || !doc) return
  fs.writeFileSync(`${file}.tmp`, Y.encodeStateAsUpdate(doc))
  fs.renameSync(`${file}.tmp`, file)
}

function canonical (value) {
  if (Array.isArray(value)) return value.map(canonical)
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical(value[k])]))
  }
  return value
}

// What the document holds, named by the test (Y.Doc keeps no type for a name never read).
function content (msg) {
  const out = {}
  for (const name of msg.maps ?? ['annotations']) out[name] = doc.getMap(name).toJSON()
  for (const name of msg.texts ?? []) out[name] = doc.getText(name).toString()
  return out
}

function digest (msg) {
  return createHash('sha256').update(JSON.stringify(canonical(content(msg)))).digest('hex')
}

function providerOptions (msg) {
  const options = {
    WebSocketPolyfill: WebSocket,
    params: msg.token ? { token: msg.token } : {},
    disableBc: true,
    maxBackoffTime: msg.maxBackoff ?? 500
  }
  if (msg.resyncInterval) options.resyncInterval = msg.resyncInterval
  return options
}

function watch (p) {
  p.on('connection-close', (event) => {
    if (event) events.closes.push({ code: event.code, reason: event.reason, at: Date.now() })
  })
  p.on('closed', (event) => events.terminal.push({ code: event.code, reason: event.reason }))
  p.on('status', (event) => {
    events.statuses.push(event.status)
    if (event.status === 'connected') events.opened++
  })
}

const commands = {
  // {url: ws://host/ws/rooms/<room>, layer, token, load?: file, awareness?: {...}}
  open (msg) {
    doc = new Y.Doc()
    if (msg.load && fs.existsSync(msg.load)) Y.applyUpdate(doc, fs.readFileSync(msg.load))
    provider = new WebsocketProvider(msg.url, msg.layer, doc, providerOptions(msg))
    watch(provider)
    provider.awareness.setLocalState(msg.awareness ?? null)
    return { clientID: doc.clientID }
  },
  async synced (msg) {
    await until(() => provider.synced, msg.timeout, 'the client to sync')
    return events.opened
  },
  async connected (msg) {
    await until(() => provider.wsconnected, msg.timeout, 'the client to connect')
    return events.opened
  },
  // Background edits: `count` entries `prefix`-i, one every `interval` ms; with `persist`,
  // the document is saved after each one.
  burst (msg) {
    const map = doc.getMap(msg.map ?? 'annotations')
    const state = { written: 0, done: false }
    bursts.push(state)
    ;(async () => {
      for (let i = 0; i < msg.count; i++) {
        map.set(`${msg.prefix}-${i}`, { n: i, by: msg.prefix, pad: 'x'.repeat(msg.pad ?? 0) })
        persist(msg.persist)
        state.written = i + 1
        await sleep(msg.interval ?? 5)
      }
      state.done = true
    })()
    return null
  },
  written () {
    return { written: bursts.reduce((sum, b) => sum + b.written, 0), done: bursts.every((b) => b.done) }
  },
  async burstDone (msg) {
    await until(() => bursts.every((b) => b.done), msg.timeout, 'the bursts to finish')
    return bursts.reduce((sum, b) => sum + b.written, 0)
  },
  // A large text in `chunks` transactions of `chunkBytes` each (every message stays small).
  bigText (msg) {
    const text = doc.getText(msg.name)
    for (let i = 0; i < msg.chunks; i++) {
      const line = `${msg.prefix ?? ''}${i}:`
      text.insert(text.length, line + 'abcdefghij'.repeat(Math.ceil(msg.chunkBytes / 10)).slice(line.length))
    }
    persist(msg.persist)
    return text.length
  },
  set (msg) {
    doc.getMap(msg.map ?? 'annotations').set(msg.key, msg.value)
    persist(msg.persist)
    return null
  },
  persist (msg) {
    persist(msg.file)
    return null
  },
  content,
  digest,
  async waitDigest (msg) {
    await until(() => digest(msg) === msg.digest, msg.timeout, 'the document to converge')
    return true
  },
  async waitSize (msg) {
    const map = doc.getMap(msg.map ?? 'annotations')
    await until(() => map.size >= msg.size, msg.timeout, `${msg.size} entries`)
    return map.size
  },
  async waitTextLength (msg) {
    const text = doc.getText(msg.name)
    await until(() => text.length >= msg.length, msg.timeout, `a text of ${msg.length}`)
    return text.length
  },
  status () {
    return {
      connected: provider?.wsconnected ?? false,
      synced: provider?.synced ?? false,
      opened: events.opened,
      closes: events.closes,
      terminal: events.terminal,
      denials
    }
  },
  async waitClose (msg) {
    const seen = msg.after ?? 0
    await until(() => events.closes.length > seen, msg.timeout, 'a close from the server')
    return events.closes.slice(seen)
  },
  async waitDenial (msg) {
    const seen = msg.after ?? 0
    await until(() => denials.length > seen, msg.timeout, 'a permission denial')
    return denials.slice(seen)
  },
  setAwareness (msg) {
    provider.awareness.setLocalState(msg.state)
    return null
  },
  // The awareness states of the other clients (the local one left out).
  awareness () {
    const states = []
    for (const [client, state] of provider.awareness.getStates()) {
      if (client !== doc.clientID) states.push(state)
    }
    return states
  },
  async waitAwareness (msg) {
    const want = JSON.stringify(canonical(msg.states))
    const others = () => JSON.stringify(canonical(commands.awareness()
      .sort((a, b) => JSON.stringify(canonical(a)).localeCompare(JSON.stringify(canonical(b))))))
    await until(() => others() === want, msg.timeout, `awareness ${want} (have ${others()})`)
    return true
  },
  // A new token for the next connection (y-websocket 2+ reads `params` on each connect).
  setToken (msg) {
    provider.params = { token: msg.token }
    return null
  },
  // The socket drops under the client (no awareness goodbye), as on a network blip; the
  // client reconnects by itself.
  blip () {
    provider.ws?.close()
    return null
  },
  disconnect () {
    provider.disconnect()
    return null
  },
  connect () {
    provider.connect()
    return null
  },
  close () {
    provider.destroy()
    return null
  },
  // Open and drop `count` short-lived clients of their own, one after another: `wait` is
  // 'synced' (drop once synced), 'open' (once the socket opened) or 'none' (drop at once,
  // often mid-handshake). Each sets an awareness state and, when synced, one map entry.
  async churn (msg) {
    let synced = 0
    for (let i = 0; i < msg.count; i++) {
      const d = new Y.Doc()
      const p = new WebsocketProvider(msg.url, msg.layer, d, providerOptions(msg))
      p.awareness.setLocalState({ user: `churn-${i}` })
      const wait = msg.wait === 'mixed' ? ['synced', 'open', 'none'][i % 3] : msg.wait
      if (wait === 'synced') {
        await until(() => p.synced, msg.timeout, 'a churning client to sync')
        if (msg.prefix) d.getMap('annotations').set(`${msg.prefix}-${i}`, i)
        synced++
      } else if (wait === 'open') {
        await until(() => p.wsconnected, msg.timeout, 'a churning client to open')
      }
      p.destroy()
      d.destroy()
    }
    return synced
  }
}

serveCommands(commands, () => {
  provider?.destroy()
})
