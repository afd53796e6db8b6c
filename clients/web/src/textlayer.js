/**
 * The text layer of pages (GET /api/v1/books/{id}/pages/{n}/text: words with boxes in 0..1
 * of the page), used to select words, anchor annotations (quote, character position and
 * rectangle) and mark search hits. The page's text is its words joined by single spaces,
 * which is what character positions count in.
 */

export class TextLayer {
  /** @param {import('./api.js').Api} api @param {(n: number) => string} urlFor */
  constructor(api, urlFor) {
    this.api = api;
    this.urlFor = urlFor;
    /** @type {Map<number, Promise<PageText>>} */
    this.pages = new Map();
    /** @type {Map<number, PageText>} */
    this.ready = new Map();
  }

  /** @returns {Promise<PageText>} never rejects: a page without text has no words */
  get(page) {
    if (!this.pages.has(page)) {
      const job = this.api
        .json(this.urlFor(page))
        .then((body) => new PageText(page, readWords(body)))
        .catch((error) => {
          console.warn(`text of page ${page} unavailable`, error.message);
          return new PageText(page, []);
        })
        .then((text) => {
          this.ready.set(page, text);
          return text;
        });
      this.pages.set(page, job);
    }
    return this.pages.get(page);
  }

  /** The page's text if already loaded (for drawing), else null. */
  now(page) {
    return this.ready.get(page) ?? null;
  }
}

export class PageText {
  /** @param {number} page @param {{text: string, x0: number, y0: number, x1: number, y1: number}[]} words */
  constructor(page, words) {
    this.page = page;
    this.words = words;
    this.starts = [];
    let offset = 0;
    for (const word of words) {
      this.starts.push(offset);
      offset += word.text.length + 1;
    }
    this.text = words.map((w) => w.text).join(" ");
  }

  /** Index of the word at (x, y) in page units, or the nearest one on that line. */
  wordAt(x, y) {
    let best = -1;
    let bestDistance = Infinity;
    for (const [i, w] of this.words.entries()) {
      const dx = x < w.x0 ? w.x0 - x : x > w.x1 ? x - w.x1 : 0;
      const dy = y < w.y0 ? w.y0 - y : y > w.y1 ? y - w.y1 : 0;
      const distance = dx + 4 * dy;
      if (distance < bestDistance) {
        bestDistance = distance;
        best = i;
      }
    }
    return bestDistance < 0.05 ? best : -1;
  }

  /** The anchor of words a..b (inclusive, any order): quote, position and rectangle. */
  anchor(a, b) {
    const [first, last] = a <= b ? [a, b] : [b, a];
    const start = this.starts[first];
    const end = this.starts[last] + this.words[last].text.length;
    const boxes = this.words.slice(first, last + 1);
    const x0 = Math.min(...boxes.map((w) => w.x0));
    const y0 = Math.min(...boxes.map((w) => w.y0));
    const x1 = Math.max(...boxes.map((w) => w.x1));
    const y1 = Math.max(...boxes.map((w) => w.y1));
    return {
      quote: {
        exact: this.text.slice(start, end),
        prefix: this.text.slice(Math.max(0, start - 32), start),
        suffix: this.text.slice(end, end + 32),
      },
      position: { start, end },
      rect: { x: clamp(x0), y: clamp(y0), w: clamp(x1 - x0), h: clamp(y1 - y0) },
    };
  }

  /** Word indices covering characters start..end. */
  wordsIn(start, end) {
    const out = [];
    for (const [i, s] of this.starts.entries()) {
      const e = s + this.words[i].text.length;
      if (e > start && s < end) out.push(i);
    }
    return out;
  }

  /** Rectangles, one per line, of the words covering characters start..end. */
  lineRects(start, end) {
    return mergeLines(this.wordsIn(start, end).map((i) => this.words[i]));
  }

  /** Rectangles of words a..b (inclusive), one per line. */
  rectsOfWords(a, b) {
    const [first, last] = a <= b ? [a, b] : [b, a];
    return mergeLines(this.words.slice(first, last + 1));
  }

  /** Find a quote again (when positions no longer match): character range or null. */
  find(quote) {
    if (!quote?.exact) return null;
    const at = this.text.indexOf(quote.prefix + quote.exact);
    if (at >= 0 && quote.prefix) return { start: at + quote.prefix.length, end: at + quote.prefix.length + quote.exact.length };
    const plainAt = this.text.indexOf(quote.exact);
    return plainAt >= 0 ? { start: plainAt, end: plainAt + quote.exact.length } : null;
  }
}

function mergeLines(words) {
  const lines = [];
  for (const w of words) {
    const line = lines.find((l) => Math.abs(l.y0 - w.y0) < (w.y1 - w.y0) * 0.5 && w.x0 >= l.x0 - 0.2);
    if (line) {
      line.x0 = Math.min(line.x0, w.x0);
      line.x1 = Math.max(line.x1, w.x1);
      line.y0 = Math.min(line.y0, w.y0);
      line.y1 = Math.max(line.y1, w.y1);
    } else {
      lines.push({ ...w });
    }
  }
  return lines.map((l) => ({ x: l.x0, y: l.y0, w: l.x1 - l.x0, h: l.y1 - l.y0 }));
}

/** Words in any of the shapes a text endpoint may answer. */
export function readWords(body) {
  const list = Array.isArray(body) ? body : Array.isArray(body?.words) ? body.words : [];
  const out = [];
  for (const item of list) {
    let text;
    let box;
    if (Array.isArray(item)) {
      box = item.slice(0, 4);
      text = item[4];
    } else if (item && typeof item === "object") {
      text = item.text ?? item.t ?? item.word;
      box = item.box ?? item.bbox ?? item.b ?? [item.x0, item.y0, item.x1, item.y1];
      if (!Array.isArray(box) && box && typeof box === "object") box = [box.x0 ?? box.x, box.y0 ?? box.y, box.x1 ?? box.x + box.w, box.y1 ?? box.y + box.h];
    }
    if (typeof text !== "string" || !text || !Array.isArray(box)) continue;
    const [x0, y0, x1, y1] = box.map(Number);
    if (![x0, y0, x1, y1].every(Number.isFinite)) continue;
    out.push({ text, x0: clamp(x0), y0: clamp(y0), x1: clamp(x1), y1: clamp(y1) });
  }
  return out;
}

function clamp(v) {
  return Math.min(1, Math.max(0, v));
}
