/**
 * The live session of a room: one Yjs document per layer (`shared`, `presenter`,
 * `private`), each synced by the official y-websocket client at
 * `/ws/rooms/{room}/{layer}?token=`. Presence rides on the shared layer's awareness,
 * throttled to 15 Hz as DESIGN.md asks.
 */
import * as Y from "yjs";
import { Emitter } from "./events.js";
import { WebsocketProvider, messageAuth } from "y-websocket";
import * as authProtocol from "y-protocols/auth";

export const LAYERS = ["shared", "presenter", "private"];
const AWARENESS_INTERVAL_MS = 1000 / 15;

export class Session extends Emitter {
  /**
   * @param {{api: import('./api.js').Api, room: string, me: {user: string, name: string, role: string}, device: string}} options
   */
  constructor({ api, room, me, device }) {
    super();
    this.api = api;
    this.room = room;
    this.me = me;
    this.device = device;
    this.layers = {};
    this.presence = { user: me.user, name: me.name, role: me.role, device, book: null, page: null, pointer: null };
    this.presenceTimer = 0;
    this.presenceSent = 0;
  }

  start() {
    const base = this.api.wsUrl(`/ws/rooms/${encodeURIComponent(this.room)}`);
    base.search = "";
    for (const layer of LAYERS) {
      const doc = new Y.Doc();
      const provider = new WebsocketProvider(base.href, layer, doc, {
        params: this.api.token ? { token: this.api.token } : {},
        // Another tab of the same browser is another participant here, not a mirror.
        disableBc: true,
      });
      const state = { layer, doc, provider, status: "connecting", denied: null, closed: null, synced: false, everConnected: false, failures: 0 };
      provider.messageHandlers[messageAuth] = (_encoder, decoder) => {
        authProtocol.readAuthMessage(decoder, doc, (_doc, reason) => {
          state.denied = reason || "permission denied";
          this.emit("status", state);
        });
      };
      provider.on("status", ({ status }) => {
        state.status = status;
        if (status === "connected") {
          state.everConnected = true;
          state.failures = 0;
        }
        this.emit("status", state);
      });
      provider.on("connection-error", () => this.failed(state));
      provider.on("sync", (synced) => {
        state.synced = synced;
        this.emit("synced", state);
      });
      provider.on("closed", ({ code, reason }) => {
        state.closed = { code, reason };
        state.status = "closed";
        this.emit("status", state);
      });
      provider.on("connection-close", (event) => {
        if (event && event.code >= 4000) {
          state.closed = { code: event.code, reason: event.reason };
          this.emit("status", state);
        }
      });
      if (layer !== "shared") provider.awareness.setLocalState(null);
      this.layers[layer] = state;
    }
    this.awareness.setLocalState(this.presence);
    this.awareness.on("change", () => this.emit("presence", this.participants()));
    return this;
  }

  /**
   * A server without live sessions refuses every attempt; rather than retrying several
   * times a second forever, pause and try again every half minute.
   */
  failed(state) {
    state.failures += 1;
    if (state.everConnected || state.failures < 5) return;
    state.provider.disconnect();
    state.status = "unavailable";
    state.failures = 0;
    this.emit("status", state);
    setTimeout(() => state.provider.connect(), 30000);
  }

  /** A top-level map of a layer's document (`annotations`, `strokes`, `session`). */
  map(layer, name) {
    return this.layers[layer].doc.getMap(name);
  }

  get awareness() {
    return this.layers.shared.provider.awareness;
  }

  /** Resolves once the layer has had its first sync with the server (or after `ms`). */
  synced(layer = "shared", ms = 5000) {
    const state = this.layers[layer];
    if (state.synced) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      const stop = this.on("synced", (s) => {
        if (s === state && s.synced) {
          clearTimeout(timer);
          stop();
          resolve(true);
        }
      });
    });
  }

  /** Update what others see of me; sent at most 15 times a second. */
  setPresence(fields) {
    Object.assign(this.presence, fields);
    const wait = this.presenceSent + AWARENESS_INTERVAL_MS - performance.now();
    if (wait <= 0) {
      this.flushPresence();
    } else if (!this.presenceTimer) {
      this.presenceTimer = setTimeout(() => this.flushPresence(), wait);
    }
  }

  flushPresence() {
    clearTimeout(this.presenceTimer);
    this.presenceTimer = 0;
    this.presenceSent = performance.now();
    this.awareness.setLocalState({ ...this.presence });
  }

  /** Everyone present (me included), one entry per awareness client. */
  participants() {
    const out = [];
    for (const [clientId, state] of this.awareness.getStates()) {
      if (!state || typeof state !== "object" || !state.user) continue;
      out.push({
        clientId,
        me: clientId === this.layers.shared.doc.clientID,
        user: String(state.user),
        name: typeof state.name === "string" ? state.name : String(state.user),
        role: typeof state.role === "string" ? state.role : "",
        device: typeof state.device === "string" ? state.device : "",
        book: state.book ?? null,
        page: Number.isFinite(state.page) ? state.page : null,
        pointer: state.pointer ?? null,
      });
    }
    return out;
  }

  /** Summary for the status line: connected, connecting or the reason a layer is closed. */
  get health() {
    return Object.fromEntries(
      Object.values(this.layers).map((s) => [s.layer, s.closed ? `closed: ${s.closed.reason || s.closed.code}` : s.status]),
    );
  }

  destroy() {
    clearTimeout(this.presenceTimer);
    for (const { provider, doc } of Object.values(this.layers)) {
      provider.destroy();
      doc.destroy();
    }
    this.listeners.clear();
  }
}

/** Plain JSON of a map value, whether a client wrote a plain object or nested Y types. */
export function plain(value) {
  if (value instanceof Y.AbstractType) return value.toJSON();
  return value;
}

export { Y };
