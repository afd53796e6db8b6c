// An official yjs + y-websocket client in the same room document as the native viewer:
//   node xr-yjs-peer.mjs WS_BASE ROOM_PATH [TOKEN]
// It writes a highlight and an ink stroke whose points keep growing (as a pen draws), sets
// its awareness, then waits until the viewer's own highlight and stroke (3 points) arrive.
// Prints one JSON line with what it ended up with; exit 1 on timeout.
import WebSocket from "ws";
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";

const [base, roomPath, token] = process.argv.slice(2);
const doc = new Y.Doc();
const provider = new WebsocketProvider(base, roomPath, doc, {
  WebSocketPolyfill: WebSocket,
  params: token ? { token } : {},
  disableBc: true,
});
const finish = (code, out) => {
  if (out) console.log(JSON.stringify(out));
  provider.destroy();
  setTimeout(() => process.exit(code), 50);
};
setTimeout(() => finish(1, { error: "timeout", state: dump() }), 40000);

const annotations = doc.getMap("annotations");
const strokes = doc.getMap("strokes");
function dump() {
  const strokePoints = {};
  for (const [id, stroke] of strokes.entries()) {
    const points = stroke instanceof Y.Map ? stroke.get("points") : stroke.points;
    strokePoints[id] = points ? (points.length ?? points.toArray().length) : 0;
  }
  const others = [];
  for (const [clientId, state] of provider.awareness.getStates()) {
    if (clientId !== doc.clientID) others.push(state);
  }
  return { annotations: [...annotations.keys()].sort(), strokes: strokePoints, others };
}

await new Promise((resolve) => (provider.synced ? resolve() : provider.once("sync", resolve)));
provider.awareness.setLocalState({ user: "js-peer", name: "JS Peer", role: "reader", device: "desktop" });
annotations.set("js-highlight", {
  type: "highlight", book: "book-a", page: 1,
  target: { rect: { x: 0.1, y: 0.2, w: 0.5, h: 0.05 } }, color: "#ffcc00", creator: "js-peer",
});
const points = new Y.Array();
const stroke = new Y.Map();
doc.transact(() => {
  strokes.set("js-stroke", stroke);
  stroke.set("book", "book-a");
  stroke.set("page", 1);
  stroke.set("color", "#2040c0");
  stroke.set("width", 0.01);
  stroke.set("points", points);
  points.push([[0.2, 0.5, 0.5]]);
});
for (let i = 1; i <= 4; i++) {
  await new Promise((r) => setTimeout(r, 30));
  points.push([[0.2 + i * 0.1, 0.5 + i * 0.02, 0.5]]);
}

const viewerDone = () => {
  const s = dump();
  return annotations.has("viewer-highlight") && s.strokes["viewer-stroke"] === 3 &&
    s.others.some((o) => o && o.user === "viewer");
};
while (!viewerDone()) await new Promise((r) => setTimeout(r, 20));
// Stay a moment so our last updates reach the viewer too.
await new Promise((r) => setTimeout(r, 300));
finish(0, dump());
