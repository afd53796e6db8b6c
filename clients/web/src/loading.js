/**
 * Progressive loading with a visible bar: each asset reports bytes as they arrive, and the
 * bar shows the share of everything announced so far (sizes from the manifest when it
 * gives them, else from Content-Length). The room is usable long before the bar is full.
 */

export class LoadingBar {
  /** @param {HTMLElement} root an element holding .bar-fill and .bar-label */
  constructor(root) {
    this.root = root;
    this.fill = root.querySelector(".bar-fill");
    this.label = root.querySelector(".bar-label");
    this.tasks = new Map();
    this.hideTimer = 0;
  }

  /** Announce an asset; returns a reporter `(loaded, total) => void`. */
  task(name, expectedBytes = 0) {
    const entry = { name, loaded: 0, total: Math.max(0, expectedBytes || 0), done: false };
    this.tasks.set(Symbol(name), entry);
    this.render();
    return {
      progress: (loaded, total) => {
        entry.loaded = loaded;
        if (total) entry.total = total;
        this.render();
      },
      done: () => {
        entry.done = true;
        entry.loaded = entry.total = Math.max(entry.total, entry.loaded, 1);
        this.render();
      },
    };
  }

  get percent() {
    let loaded = 0;
    let total = 0;
    for (const entry of this.tasks.values()) {
      // An asset of unknown size counts as 1 unit until it is done.
      const size = entry.total || 1;
      total += size;
      loaded += entry.done ? size : Math.min(entry.loaded, size) * (entry.total ? 1 : 0);
    }
    return total ? Math.round((100 * loaded) / total) : 0;
  }

  render() {
    const percent = this.percent;
    const pending = [...this.tasks.values()].filter((t) => !t.done);
    this.root.hidden = false;
    this.root.setAttribute("aria-valuenow", String(percent));
    this.fill.style.width = `${percent}%`;
    this.label.textContent = pending.length
      ? `Loading ${pending[0].name}… ${percent}%`
      : `Loaded ${percent}%`;
    clearTimeout(this.hideTimer);
    if (!pending.length) {
      this.hideTimer = setTimeout(() => {
        this.root.hidden = true;
        this.tasks.clear();
      }, 600);
    }
  }
}

/**
 * Fetch a body as an ArrayBuffer while reporting progress.
 * @param {import('./api.js').Api} api
 */
export async function fetchWithProgress(api, path, report, { signal } = {}) {
  const response = await api.fetch(path, { signal });
  const total = Number(response.headers.get("Content-Length")) || 0;
  if (!response.body || !report) {
    const buffer = await response.arrayBuffer();
    report?.progress(buffer.byteLength, buffer.byteLength);
    return buffer;
  }
  const reader = response.body.getReader();
  const chunks = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    report.progress(loaded, total);
  }
  const out = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out.buffer;
}
