/**
 * Reading one book in the room: opening it (manifest, model, first page image), turning,
 * selecting words, and drawing everyone's annotations, ink and search hits on its pages.
 * Follow mode lives here too: the presenter's `session` map says which book and page the
 * class is on, and followers turn with it.
 */
import { Book3D } from "./book.js";
import { Emitter } from "./events.js";
import { readBookManifest } from "./bookmanifest.js";
import { TextLayer } from "./textlayer.js";
import { drawAnnotations } from "./annotations.js";
import { drawStrokes } from "./ink.js";

export class Reader extends Emitter {
  /**
   * @param {{api: import('./api.js').Api, stage: import('./stage.js').Stage,
   *   profile: object, loading: import('./loading.js').LoadingBar,
   *   annotations: import('./annotations.js').Annotations|null, ink: import('./ink.js').Ink|null,
   *   session: import('./session.js').Session|null, me: {user: string, role: string}}} options
   */
  constructor({ api, stage, profile, loading, annotations, ink, session, me }) {
    super();
    this.api = api;
    this.stage = stage;
    this.profile = profile;
    this.loading = loading;
    this.annotations = annotations;
    this.ink = ink;
    this.session = session;
    this.me = me;
    this.book = null;
    this.text = null;
    this.selection = null;
    this.hits = [];
    this.zoom = 1;
    this.following = true;
    this.leading = false;
    this.opening = null;
    stage.onFrame((dt) => this.book?.update(dt) ?? false);
    const redrawPages = (pages) => {
      if (!this.book) return;
      for (const key of pages) {
        const [book, page] = splitKey(key);
        if (book === this.book.manifest.id) this.book.redraw(page);
      }
      this.emit("annotations", null);
    };
    annotations?.onChange(redrawPages);
    ink?.onChange(redrawPages);
    if (session) {
      this.sessionMap = session.map("presenter", "session");
      this.sessionMap.observe(() => this.onLead());
      session.on("synced", (state) => state.layer === "presenter" && this.onLead());
    }
  }

  get isOpen() {
    return Boolean(this.book);
  }

  get page() {
    return this.book?.page ?? null;
  }

  /**
   * Open a book at a page. Resolves once page images are on the leaves.
   * @param {string} bookId
   */
  async open(bookId, { page = 1, recordId = null } = {}) {
    if (this.book?.manifest.id === bookId) {
      await this.goTo(page);
      return this.book;
    }
    const job = this.load(bookId, page, recordId);
    job.bookId = bookId;
    this.opening = job;
    try {
      return await job;
    } finally {
      if (this.opening === job) this.opening = null;
    }
  }

  async load(bookId, page, recordId) {
    const started = performance.now();
    const ticket = (this.ticket = (this.ticket ?? 0) + 1);
    const task = this.loading.task("book", 0);
    let raw;
    try {
      raw = await this.api.json(`/api/v1/books/${encodeURIComponent(bookId)}`);
    } catch (error) {
      task.done();
      throw error;
    }
    const manifest = readBookManifest(raw, bookId);
    if (recordId && !manifest.recordId) manifest.recordId = recordId;
    const book = new Book3D({
      api: this.api,
      manifest,
      profile: this.profile,
      decorate: (ctx, n, w, h) => this.decorate(ctx, n, w, h, manifest.id),
    });
    book.load(task);
    book.show(page);
    // Draw nothing new until the first page image is there (or a moment has passed): every
    // frame of a blank book would only delay that image on a slow renderer.
    await Promise.race([book.firstImages(), new Promise((resolve) => setTimeout(resolve, 400))]);
    if (ticket !== this.ticket) {
      // Another book was asked for meanwhile.
      book.dispose();
      return null;
    }
    this.close({ replaced: true });
    this.book = book;
    this.text = new TextLayer(this.api, (n) => manifest.textUrl(n));
    this.stage.scene.add(book.object);
    this.stage.requestRender();
    this.emit("open", book);
    await book.firstImages();
    performance.mark("readingroom:first-page-image");
    this.lastOpenMs = performance.now() - started;
    this.afterTurn();
    return book;
  }

  /** Put the book back; `replaced` when another book takes its place at once. */
  close({ replaced = false } = {}) {
    if (!this.book) return;
    const book = this.book;
    this.book = null;
    this.selection = null;
    this.hits = [];
    book.dispose();
    this.stage.requestRender();
    if (!replaced) this.session?.setPresence({ book: null, page: null });
    this.emit("close", { book, replaced });
  }

  async turn(direction) {
    if (!this.book) return false;
    this.selection = null;
    const turned = await this.book.turn(direction);
    if (turned) this.afterTurn();
    return turned;
  }

  async goTo(page) {
    if (!this.book) return;
    const target = this.book.spreadOf(page);
    const steps = target - this.book.spread;
    if (steps === 0) return;
    if (Math.abs(steps) <= 2) {
      for (let i = 0; i < Math.abs(steps); i += 1) await this.book.turn(Math.sign(steps));
    } else {
      this.book.show(page);
    }
    this.selection = null;
    this.afterTurn();
  }

  afterTurn() {
    const book = this.book;
    if (!book) return;
    for (const page of book.visiblePages) this.text.get(page).then(() => this.book === book && book.redraw(page));
    this.session?.setPresence({ book: book.manifest.id, page: book.page });
    if (this.leading) this.lead();
    this.emit("page", book.page);
  }

  /** Zoom the view for small print; near pages switch to the larger image size. */
  setZoom(zoom) {
    this.zoom = Math.min(4, Math.max(1, zoom));
    this.book?.setImageSize(this.zoom >= 1.6 ? this.profile.closeSize : this.profile.readingSize);
    this.emit("zoom", this.zoom);
  }

  // --- selection and annotations -------------------------------------------------------

  /** Start or extend a word selection at page coordinates. */
  async selectAt(page, x, y, extend = false) {
    if (!this.text) return;
    const text = await this.text.get(page);
    const word = text.wordAt(x, y);
    if (word < 0) return;
    if (extend && this.selection?.page === page) this.selection.b = word;
    else this.selection = { page, a: word, b: word };
    this.book?.redraw(page);
    this.emit("selection", this.selectionInfo());
  }

  /** Select words a..b of a page (the text panel does this from a DOM selection). */
  async selectWords(page, a, b) {
    await this.text.get(page);
    this.selection = { page, a, b };
    this.book?.redraw(page);
    this.emit("selection", this.selectionInfo());
  }

  clearSelection() {
    const page = this.selection?.page;
    this.selection = null;
    if (page) this.book?.redraw(page);
    this.emit("selection", null);
  }

  selectionInfo() {
    if (!this.selection) return null;
    const text = this.text.now(this.selection.page);
    if (!text || !text.words.length) return null;
    const anchor = text.anchor(this.selection.a, this.selection.b);
    return { page: this.selection.page, ...anchor };
  }

  /** Annotate the selection (or, for a bookmark or a page note, the left-hand page). */
  annotate(type, { body = "", layer = "shared" } = {}) {
    if (!this.book || !this.annotations) return null;
    const info = this.selectionInfo();
    const page = info?.page ?? this.book.page;
    const target = info ? { quote: info.quote, position: info.position, rect: info.rect } : {};
    if (type === "highlight" && !info) return null;
    const id = this.annotations.add({ type, book: this.book.manifest.id, page, target, body }, layer);
    this.clearSelection();
    this.book.redraw(page);
    return id;
  }

  /** Show search hits ({page, boxes}) on the pages. */
  setHits(hits) {
    this.hits = hits;
    this.book?.redraw();
  }

  decorate(ctx, page, width, height, bookId) {
    const own = this.book?.manifest.id === bookId;
    const text = own ? this.text?.now(page) ?? null : null;
    for (const hit of own ? this.hits : []) {
      if (hit.page !== page) continue;
      ctx.save();
      ctx.strokeStyle = "#e0561b";
      ctx.lineWidth = Math.max(2, width / 300);
      ctx.fillStyle = "rgba(255, 150, 40, 0.25)";
      for (const box of hit.boxes) {
        ctx.fillRect(box.x * width, box.y * height, box.w * width, box.h * height);
        ctx.strokeRect(box.x * width, box.y * height, box.w * width, box.h * height);
      }
      ctx.restore();
    }
    if (bookId && this.annotations) drawAnnotations(ctx, this.annotations.forPage(bookId, page), text, width, height);
    if (bookId && this.ink) drawStrokes(ctx, this.ink.forPage(bookId, page), width, height);
    if (own && this.selection?.page === page && text) {
      ctx.save();
      ctx.fillStyle = "rgba(40, 110, 255, 0.35)";
      for (const r of text.rectsOfWords(this.selection.a, this.selection.b)) {
        ctx.fillRect(r.x * width, r.y * height, r.w * width, r.h * height);
      }
      ctx.restore();
    }
  }

  // --- follow the presenter --------------------------------------------------------------

  get leadState() {
    if (!this.sessionMap) return null;
    return {
      leader: this.sessionMap.get("leader") ?? null,
      book: this.sessionMap.get("book") ?? null,
      page: Number(this.sessionMap.get("page")) || null,
      follow: this.sessionMap.get("follow") === true,
    };
  }

  /** Lead the room from here (presenters only): followers go where I go. */
  setLeading(on) {
    this.leading = on;
    if (on) this.lead();
    else if (this.sessionMap) this.sessionMap.set("follow", false);
    this.emit("lead", this.leadState);
  }

  lead() {
    if (!this.sessionMap || !this.book) return;
    const map = this.sessionMap;
    map.doc.transact(() => {
      map.set("leader", this.me.user);
      map.set("book", this.book.manifest.id);
      map.set("page", this.book.page);
      map.set("follow", true);
    });
  }

  setFollowing(on) {
    this.following = on;
    this.onLead();
  }

  onLead() {
    const lead = this.leadState;
    if (this.leading && lead?.leader && lead.leader !== this.me.user) {
      // Presenting went to someone else: stop leading and follow them like everyone.
      this.leading = false;
    }
    this.emit("lead", lead);
    if (!lead || !lead.follow || !this.following || this.leading || lead.leader === this.me.user) return;
    if (!lead.book || !lead.page) return;
    if (this.book?.manifest.id === lead.book) {
      if (this.book.spreadOf(lead.page) !== this.book.spread) this.goTo(lead.page);
    } else if (this.opening?.bookId !== lead.book) {
      this.open(lead.book, { page: lead.page }).catch((error) => this.emit("error", error));
    }
  }
}

function splitKey(key) {
  const at = key.lastIndexOf(":");
  return [key.slice(0, at), Number(key.slice(at + 1))];
}
