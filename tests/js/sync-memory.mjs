// Memory benchmark load (benchmarks/sync_memory.py): y-websocket clients in many rooms.
//   node sync-memory.mjs <serverUrlPrefix> <room,room,...> <clientsPerRoom> <annotations> <seconds> [token]
// Every room gets <clientsPerRoom> clients on its shared layer; together they write
// <annotations> annotations (one transaction each), then for <seconds> every client moves its
// pointer twice a second (awareness) and each room edits one annotation a second.
// Prints {"filled": rooms} after the fill, {"done": true} at the end.
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'

const [prefix, roomList, perRoom, annotations, seconds, token] = process.argv.slice(2)
const rooms = roomList.split(',')
const clientsPerRoom = Number(perRoom)
const total = Number(annotations)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const out = (obj) => new Promise((resolve) => process.stdout.write(JSON.stringify(obj) + '\n', resolve))
process.setMaxListeners(0)

const QUOTE = 'The reading room holds the books of the topic zone and the notes of its readers. '

function annotation (room, i, by) {
  return {
    type: i % 3 === 0 ? 'note' : 'highlight',
    book: `book-${i % 40}`,
    page: 1 + (i % 300),
    target: {
      quote: { exact: QUOTE.slice(0, 40 + (i % 40)), prefix: 'in ', suffix: ' of' },
      position: { start: i % 1000, end: (i % 1000) + 60 },
      rect: { x: 0.1, y: (i % 90) / 100, w: 0.5, h: 0.03 }
    },
    body: i % 3 === 0 ? `Note ${i} in ${room}: compare with chapter ${i % 12}.` : '',
    color: '#ffcc00',
    creator: by,
    created: Date.now()
  }
}

async function main () {
  const clients = []
  for (const room of rooms) {
    for (let c = 0; c < clientsPerRoom; c++) {
      const doc = new Y.Doc()
      const provider = new WebsocketProvider(`${prefix}/${room}`, 'shared', doc, {
        WebSocketPolyfill: WebSocket,
        params: token ? { token } : {},
        disableBc: true
      })
      provider.awareness.setLocalState({ user: `u${c}`, role: 'reader', device: 'desktop', book: 'book-1', page: 1, pointer: [0, 0] })
      clients.push({ room, c, doc, provider })
    }
  }
  while (!clients.every((x) => x.provider.synced)) await sleep(50)
  // Fill: the clients of a room share the writing, 50 annotations/s each.
  const perClient = Math.ceil(total / clientsPerRoom)
  await Promise.all(clients.map(async ({ room, c, doc }) => {
    const map = doc.getMap('annotations')
    for (let k = 0; k < perClient; k++) {
      const i = c * perClient + k
      if (i >= total) break
      map.set(`a${i}`, annotation(room, i, `u${c}`))
      await sleep(20)
    }
  }))
  for (const { doc } of clients) {
    while (doc.getMap('annotations').size < total) await sleep(100)
  }
  await out({ filled: rooms.length })
  const end = Date.now() + Number(seconds) * 1000
  let tick = 0
  while (Date.now() < end) {
    tick++
    for (const { provider, c } of clients) {
      provider.awareness.setLocalStateField('pointer', [tick % 100, c])
    }
    if (tick % 2 === 0) {
      for (const { room, c, doc } of clients) {
        if (c === tick % clientsPerRoom) {
          const i = (tick * 7) % total
          doc.getMap('annotations').set(`a${i}`, annotation(room, i, `u${c}`))
        }
      }
    }
    await sleep(500)
  }
  for (const { provider } of clients) provider.destroy()
  await out({ done: true })
  process.exit(0)
}

main()
