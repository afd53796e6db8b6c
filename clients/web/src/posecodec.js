/**
 * The pose channel's wire format, version 1 (docs/protocols.md): 31-byte POSE frames up,
 * SNAPSHOT records of 30 bytes, ROSTER and WELCOME (JSON) down; little-endian, rotations as
 * "smallest three" words, hands as 10-bit offsets from the head. No imports, so Node can
 * check it against the protocol's example frame.
 */

export const VERSION = 1;
export const TYPE = { pose: 0x01, snapshot: 0x02, roster: 0x03, welcome: 0x04 };
export const FRAME_SIZE = 31;
export const RECORD_SIZE = 30;
const QUAT_HALF = 511;
const QUAT_STEP = Math.SQRT1_2 / QUAT_HALF;
const HAND_UNIT = 0.004;
const HAND_LIMIT = 511;
export const IDENTITY_WORD = packQuaternion([0, 0, 0, 1]);

/** [x, y, z, w] -> u32 smallest-three word. */
export function packQuaternion(q) {
  const norm = Math.hypot(q[0], q[1], q[2], q[3]) || 1;
  const c = q.map((v) => v / norm);
  let largest = 0;
  for (let i = 1; i < 4; i += 1) if (Math.abs(c[i]) > Math.abs(c[largest])) largest = i;
  const sign = c[largest] < 0 ? -1 : 1;
  let word = largest << 30;
  let shift = 0;
  for (let i = 0; i < 4; i += 1) {
    if (i === largest) continue;
    const field = Math.min(QUAT_HALF, Math.max(-QUAT_HALF, Math.round((sign * c[i]) / QUAT_STEP))) + QUAT_HALF;
    word |= field << shift;
    shift += 10;
  }
  return word >>> 0;
}

/** u32 smallest-three word -> [x, y, z, w]. */
export function unpackQuaternion(word) {
  const largest = word >>> 30;
  const out = [0, 0, 0, 0];
  let sum = 0;
  let shift = 0;
  for (let i = 0; i < 4; i += 1) {
    if (i === largest) continue;
    const v = (((word >>> shift) & 0x3ff) - QUAT_HALF) * QUAT_STEP;
    out[i] = v;
    sum += v * v;
    shift += 10;
  }
  out[largest] = Math.sqrt(Math.max(0, 1 - sum));
  return out;
}

function packHand(hand, headMm) {
  let word = 0;
  for (let axis = 0; axis < 3; axis += 1) {
    const offset = hand[axis] - headMm[axis] / 1000;
    const units = Math.min(HAND_LIMIT, Math.max(-HAND_LIMIT, Math.round(offset / HAND_UNIT)));
    word |= (units & 0x3ff) << (10 * axis);
  }
  return word >>> 0;
}

function unpackHand(word, head) {
  const out = [0, 0, 0];
  for (let axis = 0; axis < 3; axis += 1) {
    const field = (word >>> (10 * axis)) & 0x3ff;
    out[axis] = ((field ^ 0x200) - 0x200) * HAND_UNIT + head[axis];
  }
  return out;
}

/**
 * A POSE frame.
 * @param {{seq: number, floor?: number, head: {position: number[], rotation: number[]},
 *   left?: {position: number[], rotation: number[]}|null, right?: {position: number[], rotation: number[]}|null}} pose
 */
export function encodePose(pose) {
  const buffer = new ArrayBuffer(FRAME_SIZE);
  const view = new DataView(buffer);
  const headMm = pose.head.position.map((v) => Math.min(32767, Math.max(-32767, Math.round(v * 1000))));
  const floor = Math.min(63, Math.max(0, pose.floor ?? 0));
  view.setUint8(0, VERSION);
  view.setUint8(1, TYPE.pose);
  view.setUint16(2, pose.seq & 0xffff, true);
  view.setUint8(4, (pose.left ? 1 : 0) | (pose.right ? 2 : 0) | (floor << 2));
  headMm.forEach((v, i) => view.setInt16(5 + 2 * i, v, true));
  view.setUint32(11, packQuaternion(pose.head.rotation), true);
  const hands = [pose.left, pose.right];
  hands.forEach((hand, i) => {
    view.setUint32(15 + 8 * i, hand ? packHand(hand.position, headMm) : 0, true);
    view.setUint32(19 + 8 * i, hand ? packQuaternion(hand.rotation) : IDENTITY_WORD, true);
  });
  return new Uint8Array(buffer);
}

/**
 * A message from the server.
 * @param {ArrayBuffer} buffer
 * @returns {{type: "snapshot", tick: number, records: object[]}|{type: "roster"|"welcome", value: object, header: number}|null}
 */
export function decodeMessage(buffer) {
  if (buffer.byteLength < 4) return null;
  const view = new DataView(buffer);
  if (view.getUint8(0) !== VERSION) return null;
  const type = view.getUint8(1);
  const header = view.getUint16(2, true);
  if (type === TYPE.snapshot) {
    const records = [];
    for (let at = 4; at + RECORD_SIZE <= buffer.byteLength; at += RECORD_SIZE) records.push(decodeRecord(view, at));
    return { type: "snapshot", tick: header, records };
  }
  if (type === TYPE.roster || type === TYPE.welcome) {
    try {
      const value = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4)));
      return { type: type === TYPE.roster ? "roster" : "welcome", header, value };
    } catch {
      return null;
    }
  }
  return null;
}

function decodeRecord(view, at) {
  const flags = view.getUint8(at + 3);
  const head = [0, 1, 2].map((i) => view.getInt16(at + 4 + 2 * i, true) / 1000);
  const hand = (i, tracked) =>
    tracked
      ? { position: unpackHand(view.getUint32(at + 14 + 8 * i, true), head), rotation: unpackQuaternion(view.getUint32(at + 18 + 8 * i, true)) }
      : null;
  return {
    slot: view.getUint8(at),
    seq: view.getUint16(at + 1, true),
    floor: flags >> 2,
    head: { position: head, rotation: unpackQuaternion(view.getUint32(at + 10, true)) },
    left: hand(0, flags & 1),
    right: hand(1, flags & 2),
  };
}
