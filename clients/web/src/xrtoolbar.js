/**
 * Buttons in the 3D scene for when the page's DOM is out of sight (inside a headset):
 * a row of labelled plates under the open book, pressed with a controller ray or a pinch.
 */
import * as THREE from "three";

const WIDTH = 0.075;
const HEIGHT = 0.035;
const GAP = 0.008;

export class XrToolbar {
  /** @param {{id: string, label: string, action: () => void, active?: () => boolean, enabled?: () => boolean}[]} buttons */
  constructor(buttons) {
    this.object = new THREE.Group();
    this.object.name = "xr-toolbar";
    this.buttons = buttons.map((spec, i) => {
      const canvas = document.createElement("canvas");
      canvas.width = 256;
      canvas.height = 120;
      const texture = new THREE.CanvasTexture(canvas);
      texture.colorSpace = THREE.SRGBColorSpace;
      const mesh = new THREE.Mesh(new THREE.PlaneGeometry(WIDTH, HEIGHT), new THREE.MeshBasicMaterial({ map: texture, transparent: true, toneMapped: false }));
      mesh.name = `xr-button:${spec.id}`;
      mesh.position.x = (i - (buttons.length - 1) / 2) * (WIDTH + GAP);
      const button = { ...spec, mesh, canvas, texture, hover: false, drawn: "" };
      mesh.userData.button = button;
      this.object.add(mesh);
      return button;
    });
    this.refresh();
  }

  get meshes() {
    return this.buttons.map((b) => b.mesh);
  }

  /** Redraw plates whose state changed (hover, enabled, toggled). */
  refresh() {
    for (const b of this.buttons) {
      const enabled = b.enabled ? b.enabled() : true;
      const active = b.active ? b.active() : false;
      const key = `${enabled}${active}${b.hover}${b.label}`;
      if (key === b.drawn) continue;
      b.drawn = key;
      const ctx = b.canvas.getContext("2d");
      ctx.clearRect(0, 0, 256, 120);
      ctx.fillStyle = active ? "#e0a43a" : b.hover ? "#4d4238" : "#2f2823";
      ctx.globalAlpha = enabled ? 0.95 : 0.45;
      ctx.beginPath();
      ctx.roundRect(4, 4, 248, 112, 22);
      ctx.fill();
      ctx.fillStyle = active ? "#1d1916" : "#f3ede4";
      ctx.font = "bold 44px sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText(b.label, 128, 62, 230);
      b.texture.needsUpdate = true;
    }
  }

  press(button) {
    if (button.enabled && !button.enabled()) return;
    button.action();
    this.refresh();
  }

  dispose() {
    for (const b of this.buttons) {
      b.texture.dispose();
      b.mesh.geometry.dispose();
      b.mesh.material.dispose();
    }
    this.object.removeFromParent();
  }
}
