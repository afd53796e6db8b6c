"""The native viewer for PC VR headsets: Panda3D + OpenXR, in the same rooms and live
sessions as the browser client."""
