"""Clients of readingroom: `web/` (three.js + WebXR, served at `/`) and `xr/` (the native
Panda3D + OpenXR viewer for PC VR headsets)."""
