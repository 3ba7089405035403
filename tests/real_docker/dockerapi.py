"""dockerapi.py: a tiny Docker Engine API client for the differential tests (stdlib only).

Owns the transport: HTTP/1.1 over a unix socket or TCP (DOCKER_HOST-style URLs), plain and
`Upgrade: tcp` requests, and decoding of the response kinds dockerd uses (JSON, JSON lines,
8-byte multiplexed frames, tar). It knows nothing about what the responses should be."""

import http.client
import io
import json
import socket
import tarfile
import urllib.parse


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


def parse_host(url):
    """unix:///path or tcp://host:port -> ('unix', path) / ('tcp', (host, port))."""
    if url.startswith("unix://"):
        path = url[len("unix://"):]
        if not path:
            raise ValueError("empty unix socket path in %r" % url)
        return ("unix", path)
    if url.startswith("tcp://"):
        hp = url[len("tcp://"):].rstrip("/")
        host, _, port = hp.rpartition(":")
        return ("tcp", (host, int(port)))
    raise ValueError("unsupported Docker host URL %r (want unix:// or tcp://)" % url)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # dict, lowercase names
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))


class Client:
    def __init__(self, url, timeout=60):
        self.url = url
        self.kind, self.addr = parse_host(url)
        self.timeout = timeout

    def _conn(self):
        if self.kind == "unix":
            return UnixHTTPConnection(self.addr, self.timeout)
        return http.client.HTTPConnection(self.addr[0], self.addr[1], timeout=self.timeout)

    def request(self, method, path, query=None, body=None, headers=None, upgrade=False, stdin=None):
        target = path
        if query:
            target += "?" + urllib.parse.urlencode(query, doseq=True)
        hdrs = dict(headers or {})
        if upgrade:
            hdrs["Connection"] = "Upgrade"
            hdrs["Upgrade"] = "tcp"
        conn = self._conn()
        try:
            conn.request(method, target, body=body, headers=hdrs)
            resp = conn.getresponse()
            rh = {k.lower(): v for k, v in resp.getheaders()}
            if resp.status == 101:
                # Hijacked connection: the raw stream follows until the daemon closes it.
                if stdin is not None:  # the exec's stdin, ended by a half-close
                    conn.sock.sendall(stdin)
                    conn.sock.shutdown(socket.SHUT_WR)
                data = resp.fp.read()
            else:
                data = resp.read()
            return Response(resp.status, rh, data)
        finally:
            conn.close()

    def json(self, method, path, query=None, body=None):
        data = None
        headers = {}
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        return self.request(method, path, query, data, headers)


def demux(data):
    """Split an 8-byte-framed stream. Returns (frames, error) with frames = [(type, bytes)]."""
    frames = []
    i = 0
    while i < len(data):
        if len(data) - i < 8:
            return frames, "truncated header at byte %d" % i
        t = data[i]
        if data[i + 1:i + 4] != b"\0\0\0":
            return frames, "non-zero padding at byte %d" % i
        n = int.from_bytes(data[i + 4:i + 8], "big")
        if len(data) - i - 8 < n:
            return frames, "truncated payload at byte %d" % i
        frames.append((t, data[i + 8:i + 8 + n]))
        i += 8 + n
    return frames, None


def json_lines(data):
    """Parse a stream of JSON objects (newline separated, or concatenated)."""
    dec = json.JSONDecoder()
    text = data.decode("utf-8")
    out = []
    i = 0
    while True:
        while i < len(text) and text[i] in " \r\n\t":
            i += 1
        if i >= len(text):
            return out
        obj, i = dec.raw_decode(text, i)
        out.append(obj)


def tar_entries(data):
    """[(name, type, content-or-None)] of a tar archive."""
    out = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tf:
        for m in tf.getmembers():
            kind = "dir" if m.isdir() else "file" if m.isfile() else "link" if m.issym() else "other"
            content = tf.extractfile(m).read() if m.isfile() else None
            out.append((m.name, kind, content))
    return out


def make_tar(entries):
    """Build a tar from [{"name", "type": "dir"|"file"|"symlink"|"hardlink", "data", "mode",
    "link"}]."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:
        for e in entries:
            ti = tarfile.TarInfo(e["name"])
            ti.mtime = 0
            if e.get("type") == "dir":
                ti.type = tarfile.DIRTYPE
                ti.mode = e.get("mode", 0o755)
                tf.addfile(ti)
            elif e.get("type") in ("symlink", "hardlink"):
                ti.type = tarfile.SYMTYPE if e["type"] == "symlink" else tarfile.LNKTYPE
                ti.linkname = e["link"]
                tf.addfile(ti)
            else:
                data = e.get("data", "")
                data = data if isinstance(data, bytes) else data.encode()
                ti.size = len(data)
                ti.mode = e.get("mode", 0o644)
                tf.addfile(ti, io.BytesIO(data))
    return buf.getvalue()
