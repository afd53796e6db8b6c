/**
 * The three.js stage every mode shares: renderer, scene, camera rig and the frame loop.
 * Modes add controls to it; the room and the books add objects. The camera sits in a rig
 * (a Group) so that teleporting in XR moves the rig, never the tracked head.
 */
import * as THREE from "three";

/** True when WebGL runs on the CPU (the renderer string names a software rasteriser). */
export function isSoftwareRenderer() {
  try {
    const gl = document.createElement("canvas").getContext("webgl2");
    if (!gl) return false;
    const info = gl.getExtension("WEBGL_debug_renderer_info");
    const name = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension("WEBGL_lose_context")?.loseContext();
    return /swiftshader|llvmpipe|softpipe|software/i.test(name);
  } catch {
    return false;
  }
}

export class Stage {
  /** @param {HTMLElement} container @param {{pixelRatio: number}} profile */
  constructor(container, profile) {
    this.container = container;
    // A software rasteriser (no GPU: SwiftShader, llvmpipe) cannot afford multisampling or
    // high-DPI buffers; a real GPU gets both.
    this.software = isSoftwareRenderer();
    this.renderer = new THREE.WebGLRenderer({ antialias: !this.software, powerPreference: "high-performance" });
    this.renderer.setPixelRatio(this.software ? 1 : Math.min(window.devicePixelRatio || 1, profile.pixelRatio));
    this.renderer.outputColorSpace = THREE.SRGBColorSpace;
    this.renderer.xr.enabled = true;
    this.renderer.domElement.id = "scene";
    this.renderer.domElement.tabIndex = 0;
    this.renderer.domElement.setAttribute("aria-label", "3D reading room");
    container.append(this.renderer.domElement);

    this.scene = new THREE.Scene();
    this.scene.background = new THREE.Color(0x2b2622);
    this.camera = new THREE.PerspectiveCamera(60, 1, 0.02, 200);
    this.camera.position.set(0, 1.6, 0);
    this.rig = new THREE.Group();
    this.rig.name = "rig";
    this.rig.add(this.camera);
    this.scene.add(this.rig);
    // Rooms that bring their own lights (glTF punctual lights) dim these; filmic tone
    // mapping keeps bright lamps from washing the room out. Pages are unlit and not
    // tone-mapped, so paper stays paper-white.
    this.renderer.toneMapping = THREE.ACESFilmicToneMapping;
    this.ambient = new THREE.HemisphereLight(0xfff6e8, 0x3a3028, 2.2);
    this.sun = new THREE.DirectionalLight(0xffffff, 1.2);
    this.sun.position.set(3, 6, 2);
    this.scene.add(this.ambient, this.sun);

    this.timer = new THREE.Timer();
    this.timer.connect(document);
    this.updaters = new Set();
    // Frames are drawn only when something changed (or in XR, every frame): a kiosk that
    // sits idle costs nothing, and a slow GPU spends its time on frames that matter.
    this.dirty = 2;
    this.firstFrameWaiters = [];
    this.frames = 0;
    this.resize = this.resize.bind(this);
    window.addEventListener("resize", this.resize);
    this.resize();
    this.renderer.setAnimationLoop((time, frame) => this.tick(time, frame));
  }

  /**
   * Compile the shaders `objects` need now, while nobody waits, so the first book opened
   * does not stall on compiling them (seconds on a software rasteriser).
   */
  async warmUp(objects) {
    const group = new THREE.Group();
    group.add(...objects);
    group.position.copy(this.camera.position);
    this.scene.add(group);
    try {
      await this.renderer.compileAsync(group, this.camera, this.scene);
    } catch (error) {
      console.warn("shader warm-up failed", error);
    } finally {
      group.removeFromParent();
      // Keep the materials: three frees a program when its last material is disposed.
      this.warmedUp = group;
    }
  }

  /** The room lights itself: keep only a little fill light of our own. */
  dimDefaultLights() {
    this.ambient.intensity = 0.6;
    this.sun.intensity = 0;
    this.requestRender();
  }

  /** Ask for a frame to be drawn (a camera move, a texture update, a new object). */
  requestRender() {
    this.dirty = Math.max(this.dirty, 1);
  }

  resize() {
    this.requestRender();
    const { clientWidth: width, clientHeight: height } = this.container;
    if (!width || !height || this.renderer.xr.isPresenting) return;
    this.camera.aspect = width / height;
    this.camera.updateProjectionMatrix();
    this.renderer.setSize(width, height, true);
  }

  /**
   * Call `fn(dt, time, frame)` every frame until the returned function is called; a truthy
   * return means "I changed something, draw this frame".
   */
  onFrame(fn) {
    this.updaters.add(fn);
    return () => this.updaters.delete(fn);
  }

  /** Resolves after the next frame is drawn (for "first frame" timings and tests). */
  nextFrame() {
    return new Promise((resolve) => this.firstFrameWaiters.push(resolve));
  }

  tick(time, frame) {
    this.timer.update(time);
    const dt = Math.min(this.timer.getDelta(), 0.1);
    for (const fn of this.updaters) {
      try {
        if (fn(dt, time, frame)) this.dirty = Math.max(this.dirty, 1);
      } catch (error) {
        console.error(error);
      }
    }
    if (!this.renderer.xr.isPresenting && this.dirty <= 0 && !this.firstFrameWaiters.length) return;
    this.dirty -= 1;
    this.renderer.render(this.scene, this.camera);
    this.frames += 1;
    const waiters = this.firstFrameWaiters.splice(0);
    for (const resolve of waiters) resolve(time);
  }

  dispose() {
    window.removeEventListener("resize", this.resize);
    this.renderer.setAnimationLoop(null);
    this.renderer.dispose();
  }
}
