/**
 * The room app: wires the stage, the room, the live session, the reader, the panels and
 * the device mode together. Parts the server does not serve yet are reported in the page
 * (notices) and the rest keeps working.
 */
import { Annotations } from "./annotations.js";
import { bookWarmUpObjects } from "./book.js";
import { colourOf } from "./colors.js";
import { ReadingControls } from "./controls.js";
import { $ } from "./dom.js";
import { Ink } from "./ink.js";
import { LoadingBar } from "./loading.js";
import { notify } from "./notices.js";
import { Panels } from "./panels.js";
import { Poses } from "./poses.js";
import { Presenting } from "./presenting.js";
import { profileFor } from "./profiles.js";
import { Reader } from "./reader.js";
import { Room } from "./room.js";
import { Session } from "./session.js";
import { Stage } from "./stage.js";

const RANKS = { guest: 0, reader: 1, teacher: 2, librarian: 3, admin: 4 };

export async function startRoom({ api, me, params }) {
  const profile = profileFor(params.mode);
  const rank = RANKS[me.role] ?? 0;
  const user = { user: String(me.user), name: String(me.name ?? me.user), role: String(me.role), colour: colourOf(me.user) };
  $("#topbar").hidden = false;
  $("#stage").hidden = false;
  $("#user-line").textContent = `${user.name} · ${user.role} · ${params.mode}`;
  $("#to-lobby").href = `/?${new URLSearchParams({ mode: params.mode, ...(params.token ? { token: params.token } : {}) })}`;

  const stage = new Stage($("#stage"), profile);
  const loading = new LoadingBar($("#loading"));
  const room = new Room({ api, stage, id: params.room, profile, loading });
  // The teacher at the board arrives at the presenter's spot; everyone else with the class.
  room.preferredSpawn = params.mode === "blackboard" && rank >= RANKS.teacher ? "presenter" : "any";
  room.spawnShift = shiftFor(user.user);
  try {
    await room.load();
  } catch (error) {
    notify(`The room could not be loaded: ${error.message}`, { kind: "error", sticky: true });
    throw error;
  }
  $("#room-title").textContent = room.title;
  document.title = `${room.title} · readingroom`;
  if (room.notice) notify(room.notice, { sticky: true });
  await stage.nextFrame();
  performance.mark("readingroom:room-shell-frame");
  const warmedUp = stage.warmUp(bookWarmUpObjects());

  const session = new Session({ api, room: params.room, me: user, device: params.mode }).start();
  const annotations = new Annotations(session, user);
  const ink = new Ink(session, user);
  const syncStatus = $("#sync-status");
  const showSync = () => {
    const health = Object.values(session.health);
    const closed = Object.values(session.layers).find((s) => s.closed);
    const connected = health.filter((s) => s === "connected").length;
    syncStatus.textContent = closed ? `live session closed: ${closed.closed.reason || closed.closed.code}` : connected ? `live · ${session.participants().length} here` : "connecting…";
    syncStatus.className = `chip ${closed ? "bad" : connected ? "ok" : ""}`;
    for (const state of Object.values(session.layers)) {
      if (state.denied) notify(`Not saved on the ${state.layer} layer: ${state.denied}`, { kind: "error" });
    }
  };
  session.on("status", showSync);
  session.on("presence", showSync);
  setTimeout(() => {
    if (!Object.values(session.layers).some((s) => s.status === "connected")) {
      notify("Live sessions are not reachable on this server (yet): annotations stay on this device until they are.", { sticky: true });
    }
  }, 4000);

  const presenting = new Presenting({ api, session, room: params.room, me: user, rank });
  const canWrite = () =>
    rank >= RANKS.reader && !presenting.sharedClosed && !session.layers.shared.denied && !session.layers.shared.closed;
  const canLead = () => presenting.canLead;
  const reader = new Reader({ api, stage, profile, loading, annotations, ink, session, me: user });
  reader.on("error", (error) => notify(`The book could not be opened: ${error.message}`, { kind: "error" }));

  const openBook = async (bookId, options = {}) => {
    try {
      await reader.open(bookId, options);
    } catch (error) {
      notify(error.missing ? "This book is not served here (yet)." : `The book could not be opened: ${error.message}`, { kind: "error" });
    }
  };
  const openSlot = (slot) => {
    if (slot.bookId) return openBook(slot.bookId, { recordId: slot.recordId });
    notify(`“${slot.title ?? slot.recordId}” has no e-book here: only its print copy.`);
    return null;
  };
  const panels = new Panels({ api, reader, room, session, annotations, me: user, openBook, canWrite, presenting });
  const controls = new ReadingControls({ reader, panels, canWrite, canLead, onClose: () => panels.show("shelves") });
  const inkLayer = () => (params.mode === "blackboard" && canLead() ? "presenter" : canWrite() ? "shared" : "private");
  const canInk = () => rank >= RANKS.reader || canLead();
  const ctx = {
    api, stage, room, reader, panels, controls, session, annotations, ink, me: user, profile, params,
    canWrite, canLead, canInk, inkLayer, openBook, openSlot,
    onPointer: (hit) => session.setPresence({ pointer: hit ? { page: hit.page, x: round(hit.x), y: round(hit.y) } : null }),
  };
  const { default: Mode } = await import(`./modes/${params.mode}.js`);
  const mode = new Mode(ctx);
  const poses = new Poses({ api, stage, room: params.room, me: user, source: mode });
  poses.start();

  presenting.onChange((state) => {
    controls.update();
    if (state.lecture && !presenting.canLead) notify("Lecture mode: the presenter writes, everyone else reads.");
  });
  window.readingroom = { api, stage, room, session, reader, panels, controls, annotations, ink, mode, poses, presenting, me: user, params, profile };
  await warmedUp;
  document.body.dataset.ready = "room";
  if (params.book) await openBook(params.book, { page: params.page ?? 1 });
  return window.readingroom;
}

/** A sideways step of -1.2..1.2 m, the same for a user every time. */
function shiftFor(user) {
  let hash = 7;
  for (const char of user) hash = (hash * 31 + char.codePointAt(0)) >>> 0;
  return ((hash % 25) - 12) / 10;
}

function round(v) {
  return Math.round(v * 1000) / 1000;
}
