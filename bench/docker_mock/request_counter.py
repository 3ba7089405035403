"""request_counter.py: a unix-socket relay in front of a Docker daemon that counts the HTTP
requests passing through it (to compare a deploy's Docker request count on the real daemon
with the mock's journal). Bytes are relayed unchanged in both directions.

Counting rule (no HTTP parsing): a chunk from the client that arrives while the connection is
waiting for a request starts a request; the connection waits for the next one as soon as the
daemon has sent anything other than an interim `HTTP/1.1 100` answer. This holds for HTTP/1.1
without pipelining, which is how Docker clients talk; after a `101` upgrade the client sends
nothing more on that connection when stdin is not attached."""

import os
import selectors
import socket
import threading


class RequestCounter:
    def __init__(self, upstream_path, listen_path):
        self.upstream = upstream_path
        self.path = listen_path
        self.count = 0
        self.lines = []
        self.lock = threading.Lock()
        self.sel = selectors.DefaultSelector()
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if os.path.exists(listen_path):
            os.unlink(listen_path)
        self.srv.bind(listen_path)
        self.srv.listen(64)
        self.srv.setblocking(False)
        self.sel.register(self.srv, selectors.EVENT_READ, None)
        self.stop_r, self.stop_w = os.pipe()
        self.sel.register(self.stop_r, selectors.EVENT_READ, "stop")
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _accept(self):
        client, _ = self.srv.accept()
        up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        up.connect(self.upstream)
        conn = {"client": client, "up": up, "waiting": True}
        client.setblocking(False)
        up.setblocking(False)
        self.sel.register(client, selectors.EVENT_READ, (conn, "client"))
        self.sel.register(up, selectors.EVENT_READ, (conn, "up"))

    def _close(self, conn):
        for k in ("client", "up"):
            try:
                self.sel.unregister(conn[k])
            except (KeyError, ValueError):
                pass
            conn[k].close()

    def _relay(self, conn, side):
        src = conn[side]
        dst = conn["up" if side == "client" else "client"]
        try:
            data = src.recv(65536)
        except OSError:
            data = b""
        if not data:
            self._close(conn)
            return
        if side == "client" and conn["waiting"]:
            with self.lock:
                self.count += 1
                self.lines.append(data.split(b"\r\n", 1)[0].decode("latin-1"))
            conn["waiting"] = False
        elif side == "up" and not data.startswith(b"HTTP/1.1 100"):
            conn["waiting"] = True
        try:
            dst.setblocking(True)
            dst.sendall(data)
            dst.setblocking(False)
        except OSError:
            self._close(conn)

    def _loop(self):
        while True:
            for key, _ in self.sel.select():
                if key.data == "stop":
                    return
                if key.data is None:
                    self._accept()
                else:
                    conn, side = key.data
                    if conn["client"].fileno() >= 0:
                        self._relay(conn, side)

    def reset(self):
        with self.lock:
            self.count = 0
            self.lines = []

    def close(self):
        os.write(self.stop_w, b"x")
        self.thread.join(5)
        self.srv.close()
        if os.path.exists(self.path):
            os.unlink(self.path)
