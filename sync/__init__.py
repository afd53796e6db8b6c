"""Live sessions: a Yjs document per room layer, awareness, poses, persistence, and fan-out
across processes through Redis. Knows no web framework: it talks to a `Channel`."""
