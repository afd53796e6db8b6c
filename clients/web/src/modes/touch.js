/**
 * Touch (kiosk screens, tablets, phones): one finger orbits, two pan and pinch; tap a
 * spine to open its record and the book; when reading, swipe to turn, tap words to
 * select (a second tap extends), pinch to zoom.
 */
import { ScreenMode } from "./screen.js";

export default class TouchMode extends ScreenMode {
  constructor(ctx) {
    super(ctx, { margin: 1.1, tilt: 60, swipe: true });
    ctx.reader.on("open", () => ctx.panels.show("book"));
  }
}
