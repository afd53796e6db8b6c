"""Document -> book: page images at several sizes, the text layer, outline, metadata and the
3D book (GLB). Pure functions plus a process pool; writes into `assets`."""
