/**
 * A 3D book open for reading: the book's GLB (cover, spine, left_stack, right_stack, page)
 * or, when the server has none, the same parts built here from the page size; page images
 * streamed onto the leaves; spreads and the page-curl turn.
 *
 * Everything is placed in a reading frame: the spine runs along z through the origin, the
 * right-hand page lies along +x, the paper faces +y and the page's foot points to +z
 * (towards the reader). Whatever axes the GLB uses are mapped into this frame once.
 */
import * as THREE from "three";
import { GLTFLoader } from "three/addons/loaders/GLTFLoader.js";
import { Leaf, gridShape, shapeFromGeometry } from "./curl.js";
import { fetchWithProgress } from "./loading.js";
import { PageFace } from "./pageface.js";
import { PageImages } from "./pageimages.js";

const TURN_SECONDS = 0.65;
const LEAF_MM = 0.1;
const BOARD_M = 0.0025;

export class Book3D {
  /**
   * @param {{api: import('./api.js').Api, manifest: ReturnType<import('./bookmanifest.js').readBookManifest>,
   *          profile: import('./profiles.js').PROFILES['desktop'],
   *          decorate: (ctx: CanvasRenderingContext2D, page: number, w: number, h: number) => void}} options
   */
  constructor({ api, manifest, profile, decorate }) {
    this.api = api;
    this.manifest = manifest;
    this.profile = profile;
    this.pageCount = manifest.pageCount;
    this.images = new PageImages(api, (n, size) => manifest.imageUrl(n, size), profile.textureBudget);
    this.source = {
      images: this.images,
      decorate: (...args) => {
        this.changed = true;
        decorate(...args);
      },
    };
    this.object = new THREE.Group();
    this.object.name = `book:${manifest.id}`;
    this.spread = 0;
    this.imageSize = profile.readingSize;
    this.turning = null;
    this.queue = [];
    this.fromGlb = false;
    this.changed = true;
    this.stopImages = this.images.onImage((page) => this.refreshPage(page));
  }

  /**
   * Show the book at once, built here from the page size, so the first page image is on
   * screen without waiting for the model; the book's GLB takes over when it has landed
   * (`whenModel`). A missing model is not an error: the built book stays.
   */
  load(report) {
    this.build(this.partsBuiltHere());
    // The model is not needed to read: fetch it once the pages on view are there at the
    // size to read them, so it never competes with them for the network or the renderer.
    this.whenModel = (this.requested ?? this.firstImages()).then(() => this.loadModel(report));
  }

  async loadModel(report) {
    let parts = null;
    try {
      const buffer = await fetchWithProgress(this.api, this.manifest.modelUrl, report);
      parts = this.disposed ? null : await this.partsFromGlb(buffer);
    } catch (error) {
      if (!error?.missing) console.warn("book model unavailable, keeping the built one", error);
    }
    report?.done();
    if (parts && !this.disposed) this.adoptModel(parts);
  }

  /** Swap the built book for the GLB's parts: its model and its page mesh for the leaves. */
  adoptModel(parts) {
    if (this.turning) {
      this.pendingModel = parts;
      return;
    }
    const old = this.model;
    this.object.remove(old);
    disposeTree(old);
    this.model = parts.model;
    this.object.add(this.model);
    this.stacks = parts.stacks;
    this.tops = { right: parts.rightTop, left: parts.leftTop };
    this.shape = parts.shape;
    const materials = Object.fromEntries(
      Object.entries(this.leaves).map(([name, leaf]) => [name, [leaf.front.material, leaf.back.material]]),
    );
    for (const leaf of Object.values(this.leaves)) {
      leaf.object.removeFromParent();
      leaf.dispose();
    }
    this.makeLeaves(materials);
    this.fromGlb = true;
    this.layout();
  }

  async partsFromGlb(buffer) {
    const gltf = await new GLTFLoader().parseAsync(buffer, "");
    const model = gltf.scene;
    const find = (name) => findNode(model, name);
    const pageNode = find("page");
    const pageMesh = pageNode && firstMesh(pageNode);
    if (!pageMesh) return null;
    model.updateMatrixWorld(true);
    const toPage = new THREE.Matrix4().copy(pageMesh.matrixWorld).invert();
    const centreOf = (node) => (node ? new THREE.Box3().setFromObject(node).getCenter(new THREE.Vector3()) : null);
    const spine = centreOf(find("spine")) ?? new THREE.Vector3();
    const rightStack = centreOf(find("right_stack"));
    const leftStack = centreOf(find("left_stack"));
    const below = rightStack ?? leftStack;
    const { shape, frame } = shapeFromGeometry(
      pageMesh.geometry,
      spine.clone().applyMatrix4(toPage),
      below ? below.clone().applyMatrix4(toPage) : null,
    );
    // frame maps the reading frame into the page mesh; chain it to the model's root.
    const readingToModel = new THREE.Matrix4().multiplyMatrices(pageMesh.matrixWorld, frame);
    const outward = new THREE.Vector3().setFromMatrixColumn(readingToModel, 0);
    if (rightStack && leftStack && outward.dot(rightStack.clone().sub(leftStack)) < 0) {
      // The GLB rests its page on the left: turn the frame half round its normal.
      readingToModel.multiply(new THREE.Matrix4().makeRotationY(Math.PI));
    }
    const modelToReading = readingToModel.clone().invert();
    model.applyMatrix4(modelToReading);
    pageNode.visible = false;
    model.updateMatrixWorld(true);
    // The stacks grow and shrink with the reading position, along the model's own up axis;
    // only when that axis is the paper's normal (as the books part writes them).
    const modelUp = new THREE.Vector3(0, 1, 0).transformDirection(model.matrixWorld);
    const stacks = modelUp.y > 0.99 ? stacksOf(find("left_stack"), find("right_stack")) : null;
    return { model, shape, rightTop: 0, leftTop: 0, stacks };
  }

  partsBuiltHere() {
    const size = this.manifest.pageSize(1);
    const width = size.width / 1000;
    const height = size.height / 1000;
    const model = new THREE.Group();
    model.name = "book";
    const board = new THREE.MeshLambertMaterial({ color: 0x6b2d2a });
    const paper = new THREE.MeshLambertMaterial({ color: 0xefe8da });
    const cover = new THREE.Mesh(new THREE.BoxGeometry(2 * width + 0.012, BOARD_M, height + 0.006), board);
    cover.name = "cover";
    cover.position.y = BOARD_M / 2;
    const spine = new THREE.Mesh(new THREE.CylinderGeometry(0.006, 0.006, height + 0.006, 12, 1, false, Math.PI / 2, Math.PI), board);
    spine.name = "spine";
    spine.rotation.x = Math.PI / 2;
    // Paper blocks from the board up, half the book's leaves each, like the books part's GLB.
    const half = Math.max(0.001, (this.pageCount / 4) * (LEAF_MM / 1000));
    const blocks = ["left", "right"].map((side) => {
      const geometry = new THREE.BoxGeometry(width, half, height);
      geometry.translate(side === "left" ? -width / 2 : width / 2, BOARD_M + half / 2, 0);
      const block = new THREE.Mesh(geometry, paper);
      block.name = `${side}_stack`;
      return block;
    });
    model.add(cover, spine, ...blocks);
    // The page rests on top of the blocks: the reading frame's y = 0 is their top.
    model.position.y = -(BOARD_M + half);
    return { model, shape: gridShape(width, height), rightTop: 0, leftTop: 0, stacks: stacksOf(blocks[0], blocks[1]) };
  }

  build(parts) {
    this.model = parts.model;
    this.shape = parts.shape;
    this.tops = { right: parts.rightTop, left: parts.leftTop };
    this.stacks = parts.stacks;
    this.object.add(this.model);
    const aspect = this.shape.height / this.shape.width;
    const blank = () => new THREE.MeshBasicMaterial({ color: 0xf4efe4, toneMapped: false });
    this.faces = {
      right: new PageFace(aspect),
      left: new PageFace(aspect),
      turnFront: new PageFace(aspect),
      turnBack: new PageFace(aspect),
    };
    this.makeLeaves({
      right: [this.faces.right.material, blank()],
      left: [blank(), this.faces.left.material],
      turn: [this.faces.turnFront.material, this.faces.turnBack.material],
    });
    this.layout();
  }

  makeLeaves(materials) {
    this.leaves = Object.fromEntries(
      Object.entries(materials).map(([name, [front, back]]) => [name, new Leaf(this.shape, front, back)]),
    );
    for (const leaf of Object.values(this.leaves)) this.object.add(leaf.object);
    this.leaves.turn.object.visible = false;
    this.faceOwner = new Map([
      [this.leaves.right.front, this.faces.right],
      [this.leaves.left.back, this.faces.left],
      [this.leaves.turn.front, this.faces.turnFront],
      [this.leaves.turn.back, this.faces.turnBack],
    ]);
  }

  get size() {
    return { width: this.shape.width, height: this.shape.height };
  }

  get lastSpread() {
    return Math.floor(this.pageCount / 2);
  }

  /** Pages shown on a spread: 0 is (-, 1), then (2, 3), (4, 5)... */
  pagesOf(spread) {
    const left = spread === 0 ? null : 2 * spread;
    const right = 2 * spread + 1;
    return { left: left && left <= this.pageCount ? left : null, right: right <= this.pageCount ? right : null };
  }

  spreadOf(page) {
    const p = Math.min(Math.max(1, Math.round(page)), this.pageCount);
    return Math.floor(p / 2);
  }

  /** The page a spread stands for in the session: its left page, or page 1. */
  get page() {
    const { left, right } = this.pagesOf(this.spread);
    return left ?? right ?? 1;
  }

  get visiblePages() {
    const { left, right } = this.pagesOf(this.spread);
    return [left, right].filter(Boolean);
  }

  /** Jump to the spread holding `page` without animation. */
  show(page) {
    this.finishTurn();
    this.spread = this.spreadOf(page);
    this.layout();
  }

  /** Turn one spread (+1 forward, -1 back) with the curl; resolves when done, false at an end. */
  turn(direction) {
    return new Promise((resolve) => {
      this.queue.push({ direction, resolve });
      if (!this.turning) this.nextTurn();
    });
  }

  nextTurn() {
    const job = this.queue.shift();
    if (!job) return;
    const target = this.spread + job.direction;
    if (target < 0 || target > this.lastSpread) {
      job.resolve(false);
      this.nextTurn();
      return;
    }
    const from = this.pagesOf(this.spread);
    const to = this.pagesOf(target);
    const { turnFront, turnBack, right, left } = this.faces;
    if (job.direction > 0) {
      turnFront.show(from.right, this.source);
      turnBack.show(to.left, this.source);
      right.show(to.right, this.source);
    } else {
      turnBack.show(from.left, this.source);
      turnFront.show(to.right, this.source);
      left.show(to.left, this.source);
    }
    this.request([to.left, to.right]);
    this.leaves.turn.object.visible = true;
    // Queued turns (a fast reader, or catching up with the leader) go quicker.
    const seconds = this.queue.length ? TURN_SECONDS / 3 : TURN_SECONDS;
    this.turning = { ...job, target, elapsed: 0, seconds };
    this.poseTurn(0);
  }

  poseTurn(t) {
    const { direction } = this.turning;
    const eased = t < 0.5 ? 2 * t * t : 1 - 2 * (1 - t) * (1 - t);
    const angle = Math.PI * (direction > 0 ? eased : 1 - eased);
    this.leaves.turn.set(angle, direction, this.tops.right + 0.0003, this.tops.left + 0.0003);
  }

  /** Advance the turn; true while something moved (or a page face was redrawn). */
  update(dt) {
    const changed = this.changed;
    this.changed = false;
    if (!this.turning) return changed;
    this.turning.elapsed += dt;
    const t = Math.min(1, this.turning.elapsed / this.turning.seconds);
    this.poseTurn(t);
    if (t >= 1) this.finishTurn();
    return true;
  }

  finishTurn() {
    if (!this.turning) return;
    const { target, resolve } = this.turning;
    this.turning = null;
    this.spread = target;
    this.leaves.turn.object.visible = false;
    if (this.pendingModel) {
      const parts = this.pendingModel;
      this.pendingModel = null;
      this.adoptModel(parts);
    } else {
      this.layout();
    }
    resolve(true);
    this.nextTurn();
  }

  /** Static leaves and stacks for the current spread; pages requested at the view's size. */
  layout() {
    const { left, right } = this.pagesOf(this.spread);
    if (this.stacks) {
      // Pages read pile up on the left: each block scales about its base.
      const share = Math.min(1, (2 * this.spread) / Math.max(1, this.pageCount));
      const scales = { left: Math.max(0.04, 2 * share), right: Math.max(0.04, 2 * (1 - share)) };
      for (const side of ["left", "right"]) {
        const { node, base, height } = this.stacks[side];
        node.scale.y = scales[side];
        node.position.y = base * (1 - scales[side]);
        this.tops[side] = height * (scales[side] - 1);
      }
    }
    this.changed = true;
    this.leaves.right.set(0, 0, this.tops.right, this.tops.left);
    this.leaves.left.set(Math.PI, 0, this.tops.right, this.tops.left);
    this.leaves.right.object.visible = Boolean(right) || this.spread < this.lastSpread;
    this.leaves.left.object.visible = Boolean(left) || this.spread > 0;
    this.faces.right.show(right, this.source);
    this.faces.left.show(left, this.source);
    this.images.setFocus(left ?? right ?? 1);
    // What is on view first (thumbs, then the reading size), the neighbours after.
    this.requested = this.request([left, right]);
    this.requested.then(() => this.prefetch());
  }

  /** Use a different image size for what is on view (thumb, medium, full). */
  setImageSize(size) {
    if (size === this.imageSize) return;
    this.imageSize = size;
    this.request(this.visiblePages);
  }

  async request(pages) {
    const visible = pages.filter(Boolean);
    await Promise.all(visible.map((page) => (this.images.best(page) ? null : this.images.load(page, "thumb"))));
    await Promise.all(visible.map((page) => this.images.progressive(page, this.imageSize)));
  }

  /** Neighbouring spreads at the reading size, so a turn finds its pages ready. */
  prefetch() {
    for (const spread of [this.spread + 1, this.spread - 1, this.spread + 2]) {
      if (spread < 0 || spread > this.lastSpread) continue;
      const { left, right } = this.pagesOf(spread);
      for (const page of [left, right]) if (page) this.images.progressive(page, this.profile.readingSize);
    }
  }

  /** Resolves when the visible pages have an image (any size). */
  async firstImages() {
    await Promise.all(this.visiblePages.map((page) => this.images.load(page, "thumb")));
  }

  refreshPage(page) {
    for (const face of Object.values(this.faces ?? {})) {
      if (face.page === page) face.redraw();
    }
  }

  /** Redraw every face (after the annotations of a page changed, pass the page). */
  redraw(page = null) {
    for (const face of Object.values(this.faces ?? {})) {
      if (page === null || face.page === page) face.redraw();
    }
  }

  /** The page under a ray: {page, x, y} in 0..1 from the image's top-left, or null. */
  pick(raycaster) {
    const meshes = [...this.faceOwner.keys()].filter((mesh) => mesh.parent.visible);
    for (const hit of raycaster.intersectObjects(meshes, false)) {
      const face = this.faceOwner.get(hit.object);
      if (face?.page && hit.uv) {
        return { page: face.page, x: hit.uv.x, y: 1 - hit.uv.y, point: hit.point, distance: hit.distance };
      }
    }
    return null;
  }

  /** The world position of a point of a visible page (page units from its top-left). */
  worldPoint(page, x, y) {
    const { left, right } = this.pagesOf(this.spread);
    const { width, height } = this.shape;
    const z = y * height - height / 2;
    let local;
    if (page === right) local = new THREE.Vector3(x * width, this.tops.right + 0.0002, z);
    else if (page === left) local = new THREE.Vector3(-(1 - x) * width, this.tops.left + 0.0002, z);
    else return null;
    this.object.updateMatrixWorld(true);
    return local.applyMatrix4(this.object.matrixWorld);
  }

  /** Which image size each visible page currently shows (for tests and the status line). */
  shownSizes() {
    return Object.fromEntries(
      [this.faces.left, this.faces.right].filter((f) => f.page).map((f) => [f.page, f.imageSize]),
    );
  }

  dispose() {
    this.disposed = true;
    this.stopImages();
    this.images.dispose();
    for (const face of Object.values(this.faces ?? {})) face.dispose();
    for (const leaf of Object.values(this.leaves ?? {})) leaf.dispose();
    disposeTree(this.object);
    this.object.removeFromParent();
  }
}

/** Meshes with every kind of material an open book uses, for Stage.warmUp. */
export function bookWarmUpObjects() {
  const geometry = () => new THREE.PlaneGeometry(0.01, 0.01);
  const face = new PageFace(1.4);
  const back = new PageFace(1.4);
  back.material.side = THREE.BackSide;
  const materials = [
    face.material,
    back.material,
    new THREE.MeshBasicMaterial({ color: 0xf4efe4, toneMapped: false }),
    new THREE.MeshLambertMaterial({ color: 0x6b2d2a }),
    new THREE.MeshBasicMaterial({ map: new THREE.Texture(), side: THREE.DoubleSide }),
    new THREE.MeshStandardMaterial({ map: new THREE.Texture(), roughness: 0.8 }),
    new THREE.MeshStandardMaterial({ roughness: 0.9 }),
  ];
  return materials.map((material) => new THREE.Mesh(geometry(), material));
}

function disposeTree(root) {
  root.traverse((node) => {
    if (node.isMesh) {
      node.geometry.dispose();
      for (const material of [node.material].flat()) {
        material.map?.dispose();
        material.dispose();
      }
    }
  });
}

/** The two page blocks and where their base and top are, in their own frames. */
function stacksOf(left, right) {
  if (!left || !right) return null;
  const describe = (node) => {
    const box = new THREE.Box3();
    node.traverse((child) => {
      if (child.isMesh) {
        child.geometry.computeBoundingBox();
        box.union(child.geometry.boundingBox);
      }
    });
    if (box.isEmpty() || node.position.y !== 0 || node.scale.y !== 1) return null;
    return { node, base: box.min.y, height: box.max.y - box.min.y };
  };
  const out = { left: describe(left), right: describe(right) };
  return out.left && out.right ? out : null;
}

function findNode(root, name) {
  const exact = root.getObjectByName(name);
  if (exact) return exact;
  let found = null;
  root.traverse((node) => {
    if (!found && node.name.toLowerCase().replace(/[\s-]/g, "_").startsWith(name)) found = node;
  });
  return found;
}

function firstMesh(node) {
  if (node.isMesh) return node;
  let mesh = null;
  node.traverse((child) => {
    if (!mesh && child.isMesh) mesh = child;
  });
  return mesh;
}
