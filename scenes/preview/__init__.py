"""Previews: PNGs of rooms and books rendered by Panda3D off screen, in a worker process
that loads the very GLB clients receive."""
