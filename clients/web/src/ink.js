/**
 * Ink strokes: entries of the `strokes` map, `{book, page, color, width, points}`, where
 * points is a Y.Array that grows while the pen moves ([x, y, pressure] in page units), so
 * others see the line being drawn. The presenter inks on the presenter layer (the
 * blackboard), everyone else on the shared layer, or privately when they may not write it.
 */
import { safeColour } from "./colors.js";
import { plain, Y } from "./session.js";

const LAYERS = ["shared", "presenter", "private"];

export class Ink {
  /**
   * @param {import('./session.js').Session} session
   * @param {{user: string, colour: string}} me
   */
  constructor(session, me) {
    this.session = session;
    this.me = me;
    this.listeners = new Set();
    this.current = null;
    this.pendingPoints = [];
    this.flushTimer = 0;
    for (const layer of LAYERS) {
      session.map(layer, "strokes").observeDeep((events) => this.changed(layer, events));
    }
  }

  onChange(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  changed(layer, events) {
    const pages = new Set();
    const map = this.session.map(layer, "strokes");
    for (const event of events) {
      if (event.target === map) {
        for (const [key, change] of event.changes.keys) {
          for (const value of [map.get(key), change.oldValue]) {
            const stroke = readStroke(key, plain(value));
            if (stroke) pages.add(`${stroke.book}:${stroke.page}`);
          }
        }
      } else {
        // Points appended to a stroke: find which stroke owns them.
        let node = event.target;
        while (node && node.parent !== map && node._item) node = node.parent;
        const stroke = node ? readStroke("", plain(node)) : null;
        if (stroke) pages.add(`${stroke.book}:${stroke.page}`);
      }
    }
    for (const fn of this.listeners) fn(pages);
  }

  forPage(book, page) {
    const out = [];
    for (const layer of LAYERS) {
      for (const [key, value] of this.session.map(layer, "strokes").entries()) {
        const stroke = readStroke(key, plain(value));
        if (stroke && stroke.book === book && stroke.page === page) out.push({ ...stroke, layer });
      }
    }
    return out;
  }

  /** Begin a stroke at (x, y) on a page; returns false when nothing may be written. */
  begin(layer, { book, page, x, y, pressure, width = 0.004 }) {
    this.end();
    const points = new Y.Array();
    const stroke = new Y.Map();
    const id = `${this.me.user}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
    this.session.layers[layer].doc.transact(() => {
      this.session.map(layer, "strokes").set(id, stroke);
      stroke.set("book", book);
      stroke.set("page", page);
      stroke.set("color", this.me.colour);
      stroke.set("width", width);
      stroke.set("creator", this.me.user);
      stroke.set("created", new Date().toISOString());
      stroke.set("points", points);
      points.push([[round(x), round(y), round(pressure)]]);
    });
    this.current = { id, layer, points, page, book };
    return true;
  }

  /** Add a point; points are sent in small batches (one per animation frame). */
  move({ x, y, pressure }) {
    if (!this.current) return;
    this.pendingPoints.push([round(x), round(y), round(pressure)]);
    if (!this.flushTimer) this.flushTimer = requestAnimationFrame(() => this.flush());
  }

  flush() {
    cancelAnimationFrame(this.flushTimer);
    this.flushTimer = 0;
    if (this.current && this.pendingPoints.length) this.current.points.push(this.pendingPoints.splice(0));
  }

  end() {
    this.flush();
    this.current = null;
  }

  /** Remove my strokes on a page (the blackboard's "clear my ink"). */
  clearMine(book, page) {
    for (const stroke of this.forPage(book, page)) {
      if (stroke.creator === this.me.user) this.session.map(stroke.layer, "strokes").delete(stroke.id);
    }
  }
}

function round(v) {
  return Math.round((Number(v) || 0) * 10000) / 10000;
}

export function readStroke(id, value) {
  if (!value || typeof value !== "object") return null;
  const page = Number(value.page);
  if (typeof value.book !== "string" || !Number.isInteger(page) || !Array.isArray(value.points)) return null;
  const points = value.points.filter((p) => Array.isArray(p) && p.length >= 2 && Number.isFinite(p[0]) && Number.isFinite(p[1]));
  return {
    id,
    book: value.book,
    page,
    color: safeColour(value.color, "#d22"),
    width: Math.min(0.05, Math.max(0.0005, Number(value.width) || 0.004)),
    creator: typeof value.creator === "string" ? value.creator : "",
    points,
  };
}

/** Draw strokes into a page canvas; width follows pressure when the pen gave it. */
export function drawStrokes(ctx, strokes, width, height) {
  ctx.save();
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  for (const stroke of strokes) {
    ctx.strokeStyle = stroke.color;
    const base = stroke.width * width;
    const pts = stroke.points;
    if (pts.length === 1) {
      ctx.fillStyle = stroke.color;
      ctx.beginPath();
      ctx.arc(pts[0][0] * width, pts[0][1] * height, base / 2, 0, 2 * Math.PI);
      ctx.fill();
      continue;
    }
    for (let i = 1; i < pts.length; i += 1) {
      const pressure = Number.isFinite(pts[i][2]) && pts[i][2] > 0 ? pts[i][2] : 0.5;
      ctx.lineWidth = Math.max(1, base * (0.4 + 1.2 * pressure));
      ctx.beginPath();
      ctx.moveTo(pts[i - 1][0] * width, pts[i - 1][1] * height);
      ctx.lineTo(pts[i][0] * width, pts[i][1] * height);
      ctx.stroke();
    }
  }
  ctx.restore();
}
