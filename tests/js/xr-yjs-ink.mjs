// An official yjs + y-websocket client marks a page for the native viewer to show:
//   node xr-yjs-ink.mjs WS_BASE ROOM_PATH BOOK PAGE
// Writes one highlight (x 0.1-0.6, y 0.3-0.4 of the page) and one ink stroke, waits until
// the server has them (a second sync round trip), prints "marked".
import WebSocket from "ws";
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";

const [base, roomPath, book, page] = process.argv.slice(2);
const doc = new Y.Doc();
const provider = new WebsocketProvider(base, roomPath, doc, { WebSocketPolyfill: WebSocket, disableBc: true });
setTimeout(() => { console.error("timeout"); process.exit(1); }, 15000);
await new Promise((resolve) => (provider.synced ? resolve() : provider.once("sync", resolve)));
doc.getMap("annotations").set("ink-test-highlight", {
  type: "highlight", book, page: Number(page),
  target: { rect: { x: 0.1, y: 0.3, w: 0.5, h: 0.1 } }, color: "#ffd91a", creator: "js",
});
const points = new Y.Array();
const stroke = new Y.Map();
doc.transact(() => {
  doc.getMap("strokes").set("ink-test-stroke", stroke);
  stroke.set("book", book);
  stroke.set("page", Number(page));
  stroke.set("color", "#1030a0");
  stroke.set("width", 0.02);
  stroke.set("points", points);
  points.push([[0.2, 0.7, 1], [0.5, 0.72, 1], [0.8, 0.7, 1]]);
});
await new Promise((r) => setTimeout(r, 500));
console.log("marked");
provider.destroy();
setTimeout(() => process.exit(0), 50);
