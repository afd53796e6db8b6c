/**
 * The reading panel beside the 3D view: the room's shelves as a list (so everything is
 * reachable by keyboard), the open book's catalog record, where its print copy stands and
 * related books, search inside the book, notes, the people present, and the page text.
 * Everything others wrote is inserted as text nodes (see dom.js), never as HTML.
 */
import { listOf } from "./api.js";
import { colourOf } from "./colors.js";
import { fill, h } from "./dom.js";
import { notify, noticeHistory } from "./notices.js";

const TABS = [
  ["shelves", "Shelves"],
  ["book", "Book"],
  ["search", "Search"],
  ["notes", "Notes"],
  ["people", "People"],
  ["text", "Text"],
];

export class Panels {
  /**
   * @param {{api: import('./api.js').Api, reader: import('./reader.js').Reader,
   *   room: import('./room.js').Room, session: import('./session.js').Session|null,
   *   annotations: import('./annotations.js').Annotations|null, me: object,
   *   openBook: (bookId: string, options?: object) => Promise<unknown>, canWrite: () => boolean}} options
   */
  constructor({ api, reader, room, session, annotations, me, openBook, canWrite, presenting = null }) {
    this.presenting = presenting;
    presenting?.onChange(() => this.current === "people" && this.renderSoon());
    this.api = api;
    this.reader = reader;
    this.room = room;
    this.session = session;
    this.annotations = annotations;
    this.me = me;
    this.openBook = openBook;
    this.canWrite = canWrite;
    this.root = document.getElementById("panel");
    this.tabs = document.getElementById("panel-tabs");
    this.body = document.getElementById("panel-body");
    this.current = "shelves";
    this.record = null;
    this.searchState = { query: "", hits: [], message: "" };
    this.root.hidden = false;
    fill(
      this.tabs,
      TABS.map(([id, label]) =>
        h("button", { type: "button", role: "tab", id: `tab-${id}`, "aria-controls": "panel-body", onclick: () => this.show(id) }, label),
      ),
      h("button", { type: "button", id: "panel-collapse", "aria-label": "Hide panel", onclick: () => this.toggleCollapsed() }, "⇥"),
    );
    reader.on("open", (book) => {
      this.record = null;
      this.searchState = { query: "", hits: [], message: "" };
      // The catalog can wait until the first page is on screen.
      book.firstImages().then(() => this.loadRecord());
      if (this.current === "shelves") this.show("book");
      else this.render();
    });
    reader.on("close", () => this.render());
    reader.on("page", () => ["text", "notes"].includes(this.current) && this.render());
    reader.on("annotations", () => this.current === "notes" && this.renderSoon());
    reader.on("selection", () => this.current === "text" && this.markSelection());
    session?.on("presence", () => this.current === "people" && this.renderSoon());
    this.show("shelves");
  }

  toggleCollapsed() {
    const collapsed = document.body.classList.toggle("panel-collapsed");
    document.getElementById("panel-collapse").setAttribute("aria-label", collapsed ? "Show panel" : "Hide panel");
  }

  show(tab) {
    this.current = tab;
    document.body.classList.remove("panel-collapsed");
    for (const [id] of TABS) document.getElementById(`tab-${id}`).setAttribute("aria-selected", String(id === tab));
    this.render();
  }

  renderSoon() {
    if (this.renderTimer) return;
    this.renderTimer = setTimeout(() => {
      this.renderTimer = 0;
      this.render();
    }, 50);
  }

  render() {
    const view = {
      shelves: () => this.shelves(),
      book: () => this.bookView(),
      search: () => this.searchView(),
      notes: () => this.notesView(),
      people: () => this.peopleView(),
      text: () => this.textView(),
    }[this.current];
    const focused = document.activeElement?.id;
    fill(this.body, view());
    if (focused && this.body.querySelector(`#${CSS.escape(focused)}`)) document.getElementById(focused).focus();
  }

  // --- shelves ------------------------------------------------------------------------

  shelves() {
    const books = this.room.books;
    if (!books.length) return [h("h2", {}, "Shelves"), h("p", { class: "muted" }, "No books on these shelves yet.")];
    return [
      h("h2", {}, "Shelves"),
      h("p", { class: "muted" }, `${books.length} books. Choose one to open it.`),
      h(
        "ul",
        { id: "shelf-list" },
        books.map((slot) =>
          h(
            "li",
            {},
            h(
              "button",
              {
                type: "button",
                class: "list-button",
                dataset: { book: slot.bookId ?? "" },
                disabled: !slot.bookId,
                onclick: () => this.openBook(slot.bookId, { recordId: slot.recordId }),
              },
              slot.title ?? slot.bookId ?? slot.recordId,
            ),
          ),
        ),
      ),
    ];
  }

  // --- the book: record, location, related ---------------------------------------------

  /**
   * The open book's library side: related books first (their answer also names the
   * book's catalog record when the shelf did not), then the record and where its print
   * copies stand.
   */
  async loadRecord() {
    const book = this.reader.book;
    if (!book) return;
    const manifest = book.manifest;
    const record = { book: manifest.id, data: null, location: null, related: null, borrowed: null, problems: [] };
    this.record = record;
    try {
      const related = await this.api.json(manifest.relatedUrl);
      record.related = listOf(related, "content", "related", "books");
      record.borrowed = Array.isArray(related?.also_borrowed) ? related.also_borrowed : [];
      if (!manifest.recordId && typeof related?.record_id === "string") manifest.recordId = related.record_id;
    } catch (error) {
      record.problems.push(error.missing && error.code !== "not_found" ? "Related books are not available on this server yet." : `Related: ${error.message}`);
    }
    if (manifest.recordId) {
      const id = encodeURIComponent(manifest.recordId);
      await Promise.all([
        this.api.json(`/api/v1/catalog/records/${id}`).then(
          (data) => (record.data = data),
          (error) => record.problems.push(error.missing ? "The catalog record is not available on this server yet." : `Catalog: ${error.message}`),
        ),
        this.api.json(`/api/v1/catalog/records/${id}/location`).then(
          (data) => (record.location = data),
          (error) => record.problems.push(error.missing ? "Shelf locations are not available on this server yet." : `Location: ${error.message}`),
        ),
      ]);
    } else {
      record.problems.push("This book has no catalog record linked.");
    }
    if (this.record === record && this.current === "book") this.render();
  }

  bookView() {
    const book = this.reader.book;
    if (!book) return [h("h2", {}, "Book"), h("p", { class: "muted" }, "Open a book from the shelves.")];
    const m = book.manifest;
    const record = this.record?.book === m.id ? this.record : null;
    const out = [
      h("h2", { id: "book-title" }, m.title),
      m.authors.length ? h("p", {}, m.authors.join("; ")) : null,
      h("p", { class: "muted" }, `${m.pageCount} pages`),
    ];
    if (!record) return [...out, h("p", { class: "muted" }, "Loading the record…")];
    if (record.data) out.push(h("h3", {}, "Catalog record"), recordList(record.data));
    if (record.location) out.push(h("h3", {}, "Print copies"), locationList(record.location));
    for (const [heading, items, id] of [
      ["Related books", record.related, "related-list"],
      ["Readers of this book also borrowed", record.borrowed, "borrowed-list"],
    ]) {
      if (!items?.length) continue;
      out.push(
        h("h3", {}, heading),
        h(
          "ul",
          { id },
          items.map((item) => {
            const bookId = item.book_id ?? item.id ?? null;
            const label = String(item.title ?? bookId ?? item.record_id ?? "");
            return h(
              "li",
              {},
              h(
                "button",
                { type: "button", class: "list-button", disabled: !bookId, title: bookId ? null : "Print only", onclick: () => this.openBook(String(bookId), { recordId: item.record_id ?? null }) },
                label,
              ),
            );
          }),
        ),
      );
    }
    for (const problem of record.problems) out.push(h("p", { class: "muted" }, problem));
    return out;
  }

  // --- search inside the book --------------------------------------------------------

  searchView() {
    const book = this.reader.book;
    if (!book) return [h("h2", {}, "Search"), h("p", { class: "muted" }, "Open a book to search inside it.")];
    const input = h("input", { type: "search", id: "search-input", value: this.searchState.query, "aria-label": "Search inside the book" });
    const form = h(
      "form",
      {
        role: "search",
        onsubmit: (event) => {
          event.preventDefault();
          this.search(input.value);
        },
      },
      input,
      " ",
      h("button", { type: "submit" }, "Search"),
    );
    const results = this.searchState.hits.map((hit, i) =>
      h(
        "li",
        {},
        h(
          "button",
          { type: "button", class: "list-button hit", dataset: { page: hit.page }, onclick: () => this.reader.goTo(hit.page) },
          h("strong", {}, `p. ${hit.page} `),
          h("span", { class: "hit-snippet" }, hit.snippet),
        ),
        this.canWrite() ? h("button", { type: "button", onclick: () => this.highlightHit(hit), "aria-label": `Highlight hit ${i + 1}` }, "Highlight") : null,
      ),
    );
    return [h("h2", {}, "Search"), form, h("p", { role: "status" }, this.searchState.message), h("ul", { id: "search-results" }, results)];
  }

  async search(query) {
    const book = this.reader.book;
    query = query.trim();
    this.searchState = { query, hits: [], message: query ? "Searching…" : "" };
    this.render();
    if (!query || !book) {
      this.reader.setHits([]);
      return;
    }
    try {
      const body = await this.api.json(book.manifest.searchUrl, { query: { q: query } });
      const hits = listOf(body, "hits", "results").map(readHit).filter(Boolean);
      this.searchState = { query, hits, message: hits.length ? `${hits.length} hit${hits.length === 1 ? "" : "s"}.` : "No hits." };
      this.reader.setHits(hits);
      if (hits.length && !book.visiblePages.includes(hits[0].page)) this.reader.goTo(hits[0].page);
    } catch (error) {
      this.searchState.message = error.missing ? "Search is not available on this server yet." : `Search failed: ${error.message}`;
    }
    if (this.current === "search") this.render();
  }

  async highlightHit(hit) {
    const text = await this.reader.text.get(hit.page);
    const range = text.find({ exact: this.searchState.query, prefix: "", suffix: "" });
    const words = range ? text.wordsIn(range.start, range.end) : [];
    if (!words.length) return;
    await this.reader.selectWords(hit.page, words[0], words[words.length - 1]);
    this.reader.annotate("highlight", { layer: this.layer() });
  }

  layer() {
    return document.getElementById("private-toggle")?.checked ? "private" : "shared";
  }

  // --- notes ---------------------------------------------------------------------------

  notesView() {
    const book = this.reader.book;
    if (!book) return [h("h2", {}, "Notes"), h("p", { class: "muted" }, "Open a book to see its notes.")];
    if (!this.annotations) return [h("h2", {}, "Notes"), h("p", { class: "muted" }, "Live sessions are not available.")];
    const entries = this.annotations.forBook(book.manifest.id);
    const textarea = h("textarea", { id: "note-input", "aria-label": "Note text", placeholder: "A note on this page (or on the selected words)" });
    const add = h(
      "button",
      {
        type: "button",
        id: "add-note",
        disabled: !this.canWrite(),
        onclick: () => {
          if (!textarea.value.trim()) return;
          this.reader.annotate("note", { body: textarea.value, layer: this.layer() });
          textarea.value = "";
        },
      },
      "Add note",
    );
    return [
      h("h2", {}, "Notes"),
      this.canWrite() ? null : h("p", { class: "muted" }, "Guests can read notes but not add them."),
      textarea,
      add,
      h("h3", {}, `${entries.length} on this book`),
      h(
        "ul",
        { id: "notes-list" },
        entries.map((entry) =>
          h(
            "li",
            { class: "note-item", style: `--note-colour: ${entry.color}`, dataset: { id: entry.id, type: entry.type } },
            h("div", { class: "note-meta" }, `${entry.type} · p. ${entry.page} · ${entry.creatorName}${entry.layer === "private" ? " · private" : ""}`),
            entry.quote ? h("blockquote", { class: "note-quote" }, entry.quote.exact) : null,
            entry.body ? h("div", { class: "note-body" }, entry.body) : null,
            h("button", { type: "button", onclick: () => this.reader.goTo(entry.page) }, "Go to page"),
            this.annotations.mine(entry) ? h("button", { type: "button", onclick: () => this.annotations.remove(entry) }, "Delete") : null,
          ),
        ),
      ),
    ];
  }

  // --- people --------------------------------------------------------------------------

  peopleView() {
    if (!this.session) return [h("h2", {}, "People"), h("p", { class: "muted" }, "Live sessions are not available.")];
    const people = this.session.participants();
    const health = this.session.health;
    const presenting = this.presenting;
    const steer = presenting?.canSteer;
    const presenter = presenting?.state.presenter ?? null;
    const act = (job) => job.catch((error) => notify(`Could not change the session: ${error.message}`, { kind: "error" }));
    return [
      h("h2", {}, "People"),
      presenting && presenter ? h("p", { id: "presenter-line" }, `Presenting: ${presenter}`) : null,
      steer
        ? h(
            "label",
            { class: "toggle" },
            h("input", { type: "checkbox", id: "lecture-toggle", checked: presenting.state.lecture, onchange: (e) => act(presenting.setLecture(e.target.checked)) }),
            " Lecture mode (only presenters write)",
          )
        : null,
      steer && presenter ? h("button", { type: "button", id: "take-back", onclick: () => act(presenting.takeBack()) }, "Take presenting back") : null,
      h(
        "ul",
        { id: "participants" },
        people.map((p) =>
          h(
            "li",
            { class: "person", dataset: { user: p.user } },
            h("span", { class: "swatch", style: `--swatch: ${colourOf(p.user)}` }),
            h("span", {}, `${p.name}${p.me ? " (you)" : ""}`),
            h("span", { class: "muted" }, `${p.role}${p.device ? ` · ${p.device}` : ""}${p.page ? ` · p. ${p.page}` : ""}`),
            steer && !p.me && p.user !== presenter
              ? h("button", { type: "button", class: "hand-over", onclick: () => act(presenting.handTo(p.user)) }, "Hand presenting")
              : null,
          ),
        ),
      ),
      h("h3", {}, "Connection"),
      h("p", { class: "muted", id: "session-health" }, Object.entries(health).map(([layer, status]) => `${layer}: ${status}`).join(" · ")),
      noticeHistory().length ? h("h3", {}, "Messages") : null,
      h("ul", { id: "messages" }, noticeHistory().map((text) => h("li", { class: "muted" }, text))),
    ];
  }

  // --- page text (select words here with mouse, touch or a screen reader) ---------------

  textView() {
    const book = this.reader.book;
    if (!book) return [h("h2", {}, "Text"), h("p", { class: "muted" }, "Open a book to read its text.")];
    const out = [h("h2", {}, "Text of these pages"), h("p", { class: "muted" }, "Select words here, then press Highlight.")];
    for (const page of book.visiblePages) {
      const text = this.reader.text?.now(page);
      const section = h("section", { class: "text-layer", dataset: { page }, "aria-label": `Page ${page}` }, h("h3", {}, `Page ${page}`));
      if (!text) {
        section.append(h("p", { class: "muted" }, "Loading…"));
        this.reader.text?.get(page).then(() => this.current === "text" && this.render());
      } else if (!text.words.length) {
        section.append(h("p", { class: "muted" }, "This page has no text layer (a scan or drawn glyphs)."));
      } else {
        const p = h("p", {});
        for (const [i, word] of text.words.entries()) {
          p.append(h("span", { class: "w", dataset: { i } }, word.text), " ");
        }
        section.append(p);
      }
      out.push(section);
    }
    queueMicrotask(() => this.watchTextSelection());
    return out;
  }

  watchTextSelection() {
    if (this.watchingText) return;
    this.watchingText = true;
    document.addEventListener("selectionchange", () => {
      if (this.current !== "text") return;
      const selection = document.getSelection();
      if (!selection || selection.isCollapsed || !this.body.contains(selection.anchorNode)) return;
      const word = (node) => (node?.nodeType === Node.TEXT_NODE ? node.parentElement : node)?.closest?.(".w");
      const a = word(selection.anchorNode);
      const b = word(selection.focusNode);
      const section = a?.closest(".text-layer");
      if (!a || !b || section !== b.closest(".text-layer")) return;
      this.reader.selectWords(Number(section.dataset.page), Number(a.dataset.i), Number(b.dataset.i));
    });
  }

  markSelection() {
    const info = this.reader.selection;
    for (const span of this.body.querySelectorAll(".w.sel")) span.classList.remove("sel");
    if (!info) return;
    const section = this.body.querySelector(`.text-layer[data-page="${info.page}"]`);
    const [a, b] = info.a <= info.b ? [info.a, info.b] : [info.b, info.a];
    for (const span of section?.querySelectorAll(".w") ?? []) {
      const i = Number(span.dataset.i);
      if (i >= a && i <= b) span.classList.add("sel");
    }
  }
}

/** A search hit in the shapes a search endpoint may answer: {page, snippet, boxes}. */
export function readHit(raw) {
  if (!raw || typeof raw !== "object") return null;
  const page = Number(raw.page ?? raw.page_number ?? raw.n);
  if (!Number.isInteger(page) || page < 1) return null;
  const boxes = [];
  const all = [...(raw.boxes ?? raw.rects ?? raw.words ?? []), ...(Array.isArray(raw.matches) ? raw.matches.flatMap((m) => m?.boxes ?? []) : [])];
  for (const box of all) {
    const b = Array.isArray(box) ? box : box?.box ?? box;
    if (Array.isArray(b) && b.length >= 4) boxes.push({ x: +b[0], y: +b[1], w: b[2] - b[0], h: b[3] - b[1] });
    else if (b && typeof b === "object" && "x" in b) boxes.push({ x: +b.x, y: +b.y, w: +(b.w ?? b.width), h: +(b.h ?? b.height) });
  }
  return { page, snippet: String(raw.snippet ?? raw.text ?? raw.context ?? ""), boxes: boxes.filter((b) => [b.x, b.y, b.w, b.h].every(Number.isFinite)) };
}

const RECORD_FIELDS = [
  ["title", "Title"],
  ["authors", "Authors"],
  ["author", "Author"],
  ["publisher", "Publisher"],
  ["year", "Year"],
  ["date", "Date"],
  ["language", "Language"],
  ["subjects", "Subjects"],
  ["call_number", "Call number"],
  ["isbn", "ISBN"],
  ["identifiers", "Identifiers"],
  ["summary", "Summary"],
];

function recordList(data) {
  const dl = h("dl", { class: "record", id: "record" });
  const source = data.record ?? data;
  for (const [key, label] of RECORD_FIELDS) {
    const value = source[key];
    if (value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length)) continue;
    dl.append(h("dt", {}, label), h("dd", {}, displayValue(value)));
  }
  return dl;
}

/** Where the print copies stand (GET .../location): floor, range, shelf, on the shelf or not. */
function locationList(data) {
  const copies = listOf(data, "copies", "items", "locations");
  const summary = typeof data.summary === "string" ? data.summary : null;
  if (!copies.length) return h("p", { class: "muted", id: "location" }, summary ?? "No print copy known.");
  return h(
    "div",
    { id: "location" },
    summary ? h("p", {}, summary) : null,
    h(
      "ul",
      {},
      copies.map((copy) => {
        const g = copy.guidance ?? copy;
        const where = g.label
          ? String(g.label)
          : [g.floor_name ?? (g.floor && `floor ${g.floor}`), g.range && `range ${g.range}`, g.shelf && `shelf ${g.shelf}`]
              .filter(Boolean)
              .map(displayValue)
              .join(", ");
        const status = copy.on_shelf === true ? "on the shelf" : copy.on_shelf === false ? "not on the shelf" : "shelf status unknown";
        return h(
          "li",
          { class: "copy", dataset: { onShelf: String(copy.on_shelf) } },
          h("strong", {}, where || displayValue(copy.home_location ?? copy.item ?? "copy")),
          ` — ${status}`,
          copy.call_number ? h("div", { class: "muted" }, `Call number ${displayValue(copy.call_number)}`) : null,
          copy.summary ? h("div", { class: "muted" }, displayValue(copy.summary)) : null,
        );
      }),
    ),
    data.as_of ? h("p", { class: "muted" }, `As of ${new Date(data.as_of).toLocaleString()}`) : null,
  );
}

function displayValue(value) {
  if (Array.isArray(value)) return value.map(displayValue).join("; ");
  if (value && typeof value === "object" && "scheme" in value && "value" in value) {
    return `${String(value.scheme).toUpperCase()} ${value.value}`;
  }
  if (value && typeof value === "object") {
    return Object.entries(value)
      .map(([k, v]) => `${k}: ${displayValue(v)}`)
      .join(", ");
  }
  return String(value);
}
