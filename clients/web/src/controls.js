/**
 * The reading bar (previous, next, zoom, highlight, bookmark, follow, lead, pen, close)
 * and the keyboard shortcuts behind it, the same in every screen mode, so the client is
 * fully operable without a pointer.
 */
import { $ } from "./dom.js";

export class ReadingControls {
  /**
   * @param {{reader: import('./reader.js').Reader, panels: import('./panels.js').Panels,
   *   canWrite: () => boolean, canLead: () => boolean, onClose: () => void}} options
   */
  constructor({ reader, panels, canWrite, canLead, onClose }) {
    this.reader = reader;
    this.panels = panels;
    this.canWrite = canWrite;
    this.canLead = canLead;
    this.onClose = onClose;
    this.root = $("#reading-controls");
    this.indicator = $("#page-indicator");
    this.penListeners = new Set();
    const click = (id, fn) => $(id).addEventListener("click", fn);
    click("#prev-page", () => reader.turn(-1));
    click("#next-page", () => reader.turn(1));
    click("#zoom-in", () => reader.setZoom(reader.zoom * 1.4));
    click("#zoom-out", () => reader.setZoom(reader.zoom / 1.4));
    click("#highlight", () => reader.annotate("highlight", { layer: panels.layer() }));
    click("#bookmark", () => reader.annotate("bookmark", { layer: panels.layer() }));
    click("#close-book", () => this.close());
    click("#pen-toggle", () => this.setPen(!this.pen));
    click("#clear-ink", () => {
      for (const page of reader.book?.visiblePages ?? []) reader.ink?.clearMine(reader.book.manifest.id, page);
    });
    $("#follow-toggle").addEventListener("change", (e) => reader.setFollowing(e.target.checked));
    $("#lead-toggle").addEventListener("change", (e) => reader.setLeading(e.target.checked));
    reader.on("open", () => this.update());
    reader.on("page", () => this.update());
    reader.on("close", () => this.update());
    reader.on("selection", () => this.update());
    reader.on("lead", (lead) => this.showLead(lead));
    this.pen = false;
    document.addEventListener("keydown", (event) => this.key(event));
    this.update();
  }

  update() {
    const book = this.reader.book;
    this.root.hidden = !book;
    if (!book) return;
    const pages = book.visiblePages;
    this.indicator.textContent = pages.length === 2 ? `Pages ${pages[0]}–${pages[1]} of ${book.pageCount}` : `Page ${pages[0]} of ${book.pageCount}`;
    this.indicator.dataset.page = String(book.page);
    $("#prev-page").disabled = book.spread <= 0;
    $("#next-page").disabled = book.spread >= book.lastSpread;
    const writable = this.canWrite();
    $("#highlight").disabled = !writable || !this.reader.selectionInfo();
    $("#bookmark").disabled = !writable;
    $("#lead-label").hidden = !this.canLead();
  }

  showLead(lead) {
    const following = $("#follow-label");
    following.title = lead?.follow && lead.leader ? `Turn with ${lead.leader}` : "Nobody is leading the page";
    if (!this.canLead()) return;
    $("#lead-toggle").checked = this.reader.leading;
  }

  setPen(on) {
    this.pen = on;
    $("#pen-toggle").setAttribute("aria-pressed", String(on));
    for (const fn of this.penListeners) fn(on);
  }

  close() {
    this.reader.close();
    this.onClose();
  }

  key(event) {
    const target = event.target;
    if (target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const reader = this.reader;
    if (!reader.book) return;
    const actions = {
      ArrowRight: () => reader.turn(1),
      PageDown: () => reader.turn(1),
      ArrowLeft: () => reader.turn(-1),
      PageUp: () => reader.turn(-1),
      Home: () => reader.goTo(1),
      End: () => reader.goTo(reader.book.pageCount),
      "+": () => reader.setZoom(reader.zoom * 1.4),
      "=": () => reader.setZoom(reader.zoom * 1.4),
      "-": () => reader.setZoom(reader.zoom / 1.4),
      Escape: () => (reader.selection ? reader.clearSelection() : this.close()),
      h: () => this.canWrite() && reader.annotate("highlight", { layer: this.panels.layer() }),
      b: () => this.canWrite() && reader.annotate("bookmark", { layer: this.panels.layer() }),
      f: () => $("#follow-toggle").click(),
      p: () => !$("#pen-toggle").hidden && this.setPen(!this.pen),
      "/": () => {
        this.panels.show("search");
        $("#search-input")?.focus();
      },
      n: () => {
        this.panels.show("notes");
        $("#note-input")?.focus();
      },
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  }
}
