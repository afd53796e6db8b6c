/**
 * Highlights, sticky notes and bookmarks: entries of the `annotations` map of the shared
 * layer (everyone sees them) or of the private layer (only me), in the shape DESIGN.md and
 * the sync package read: `{type, book, page, target: {quote, position, rect}, body, color,
 * creator, created}`. Bodies are only ever drawn as text (canvas fillText, textContent).
 */
import { safeColour } from "./colors.js";
import { plain } from "./session.js";

const KINDS = new Set(["highlight", "note", "bookmark"]);
const WRITABLE = ["shared", "private"];

export class Annotations {
  /**
   * @param {import('./session.js').Session} session
   * @param {{user: string, name: string, colour: string}} me
   */
  constructor(session, me) {
    this.session = session;
    this.me = me;
    this.listeners = new Set();
    for (const layer of WRITABLE) {
      session.map(layer, "annotations").observe((event) => this.changed(layer, event));
    }
  }

  /** `fn(pages)` with a Set of "book:page" keys whenever annotations there change. */
  onChange(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  changed(layer, event) {
    const pages = new Set();
    const map = this.session.map(layer, "annotations");
    for (const [key, change] of event.changes.keys) {
      for (const value of [map.get(key), change.oldValue]) {
        const entry = readEntry(key, plain(value), layer);
        if (entry) pages.add(`${entry.book}:${entry.page}`);
      }
    }
    for (const fn of this.listeners) fn(pages);
  }

  /** Every well-formed annotation of both layers (entries in other shapes are skipped). */
  all() {
    const out = [];
    for (const layer of WRITABLE) {
      for (const [key, value] of this.session.map(layer, "annotations").entries()) {
        const entry = readEntry(key, plain(value), layer);
        if (entry) out.push(entry);
      }
    }
    return out.sort((a, b) => String(a.created).localeCompare(String(b.created)));
  }

  forBook(book) {
    return this.all().filter((a) => a.book === book);
  }

  forPage(book, page) {
    return this.all().filter((a) => a.book === book && a.page === page);
  }

  /**
   * Add one; returns its id.
   * @param {{type: string, book: string, page: number, target?: object, body?: string}} fields
   * @param {"shared"|"private"} layer
   */
  add(fields, layer = "shared") {
    if (!KINDS.has(fields.type)) throw new Error(`unknown annotation type ${fields.type}`);
    const id = `${this.me.user}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    this.session.map(layer, "annotations").set(id, {
      type: fields.type,
      book: fields.book,
      page: fields.page,
      target: fields.target ?? {},
      body: String(fields.body ?? ""),
      color: this.me.colour,
      creator: this.me.user,
      creator_name: this.me.name,
      created: new Date().toISOString(),
    });
    return id;
  }

  remove(entry) {
    this.session.map(entry.layer, "annotations").delete(entry.id);
  }

  mine(entry) {
    return entry.creator === this.me.user;
  }
}

/** A checked annotation from a map value anyone may have written, or null. */
export function readEntry(id, value, layer) {
  if (!value || typeof value !== "object") return null;
  const page = Number(value.page);
  if (!KINDS.has(value.type) || typeof value.book !== "string" || !Number.isInteger(page) || page < 1) return null;
  const target = value.target && typeof value.target === "object" ? value.target : {};
  return {
    id,
    layer,
    type: value.type,
    book: value.book,
    page,
    quote: target.quote && typeof target.quote.exact === "string" ? target.quote : null,
    position: validPosition(target.position),
    rect: validRect(target.rect),
    body: typeof value.body === "string" ? value.body : "",
    color: safeColour(value.color),
    creator: typeof value.creator === "string" ? value.creator : "",
    creatorName: typeof value.creator_name === "string" ? value.creator_name : String(value.creator ?? ""),
    created: typeof value.created === "string" || typeof value.created === "number" ? value.created : "",
  };
}

function validPosition(p) {
  return p && Number.isInteger(p.start) && Number.isInteger(p.end) && p.start >= 0 && p.end >= p.start ? p : null;
}

function validRect(r) {
  if (!r || typeof r !== "object") return null;
  const values = [r.x, r.y, r.w, r.h].map(Number);
  return values.every((v) => Number.isFinite(v) && v >= 0 && v <= 1) ? { x: values[0], y: values[1], w: values[2], h: values[3] } : null;
}

/**
 * Draw a page's annotations into its canvas.
 * @param {CanvasRenderingContext2D} ctx
 * @param {ReturnType<typeof readEntry>[]} entries
 * @param {import('./textlayer.js').PageText|null} text
 */
export function drawAnnotations(ctx, entries, text, width, height) {
  for (const entry of entries) {
    const rects = rectsOf(entry, text);
    if (entry.type === "highlight" || (entry.type === "note" && rects.length)) {
      ctx.save();
      ctx.globalCompositeOperation = "multiply";
      ctx.fillStyle = entry.color;
      ctx.globalAlpha = entry.type === "note" ? 0.25 : 0.45;
      for (const r of rects) ctx.fillRect(r.x * width, r.y * height, r.w * width, r.h * height);
      ctx.restore();
    }
    if (entry.type === "note") drawNote(ctx, entry, rects[0] ?? { x: 0.85, y: 0.05, w: 0, h: 0 }, width, height);
    if (entry.type === "bookmark") drawRibbon(ctx, entry.color, width, height);
  }
}

/** Where an annotation sits: its text range re-found on the page, else its rectangle. */
export function rectsOf(entry, text) {
  if (text && text.words.length) {
    let range = entry.position;
    if (range && entry.quote && text.text.slice(range.start, range.end) !== entry.quote.exact) range = null;
    range = range ?? text.find(entry.quote);
    if (range) {
      const rects = text.lineRects(range.start, range.end);
      if (rects.length) return rects;
    }
  }
  return entry.rect && entry.rect.w > 0 ? [entry.rect] : [];
}

function drawNote(ctx, entry, rect, width, height) {
  const size = Math.round(width * 0.045);
  const x = Math.min(width - size - 4, (rect.x + rect.w) * width + 4);
  const y = Math.max(4, rect.y * height - size * 0.6);
  ctx.save();
  ctx.fillStyle = entry.color;
  ctx.globalAlpha = 0.9;
  ctx.fillRect(x, y, size, size);
  ctx.globalAlpha = 1;
  ctx.fillStyle = "#222";
  ctx.font = `${Math.round(size * 0.7)}px sans-serif`;
  ctx.textBaseline = "middle";
  ctx.textAlign = "center";
  ctx.fillText("✎", x + size / 2, y + size / 2);
  // The body in a line under the marker: canvas text, so markup stays characters.
  const body = entry.body.replace(/\s+/g, " ").slice(0, 60);
  if (body) {
    ctx.font = `${Math.round(size * 0.45)}px sans-serif`;
    ctx.textAlign = "right";
    ctx.fillStyle = "rgba(255,255,240,0.92)";
    const w = Math.min(width * 0.6, ctx.measureText(body).width + 8);
    ctx.fillRect(x + size - w, y + size + 2, w, size * 0.6);
    ctx.fillStyle = "#222";
    ctx.fillText(body, x + size - 4, y + size + 2 + size * 0.3, width * 0.6 - 8);
  }
  ctx.restore();
}

function drawRibbon(ctx, colour, width, height) {
  const w = width * 0.05;
  const x = width * 0.88;
  ctx.save();
  ctx.fillStyle = colour;
  ctx.beginPath();
  ctx.moveTo(x, 0);
  ctx.lineTo(x + w, 0);
  ctx.lineTo(x + w, height * 0.12);
  ctx.lineTo(x + w / 2, height * 0.1);
  ctx.lineTo(x, height * 0.12);
  ctx.closePath();
  ctx.fill();
  ctx.restore();
}
