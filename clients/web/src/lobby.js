/**
 * The lobby: the rooms this user may enter, each with a link per device mode that keeps
 * the token, so a kiosk, a blackboard or a headset can be pointed at the right room.
 */
import { listOf } from "./api.js";
import { h, fill } from "./dom.js";
import { MODES, linkWith } from "./params.js";

export async function showLobby({ api, me, params, problem = null }) {
  document.body.classList.add("lobby-open");
  const main = document.getElementById("lobby");
  main.hidden = false;
  const heading = h("h1", {}, "Reading rooms");
  const who = h("p", { class: "muted", id: "who" }, me ? `Signed in as ${me.name} (${me.role}).` : "");
  fill(main, heading, who);
  if (problem) {
    main.append(h("p", { class: "notice error", role: "alert" }, problem));
    if (!me) return;
  }
  const status = h("p", { role: "status" }, "Loading rooms…");
  main.append(status);
  let rooms;
  try {
    rooms = listOf(await api.json("/api/v1/rooms"), "rooms");
  } catch (error) {
    status.textContent = error.missing
      ? "This server does not list rooms yet. You can still open a stand-in room with the library's books:"
      : `Rooms could not be loaded: ${error.message}`;
    main.append(roomCard({ id: "lobby", title: "Stand-in reading room" }, params, false));
    return;
  }
  status.textContent = rooms.length ? `${rooms.length} room${rooms.length === 1 ? "" : "s"} you may enter.` : "No rooms yet. A librarian can create one.";
  main.append(h("ul", { class: "room-list" }, rooms.map((room) => h("li", {}, roomCard(room, params, true)))));
}

function roomCard(room, params, hasPreview) {
  const id = String(room.id ?? room.room_id ?? "");
  const title = String(room.title ?? room.name ?? id);
  const preview = hasPreview
    ? h("img", { src: previewUrl(room, id, params.token), alt: `Preview of ${title}`, loading: "lazy" })
    : null;
  if (preview) preview.addEventListener("error", () => preview.remove(), { once: true });
  return h(
    "article",
    { class: "room-card", dataset: { room: id } },
    preview,
    h(
      "div",
      { class: "body" },
      h("h2", {}, title),
      room.description ? h("p", { class: "muted" }, String(room.description)) : null,
      h("a", { class: "button enter", href: linkWith({ room: id, mode: params.mode }) }, `Enter (${params.mode})`),
      h(
        "div",
        { class: "modes", "aria-label": "Other devices" },
        MODES.filter((m) => m !== params.mode).map((mode) => h("a", { href: linkWith({ room: id, mode }) }, mode)),
      ),
    ),
  );
}

function previewUrl(room, id, token) {
  const url = new URL(room.preview_url ?? room.preview ?? `/api/v1/rooms/${encodeURIComponent(id)}/preview.png`, location.origin);
  if (token) url.searchParams.set("token", token);
  return url.href;
}
