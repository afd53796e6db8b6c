/**
 * Short messages for the user (what could not load, what they may not do), in a live
 * region so screen readers hear them too. Text only. Lasting ones ("this server has no
 * rooms yet") stay longer and can be dismissed; all are kept for the People panel.
 */
import { h } from "./dom.js";

const shown = new Map();
const history = [];

/** Show a message; the same text is not repeated while it is on screen. */
export function notify(text, { kind = "info", sticky = false, seconds = 6 } = {}) {
  if (!history.includes(text)) history.push(text);
  const root = document.getElementById("notices");
  if (!root || shown.has(text)) return;
  const close = () => {
    element.remove();
    shown.delete(text);
  };
  const element = h(
    "div",
    { class: `notice ${kind}`, role: kind === "error" ? "alert" : null },
    h("span", {}, text),
    h("button", { type: "button", class: "dismiss", "aria-label": "Dismiss", onclick: close }, "×"),
  );
  root.append(element);
  shown.set(text, element);
  setTimeout(close, (sticky ? 20 : seconds) * 1000);
}

/** Every message shown so far (oldest first). */
export function noticeHistory() {
  return [...history];
}
