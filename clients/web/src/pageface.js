/**
 * One visible side of a leaf: a canvas holding the page image with the live layers drawn
 * over it (highlights, ink, notes, search hits, the selection), used as an unlit texture.
 * Drawing into the texture keeps every overlay glued to the paper as the page curls.
 */
import * as THREE from "three";

const PAPER = "#f4efe4";

export class PageFace {
  /** @param {number} aspect page height / width, for the blank canvas before an image comes */
  constructor(aspect) {
    this.aspect = aspect;
    this.canvas = document.createElement("canvas");
    this.canvas.width = 256;
    this.canvas.height = Math.round(256 * aspect);
    this.context = this.canvas.getContext("2d");
    this.texture = new THREE.CanvasTexture(this.canvas);
    this.texture.colorSpace = THREE.SRGBColorSpace;
    this.texture.anisotropy = 4;
    this.material = new THREE.MeshBasicMaterial({ map: this.texture, color: 0xffffff, toneMapped: false });
    this.page = null;
    this.source = null;
    this.imageSize = null;
  }

  /**
   * Show a page (null for the blank endpaper).
   * @param {number|null} page
   * @param {{images: import('./pageimages.js').PageImages, decorate: (ctx: CanvasRenderingContext2D, page: number, w: number, h: number) => void}} source
   */
  show(page, source) {
    this.page = page;
    this.source = source;
    this.redraw();
  }

  redraw() {
    const { page, source } = this;
    const entry = page && source ? source.images.best(page) : null;
    const width = entry ? entry.bitmap.width : 256;
    const height = entry ? entry.bitmap.height : Math.round(256 * this.aspect);
    if (width !== this.canvas.width || height !== this.canvas.height) {
      this.canvas.width = width;
      this.canvas.height = height;
      // A texture cannot change size in place on the GPU; upload a new one.
      this.texture.dispose();
    }
    const ctx = this.context;
    ctx.fillStyle = PAPER;
    ctx.fillRect(0, 0, width, height);
    if (entry) ctx.drawImage(entry.bitmap, 0, 0, width, height);
    this.imageSize = entry ? entry.size : null;
    if (page && source) source.decorate(ctx, page, width, height);
    this.texture.needsUpdate = true;
  }

  dispose() {
    this.texture.dispose();
    this.material.dispose();
  }
}
