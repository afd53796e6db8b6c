/**
 * Short messages for the user (what could not load, what they may not do), in a live
 * region so screen readers hear them too. Text only.
 */
import { h } from "./dom.js";

const shown = new Map();

/** Show a message; the same text is not repeated while it is on screen. */
export function notify(text, { kind = "info", sticky = false, seconds = 6 } = {}) {
  const root = document.getElementById("notices");
  if (!root || shown.has(text)) return;
  const element = h("div", { class: `notice ${kind}`, role: kind === "error" ? "alert" : null }, text);
  root.append(element);
  shown.set(text, element);
  if (!sticky) {
    setTimeout(() => {
      element.remove();
      shown.delete(text);
    }, seconds * 1000);
  }
}
