// The protocol between tests/sync/yjs_peers.py (the Python driver) and the Node scripts that
// hold real Yjs clients for it (sync-peers.mjs, sync-outside-peer.mjs, chaos-writers.mjs),
// kept in one place so the scripts cannot drift apart:
//   one JSON command per stdin line   {"id": 1, "cmd": "open", "timeout": 19500, ...}
//   one JSON answer per stdout line   {"id": 1, "ok": true, "result": ...}
//                                     {"id": 1, "ok": false, "error": "..."}
// Each line is handled as it arrives, without waiting for the commands before it to finish,
// so the driver matches answers by id. A command's `timeout` (ms, from the driver) bounds
// its waits; `until` reads it.
import * as readline from 'node:readline'

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// Resolves once `check()` holds; throws (an error answer naming `what`) after `timeout` ms.
export async function until (check, timeout, what) {
  const deadline = Date.now() + (timeout ?? 10000)
  while (Date.now() < deadline) {
    if (check()) return
    await sleep(10)
  }
  throw new Error(`timed out waiting for ${what}`)
}

// Answers every stdin line with `commands[msg.cmd](msg)` (a result, or a promise of one);
// when stdin closes (the driver stops), calls `onClose` to let the clients go and exits 0.
export function serveCommands (commands, onClose) {
  const lines = readline.createInterface({ input: process.stdin })
  lines.on('line', async (line) => {
    let msg
    try {
      msg = JSON.parse(line)
      const command = commands[msg.cmd]
      if (!command) throw new Error(`unknown command ${msg.cmd}`)
      const result = await command(msg)
      process.stdout.write(JSON.stringify({ id: msg.id, ok: true, result: result ?? null }) + '\n')
    } catch (err) {
      process.stdout.write(JSON.stringify({ id: msg?.id, ok: false, error: String(err?.message ?? err) }) + '\n')
    }
  })
  lines.on('close', () => {
    onClose()
    process.exit(0)
  })
}
