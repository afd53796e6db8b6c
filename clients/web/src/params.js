/**
 * What the link says: `?room=&mode=&token=` (plus optional `book`, `page`, `xr`), so that a
 * link printed by `readingroom demo` opens a room ready to use on any device.
 */

export const MODES = ["headset", "touch", "blackboard", "desktop"];

/** @returns {{room: string|null, mode: string, modeFromLink: boolean, token: string|null, book: string|null, page: number|null, emulateXr: boolean}} */
export function readParams(search = location.search) {
  const params = new URLSearchParams(search);
  const asked = params.get("mode");
  const modeFromLink = MODES.includes(asked);
  const page = Number.parseInt(params.get("page") || "", 10);
  return {
    room: clean(params.get("room")),
    mode: modeFromLink ? asked : detectMode(),
    modeFromLink,
    token: clean(params.get("token")),
    book: clean(params.get("book")),
    page: Number.isFinite(page) && page > 0 ? page : null,
    emulateXr: params.get("xr") === "emulate",
  };
}

/** Guess the device when the link does not say: headset browsers, touch screens, else desktop. */
export function detectMode() {
  const agent = navigator.userAgent;
  if (/OculusBrowser|Quest|Pico|Wolvic|VR\b/i.test(agent)) return "headset";
  if (matchMedia("(pointer: coarse)").matches && !matchMedia("(pointer: fine)").matches) {
    return "touch";
  }
  return "desktop";
}

/** A link to the same page with some parameters changed (the token is kept). */
export function linkWith(changes, search = location.search) {
  const params = new URLSearchParams(search);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === undefined) params.delete(key);
    else params.set(key, String(value));
  }
  return `${location.pathname}?${params}`;
}

function clean(value) {
  if (value === null) return null;
  const trimmed = value.trim();
  return trimmed && trimmed.length <= 4096 ? trimmed : null;
}
