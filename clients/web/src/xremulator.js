/**
 * An emulated Quest 3 (Meta's iwer, from npm) for `?xr=emulate`: lets developers and the
 * headless tests enter immersive-vr, move the head and controllers and press triggers
 * without a headset. Never loaded otherwise.
 */
import { XRDevice, metaQuest3 } from "iwer";

export function installEmulatedHeadset() {
  const device = new XRDevice(metaQuest3, { stereoEnabled: false });
  // Headless Chromium has a native navigator.xr with no device behind it: replace it.
  device.installRuntime({ forceInstall: true });
  device.position.set(0, 1.6, 0);
  return device;
}
