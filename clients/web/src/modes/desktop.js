/**
 * Desktop: mouse and keyboard. Drag to look around, click a spine to open its book; when
 * reading, drag across words to select them, wheel to zoom towards the pointer, arrow
 * keys to turn. Every action also has a button or a key (see controls.js), and the
 * panel lists the shelves, so the mode is fully operable by keyboard alone.
 */
import { ScreenMode } from "./screen.js";

export default class DesktopMode extends ScreenMode {
  constructor(ctx) {
    super(ctx, { margin: 1.2, tilt: 60, swipe: false });
  }
}
