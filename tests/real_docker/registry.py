"""registry.py: a minimal Docker Registry HTTP API V2 (pull side only) on 127.0.0.1, so the
real dockerd can pull in this offline VM (dockerd treats 127.0.0.0/8 as an insecure registry
without any configuration: it tries https, then plain http).

It serves one image, given as the tar of `GET /images/{name}/get` (docker save), under any
repository name and the tags it is given: `GET /v2/`, `GET|HEAD /v2/{repo}/manifests/{tag or
digest}` (schema 2 manifest) and `GET|HEAD /v2/{repo}/blobs/{digest}` (the config and the
layers, uncompressed: dockerd detects the compression of a layer itself). Unknown tags answer
404 MANIFEST_UNKNOWN as a registry does."""

import hashlib
import http.server
import io
import json
import tarfile
import threading

MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"


def _digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Registry:
    def __init__(self, saved_tar, tags):
        with tarfile.open(fileobj=io.BytesIO(saved_tar)) as tf:
            entry = json.load(tf.extractfile("manifest.json"))[0]
            config = tf.extractfile(entry["Config"]).read()
            layers = [tf.extractfile(name).read() for name in entry["Layers"]]
        self.blobs = {_digest(b): b for b in [config] + layers}
        manifest = {
            "schemaVersion": 2, "mediaType": MANIFEST_TYPE,
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                       "size": len(config), "digest": _digest(config)},
            "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                        "size": len(b), "digest": _digest(b)} for b in layers]}
        self.manifest = json.dumps(manifest, indent=3).encode()
        self.digest = _digest(self.manifest)
        self.tags = set(tags)
        registry = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_HEAD(self):
                self.answer(head=True)

            def do_GET(self):
                self.answer(head=False)

            def answer(self, head):
                status, ctype, body, extra = registry.route(self.path)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Docker-Distribution-API-Version", "registry/2.0")
                for k, v in extra.items():
                    self.send_header(k, v)
                self.end_headers()
                if not head:
                    self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = "127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def route(self, path):
        path = path.split("?", 1)[0]
        if path in ("/v2/", "/v2"):
            return 200, "application/json", b"{}", {}
        if "/manifests/" in path:
            ref = path.rsplit("/manifests/", 1)[1]
            if ref in self.tags or ref == self.digest:
                return 200, MANIFEST_TYPE, self.manifest, {"Docker-Content-Digest": self.digest}
            return 404, "application/json", json.dumps({"errors": [{
                "code": "MANIFEST_UNKNOWN", "message": "manifest unknown", "detail": ref}]}).encode(), {}
        if "/blobs/" in path:
            blob = self.blobs.get(path.rsplit("/blobs/", 1)[1])
            if blob is not None:
                return 200, "application/octet-stream", blob, {"Docker-Content-Digest": _digest(blob)}
            return 404, "application/json", b'{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}', {}
        return 404, "text/plain", b"404 page not found\n", {}

    def close(self):
        self.server.shutdown()
        self.server.server_close()
