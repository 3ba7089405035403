"""sides.py: the two daemons a differential run talks to.

RealSide: a real dockerd (OSH_REAL_DOCKER_HOST, else scripts/real-dockerd.sh's socket). It gets
a private image imported for this run, and everything named with the run's prefix is removed
afterwards, so runs never touch other users' objects on a shared daemon.
MockSide: an openshell-mockd process with a generated scenario holding the same image name."""

import hashlib
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import tarfile
import tempfile

import dockerapi
import registry

DEFAULT_REAL_SOCK = "/tmp/osh-real-dockerd/docker.sock"
BUSYBOX_APPLETS = ["sh", "echo", "sleep", "hostname", "cat", "ls", "true", "false", "env",
                   "printf", "test", "mkdir", "rm", "touch", "trap"]


class ScriptError(Exception):
    pass


def free_port():
    """A host port nobody holds now, picked by the kernel (tests running at the same time on
    one daemon then rarely collide, unlike fixed or random numbers)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("0.0.0.0", 0))
        return s.getsockname()[1]


def find_real_daemon():
    url = os.environ.get("OSH_REAL_DOCKER_HOST")
    candidates = [url] if url else ["unix://" + DEFAULT_REAL_SOCK]
    for c in candidates:
        try:
            r = dockerapi.Client(c, timeout=5).request("GET", "/_ping")
            if r.status == 200:
                return c
        except (OSError, ValueError):
            pass
    return None


def busybox_rootfs_tar():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for d in ("bin", "tmp", "etc"):
            ti = tarfile.TarInfo(d)
            ti.type = tarfile.DIRTYPE
            ti.mode = 0o1777 if d == "tmp" else 0o755
            tf.addfile(ti)
        tf.add("/bin/busybox", "bin/busybox")
        for a in BUSYBOX_APPLETS:
            ti = tarfile.TarInfo("bin/" + a)
            ti.type = tarfile.SYMTYPE
            ti.linkname = "busybox"
            tf.addfile(ti)
    return buf.getvalue()


class Side:
    asynchronous = False  # the mock acts by request count: polls need no pause

    def __init__(self, name, prefix):
        self.name = name
        self.prefix = prefix
        self.vars = {"P": prefix, "IMAGE": prefix + "-base:1",
                     "PORT": str(free_port())}
        self.client = None

    def setup(self):
        pass

    def learn_data_root(self):
        """DATA_ROOT: the daemon's DockerRootDir, so paths under it compare across daemons."""
        r = self.client.json("GET", "/info")
        root = r.json().get("DockerRootDir") if r.status == 200 else None
        if root:
            self.vars["DATA_ROOT"] = root

    def cleanup(self):
        pass


class RealSide(Side):
    asynchronous = True  # a real daemon acts by time: polls wait between attempts

    def __init__(self, url, prefix):
        super().__init__("real", prefix)
        self.client = dockerapi.Client(url)
        self.registry = None

    def setup(self):
        r = self.client.request("POST", "/images/create",
                                [("fromSrc", "-"), ("repo", self.prefix + "-base"), ("tag", "1")],
                                busybox_rootfs_tar(), {"Content-Type": "application/x-tar"})
        if r.status != 200 or b"error" in r.body:
            raise ScriptError("real: cannot import the test image: %d %r" % (r.status, r.body[:300]))
        saved = self.client.request("GET", "/images/get", [("names", self.vars["IMAGE"])])
        if saved.status != 200:
            raise ScriptError("real: cannot export the test image: %d" % saved.status)
        # pulls of ${REGISTRY}/${P}-pulled:v1 get the run image from a local registry
        self.registry = registry.Registry(saved.body, ["v1"])
        self.vars["REGISTRY"] = self.registry.address
        self.learn_data_root()

    def _names(self, path, field, query):
        r = self.client.json("GET", path, query)
        if r.status != 200:
            return []
        doc = r.json()
        if isinstance(doc, dict):
            doc = doc.get("Volumes") or []
        return doc

    def cleanup(self):
        """Remove every object of this run (best effort; prints what it could not remove)."""
        c = self.client
        flt = json.dumps({"name": [self.prefix]})
        for ct in self._names("/containers/json", "Names", [("all", "1"), ("filters", flt)]):
            c.request("DELETE", "/containers/" + ct["Id"], [("force", "1"), ("v", "1")])
        for net in self._names("/networks", "Name", [("filters", flt)]):
            if net["Name"].startswith(self.prefix):
                c.request("DELETE", "/networks/" + net["Id"])
        for vol in self._names("/volumes", "Name", [("filters", flt)]):
            if vol["Name"].startswith(self.prefix):
                c.request("DELETE", "/volumes/" + vol["Name"], [("force", "1")])
        def ours(t):  # "{prefix}-base:1" and "127.0.0.1:PORT/{prefix}-pulled:v1"
            return t.startswith(self.prefix) or ("/" + self.prefix) in t
        imgs = c.json("GET", "/images/json").json()
        for img in imgs:
            tags = [t for t in (img.get("RepoTags") or []) if ours(t)]
            for t in tags:
                c.request("DELETE", "/images/" + t, [("force", "1")])
        left = [t for img in c.json("GET", "/images/json").json()
                for t in (img.get("RepoTags") or []) if ours(t)]
        if left:
            print("real: cleanup left images %s" % left)
        if self.registry:
            self.registry.close()


class MockSide(Side):
    def __init__(self, mockd, prefix):
        super().__init__("mock", prefix)
        self.mockd = mockd
        self.dir = None
        self.proc = None

    def scenario(self):
        """A scenario with the run's image present (format: docs/scenarios.md)."""
        # The mock runs no process: c1's output (what its busybox command prints on the real
        # daemon, once per start) is scripted.
        logs = [{"text": "hello", "stream": "stdout"}, {"text": "oops", "stream": "stderr"}]
        # The registry of the real side serves the run image: here a pullable ref with the
        # same image ID, so the pull only adds a tag and a digest on both daemons.
        image_id = "sha256:" + hashlib.sha256(self.prefix.encode()).hexdigest()
        pulled = "%s/%s-pulled:v1" % (self.vars.get("REGISTRY", "127.0.0.1:5000"), self.prefix)
        return {"docker": {"images": [{"ref": self.vars["IMAGE"], "architecture": "amd64", "id": image_id}],
                           "pullable": [{"ref": pulled, "id": image_id}],
                           "scripts": {self.prefix + "-c1": {"logs": logs},
                                       # dockerd's first check passes within a second
                                       self.prefix + "-hc2": {"health": ["healthy"]},
                                       self.prefix + "-tty": {"logs": [{"text": "tty-log"}]}}}}

    def setup(self):
        self.dir = tempfile.mkdtemp(prefix="oshdiff-mock-")
        sock = os.path.join(self.dir, "docker.sock")
        scen = os.path.join(self.dir, "scenario.json")
        with open(scen, "w") as f:
            json.dump(self.scenario(), f)
        self.proc = subprocess.Popen([self.mockd, "--docker", "unix://" + sock, "--scenario", scen],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        url = None
        for line in self.proc.stdout:
            line = line.strip()
            if line.startswith("docker: unix://"):
                url = line[len("docker: "):]
            if line == "ready":
                break
        if not url:
            err = self.proc.stderr.read() if self.proc.poll() is not None else ""
            raise ScriptError("mock: openshell-mockd did not become ready: %s" % err.strip())
        self.client = dockerapi.Client(url)
        self.learn_data_root()

    def cleanup(self):
        if self.proc:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
