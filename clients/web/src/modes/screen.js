/**
 * What the three screen modes (desktop, touch, blackboard) share: looking around the room
 * (orbit, pan, pinch), picking a spine to open its book, a reading camera that frames the
 * open spread, zoom towards a point, selecting words on the page, swiping to turn, and
 * pen ink. Each mode tunes it (margins, gestures, pen) in its own module.
 */
import * as THREE from "three";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";

const TAP_PIXELS = 8;
const SWIPE_PIXELS = 60;
const TWEEN_SECONDS = 0.45;

export class ScreenMode {
  /**
   * @param {object} ctx the room app's parts (stage, room, reader, controls, ink, ...)
   * @param {{margin?: number, tilt?: number, swipe?: boolean, penByDefault?: boolean, placeAtBoard?: boolean}} options
   */
  constructor(ctx, options = {}) {
    this.ctx = ctx;
    this.options = { margin: 1.15, tilt: 55, swipe: true, penByDefault: false, placeAtBoard: false, ...options };
    const { stage } = ctx;
    this.stage = stage;
    this.camera = stage.camera;
    this.canvas = stage.renderer.domElement;
    this.raycaster = new THREE.Raycaster();
    this.orbit = new OrbitControls(this.camera, this.canvas);
    this.orbit.enableDamping = true;
    this.orbit.maxPolarAngle = Math.PI * 0.95;
    this.orbit.minDistance = 0.3;
    this.orbit.maxDistance = 8;
    this.orbit.keys = { LEFT: "KeyA", UP: "KeyW", RIGHT: "KeyD", BOTTOM: "KeyS" };
    this.orbit.listenToKeyEvents(window);
    this.pointers = new Map();
    this.tween = null;
    this.focus = new THREE.Vector2(0, 0);
    this.penActive = this.options.penByDefault;
    this.roomView(true);
    stage.onFrame((dt) => this.update(dt));
    ctx.reader.on("open", (book) => this.placeBook(book));
    ctx.reader.on("close", ({ replaced }) => replaced || this.roomView(false));
    ctx.reader.on("zoom", () => this.frameBook(false));
    ctx.controls.penListeners.add((on) => (this.penActive = on || this.options.penByDefault));
    this.canvas.addEventListener("pointerdown", (e) => this.down(e));
    this.canvas.addEventListener("pointermove", (e) => this.move(e));
    this.canvas.addEventListener("pointerup", (e) => this.up(e));
    this.canvas.addEventListener("pointercancel", (e) => this.up(e, true));
    this.canvas.addEventListener("wheel", (e) => this.wheel(e), { passive: false });
    const reframe = () => this.reading && ctx.reader.book && this.frameBook(true);
    window.addEventListener("resize", reframe);
    const observer = new ResizeObserver(reframe);
    for (const id of ["panel", "reading-controls"]) observer.observe(document.getElementById(id));
  }

  // --- camera ------------------------------------------------------------------------

  /** Stand at the room's spawn point looking in; orbit around a point a little ahead. */
  roomView(instant) {
    const spawn = this.ctx.room.spawn;
    const eye = spawn.position.clone().add(new THREE.Vector3(0, 1.6, 0));
    const forward = new THREE.Vector3(-Math.sin(spawn.yaw), 0, -Math.cos(spawn.yaw));
    const target = eye.clone().addScaledVector(forward, 2.5).setY(1.2);
    this.reading = false;
    this.camera.clearViewOffset();
    this.stage.resize();
    this.moveCamera(eye, target, new THREE.Vector3(0, 1, 0), instant, () => {
      this.orbit.enabled = true;
    });
    this.orbit.enabled = false;
  }

  /** Put the book up in front of the reader, then frame the spread. */
  placeBook(book) {
    const object = book.object;
    let center;
    let normal;
    const board = this.ctx.room.blackboard;
    if (this.reading && this.bookFrame) {
      // Another book while reading: it takes the place of the one put back.
      ({ center, normal } = this.bookFrame);
    } else if (this.options.placeAtBoard && board) {
      normal = board.normal.clone();
      center = board.center.clone().addScaledVector(normal, 0.06);
    } else {
      const eye = this.camera.position.clone();
      const forward = new THREE.Vector3();
      this.camera.getWorldDirection(forward);
      forward.y = 0;
      if (forward.lengthSq() < 1e-6) forward.set(0, 0, -1);
      forward.normalize();
      center = eye.clone().addScaledVector(forward, 0.9).setY(Math.max(0.9, eye.y - 0.35));
      const tilt = THREE.MathUtils.degToRad(this.options.tilt);
      normal = forward.clone().negate().multiplyScalar(Math.cos(tilt)).add(new THREE.Vector3(0, Math.sin(tilt), 0)).normalize();
    }
    const head = poseBook(object, center, normal);
    this.bookFrame = { center, normal, head };
    this.focus.set(0, 0);
    this.reading = true;
    this.orbit.enabled = false;
    this.frameBook(false);
  }

  /**
   * Camera on the page normal at the distance where the spread fills the part of the
   * screen the panels leave free; the projection is shifted so that part is its centre.
   */
  frameBook(instant) {
    const book = this.ctx.reader.book;
    if (!book || !this.bookFrame) return;
    const free = this.applyFreeArea();
    const { width, height } = book.size;
    // Tangent of the angle one pixel spans; the spread must fit the free area in pixels.
    const perPixel = (2 * Math.tan(THREE.MathUtils.degToRad(this.camera.fov) / 2)) / free.fullHeight;
    const fit = Math.max(height / (perPixel * free.height), (2 * width) / (perPixel * free.width));
    const distance = (fit * this.options.margin) / this.ctx.reader.zoom;
    const { center, normal, head } = this.bookFrame;
    const right = new THREE.Vector3().crossVectors(head, normal).normalize();
    const target = center
      .clone()
      .addScaledVector(normal, 0.004)
      .addScaledVector(right, this.focus.x * width)
      .addScaledVector(head, this.focus.y * height * 0.5);
    const eye = target.clone().addScaledVector(normal, distance);
    this.readingEye = eye;
    this.moveCamera(eye, target, head, instant);
  }

  /**
   * Shift the projection so the view's centre is the middle of the screen area not covered
   * by the panel and the bars; returns that area in pixels.
   */
  applyFreeArea() {
    const canvas = this.canvas.getBoundingClientRect();
    const W = canvas.width || 1;
    const H = canvas.height || 1;
    let right = W;
    let top = 0;
    let bottom = H;
    const panel = document.getElementById("panel");
    if (panel && !panel.hidden) {
      const r = panel.getBoundingClientRect();
      if (r.width > 0 && r.width < W * 0.6 && r.height > H * 0.3) right = Math.min(right, r.left - canvas.left);
    }
    const bar = document.getElementById("topbar");
    if (bar && !bar.hidden) top = Math.max(top, bar.getBoundingClientRect().bottom - canvas.top);
    const controls = document.getElementById("reading-controls");
    if (controls && !controls.hidden) bottom = Math.min(bottom, controls.getBoundingClientRect().top - canvas.top);
    if (right - 0 < W * 0.35) right = W;
    if (bottom - top < H * 0.35) [top, bottom] = [0, H];
    const cx = right / 2;
    const cy = (top + bottom) / 2;
    const dx = W / 2 - cx;
    const dy = H / 2 - cy;
    const fullW = W + 2 * Math.abs(dx);
    const fullH = H + 2 * Math.abs(dy);
    // Square pixels: the virtual full view keeps the vertical field of view over fullH.
    this.camera.aspect = fullW / fullH;
    this.camera.setViewOffset(fullW, fullH, fullW / 2 - cx, fullH / 2 - cy, W, H);
    this.stage.requestRender();
    return { width: right, height: bottom - top, fullHeight: fullH };
  }

  moveCamera(eye, target, up, instant, done = null) {
    // On a software rasteriser every tween frame steals the CPU the page images need.
    if (instant || this.stage.software) {
      this.camera.position.copy(eye);
      this.camera.up.copy(up);
      this.camera.lookAt(target);
      this.orbit.target.copy(target);
      this.tween = null;
      this.stage.requestRender();
      done?.();
      return;
    }
    this.tween = {
      fromEye: this.camera.position.clone(),
      fromTarget: this.orbit.target.clone(),
      fromUp: this.camera.up.clone(),
      eye,
      target,
      up,
      t: 0,
      done,
    };
  }

  update(dt) {
    if (this.tween) {
      const tw = this.tween;
      tw.t = Math.min(1, tw.t + dt / TWEEN_SECONDS);
      const k = 1 - (1 - tw.t) ** 3;
      this.camera.position.lerpVectors(tw.fromEye, tw.eye, k);
      this.orbit.target.lerpVectors(tw.fromTarget, tw.target, k);
      this.camera.up.lerpVectors(tw.fromUp, tw.up, k).normalize();
      this.camera.lookAt(this.orbit.target);
      if (tw.t >= 1) {
        this.tween = null;
        tw.done?.();
      }
      return true;
    }
    return this.orbit.enabled ? this.orbit.update() : false;
  }

  // --- pointer -------------------------------------------------------------------------

  rayFrom(event) {
    const rect = this.canvas.getBoundingClientRect();
    const ndc = new THREE.Vector2(((event.clientX - rect.left) / rect.width) * 2 - 1, -((event.clientY - rect.top) / rect.height) * 2 + 1);
    this.raycaster.setFromCamera(ndc, this.camera);
    return this.raycaster;
  }

  /** Where on screen (client pixels) a point of a visible page is drawn. */
  screenPointOf(page, x, y) {
    const world = this.ctx.reader.book?.worldPoint(page, x, y);
    return world ? this.screenPointOfWorld(world) : null;
  }

  /** Where on screen (client pixels) a world point is drawn. */
  screenPointOfWorld(world) {
    const ndc = world.clone().project(this.camera);
    const rect = this.canvas.getBoundingClientRect();
    return { x: rect.left + ((ndc.x + 1) / 2) * rect.width, y: rect.top + ((1 - ndc.y) / 2) * rect.height };
  }

  pickPage(event) {
    return this.ctx.reader.book ? this.ctx.reader.book.pick(this.rayFrom(event)) : null;
  }

  down(event) {
    this.canvas.focus({ preventScroll: true });
    const start = { x: event.clientX, y: event.clientY, t: performance.now(), type: event.pointerType, action: null };
    this.pointers.set(event.pointerId, start);
    if (!this.reading) return;
    try {
      this.canvas.setPointerCapture(event.pointerId);
    } catch {
      // A pointer the browser does not track (synthetic); capture is only a convenience.
    }
    if (this.pointers.size === 2) {
      this.ctx.ink?.end();
      const [a, b] = [...this.pointers.values()];
      this.pinch = { distance: Math.hypot(a.x - b.x, a.y - b.y), zoom: this.ctx.reader.zoom };
      return;
    }
    const hit = this.pickPage(event);
    if (!hit) return;
    const pen = event.pointerType === "pen" || this.penActive;
    if (pen && this.ctx.canInk()) {
      start.action = "ink";
      this.ctx.ink.begin(this.ctx.inkLayer(), { book: this.ctx.reader.book.manifest.id, page: hit.page, x: hit.x, y: hit.y, pressure: pressureOf(event) });
    } else if (event.pointerType === "mouse") {
      start.action = "select";
      this.ctx.reader.selectAt(hit.page, hit.x, hit.y, event.shiftKey);
    }
  }

  move(event) {
    const start = this.pointers.get(event.pointerId);
    this.ctx.onPointer?.(this.reading ? this.pickPage(event) : null);
    if (!start || !this.reading) return;
    start.lastX = event.clientX;
    start.lastY = event.clientY;
    if (this.pinch && this.pointers.size === 2) {
      const [a, b] = [...this.pointers.values()];
      const distance = Math.hypot((a.lastX ?? a.x) - (b.lastX ?? b.x), (a.lastY ?? a.y) - (b.lastY ?? b.y));
      this.ctx.reader.setZoom((this.pinch.zoom * distance) / Math.max(1, this.pinch.distance));
      return;
    }
    if (start.action === "ink") {
      const hit = this.pickPage(event);
      if (hit && hit.page === this.ctx.ink.current?.page) this.ctx.ink.move({ x: hit.x, y: hit.y, pressure: pressureOf(event) });
    } else if (start.action === "select") {
      const hit = this.pickPage(event);
      if (hit) this.ctx.reader.selectAt(hit.page, hit.x, hit.y, true);
    } else if (this.ctx.reader.zoom > 1.01 && event.pointerType !== "mouse") {
      this.panBy(event.movementX, event.movementY);
    }
  }

  up(event, cancelled = false) {
    const start = this.pointers.get(event.pointerId);
    this.pointers.delete(event.pointerId);
    if (this.pointers.size < 2) this.pinch = null;
    if (!start || cancelled) {
      if (start?.action === "ink") this.ctx.ink.end();
      return;
    }
    const dx = event.clientX - start.x;
    const dy = event.clientY - start.y;
    const tap = Math.hypot(dx, dy) < TAP_PIXELS;
    if (start.action === "ink") {
      this.ctx.ink.end();
      return;
    }
    if (!this.reading) {
      if (tap) this.pickRoom(event);
      return;
    }
    if (start.action === "select") return;
    // Unzoomed, a drag across the page has no other meaning: a clear sideways one turns.
    // Zoomed in, drags pan the page instead.
    const unzoomed = this.ctx.reader.zoom <= 1.01;
    if (this.options.swipe && unzoomed && Math.abs(dx) > SWIPE_PIXELS && Math.abs(dx) > 1.5 * Math.abs(dy)) {
      this.ctx.reader.turn(dx < 0 ? 1 : -1);
      return;
    }
    if (tap) {
      const hit = this.pickPage(event);
      if (hit) {
        const extend = this.ctx.reader.selection?.page === hit.page;
        this.ctx.reader.selectAt(hit.page, hit.x, hit.y, extend);
      } else {
        this.ctx.reader.clearSelection();
      }
    }
  }

  pickRoom(event) {
    const hit = this.ctx.room.pick(this.rayFrom(event));
    if (hit?.slot) this.ctx.openSlot(hit.slot);
  }

  wheel(event) {
    if (!this.reading) return;
    event.preventDefault();
    const hit = this.pickPage(event);
    const reader = this.ctx.reader;
    const zoom = reader.zoom * (event.deltaY < 0 ? 1.15 : 1 / 1.15);
    if (hit && zoom > reader.zoom) {
      // Zoom towards the point under the pointer.
      const book = reader.book;
      const left = book.pagesOf(book.spread).left === hit.page;
      const fx = left ? -1 + hit.x : hit.x;
      this.focus.set(THREE.MathUtils.clamp(fx * 0.8, -1, 1), THREE.MathUtils.clamp(1 - 2 * hit.y, -1, 1) * 0.8);
    }
    if (zoom <= 1) this.focus.set(0, 0);
    reader.setZoom(zoom);
  }

  panBy(dx, dy) {
    const scale = 1 / (this.ctx.reader.zoom * 300);
    this.focus.x = THREE.MathUtils.clamp(this.focus.x - dx * scale, -1, 1);
    this.focus.y = THREE.MathUtils.clamp(this.focus.y + dy * scale, -1, 1);
    this.frameBook(true);
  }
}

/**
 * Stand a book at `center` with its paper facing along `normal` and its head up; returns
 * the head direction (the page's "up" in the world).
 */
export function poseBook(object, center, normal) {
  const up = new THREE.Vector3(0, 1, 0);
  let head = up.clone().addScaledVector(normal, -normal.dot(up));
  if (head.lengthSq() < 1e-6) head = new THREE.Vector3(0, 0, -1);
  head.normalize();
  const zAxis = head.clone().negate();
  const xAxis = new THREE.Vector3().crossVectors(normal, zAxis);
  object.quaternion.setFromRotationMatrix(new THREE.Matrix4().makeBasis(xAxis, normal, zAxis));
  object.position.copy(center);
  object.updateMatrixWorld(true);
  return head;
}

function pressureOf(event) {
  // Mice report 0.5 while pressed; pens report real pressure.
  return event.pointerType === "pen" && event.pressure > 0 ? event.pressure : 0.5;
}
