/**
 * Page images of one book, fetched at the size the view needs and kept within the
 * profile's texture budget: pages far from the open spread are closed first, and a
 * smaller size of a page goes once a larger one has arrived.
 */
import { PAGE_SIZES } from "./profiles.js";

export class PageImages {
  /**
   * @param {import('./api.js').Api} api
   * @param {(page: number, size: string) => string} urlFor
   * @param {number} budgetBytes decoded RGBA bytes allowed to stay resident
   */
  constructor(api, urlFor, budgetBytes) {
    this.api = api;
    this.urlFor = urlFor;
    this.budget = budgetBytes;
    /** @type {Map<string, {bitmap: ImageBitmap, page: number, size: string, bytes: number, used: number}>} */
    this.cache = new Map();
    /** @type {Map<string, Promise<ImageBitmap|null>>} */
    this.pending = new Map();
    this.focus = 1;
    this.bytes = 0;
    this.listeners = new Set();
    this.disposed = false;
  }

  /** `fn(page, size)` whenever a new image of a page is ready. */
  onImage(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The largest image of `page` already decoded, or null. */
  best(page) {
    for (const size of [...PAGE_SIZES].reverse()) {
      const entry = this.cache.get(key(page, size));
      if (entry) {
        entry.used = performance.now();
        return entry;
      }
    }
    return null;
  }

  /** Fetch `page` at `size` (deduplicated); resolves to the bitmap or null on error. */
  load(page, size) {
    const k = key(page, size);
    const cached = this.cache.get(k);
    if (cached) return Promise.resolve(cached.bitmap);
    if (this.pending.has(k)) return this.pending.get(k);
    const job = this.fetchBitmap(page, size)
      .then((bitmap) => {
        this.pending.delete(k);
        if (this.disposed) {
          bitmap.close();
          return null;
        }
        const bytes = bitmap.width * bitmap.height * 4;
        this.cache.set(k, { bitmap, page, size, bytes, used: performance.now() });
        this.bytes += bytes;
        this.dropSmaller(page, size);
        this.evict();
        for (const fn of this.listeners) fn(page, size);
        return bitmap;
      })
      .catch((error) => {
        this.pending.delete(k);
        console.warn(`page ${page} (${size}) failed`, error);
        return null;
      });
    this.pending.set(k, job);
    return job;
  }

  /** Load `page` progressively: thumb first (fast), then `size`. */
  progressive(page, size) {
    const wanted = PAGE_SIZES.indexOf(size);
    const best = this.best(page);
    if (best && PAGE_SIZES.indexOf(best.size) >= wanted) return Promise.resolve(best.bitmap);
    if (!best && wanted > 0) this.load(page, "thumb");
    return this.load(page, size);
  }

  async fetchBitmap(page, size) {
    const response = await this.api.fetch(this.urlFor(page, size));
    const blob = await response.blob();
    return createImageBitmap(blob);
  }

  /** Tell the cache which page is open, so eviction keeps what is near it. */
  setFocus(page) {
    this.focus = page;
    this.evict();
  }

  dropSmaller(page, size) {
    for (const smaller of PAGE_SIZES.slice(0, PAGE_SIZES.indexOf(size))) {
      const entry = this.cache.get(key(page, smaller));
      // Keep thumbs: they are tiny and make flipping through instant.
      if (entry && smaller !== "thumb") this.remove(key(page, smaller), entry);
    }
  }

  evict() {
    if (this.bytes <= this.budget) return;
    const entries = [...this.cache.entries()].sort(
      ([, a], [, b]) => Math.abs(b.page - this.focus) - Math.abs(a.page - this.focus) || a.used - b.used,
    );
    for (const [k, entry] of entries) {
      if (this.bytes <= this.budget) break;
      if (Math.abs(entry.page - this.focus) <= 1) continue;
      this.remove(k, entry);
    }
  }

  remove(k, entry) {
    this.cache.delete(k);
    this.bytes -= entry.bytes;
    entry.bitmap.close();
  }

  dispose() {
    this.disposed = true;
    for (const [k, entry] of this.cache) this.remove(k, entry);
    this.listeners.clear();
  }
}

function key(page, size) {
  return `${page}:${size}`;
}
