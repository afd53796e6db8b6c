/**
 * One colour per participant, the same in every browser: a hue from a hash of the user id,
 * so that others' highlights, ink and avatars can be told apart without a palette server.
 */

export function colourOf(user) {
  let hash = 2166136261;
  for (const char of String(user)) {
    hash ^= char.codePointAt(0);
    hash = Math.imul(hash, 16777619) >>> 0;
  }
  const hue = hash % 360;
  return hslToHex(hue, 0.75, 0.5);
}

function hslToHex(h, s, l) {
  const a = s * Math.min(l, 1 - l);
  const channel = (n) => {
    const k = (n + h / 30) % 12;
    const c = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(255 * c).toString(16).padStart(2, "0");
  };
  return `#${channel(0)}${channel(8)}${channel(4)}`;
}

/** A CSS colour from a value someone else wrote, or the fallback when it is not one. */
export function safeColour(value, fallback = "#ffd400") {
  return typeof value === "string" && /^#[0-9a-f]{3,8}$/i.test(value) ? value : fallback;
}
