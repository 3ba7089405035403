#!/usr/bin/python3
"""sim_diff.py: the k3s simulator (mocks/k3s in a mock world, served by osh-world-serve) next
to the fake cluster image on a real dockerd (fixtures/fake-cluster), driven through the same
Docker requests the bootstrap sends: create + start with the rules §4.8.2 body, S1 until the API
answers, hostname, M1 until the secret exists, W1/W2, rollout, health, then recreation on the
same volume under another node name and the stale-node cleanup S1-S4, and a ctr import. The
exec outputs and exit codes are compared after masking generated names (PV names, digests).
Two independent implementations of rules §11 agreeing is the point; differences are failures
unless known_differences.json lists them (steps named "sim:...").
Usage: sim_diff.py --world-serve PATH --known FILE. Exit 0, 1, or 77."""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import docker_diff as dd  # noqa: E402
import dockerapi  # noqa: E402
import fake_cluster_test as fct  # noqa: E402
import sides  # noqa: E402

KC = fct.KC
S2 = KC + "kubectl delete node {nodes} --ignore-not-found"
ROLLOUT_RESTART = KC + "kubectl rollout restart statefulset/openshell -n openshell"
ROLLOUT_STATUS = KC + "kubectl rollout status statefulset/openshell -n openshell --timeout=180s"
CTR = ["ctr", "-a", "/run/k3s/containerd/containerd.sock", "-n", "k8s.io", "images", "import",
       "/tmp/openshell-images.tar"]


def mask(text):
    """Generated names, and kubectl table layout: column widths (tabwriter) and AGE."""
    text = re.sub(r"pvc-[0-9a-f-]{6,}", "pvc-<id>", text)
    text = re.sub(r" {2,}", " ", text)
    text = re.sub(r"\b\d+(s|m|h|d)$", "<age>", text, flags=re.M)
    text = re.sub(r"sha256:[0-9a-f]{64}", "sha256:<digest>", text)
    return text


class Driver:
    """One side: a Docker endpoint, an image, and the results of each step."""

    def __init__(self, name, url, image, prefix, poll_delay):
        self.name = name
        self.d = fct.Daemon(url)
        self.image = image
        self.prefix = prefix
        self.delay = poll_delay
        self.results = []

    def record(self, step, out, code):
        self.results.append((step, mask(out), code))

    def exec_until_ok(self, c, cmd, tries=100):
        """Repeat an exec until it exits 0 (the real fake boots by time, the simulator by
        count); returns the last (output, code) and the first failing answer."""
        first = None
        for _ in range(tries):
            out, code = self.d.exec(c, cmd)
            if code == 0:
                return out, code, first
            first = first or (out, code)
            time.sleep(self.delay)
        return out, code, first

    def create(self, c, node):
        body = fct.create_body(self.image, node, self.prefix, 0, True)
        # The fake boots for 3 s so that the first execs surely come before its API is up.
        body["Env"] = [e.replace("FAKE_K3S_BOOT_SECONDS=1", "FAKE_K3S_BOOT_SECONDS=3")
                       .replace("FAKE_K3S_SECRET_SECONDS=2", "FAKE_K3S_SECRET_SECONDS=5") for e in body["Env"]]
        body["HostConfig"]["PortBindings"] = {"30051/tcp": [{"HostIp": "0.0.0.0", "HostPort": str(sides.free_port())}]}
        fct.run_container(self.d, c, body)

    def health(self, c, want, tries=100):
        for _ in range(tries):
            st = fct.health_status(self.d, c)
            if st == want:
                return st
            time.sleep(self.delay)
        return st

    def run(self, node_a, node_b, tar):
        c = self.prefix + "-sim"
        self.d.call("POST", "/volumes/create", body={"Name": self.prefix + "-vol"}, want=201)
        self.d.call("POST", "/networks/create", body={"Name": self.prefix + "-net", "Driver": "bridge",
                                                      "Attachable": True}, want=201)
        self.create(c, node_a)
        self.record("M1 before the API is ready", *self.d.exec(c, ["sh", "-c", fct.M1]))
        self.record("W1 before the API is ready", *self.d.exec(c, ["sh", "-c", fct.W1]))
        self.record("kubectl get nodes before the API is ready",
                    *self.d.exec(c, ["sh", "-c", KC + "kubectl get nodes"]))
        out, code, first = self.exec_until_ok(c, ["sh", "-c", fct.S1])
        self.record("S1 before the API is ready", *(first or ("(ready at once)", 0)))
        self.record("S1", out, code)
        self.record("hostname", *self.d.exec(c, ["hostname"]))
        out, code, first = self.exec_until_ok(c, ["sh", "-c", fct.M1])
        self.record("M1 before the secret exists", *(first or ("(present at once)", 0)))
        lines = out.split("\n")
        self.record("M1 shape", "%d lines, %s" % (len(lines), "all base64" if all(
            re.fullmatch(r"[A-Za-z0-9+/]+=*", x) for x in lines) else "not base64"), code)
        self.record("W1", *self.d.exec(c, ["sh", "-c", fct.W1]))
        self.record("W2", *self.d.exec(c, ["sh", "-c", fct.W2]))
        self.record("rollout restart", *self.d.exec(c, ["sh", "-c", ROLLOUT_RESTART]))
        self.record("health", self.health(c, "healthy") or "none", 0)
        self.record("rollout status", *self.d.exec(c, ["sh", "-c", ROLLOUT_STATUS]))
        r = self.d.c.request("PUT", "/containers/%s/archive" % c, [("path", "/tmp")], tar,
                             {"Content-Type": "application/x-tar"})
        self.record("upload", "", r.status)
        self.record("ctr import", *self.d.exec(c, CTR))
        self.record("rm -f", *self.d.exec(c, ["rm", "-f", "/tmp/openshell-images.tar"]))
        self.record("ctr import of a missing file", *self.d.exec(c, CTR))
        logs = self.d.logs(c)
        self.record("node-name log line", str("Using deterministic k3s node name: %s\n" % node_a in logs), 0)

        # Recreated on the same volume under another node name: the old node is stale.
        self.d.call("DELETE", "/containers/" + c, [("force", "1")], want=204)
        self.create(c, node_b)
        out, code, _ = self.exec_until_ok(c, ["sh", "-c", fct.S1])
        self.record("S1 after recreation", out, code)
        self.record("S2", *self.d.exec(c, ["sh", "-c", S2.format(nodes=node_a)]))
        self.record("S3", *self.d.exec(c, ["sh", "-c", fct.S3]))
        self.record("S4", *self.d.exec(c, ["sh", "-c", fct.S4]))
        self.record("S1 after the cleanup", *self.d.exec(c, ["sh", "-c", fct.S1]))
        self.record("delete of a missing node", *self.d.exec(c, ["sh", "-c", KC + "kubectl delete node nosuch"]))
        self.record("secret with a missing key", *self.d.exec(c, ["sh", "-c", KC +
                    "kubectl -n openshell get secret openshell-cli-client -o jsonpath='{.data.nosuch}'"]))
        self.record("doctor exec style (sh -lc)", *self.d.exec(c, ["sh", "-lc", KC + "kubectl get pods -A --no-headers"]))
        self.record("health after the cleanup", self.health(c, "healthy") or "none", 0)
        self.d.call("DELETE", "/containers/" + c, [("force", "1")], want=204)


MARKER_VARIANTS = [
    ("dns", ["FAKE_K3S_DNS_FAIL=1"], {"markers": {"dns_probe_failed": True, "dns_failure": True}, "dns_fails": True}),
    ("pressure", ["FAKE_K3S_NODE_PRESSURE=DiskPressure,MemoryPressure"],
     {"markers": {"node_pressure": ["DiskPressure", "MemoryPressure"]}}),
    ("supervisor", ["FAKE_K3S_MISSING_SUPERVISOR=1"], {"markers": {"missing_supervisor": True}}),
    ("deployment", ["FAKE_K3S_WORKLOAD=deployment"], {"workload": "deployment"}),
]
VARIANT_EXECS = {
    "deployment": [fct.W1, fct.W2, KC + "kubectl rollout restart deployment/openshell -n openshell",
                   KC + "kubectl rollout status deployment/openshell -n openshell --timeout=180s"],
}
MARKER_WORDS = ("DNS_PROBE_FAILED", "HEALTHCHECK_DNS_FAILURE", "HEALTHCHECK_NODE_PRESSURE",
                "HEALTHCHECK_MISSING_SUPERVISOR")


def marker_lines(logs):
    return sorted({line for line in logs.splitlines() if any(w in line for w in MARKER_WORDS)})


def run_marker_variant(drv, variant, env, want_lines):
    """Start a cluster container showing rules §11.3 markers; record the distinct marker lines
    on its log stream, its health and nslookup's answer."""
    c = "%s-m-%s" % (drv.prefix, variant)
    vol = "%s-mvol-%s" % (drv.prefix, variant)
    drv.d.call("POST", "/volumes/create", body={"Name": vol}, want=201)
    drv.d.call("POST", "/networks/create", body={"Name": drv.prefix + "-net", "Driver": "bridge",
                                                 "Attachable": True, "CheckDuplicate": True}, want=(201, 409))
    body = fct.create_body(drv.image, "openshell-" + variant, drv.prefix, 0, True, env=env)
    body["HostConfig"]["Binds"] = [vol + ":/var/lib/rancher/k3s"]
    body["HostConfig"]["PortBindings"] = {"30051/tcp": [{"HostIp": "0.0.0.0", "HostPort": str(sides.free_port())}]}
    fct.run_container(drv.d, c, body)
    lines = []
    for _ in range(100):
        drv.d.inspect(c)  # the simulator logs its markers at inspects; dockerd by time
        lines = marker_lines(drv.d.logs(c))
        if len(lines) >= want_lines:
            break
        time.sleep(drv.delay)
    if want_lines:
        drv.record("markers %s: log lines" % variant, "\n".join(lines), 0)
        drv.record("markers %s: health" % variant, fct.health_status(drv.d, c) or "none", 0)
    if variant == "dns":
        drv.record("markers dns: nslookup", *drv.d.exec(c, ["nslookup", "ghcr.io"]))
    for i, cmd in enumerate(VARIANT_EXECS.get(variant, [])):
        out, code, _ = drv.exec_until_ok(c, ["sh", "-c", cmd], tries=30) if i == 1 else (*drv.d.exec(c, ["sh", "-c", cmd]), None)
        drv.record("%s: %s" % (variant, cmd.replace(KC, "")[:50]), out, code)
    if variant in VARIANT_EXECS:
        drv.record("%s: health" % variant, drv.health(c, "healthy"), 0)
    drv.d.call("DELETE", "/containers/" + c, [("force", "1")], want=204)


def image_tar(d, ref):
    """rules §6's upload: one regular file openshell-images.tar holding `docker save` output."""
    r = d.c.request("GET", "/images/get", [("names", ref)])
    if r.status != 200:
        raise RuntimeError("export of %s: %d" % (ref, r.status))
    return dockerapi.make_tar([{"name": "openshell-images.tar", "data": r.body}])


# The simulator counts requests where the fake counts seconds: make both boot late enough that
# the first S1 and M1 see "not yet" (the fake: API after 1 s, secret after 2 s).
WORLD_SCENARIO = {"cluster": {"api_ready_after_s1": 2, "secret": {"after_m1": 2}}}


def start_world(world_serve, tmp, scenario=None):
    os.makedirs(tmp, exist_ok=True)
    sock = os.path.join(tmp, "docker.sock")
    scen = os.path.join(tmp, "scenario.json")
    with open(scen, "w") as f:
        json.dump(scenario or WORLD_SCENARIO, f)
    proc = subprocess.Popen([world_serve, "--docker-unix", sock, "--scenario", scen], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if line.strip() == "ready":
            return proc, "unix://" + sock
    raise RuntimeError("osh-world-serve did not start: %s" % proc.stderr.read())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--world-serve", required=True)
    ap.add_argument("--known", required=True)
    ap.add_argument("--verbose", "-v", action="store_true", help="print both sides' answers")
    args = ap.parse_args()
    url = sides.find_real_daemon()
    if not url:
        print("SKIP: no real dockerd reachable (OSH_REAL_DOCKER_HOST / scripts/real-dockerd.sh)")
        return 77
    if not os.access(args.world_serve, os.X_OK):
        print("SKIP: %s is not built" % args.world_serve)
        return 77
    if not shutil.which("docker") or not os.access("/bin/busybox", os.X_OK):
        print("SKIP: build-image.sh needs the docker CLI and /bin/busybox")
        return 77
    prefix = "oshsim%d%s" % (os.getpid(), os.urandom(2).hex())
    node_a, node_b = "openshell-" + prefix + "-a", "openshell-" + prefix + "-b"
    real_side = sides.RealSide(url, prefix)
    tmp = tempfile.mkdtemp(prefix="oshsim-")
    proc = None
    try:
        real_side.setup()
        image = prefix + "/cluster:dev"
        fct.build(url, image, "--health-interval", "1s", "--health-start-period", "1ms")
        # The export uses a tag of the run's base image, named the same on both sides.
        real = Driver("real", url, image, prefix, 0.2)
        real.run(node_a, node_b, image_tar(real.d, prefix + "-base:1"))
        proc, murl = start_world(args.world_serve, tmp)
        mock = Driver("mock", murl, "ghcr.io/nvidia/openshell/cluster:dev", prefix, 0)
        r = mock.d.c.request("POST", "/images/create", [("fromImage", "ghcr.io/nvidia/openshell/cluster"), ("tag", "dev")])
        if r.status != 200:
            raise RuntimeError("mock: pull of the cluster image: %d %r" % (r.status, r.body[:200]))
        mock.d.call("POST", "/images/%s/tag" % "ghcr.io/nvidia/openshell/cluster:dev",
                    [("repo", prefix + "-base"), ("tag", "1")], want=201)
        mock.run(node_a, node_b, image_tar(mock.d, prefix + "-base:1"))
        for variant, env, cluster in MARKER_VARIANTS:
            want = {"dns": 2, "pressure": 2, "supervisor": 1}.get(variant, 0)
            run_marker_variant(real, variant, env, want)
            vproc, vurl = start_world(args.world_serve, tmp + "/" + variant, {"cluster": cluster})
            try:
                vm = Driver("mock", vurl, "ghcr.io/nvidia/openshell/cluster:dev", prefix, 0)
                vm.d.c.request("POST", "/images/create", [("fromImage", "ghcr.io/nvidia/openshell/cluster"), ("tag", "dev")])
                run_marker_variant(vm, variant, [], want)
                mock.results.extend(vm.results)
            finally:
                vproc.send_signal(signal.SIGTERM)
                vproc.wait(10)
    except (RuntimeError, OSError, ValueError, KeyError) as e:
        print("sim_diff: %s" % e)
        return 1
    finally:
        real_side.cleanup()
        if proc:
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
    known = dd.load_known(args.known)
    unexplained, counts = [], {"accepted": 0, "mock_bugs": 0}
    for (step, rout, rcode), (_, mout, mcode) in zip(real.results, mock.results):
        if args.verbose:
            print("%-40s real %d %s\n%-40s mock %d %s" % (step, rcode, json.dumps(rout)[:150], "", mcode, json.dumps(mout)[:150]))
        diffs = []
        if rcode != mcode:
            diffs.append("exit: real %d, mock %d" % (rcode, mcode))
        if rout != mout:
            diffs.append("output: real %s, mock %s" % (json.dumps(rout), json.dumps(mout)))
        for d in diffs:
            full = "sim:%s: %s" % (step, d)
            section = dd.classify(full, known)
            if section:
                counts[section] += 1
            else:
                unexplained.append(full)
    print("k3s simulator vs fake cluster image, %d steps: %d accepted, %d known simulator bugs, "
          "%d unexplained" % (len(real.results), counts["accepted"], counts["mock_bugs"], len(unexplained)))
    for d in unexplained:
        print("DIFF " + d)
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
