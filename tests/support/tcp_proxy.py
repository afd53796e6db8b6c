"""A TCP proxy on loopback that can partition one server process from Redis: `cut()` resets
every connection and refuses new ones, `stall()` keeps connections open but passes nothing
(a network that drops packets: only timeouts tell), `heal()` lets traffic through again."""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading

from tests.support.net import free_port


class TcpProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._state = "open"
        self._lock = threading.Lock()
        self._generation = 0  # a cut ends every connection made before it
        self._flowing = threading.Event()
        self._flowing.set()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            self._state = "cut"
            self._generation += 1
            self._flowing.set()

    def stall(self) -> None:
        with self._lock:
            if self._state == "open":
                self._state = "stall"
                self._flowing.clear()

    def heal(self) -> None:
        with self._lock:
            self._state = "open"
            self._flowing.set()

    def close(self) -> None:
        self._closed = True
        self.cut()
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                state, generation = self._state, self._generation
            if state == "cut":
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=2)
            except OSError:
                _reset(client)
                continue
            upstream.settimeout(None)
            threading.Thread(
                target=self._pump, args=(client, upstream, generation), daemon=True
            ).start()

    def _pump(self, a: socket.socket, b: socket.socket, generation: int) -> None:
        """Both directions of one connection, until either side closes or a cut."""
        peers = {a: b, b: a}
        cut = True
        try:
            while self._generation == generation:
                readable, _, _ = select.select([a, b], [], [], 0.1)
                if not self._flowing.is_set():
                    self._flowing.wait()
                    continue
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        cut = False
                        return
                    peers[sock].sendall(data)
        except OSError:
            return
        finally:
            for sock in (a, b):
                if cut:
                    _reset(sock)
                else:
                    with contextlib.suppress(OSError):
                        sock.close()


def _reset(sock: socket.socket) -> None:
    """Close with RST, as a dropped connection looks to the other side."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
