/**
 * The page curl: a leaf of paper that turns about the spine and bends as it goes.
 *
 * A leaf lives in a canonical frame: x runs from the spine (0) to the fore-edge (width),
 * y is the page normal (up), z runs along the page height (-height/2 is the head).
 * Each vertex keeps its rest coordinates (s along the width, z); turning by angle θ
 * (0 = lying on the right, π = lying on the left) bends the leaf as a strip whose local
 * angle grows linearly with s, which integrates in closed form, so every frame is one
 * pass over the vertices with no per-frame allocation.
 */
import * as THREE from "three";

/** How much the leaf bends mid-turn, in radians across its width. */
const BEND = 0.9;
/** How much more the head bends than the tail (a corner-first turn). */
const TWIST = 0.35;

export class Leaf {
  /**
   * @param {{rest: Float32Array, index: ArrayLike<number>|null, width: number, height: number}} shape
   *   rest holds (s, z) pairs per vertex in metres; index the triangles (CCW seen from +y).
   * @param {THREE.Material} frontMaterial shown on the recto (up when lying right)
   * @param {THREE.Material} backMaterial shown on the verso (up when lying left)
   */
  constructor(shape, frontMaterial, backMaterial) {
    this.width = shape.width;
    this.height = shape.height;
    this.rest = shape.rest;
    const count = shape.rest.length / 2;
    this.positions = new THREE.BufferAttribute(new Float32Array(count * 3), 3);
    this.positions.setUsage(THREE.DynamicDrawUsage);
    const front = new Float32Array(count * 2);
    const back = new Float32Array(count * 2);
    for (let i = 0; i < count; i += 1) {
      const u = shape.rest[2 * i] / shape.width;
      const v = 1 - (shape.rest[2 * i + 1] + shape.height / 2) / shape.height;
      front[2 * i] = u;
      front[2 * i + 1] = v;
      // The verso reads mirrored: its left edge is the fore-edge.
      back[2 * i] = 1 - u;
      back[2 * i + 1] = v;
    }
    this.frontGeometry = geometry(this.positions, front, shape.index);
    this.backGeometry = geometry(this.positions, back, shape.index);
    this.front = new THREE.Mesh(this.frontGeometry, frontMaterial);
    this.back = new THREE.Mesh(this.backGeometry, backMaterial);
    this.front.name = "page-front";
    this.back.name = "page-back";
    frontMaterial.side = THREE.FrontSide;
    backMaterial.side = THREE.BackSide;
    this.object = new THREE.Group();
    this.object.name = "leaf";
    this.object.add(this.front, this.back);
    this.angle = 0;
    this.set(0, 0, 0, 0);
  }

  /**
   * Pose the leaf.
   * @param {number} angle 0..π about the spine
   * @param {number} direction +1 turning forward, -1 back, 0 at rest (no bend)
   * @param {number} rightTop height of the right stack's top surface
   * @param {number} leftTop height of the left stack's top surface
   */
  set(angle, direction, rightTop, leftTop) {
    this.angle = angle;
    const t = angle / Math.PI;
    // Lying leaves float a hair above their stack so the paper never fights the block.
    const lift = rightTop * (1 - t) + leftTop * t + 0.0002 + 0.0004 * Math.sin(Math.PI * t);
    const bend = -direction * BEND * Math.sin(angle);
    const out = this.positions.array;
    const rest = this.rest;
    const sinA = Math.sin(angle);
    const cosA = Math.cos(angle);
    for (let i = 0, j = 0; i < rest.length; i += 2, j += 3) {
      const s = rest[i];
      const z = rest[i + 1];
      const k = (bend * (1 + (TWIST * -z) / this.height)) / this.width;
      let x;
      let y;
      if (Math.abs(k * s) < 1e-5) {
        x = s * cosA;
        y = s * sinA;
      } else {
        x = (Math.sin(angle + k * s) - sinA) / k;
        y = (cosA - Math.cos(angle + k * s)) / k;
      }
      out[j] = x;
      out[j + 1] = y + lift;
      out[j + 2] = z;
    }
    this.positions.needsUpdate = true;
    this.frontGeometry.computeBoundingSphere();
    this.backGeometry.boundingSphere = this.frontGeometry.boundingSphere;
  }

  /** Page coordinates (0..1 from the image's top-left) of a ray hit on this leaf. */
  static pageXY(hit) {
    return hit.uv ? { x: hit.uv.x, y: 1 - hit.uv.y } : null;
  }

  dispose() {
    this.frontGeometry.dispose();
    this.backGeometry.dispose();
  }
}

function geometry(positions, uvs, index) {
  const g = new THREE.BufferGeometry();
  g.setAttribute("position", positions);
  g.setAttribute("uv", new THREE.BufferAttribute(uvs, 2));
  if (index) g.setIndex(Array.from(index));
  return g;
}

/**
 * A flat page grid in the canonical frame: (segmentsX+1) x (segmentsZ+1) vertices.
 * Used when the book's GLB has no page node (or no GLB at all).
 */
export function gridShape(width, height, segmentsX = 24, segmentsZ = 16) {
  const rest = new Float32Array((segmentsX + 1) * (segmentsZ + 1) * 2);
  const index = [];
  for (let iz = 0; iz <= segmentsZ; iz += 1) {
    for (let ix = 0; ix <= segmentsX; ix += 1) {
      const i = iz * (segmentsX + 1) + ix;
      rest[2 * i] = (ix / segmentsX) * width;
      rest[2 * i + 1] = (iz / segmentsZ - 0.5) * height;
    }
  }
  for (let iz = 0; iz < segmentsZ; iz += 1) {
    for (let ix = 0; ix < segmentsX; ix += 1) {
      const a = iz * (segmentsX + 1) + ix;
      const b = a + 1;
      const c = a + segmentsX + 1;
      const d = c + 1;
      // Counter-clockwise seen from +y: a(s,z) -> c(s,z+) -> b(s+,z).
      index.push(a, c, b, b, c, d);
    }
  }
  return { rest, index, width, height };
}

/**
 * The canonical shape of a page mesh from a GLB, whatever axes the exporter used, and the
 * frame that maps the canonical frame back into the mesh's own coordinates. The normal is
 * the smallest extent of the mesh's box and points away from `belowLocal` (the stacks);
 * the width axis is the one along which UV u varies most; the spine edge is the end of
 * that axis nearest `spineLocal`.
 * @param {THREE.BufferGeometry} source
 * @param {THREE.Vector3} spineLocal
 * @param {THREE.Vector3|null} belowLocal
 * @returns {{shape: {rest: Float32Array, index: number[], width: number, height: number}, frame: THREE.Matrix4}}
 */
export function shapeFromGeometry(source, spineLocal, belowLocal) {
  const position = source.getAttribute("position");
  const uv = source.getAttribute("uv");
  source.computeBoundingBox();
  const box = source.boundingBox;
  const centre = box.getCenter(new THREE.Vector3());
  const size = box.getSize(new THREE.Vector3()).toArray();
  const axes = [0, 1, 2];
  const normalAxis = axes.reduce((a, b) => (size[b] < size[a] ? b : a));
  const inPlane = axes.filter((a) => a !== normalAxis);
  let widthAxis = size[inPlane[1]] < size[inPlane[0]] ? inPlane[1] : inPlane[0];
  if (uv) {
    const spread = (axis) => {
      let sum = 0;
      const n = Math.min(position.count, 256);
      for (let i = 0; i < n; i += 1) {
        sum += (position.getComponent(i, axis) - centre.getComponent(axis)) * (uv.getX(i) - 0.5);
      }
      return Math.abs(sum) / Math.max(size[axis], 1e-9);
    };
    widthAxis = spread(inPlane[0]) >= spread(inPlane[1]) ? inPlane[0] : inPlane[1];
  }
  const heightAxis = inPlane.find((a) => a !== widthAxis);
  const min = box.min.getComponent(widthAxis);
  const max = box.max.getComponent(widthAxis);
  const spine = spineLocal.getComponent(widthAxis);
  const spineAtMin = Math.abs(spine - min) <= Math.abs(spine - max);
  const x = unit(widthAxis, spineAtMin ? 1 : -1);
  let ySign = 1;
  if (belowLocal) ySign = belowLocal.getComponent(normalAxis) > centre.getComponent(normalAxis) ? -1 : 1;
  const y = unit(normalAxis, ySign);
  const z = new THREE.Vector3().crossVectors(x, y);
  const origin = centre.clone();
  origin.setComponent(widthAxis, spineAtMin ? min : max);
  const rest = new Float32Array(position.count * 2);
  const p = new THREE.Vector3();
  for (let i = 0; i < position.count; i += 1) {
    p.fromBufferAttribute(position, i).sub(origin);
    rest[2 * i] = p.dot(x);
    rest[2 * i + 1] = p.dot(z);
  }
  const index = source.index ? Array.from(source.index.array) : null;
  const frame = new THREE.Matrix4().makeBasis(x, y, z).setPosition(origin);
  return { shape: orientUp({ rest, index, width: size[widthAxis], height: size[heightAxis] }), frame };
}

function unit(axis, sign) {
  const v = new THREE.Vector3();
  v.setComponent(axis, sign);
  return v;
}

/** Make triangles counter-clockwise seen from +y, so FrontSide is the recto. */
function orientUp(shape) {
  const { rest } = shape;
  let index = shape.index;
  if (!index) {
    index = [];
    for (let i = 0; i < rest.length / 2; i += 1) index.push(i);
  }
  const [a, b, c] = [index[0], index[1], index[2]];
  // In (x=s, z) with y up, CCW seen from +y means the 2D cross (b-a) x (c-a) in (z, x) is positive.
  const ux = rest[2 * b] - rest[2 * a];
  const uz = rest[2 * b + 1] - rest[2 * a + 1];
  const vx = rest[2 * c] - rest[2 * a];
  const vz = rest[2 * c + 1] - rest[2 * a + 1];
  const upward = uz * vx - ux * vz > 0;
  if (!upward) {
    const flipped = [];
    for (let i = 0; i < index.length; i += 3) flipped.push(index[i], index[i + 2], index[i + 1]);
    index = flipped;
  }
  return { ...shape, index };
}
