/**
 * A reading room: its manifest first, then its assets in the order the manifest gives
 * (shell, near shelves, the rest) for this device's profile, each drawn as soon as it
 * lands. The GLB's node names and extras say what is what: book slots (book and record
 * ids), the blackboard surface, seats and spawn points.
 */
import * as THREE from "three";
import { GLTFLoader } from "three/addons/loaders/GLTFLoader.js";
import { listOf } from "./api.js";
import { fetchWithProgress } from "./loading.js";
import { buildStandInRoom } from "./roomstandin.js";

const DEFAULT_SLOT = new THREE.Vector3(0.035, 0.24, 0.17);

export class Room {
  /**
   * @param {{api: import('./api.js').Api, stage: import('./stage.js').Stage, id: string,
   *          profile: {name: string}, loading: import('./loading.js').LoadingBar}} options
   */
  constructor({ api, stage, id, profile, loading }) {
    this.api = api;
    this.stage = stage;
    this.id = id;
    this.profile = profile;
    this.loading = loading;
    this.object = new THREE.Group();
    this.object.name = `room:${id}`;
    this.slots = [];
    this.pickables = [];
    this.floors = [];
    this.seats = [];
    this.spawns = [];
    this.blackboard = null;
    this.title = id;
    this.notice = null;
    stage.scene.add(this.object);
  }

  /**
   * Load the manifest and the shell; resolves when the shell is drawn (the rest keeps
   * streaming and `whenComplete` resolves after it).
   */
  async load() {
    const manifestTask = this.loading.task("room", 0);
    let manifest = null;
    try {
      manifest = await this.api.json(`/api/v1/rooms/${encodeURIComponent(this.id)}`);
    } catch (error) {
      if (!error.missing) {
        manifestTask.done();
        throw error;
      }
      this.notice = `Room “${this.id}” is not served here (yet): showing a stand-in room with the library's books.`;
    }
    manifestTask.done();
    if (!manifest) {
      await this.buildStandIn();
      this.whenComplete = Promise.resolve();
      return;
    }
    this.title = manifest.title ?? manifest.room?.title ?? manifest.name ?? this.id;
    const manifestUrl = manifest.links?.manifest?.[this.profile.name];
    if (typeof manifestUrl === "string") {
      try {
        manifest = await this.api.json(manifestUrl);
      } catch (error) {
        console.warn("room manifest unavailable; loading the scene whole", error);
      }
    }
    this.manifest = manifest;
    this.spawns.push(...spawnsOf(manifest));
    this.spawnsFromManifest = this.spawns.length > 0;
    const assets = roomAssets(manifest, this.id, this.profile.name);
    const tasks = assets.map((asset) => ({ asset, report: this.loading.task(asset.label, asset.bytes) }));
    const first = tasks.shift();
    await this.loadAsset(first.asset, first.report);
    this.whenComplete = (async () => {
      for (const { asset, report } of tasks) {
        try {
          await this.loadAsset(asset, report);
        } catch (error) {
          report.done();
          console.warn(`room asset ${asset.url} failed`, error);
        }
      }
    })();
  }

  async loadAsset(asset, report) {
    let buffer;
    try {
      buffer = await fetchWithProgress(this.api, asset.url, report);
    } catch (error) {
      report.done();
      if (error.missing && !this.object.children.length) {
        this.notice = "This room has no scene for this device yet: showing a stand-in room.";
        await this.buildStandIn();
        return;
      }
      throw error;
    }
    const gltf = await new GLTFLoader().parseAsync(buffer, "");
    report.done();
    this.adopt(gltf.scene);
  }

  /** Add a loaded part and index what its nodes mean. */
  adopt(scene) {
    this.object.add(scene);
    this.stage.requestRender();
    let lit = false;
    scene.traverse((node) => {
      if (node.isLight) lit = true;
    });
    if (lit) this.stage.dimDefaultLights();
    scene.updateMatrixWorld(true);
    scene.traverse((node) => {
      const meaning = meaningOf(node);
      if (meaning.kind === "book") this.addSlot(node, meaning);
      else if (meaning.kind === "book_slots") this.addSlotRun(node);
      else if (meaning.kind === "blackboard") this.blackboard = surfaceOf(node);
      else if (meaning.kind === "seat") this.seats.push(node.getWorldPosition(new THREE.Vector3()));
      else if (meaning.kind === "spawn" && !this.spawnsFromManifest) this.spawns.push(poseOf(node));
      else if (meaning.kind === "floor" && node.isMesh) this.floors.push(node);
    });
  }

  addSlot(node, meaning) {
    let target = node.isMesh ? node : null;
    if (!target) {
      const size = vectorFrom(meaning.size) ?? DEFAULT_SLOT;
      target = new THREE.Mesh(new THREE.BoxGeometry(size.x, size.y, size.z), PICK_MATERIAL);
      target.position.y = node.userData?.anchor === "bottom" ? size.y / 2 : 0;
      target.name = `${node.name}:pick`;
      node.add(target);
    }
    const slot = {
      bookId: meaning.bookId,
      recordId: meaning.recordId,
      title: meaning.title ?? null,
      node,
      target,
    };
    target.userData.slot = slot;
    this.slots.push(slot);
    this.pickables.push(target);
  }

  /**
   * A merged run of spines (one mesh for many books, DESIGN.md's draw-call budget): its
   * extras list each slot's ids in mesh order, so a ray's triangle names the book.
   */
  addSlotRun(node) {
    const info = node.userData.slots;
    if (!info || !Array.isArray(info.book_ids)) return;
    const perSlot = Number(info.triangles_per_slot) || 12;
    const run = [];
    for (let i = 0; i < info.book_ids.length; i += 1) {
      const slot = {
        bookId: info.book_ids[i] ? String(info.book_ids[i]) : null,
        recordId: info.record_ids?.[i] ? String(info.record_ids[i]) : null,
        title: info.titles?.[i] ? String(info.titles[i]) : null,
        callNumber: info.call_numbers?.[i] ?? null,
        node,
        target: null,
      };
      run.push(slot);
      this.slots.push(slot);
    }
    node.traverse((child) => {
      if (!child.isMesh) return;
      child.userData.slotRun = { run, perSlot };
      for (const slot of run) slot.target = child;
      this.pickables.push(child);
    });
  }

  async buildStandIn() {
    let books = [];
    try {
      books = listOf(await this.api.json("/api/v1/books"), "books");
    } catch (error) {
      if (!error.missing) throw error;
      this.notice = "This server does not serve books or rooms yet.";
    }
    this.title = this.title || this.id;
    this.adopt(buildStandInRoom(books));
  }

  /** The book slot or floor point under a ray. */
  pick(raycaster) {
    const hits = raycaster.intersectObjects([...this.pickables, ...this.floors], false);
    for (const hit of hits) {
      const slotRun = hit.object.userData.slotRun;
      const slot = slotRun && hit.faceIndex !== undefined
        ? slotRun.run[Math.floor(hit.faceIndex / slotRun.perSlot)]
        : hit.object.userData.slot;
      if (slot) return { slot, point: hit.point, distance: hit.distance };
      if (this.floors.includes(hit.object)) return { floor: hit.point, distance: hit.distance };
    }
    return null;
  }

  slotFor(bookId) {
    return this.slots.find((slot) => slot.bookId === bookId) ?? null;
  }

  /** Where a reader stands when they arrive: a spawn point for their role, or the first. */
  spawnFor(role = "any") {
    return this.spawns.find((s) => s.role === role) ?? this.spawns.find((s) => !s.role || s.role === "any") ?? this.spawns[0] ?? { position: new THREE.Vector3(0, 0, 2.5), yaw: 0 };
  }

  /**
   * My spawn point, moved sideways by a step that depends on who I am, so that people who
   * arrive together do not stand inside each other (the presenter keeps their spot).
   */
  get spawn() {
    const base = this.spawnFor(this.preferredSpawn ?? "any");
    if (this.preferredSpawn === "presenter" || !this.spawnShift) return base;
    const side = new THREE.Vector3(Math.cos(base.yaw), 0, -Math.sin(base.yaw));
    return { ...base, position: base.position.clone().addScaledVector(side, this.spawnShift) };
  }

  /** Distinct books on the shelves, for the keyboard-operable list. */
  get books() {
    const seen = new Map();
    for (const slot of this.slots) if (slot.bookId && !seen.has(slot.bookId)) seen.set(slot.bookId, slot);
    return [...seen.values()];
  }
}

const PICK_MATERIAL = new THREE.MeshBasicMaterial({ visible: false });

/** The assets to load for a profile, in the manifest's order; scene.glb when it lists none. */
export function roomAssets(manifest, id, profile) {
  const base = `/api/v1/rooms/${encodeURIComponent(id)}`;
  const raw = manifest.assets ?? manifest.profiles?.[profile]?.assets ?? [];
  const list = Array.isArray(raw) ? raw : listOf(raw[profile] ?? raw, "assets");
  const mine = list
    .map((entry) => (typeof entry === "string" ? { url: entry } : entry))
    .filter((entry) => entry && typeof entry.url === "string")
    .filter((entry) => !entry.profile || entry.profile === profile)
    .filter((entry) => !entry.type || /gltf|glb|model/.test(String(entry.type)) || /\.glb(\?|$)/.test(entry.url))
    .sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  if (!mine.length && typeof manifest.scene?.url === "string") {
    return [{ url: manifest.scene.url, label: "room", bytes: Number(manifest.scene.bytes) || 0 }];
  }
  if (!mine.length) return [{ url: `${base}/scene.glb?profile=${profile}`, label: "room", bytes: 0 }];
  return mine.map((entry, i) => ({
    url: entry.url,
    label: String(entry.part ?? entry.name ?? entry.role ?? `room part ${i + 1}`).replaceAll("_", " "),
    bytes: Number(entry.bytes ?? entry.size ?? 0) || 0,
  }));
}

/** What a GLB node stands for, from its extras (userData) or, failing that, its name. */
export function meaningOf(node) {
  const extras = node.userData ?? {};
  const kind = String(extras.kind ?? extras.type ?? extras.role ?? "").toLowerCase();
  const bookId = extras.book_id ?? extras.bookId ?? extras.book ?? null;
  const recordId = extras.record_id ?? extras.recordId ?? extras.record ?? null;
  const name = node.name.toLowerCase();
  if (bookId || recordId || kind === "book" || kind === "spine" || kind === "slot") {
    return {
      kind: "book",
      bookId: bookId ? String(bookId) : null,
      recordId: recordId ? String(recordId) : null,
      title: extras.title ?? null,
      size: extras.size ?? extras.dimensions ?? null,
    };
  }
  if (kind === "book_slots") return { kind: "book_slots" };
  if (kind === "blackboard" || name.startsWith("blackboard")) return { kind: "blackboard" };
  if (kind === "seat" || name.startsWith("seat")) return { kind: "seat" };
  if (kind === "spawn" || kind === "spawn_point" || name.startsWith("spawn")) return { kind: "spawn" };
  if (kind === "floor" || name === "floor" || name.startsWith("floor")) return { kind: "floor" };
  return { kind: "" };
}

function surfaceOf(node) {
  const extras = node.userData ?? {};
  const given = vectorFrom3(extras.center);
  const facing = vectorFrom3(extras.normal);
  if (given && facing && Number(extras.width_m) > 0 && Number(extras.height_m) > 0) {
    return { node, center: given, normal: facing.normalize(), width: Number(extras.width_m), height: Number(extras.height_m) };
  }
  const box = new THREE.Box3().setFromObject(node);
  const size = box.getSize(new THREE.Vector3());
  const center = box.getCenter(new THREE.Vector3());
  // A board is thin along one horizontal axis; it faces the middle of the room.
  const normal = size.x < size.z
    ? new THREE.Vector3(Math.sign(-center.x) || 1, 0, 0)
    : new THREE.Vector3(0, 0, Math.sign(-center.z) || 1);
  return { node, center, normal, width: Math.max(size.x, size.z), height: size.y };
}

function vectorFrom3(value) {
  return Array.isArray(value) && value.length === 3 && value.every((v) => Number.isFinite(Number(v)))
    ? new THREE.Vector3(Number(value[0]), Number(value[1]), Number(value[2]))
    : null;
}

/** Spawn points a room manifest lists: [x, 0, z] and a facing in degrees (0 = -z). */
function spawnsOf(manifest) {
  const out = [];
  for (const entry of Array.isArray(manifest?.spawn_points) ? manifest.spawn_points : []) {
    const position = vectorFrom3(entry.position);
    if (!position) continue;
    const yaw = THREE.MathUtils.degToRad(Number(entry.facing_deg) || 0);
    out.push({ position, yaw, role: typeof entry.role === "string" ? entry.role : "any" });
  }
  return out;
}

function poseOf(node) {
  const position = node.getWorldPosition(new THREE.Vector3());
  const forward = new THREE.Vector3(0, 0, -1).applyQuaternion(node.getWorldQuaternion(new THREE.Quaternion()));
  const role = typeof node.userData?.role === "string" ? node.userData.role : "any";
  return { position, yaw: Math.atan2(-forward.x, -forward.z), role };
}

function vectorFrom(value) {
  if (Array.isArray(value) && value.length >= 3 && value.every((v) => Number(v) > 0)) {
    return new THREE.Vector3(Number(value[0]), Number(value[1]), Number(value[2]));
  }
  return null;
}
