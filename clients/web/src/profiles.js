/**
 * Device profiles of DESIGN.md, as the client needs them: which scene variant to ask for,
 * which page image size reads well, and how much page texture memory may stay resident.
 */

const MB = 1024 * 1024;

export const PROFILES = {
  headset: { name: "headset", readingSize: "medium", closeSize: "full", textureBudget: 256 * MB, pixelRatio: 1 },
  touch: { name: "touch", readingSize: "medium", closeSize: "full", textureBudget: 192 * MB, pixelRatio: 2 },
  blackboard: { name: "blackboard", readingSize: "full", closeSize: "full", textureBudget: 384 * MB, pixelRatio: 1 },
  desktop: { name: "desktop", readingSize: "medium", closeSize: "full", textureBudget: 192 * MB, pixelRatio: 2 },
};

export const PAGE_SIZES = ["thumb", "medium", "full"];

/** Long-side pixels of each size name (DESIGN.md "Device profiles"). */
export const PAGE_PIXELS = { thumb: 256, medium: 1024, full: 2048 };

export function profileFor(mode) {
  return PROFILES[mode] || PROFILES.desktop;
}
