// Starts the Node reference server (@y/websocket-server 0.1.1) on a free port, connects two
// official y-websocket clients, edits from both and prints "converged" when they agree.
import { spawn } from "node:child_process";
import net from "node:net";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";

const serverScript = fileURLToPath(
  new URL("./node_modules/@y/websocket-server/src/server.js", import.meta.url));

const port = await new Promise((resolve) => {
  const srv = net.createServer();
  srv.listen(0, "127.0.0.1", () => { const p = srv.address().port; srv.close(() => resolve(p)); });
});
const server = spawn(process.execPath, [serverScript], {
  env: { ...process.env, HOST: "127.0.0.1", PORT: String(port) }, stdio: "ignore",
});
const stop = (code) => { server.kill(); process.exit(code); };
setTimeout(() => { console.error("timeout"); stop(1); }, 20000);
await new Promise((r) => setTimeout(r, 500));

const url = `ws://127.0.0.1:${port}`;
const a = new Y.Doc();
const b = new Y.Doc();
const pa = new WebsocketProvider(url, "room-1", a, { WebSocketPolyfill: WebSocket });
const pb = new WebsocketProvider(url, "room-1", b, { WebSocketPolyfill: WebSocket });
const synced = (p) => new Promise((r) => (p.synced ? r() : p.once("sync", r)));
await Promise.all([synced(pa), synced(pb)]);
a.getMap("annotations").set("h1", { type: "highlight", page: 3 });
b.getMap("annotations").set("h2", { type: "note", page: 4 });
const deadline = Date.now() + 5000;
while (Date.now() < deadline) {
  if (a.getMap("annotations").size === 2 && b.getMap("annotations").size === 2) {
    console.log("converged");
    pa.destroy(); pb.destroy();
    stop(0);
  }
  await new Promise((r) => setTimeout(r, 20));
}
console.error("did not converge");
stop(1);
