/**
 * Headset (Quest/Pico browsers): WebXR immersive-vr. A controller ray or a hand's pinch
 * points at things: a spine takes the book from the shelf and opens it in front of you,
 * a page turns with a swipe across it (or a tap on its outer edge, or the thumbstick),
 * a tap on words selects them, the floor teleports you. Buttons under the book stand in
 * for the page's DOM, which a headset does not show. Before entering VR the mode works
 * like the desktop one, so the same link serves a headset and a laptop.
 */
import * as THREE from "three";
import { $ } from "../dom.js";
import { notify } from "../notices.js";
import { XrToolbar } from "../xrtoolbar.js";
import { ScreenMode, poseBook } from "./screen.js";

const RAY_LENGTH = 15;
const SWIPE = 0.3;
const TAP = 0.03;
const EDGE = 0.12;

export default class HeadsetMode extends ScreenMode {
  constructor(ctx) {
    super(ctx, { margin: 1.2, tilt: 55, swipe: true });
    this.xr = ctx.stage.renderer.xr;
    this.xr.setReferenceSpaceType("local-floor");
    this.xrRaycaster = new THREE.Raycaster();
    this.inputs = [0, 1].map((i) => this.setupInput(i));
    this.toolbar = this.makeToolbar();
    this.button = $("#enter-xr");
    this.button.addEventListener("click", () => this.enter());
    this.xr.addEventListener("sessionstart", () => this.started());
    this.xr.addEventListener("sessionend", () => this.ended());
    ctx.stage.onFrame((dt, time, frame) => this.presenting && this.xrFrame(frame));
    ctx.reader.on("page", () => this.toolbar.refresh());
    ctx.reader.on("selection", () => this.toolbar.refresh());
    ctx.reader.on("lead", () => this.toolbar.refresh());
    this.offer();
  }

  get presenting() {
    return this.xr.isPresenting;
  }

  async offer() {
    let supported = false;
    try {
      supported = Boolean(navigator.xr) && (await navigator.xr.isSessionSupported("immersive-vr"));
    } catch {
      supported = false;
    }
    this.button.hidden = !supported;
    if (!supported) notify("No VR headset here: this browser cannot enter immersive mode, so the room works as on a desktop.");
  }

  async enter() {
    if (this.presenting) {
      this.xr.getSession()?.end();
      return;
    }
    try {
      const session = await navigator.xr.requestSession("immersive-vr", {
        optionalFeatures: ["local-floor", "bounded-floor", "hand-tracking"],
      });
      await this.xr.setSession(session);
    } catch (error) {
      notify(`Could not enter VR: ${error.message}`, { kind: "error" });
    }
  }

  started() {
    this.button.textContent = "Exit VR";
    this.orbit.enabled = false;
    this.tween = null;
    this.camera.clearViewOffset();
    // Stand where the room says, facing its way; the headset moves the camera inside the rig.
    const { position, yaw } = this.ctx.room.spawn;
    const rig = this.stage.rig;
    rig.position.set(position.x, 0, position.z);
    rig.rotation.set(0, yaw, 0);
    this.camera.position.set(0, 0, 0);
    this.camera.quaternion.identity();
    this.camera.up.set(0, 1, 0);
    this.placedInXr = false;
    document.body.dataset.xr = "immersive";
  }

  ended() {
    this.button.textContent = "Enter VR";
    const rig = this.stage.rig;
    rig.position.set(0, 0, 0);
    rig.rotation.set(0, 0, 0);
    this.toolbar.object.removeFromParent();
    delete document.body.dataset.xr;
    this.stage.resize();
    if (this.ctx.reader.book) {
      this.reading = false;
      this.roomView(true);
      this.placeBook(this.ctx.reader.book);
    } else {
      this.roomView(true);
    }
  }

  /** In VR the book comes to the reader: in front of the head, tilted like a lectern. */
  placeBook(book) {
    if (!this.presenting) {
      super.placeBook(book);
      return;
    }
    const { position: head, forward } = this.headPose();
    forward.y = 0;
    if (forward.lengthSq() < 1e-6) forward.set(0, 0, -1);
    forward.normalize();
    const center = head.clone().addScaledVector(forward, 0.45).add(new THREE.Vector3(0, -0.3, 0));
    const tilt = THREE.MathUtils.degToRad(45);
    const normal = forward.clone().negate().multiplyScalar(Math.cos(tilt)).add(new THREE.Vector3(0, Math.sin(tilt), 0)).normalize();
    const up = poseBook(book.object, center, normal);
    this.bookFrame = { center, normal, head: up };
    this.reading = true;
    // Buttons just below the foot of the pages, in the page's plane.
    const toolbar = this.toolbar.object;
    toolbar.position.copy(center).addScaledVector(up, -(book.size.height / 2 + 0.035)).addScaledVector(normal, 0.01);
    toolbar.quaternion.setFromRotationMatrix(
      new THREE.Matrix4().makeBasis(new THREE.Vector3().crossVectors(up, normal), up, normal),
    );
    this.stage.scene.add(toolbar);
    this.toolbar.refresh();
  }

  frameBook(instant) {
    if (!this.presenting) super.frameBook(instant);
  }

  makeToolbar() {
    const reader = this.ctx.reader;
    return new XrToolbar([
      { id: "prev", label: "◀", action: () => reader.turn(-1), enabled: () => (reader.book?.spread ?? 0) > 0 },
      { id: "next", label: "▶", action: () => reader.turn(1), enabled: () => Boolean(reader.book) && reader.book.spread < reader.book.lastSpread },
      { id: "highlight", label: "Highlight", action: () => reader.annotate("highlight", { layer: this.ctx.panels.layer() }), enabled: () => this.ctx.canWrite() && Boolean(reader.selectionInfo()) },
      { id: "bookmark", label: "Bookmark", action: () => reader.annotate("bookmark", { layer: this.ctx.panels.layer() }), enabled: () => this.ctx.canWrite() },
      { id: "follow", label: "Follow", action: () => reader.setFollowing(!reader.following), active: () => reader.following },
      { id: "close", label: "Close", action: () => this.ctx.controls.close() },
    ]);
  }

  // --- controllers and hands ------------------------------------------------------------

  setupInput(index) {
    const rig = this.stage.rig;
    const ray = this.xr.getController(index);
    const line = new THREE.Line(
      new THREE.BufferGeometry().setFromPoints([new THREE.Vector3(0, 0, 0), new THREE.Vector3(0, 0, -1)]),
      new THREE.LineBasicMaterial({ color: 0xffffff, transparent: true, opacity: 0.7 }),
    );
    line.name = "ray";
    line.scale.z = RAY_LENGTH;
    ray.add(line);
    const reticle = new THREE.Mesh(new THREE.RingGeometry(0.006, 0.01, 24), new THREE.MeshBasicMaterial({ color: 0xffffff, depthTest: false }));
    reticle.visible = false;
    reticle.renderOrder = 10;
    this.stage.scene.add(reticle);
    const grip = this.xr.getControllerGrip(index);
    const model = new THREE.Mesh(new THREE.BoxGeometry(0.04, 0.03, 0.12), new THREE.MeshLambertMaterial({ color: 0x444a55 }));
    model.position.z = 0.03;
    grip.add(model);
    const hand = this.xr.getHand(index);
    const input = { index, ray, grip, hand, line, reticle, source: null, hit: null, gesture: null, stick: 0, tips: null };
    ray.addEventListener("connected", (event) => {
      input.source = event.data;
      model.visible = !event.data.hand;
    });
    ray.addEventListener("disconnected", () => {
      input.source = null;
      reticle.visible = false;
    });
    ray.addEventListener("selectstart", () => this.selectStart(input));
    ray.addEventListener("selectend", () => this.selectEnd(input));
    ray.addEventListener("squeezestart", () => this.squeeze(input));
    rig.add(ray, grip, hand);
    return input;
  }

  xrFrame() {
    for (const input of this.inputs) {
      if (!input.source) continue;
      this.showHand(input);
      input.hit = this.aim(input);
      const distance = input.hit ? input.hit.distance : RAY_LENGTH;
      input.line.scale.z = distance;
      input.reticle.visible = Boolean(input.hit);
      if (input.hit) {
        input.reticle.position.copy(input.hit.point);
        input.reticle.lookAt(this.headPose().position);
      }
      this.stick(input);
      if (input.gesture?.kind === "page" && input.hit?.kind === "page") input.gesture.last = input.hit;
    }
    for (const button of this.toolbar.buttons) button.hover = this.inputs.some((i) => i.hit?.button === button);
    this.toolbar.refresh();
  }

  /** What a ray points at, nearest first: a toolbar button, a page, a spine or the floor. */
  aim(input) {
    const matrix = input.ray.matrixWorld;
    const origin = new THREE.Vector3().setFromMatrixPosition(matrix);
    const direction = new THREE.Vector3(0, 0, -1).transformDirection(matrix);
    const raycaster = this.xrRaycaster;
    raycaster.set(origin, direction);
    raycaster.far = RAY_LENGTH;
    const found = [];
    if (this.toolbar.object.parent) {
      const hit = raycaster.intersectObjects(this.toolbar.meshes, false)[0];
      if (hit) found.push({ kind: "button", button: hit.object.userData.button, point: hit.point, distance: hit.distance });
    }
    const book = this.ctx.reader.book;
    if (book) {
      const hit = book.pick(raycaster);
      if (hit) {
        const left = book.pagesOf(book.spread).left === hit.page;
        found.push({ kind: "page", ...hit, spreadX: left ? hit.x - 1 : hit.x });
      }
    }
    const roomHit = this.ctx.room.pick(raycaster);
    if (roomHit?.slot) found.push({ kind: "slot", slot: roomHit.slot, point: roomHit.point, distance: roomHit.distance });
    else if (roomHit?.floor) found.push({ kind: "floor", point: roomHit.floor, distance: roomHit.distance });
    found.sort((a, b) => a.distance - b.distance);
    return found[0] ?? null;
  }

  selectStart(input) {
    const hit = input.hit;
    if (!hit) return;
    if (hit.kind === "button") {
      this.toolbar.press(hit.button);
    } else if (hit.kind === "page") {
      input.gesture = { kind: "page", start: hit, last: hit, t0: performance.now() };
    } else if (hit.kind === "slot") {
      this.ctx.openSlot(hit.slot);
    } else if (hit.kind === "floor") {
      input.gesture = { kind: "floor", start: hit };
    }
  }

  selectEnd(input) {
    const gesture = input.gesture;
    input.gesture = null;
    if (!gesture) return;
    const reader = this.ctx.reader;
    if (gesture.kind === "floor") {
      if (input.hit?.kind === "floor") this.teleport(input.hit.point);
      return;
    }
    const { start, last } = gesture;
    const dx = last.spreadX - start.spreadX;
    const dy = last.y - start.y;
    const quick = performance.now() - gesture.t0 < 900;
    if (Math.abs(dx) > SWIPE && Math.abs(dx) > Math.abs(dy) && quick) {
      reader.turn(dx < 0 ? 1 : -1);
    } else if (Math.hypot(dx, dy) < TAP) {
      if (start.spreadX > 1 - EDGE) reader.turn(1);
      else if (start.spreadX < -1 + EDGE) reader.turn(-1);
      else reader.selectAt(start.page, start.x, start.y, reader.selection?.page === start.page);
    } else if (last.page === start.page) {
      // A slow drag across the words selects them.
      reader.selectAt(start.page, start.x, start.y, false).then(() => reader.selectAt(last.page, last.x, last.y, true));
    }
  }

  squeeze(input) {
    // Grip: take the selection as a highlight, or with nothing selected turn forward.
    const reader = this.ctx.reader;
    if (!reader.book) return;
    if (reader.selectionInfo() && this.ctx.canWrite()) reader.annotate("highlight", { layer: this.ctx.panels.layer() });
    else if (input.hit?.kind === "page") reader.turn(input.hit.spreadX < 0 ? -1 : 1);
  }

  stick(input) {
    const axes = input.source?.gamepad?.axes;
    if (!axes || axes.length < 4) return;
    const x = axes[2];
    const direction = x > 0.7 ? 1 : x < -0.7 ? -1 : 0;
    if (direction && direction !== input.stick) this.ctx.reader.turn(direction);
    input.stick = direction;
  }

  teleport(point) {
    const head = this.headPose().position;
    const rig = this.stage.rig;
    // Move the rig so the head ends over the point (the floor stays the floor).
    rig.position.x += point.x - head.x;
    rig.position.z += point.z - head.z;
  }

  showHand(input) {
    const joints = input.hand.joints;
    if (!input.source?.hand || !joints || input.tips) return;
    const tips = ["thumb-tip", "index-finger-tip", "middle-finger-tip", "ring-finger-tip", "pinky-finger-tip", "wrist"];
    if (!tips.every((name) => joints[name])) return;
    const material = new THREE.MeshLambertMaterial({ color: 0xd9b99b });
    input.tips = tips.map((name) => {
      const sphere = new THREE.Mesh(new THREE.SphereGeometry(name === "wrist" ? 0.02 : 0.008, 8, 6), material);
      joints[name].add(sphere);
      return sphere;
    });
  }

  /**
   * The head in the world. The XR camera's matrixWorld already includes the rig; asking it
   * getWorldPosition() would recompute it from the local pose and lose the rig.
   */
  headPose() {
    const matrix = this.xr.getCamera().matrixWorld;
    const position = new THREE.Vector3().setFromMatrixPosition(matrix);
    const rotation = new THREE.Quaternion().setFromRotationMatrix(matrix);
    const forward = new THREE.Vector3(0, 0, -1).applyQuaternion(rotation);
    return { position, rotation, forward };
  }

  /** My head and hands for the pose channel (the screen camera when not in VR). */
  pose() {
    if (!this.presenting) return null;
    const transform = (object) => {
      object.updateMatrixWorld();
      const position = new THREE.Vector3();
      const rotation = new THREE.Quaternion();
      object.matrixWorld.decompose(position, rotation, new THREE.Vector3());
      return { position: position.toArray(), rotation: rotation.toArray() };
    };
    const hand = (input) => {
      if (!input.source) return null;
      return transform(input.source.hand ? input.hand : input.grip);
    };
    const byHandedness = Object.fromEntries(this.inputs.filter((i) => i.source).map((i) => [i.source.handedness, i]));
    const headPose = this.headPose();
    return {
      head: { position: headPose.position.toArray(), rotation: headPose.rotation.toArray() },
      left: byHandedness.left ? hand(byHandedness.left) : null,
      right: byHandedness.right ? hand(byHandedness.right) : null,
    };
  }
}
