/**
 * Avatars from the pose channel (`/ws/rooms/{room}/poses`, docs/protocols.md): I send my
 * head and hands (the headset at its frame rate, screens a few times a second when the
 * view moves); the server sends snapshots of the others, drawn as a head and two hands in
 * each person's colour with their name above. When the channel is not there the room
 * simply has no avatars, and says so once.
 */
import * as THREE from "three";
import { colourOf } from "./colors.js";
import { notify } from "./notices.js";
import { decodeMessage, encodePose } from "./posecodec.js";

const SCREEN_HZ = 10;
const XR_HZ = 72;
const SMOOTHING = 14;
const NEAREST = 0.6;
const scratchEye = new THREE.Vector3();

export class Poses {
  /**
   * @param {{api: import('./api.js').Api, stage: import('./stage.js').Stage, room: string,
   *   me: {user: string}, source: {pose?: () => object|null}}} options
   */
  constructor({ api, stage, room, me, source }) {
    this.api = api;
    this.stage = stage;
    this.room = room;
    this.me = me;
    this.source = source;
    this.socket = null;
    this.slot = null;
    this.sendAllowed = true;
    this.roster = new Map();
    this.avatars = new Map();
    this.seq = 0;
    this.lastSent = 0;
    this.lastKey = "";
    this.failures = 0;
    this.stopped = false;
    this.group = new THREE.Group();
    this.group.name = "avatars";
    stage.scene.add(this.group);
    stage.onFrame((dt) => this.frame(dt));
  }

  start() {
    if (this.stopped) return;
    const url = this.api.wsUrl(`/ws/rooms/${encodeURIComponent(this.room)}/poses`);
    const socket = new WebSocket(url);
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
    };
    socket.onmessage = (event) => {
      if (typeof event.data === "string") return;
      this.failures = 0;
      this.receive(decodeMessage(event.data));
    };
    socket.onclose = (event) => {
      this.socket = null;
      this.slot = null;
      if (this.stopped) return;
      if (event.code >= 4400 && event.code < 4500 && event.code !== 4429) {
        notify(`Avatars are off: ${event.reason || `closed with ${event.code}`}`);
        return;
      }
      this.failures += 1;
      if (!opened && this.failures === 3) notify("Avatars are not available on this server (yet).");
      const delay = Math.min(30000, 500 * 2 ** this.failures);
      setTimeout(() => this.start(), delay);
    };
  }

  receive(message) {
    if (!message) return;
    if (message.type === "welcome") {
      this.slot = message.header;
      this.sendAllowed = message.value?.send !== false;
    } else if (message.type === "roster") {
      this.roster.clear();
      for (const entry of message.value?.users ?? []) {
        if (Number.isInteger(entry.slot)) this.roster.set(entry.slot, { user: String(entry.user ?? ""), name: String(entry.name ?? entry.user ?? "") });
      }
      for (const [slot, avatar] of this.avatars) {
        const entry = this.roster.get(slot);
        if (!entry || entry.user !== avatar.user) this.removeAvatar(slot);
      }
    } else if (message.type === "snapshot") {
      for (const record of message.records) {
        if (record.slot === this.slot) continue;
        const entry = this.roster.get(record.slot);
        if (!entry) continue;
        this.avatarFor(record.slot, entry).target = record;
      }
    }
  }

  avatarFor(slot, entry) {
    let avatar = this.avatars.get(slot);
    if (!avatar) {
      avatar = new Avatar(entry);
      this.avatars.set(slot, avatar);
      this.group.add(avatar.object);
    }
    return avatar;
  }

  removeAvatar(slot) {
    const avatar = this.avatars.get(slot);
    if (!avatar) return;
    avatar.dispose();
    this.avatars.delete(slot);
  }

  frame(dt) {
    let moved = false;
    const eye = this.stage.camera.getWorldPosition(scratchEye);
    for (const avatar of this.avatars.values()) {
      moved = avatar.update(dt) || moved;
      // Someone standing inside my head would fill the view: leave them out until they step away.
      avatar.object.visible = avatar.head.position.distanceTo(eye) > NEAREST;
    }
    this.send();
    return moved;
  }

  send() {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || this.slot === null || !this.sendAllowed) return;
    const xr = this.stage.renderer.xr.isPresenting;
    const now = performance.now();
    if (now - this.lastSent < 1000 / (xr ? XR_HZ : SCREEN_HZ)) return;
    const pose = this.source.pose?.() ?? this.cameraPose();
    if (!pose) return;
    const key = JSON.stringify(pose.head.position.map((v) => Math.round(v * 200)).concat(pose.head.rotation.map((v) => Math.round(v * 100))));
    // A screen that does not move does not send (the server only relays changes anyway).
    if (!xr && key === this.lastKey && now - this.lastSent < 2000) return;
    this.lastKey = key;
    this.lastSent = now;
    this.seq = (this.seq + 1) & 0xffff;
    socket.send(encodePose({ seq: this.seq, floor: 0, ...pose }));
  }

  cameraPose() {
    const camera = this.stage.camera;
    camera.updateMatrixWorld();
    const position = new THREE.Vector3();
    const rotation = new THREE.Quaternion();
    camera.matrixWorld.decompose(position, rotation, new THREE.Vector3());
    return { head: { position: position.toArray(), rotation: rotation.toArray() }, left: null, right: null };
  }

  get count() {
    return this.avatars.size;
  }

  stop() {
    this.stopped = true;
    this.socket?.close();
    for (const slot of [...this.avatars.keys()]) this.removeAvatar(slot);
  }
}

class Avatar {
  constructor(entry) {
    this.user = entry.user;
    const colour = new THREE.Color(colourOf(entry.user));
    const material = new THREE.MeshLambertMaterial({ color: colour });
    this.object = new THREE.Group();
    this.object.name = `avatar:${entry.user}`;
    this.head = new THREE.Group();
    const skull = new THREE.Mesh(new THREE.SphereGeometry(0.11, 16, 12), material);
    const visor = new THREE.Mesh(new THREE.BoxGeometry(0.16, 0.06, 0.05), new THREE.MeshLambertMaterial({ color: 0x202020 }));
    visor.position.set(0, 0.01, -0.1);
    this.head.add(skull, visor, nameTag(entry.name, colour));
    this.hands = [0, 1].map(() => {
      const hand = new THREE.Mesh(new THREE.BoxGeometry(0.06, 0.03, 0.1), material);
      hand.visible = false;
      this.object.add(hand);
      return hand;
    });
    this.object.add(this.head);
    this.target = null;
    this.placed = false;
  }

  /** Ease towards the newest pose; true while still moving. */
  update(dt) {
    const t = this.target;
    if (!t) return false;
    const k = this.placed ? 1 - Math.exp(-SMOOTHING * dt) : 1;
    this.placed = true;
    approach(this.head, t.head, k);
    [t.left, t.right].forEach((pose, i) => {
      this.hands[i].visible = Boolean(pose);
      if (pose) approach(this.hands[i], pose, k);
    });
    return this.head.position.distanceToSquared(scratchVector.fromArray(t.head.position)) > 1e-8 || k === 1;
  }

  dispose() {
    this.object.removeFromParent();
    this.object.traverse((node) => {
      node.geometry?.dispose();
      node.material?.map?.dispose();
      node.material?.dispose();
    });
  }
}

const scratchQuaternion = new THREE.Quaternion();
const scratchVector = new THREE.Vector3();

function approach(object, pose, k) {
  object.position.lerp(scratchVector.fromArray(pose.position), k);
  object.quaternion.slerp(scratchQuaternion.fromArray(pose.rotation), k);
}

function nameTag(name, colour) {
  const canvas = document.createElement("canvas");
  canvas.width = 256;
  canvas.height = 64;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "rgba(20,20,20,0.7)";
  ctx.fillRect(0, 0, 256, 64);
  ctx.fillStyle = `#${colour.getHexString()}`;
  ctx.fillRect(0, 0, 8, 64);
  ctx.fillStyle = "#fff";
  ctx.font = "28px sans-serif";
  ctx.textBaseline = "middle";
  ctx.fillText(String(name).slice(0, 24), 16, 32, 232);
  const texture = new THREE.CanvasTexture(canvas);
  texture.colorSpace = THREE.SRGBColorSpace;
  const sprite = new THREE.Sprite(new THREE.SpriteMaterial({ map: texture, depthTest: true }));
  sprite.scale.set(0.4, 0.1, 1);
  sprite.position.y = 0.2;
  return sprite;
}
