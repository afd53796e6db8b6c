// Unit checks of the web client's pure modules, run by tests/clients/test_web_units.py.
// Imports the client's own files (clients/web/src), which resolve three, yjs and
// y-websocket from clients/web/node_modules exactly as the browser's import map does.
import assert from "node:assert/strict";

const src = new URL("../../clients/web/src/", import.meta.url);
const load = (name) => import(new URL(name, src).href);

const results = [];
async function check(name, fn) {
  try {
    await fn();
    results.push({ name, ok: true });
  } catch (error) {
    results.push({ name, ok: false, error: String(error && error.stack || error) });
  }
}

await check("pose frame matches the protocol's example", async () => {
  const { encodePose, decodeMessage } = await load("posecodec.js");
  const frame = encodePose({
    seq: 258, floor: 1,
    head: { position: [1.0, 1.6, -2.0], rotation: [0, 0.3827, 0, 0.9239] },
    left: { position: [0.7, 1.2, -1.7], rotation: [0, 0, 0, 1] },
    right: null,
  });
  const hex = Buffer.from(frame).toString("hex").match(/../g).join(" ");
  assert.equal(hex, "01 01 02 01 05 e8 03 40 06 30 f8 ff 51 fc df b5 73 be 04 ff fd f7 df 00 00 00 00 ff fd f7 df");
  const snapshot = new Uint8Array(4 + 30);
  snapshot.set([1, 2, 7, 0]);
  snapshot[4] = 3;
  snapshot.set(frame.slice(2), 5);
  const message = decodeMessage(snapshot.buffer);
  assert.equal(message.type, "snapshot");
  const [record] = message.records;
  assert.equal(record.slot, 3);
  assert.equal(record.floor, 1);
  assert.deepEqual(record.head.position, [1, 1.6, -2]);
  assert.ok(Math.abs(record.left.position[0] - 0.7) < 0.003);
  assert.equal(record.right, null);
  assert.equal(decodeMessage(new Uint8Array([2, 2, 0, 0]).buffer), null);
});

await check("a leaf lies flat on the right at 0 and on the left at pi, keeping its size", async () => {
  const THREE = await load("../node_modules/three/build/three.module.js");
  const { Leaf, gridShape } = await load("curl.js");
  const shape = gridShape(0.15, 0.21, 24, 16);
  const leaf = new Leaf(shape, new THREE.MeshBasicMaterial(), new THREE.MeshBasicMaterial());
  const box = () => new THREE.Box3().setFromBufferAttribute(leaf.positions);
  leaf.set(0, 0, 0, 0);
  let b = box();
  assert.ok(Math.abs(b.min.x) < 1e-6 && Math.abs(b.max.x - 0.15) < 1e-6);
  assert.ok(b.max.y - b.min.y < 1e-6);
  leaf.set(Math.PI, 0, 0, 0);
  b = box();
  assert.ok(Math.abs(b.min.x + 0.15) < 1e-6 && Math.abs(b.max.x) < 1e-6);
  // Mid-turn with the curl, every row keeps its length (paper does not stretch).
  leaf.set(Math.PI / 2, 1, 0, 0);
  const p = leaf.positions.array;
  let length = 0;
  for (let i = 1; i <= 24; i += 1) {
    length += Math.hypot(p[3 * i] - p[3 * (i - 1)], p[3 * i + 1] - p[3 * (i - 1) + 1]);
  }
  assert.ok(Math.abs(length - 0.15) < 1e-3, `row length ${length}`);
  assert.ok(box().max.y > 0.05, "the leaf stands up mid-turn");
});

await check("words anchor highlights by quote, position and rectangle", async () => {
  const { PageText, readWords } = await load("textlayer.js");
  const words = readWords({ words: [
    { text: "Call", box: [0.1, 0.1, 0.2, 0.12], line: 0 },
    { text: "me", box: [0.21, 0.1, 0.25, 0.12], line: 0 },
    { text: "Ishmael.", box: [0.26, 0.1, 0.4, 0.12], line: 0 },
    { text: "Some", box: [0.1, 0.13, 0.2, 0.15], line: 1 },
    { bogus: true },
  ] });
  assert.equal(words.length, 4);
  const text = new PageText(3, words);
  const anchor = text.anchor(1, 3);
  assert.equal(anchor.quote.exact, "me Ishmael. Some");
  assert.equal(anchor.quote.prefix, "Call ");
  assert.deepEqual(anchor.position, { start: 5, end: 21 });
  assert.equal(text.lineRects(5, 21).length, 2);
  assert.equal(text.wordAt(0.3, 0.11), 2);
  assert.deepEqual(text.find({ exact: "Ishmael.", prefix: "me ", suffix: "" }), { start: 8, end: 16 });
});

await check("annotations others wrote are checked before use", async () => {
  const { readEntry } = await load("annotations.js");
  assert.equal(readEntry("a", { type: "script", book: "b", page: 1 }, "shared"), null);
  assert.equal(readEntry("a", { type: "note", book: "b", page: 0 }, "shared"), null);
  const entry = readEntry("a", { type: "note", book: "b", page: 2, body: "<b>x</b>", color: "red;background:url(x)", target: { rect: { x: 0.1, y: 0.2, w: 2, h: 0.1 } } }, "shared");
  assert.equal(entry.body, "<b>x</b>");
  assert.equal(entry.color, "#ffd400");
  assert.equal(entry.rect, null);
});

await check("book manifests of the books API give page and model URLs", async () => {
  const { readBookManifest } = await load("bookmanifest.js");
  const m = readBookManifest({
    id: "abc", title: "T", authors: ["A"], page_count: 2, status: "ready", text_layer: true,
    model: "http://h/api/v1/books/abc/model.glb",
    pages: [
      { number: 1, width_mm: 148, height_mm: 210, images: { thumb: "http://h/p1t", medium: "http://h/p1m", full: "http://h/p1f" }, text: "http://h/t1" },
      { number: 2, width_mm: 150, height_mm: 200, images: { thumb: "http://h/p2t", medium: "http://h/p2m", full: "http://h/p2f" }, text: "http://h/t2" },
    ],
    search: "http://h/api/v1/books/abc/search?q=",
  }, "abc");
  assert.equal(m.imageUrl(2, "medium"), "http://h/p2m");
  assert.equal(m.textUrl(1), "http://h/t1");
  assert.deepEqual(m.pageSize(2), { width: 150, height: 200 });
  assert.equal(m.modelUrl, "http://h/api/v1/books/abc/model.glb");
  const bare = readBookManifest({ id: "x y", page_count: 3 }, "x y");
  assert.equal(bare.imageUrl(3, "thumb"), "/api/v1/books/x%20y/pages/3.jpg?size=thumb");
});

await check("room manifests list parts in order; spine runs carry ids", async () => {
  const { roomAssets, meaningOf } = await load("room.js");
  const parts = roomAssets({ assets: [{ part: "shell", url: "/a/1", bytes: 10 }, { part: "near_shelves", url: "/a/2", bytes: 20 }] }, "r", "touch");
  assert.deepEqual(parts.map((p) => p.label), ["shell", "near shelves"]);
  assert.equal(roomAssets({}, "r", "headset")[0].url, "/api/v1/rooms/r/scene.glb?profile=headset");
  assert.equal(meaningOf({ name: "books:a:0", userData: { kind: "book_slots" } }).kind, "book_slots");
  assert.equal(meaningOf({ name: "x", userData: { kind: "blackboard" } }).kind, "blackboard");
  assert.equal(meaningOf({ name: "spawn:teacher", userData: {} }).kind, "spawn");
});

await check("search hits of the books API become boxes", async () => {
  const { readHit } = await load("panels.js");
  const hit = readHit({ page: 3, snippet: "a palimpsest", matches: [{ text: "palimpsest", boxes: [[0.1, 0.2, 0.3, 0.25]] }] });
  assert.equal(hit.page, 3);
  assert.equal(hit.boxes.length, 1);
  assert.ok(Math.abs(hit.boxes[0].w - 0.2) < 1e-9);
  assert.equal(readHit({ page: "x" }), null);
});

console.log(JSON.stringify(results));
