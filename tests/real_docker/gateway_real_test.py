#!/usr/bin/python3
"""gateway_real_test.py: our `openshell` against a real dockerd with the fake cluster image
(issue 7): fresh deploy, re-run while running, stop + resume, container removed with the
volume kept and a stale node on it (deleted by the stale-node cleanup), doctor exec/logs,
destroy leaving nothing behind.

Needs exec into privileged containers on the daemon (the cluster container is privileged,
and its HEALTHCHECK is an exec); when the daemon cannot do that (this VM's runtime wrapper,
see docs/docker-fidelity.md) the test is skipped with that reason.
Usage: gateway_real_test.py --openshell PATH. Exit 0 pass, 1 failure, 77 skipped."""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_cluster_test as fct  # noqa: E402
import sides  # noqa: E402

check = fct.check


class Gateway:
    def __init__(self, openshell, url, name, image, port, cfg):
        self.bin = openshell
        self.name = name
        self.image = image
        self.port = port
        self.env = dict(os.environ, DOCKER_HOST=url, XDG_CONFIG_HOME=cfg, OPENSHELL_POLL_INTERVAL_MS="300")
        for k in ("OPENSHELL_CLUSTER_IMAGE", "IMAGE_TAG", "OPENSHELL_PUSH_IMAGES", "NAV_GATEWAY_TLS_ENABLED",
                  "OPENSHELL_GATEWAY"):
            self.env.pop(k, None)
        self.cfg = cfg

    def run(self, *args):
        t0 = time.monotonic()
        r = subprocess.run([self.bin] + list(args), env=self.env, capture_output=True, text=True, timeout=600)
        r.seconds = time.monotonic() - t0
        return r

    def start(self):
        return self.run("gateway", "start", "--name", self.name, "--port", str(self.port), "--image", self.image)


def containers_named(d, prefix):
    flt = json.dumps({"name": [prefix]})
    return [c["Names"][0] for c in d.call("GET", "/containers/json", [("all", "1"), ("filters", flt)], want=200).json()]


def test_fresh_deploy(d, gw, node):
    c = "openshell-cluster-" + gw.name
    r = gw.start()
    check(r.returncode == 0 and "Gateway %s ready." % gw.name in r.stderr,
          "fresh deploy succeeds in %.1fs (exit %d): %s" % (r.seconds, r.returncode, r.stderr.strip()[-400:]))
    info = d.inspect(c)
    hc, cfg = info["HostConfig"], info["Config"]
    check(info["State"]["Health"]["Status"] == "healthy", "the cluster container is healthy")
    check(cfg["Hostname"] == node and "OPENSHELL_NODE_NAME=" + node in cfg["Env"], "hostname and OPENSHELL_NODE_NAME are %s" % node)
    check(hc["Privileged"] is True and hc["CgroupnsMode"] == "host" and hc["RestartPolicy"]["Name"] == "unless-stopped"
          and hc["Binds"] == [c + ":/var/lib/rancher/k3s"] and hc["NetworkMode"] == c
          and hc["PortBindings"] == {"30051/tcp": [{"HostIp": "0.0.0.0", "HostPort": str(gw.port)}]},
          "HostConfig as rules §4.8.2 on the real daemon")
    meta_path = os.path.join(gw.cfg, "openshell", "gateways", gw.name + "_metadata.json")
    meta = json.load(open(meta_path)) if os.path.exists(meta_path) else {}
    check(meta == {"name": gw.name, "gateway_endpoint": "https://127.0.0.1:%d" % gw.port, "is_remote": False,
                   "gateway_port": gw.port}, "metadata: %r" % meta)
    mtls = os.path.join(gw.cfg, "openshell", "gateways", gw.name, "mtls")
    ca = open(os.path.join(mtls, "ca.crt")).read() if os.path.exists(os.path.join(mtls, "ca.crt")) else ""
    check(ca.startswith("-----BEGIN CERTIFICATE-----\nfake-cluster CA " + node), "mTLS bundle from the fake secret: %r" % ca[:60])


def test_rerun_and_resume(d, gw):
    r = gw.start()
    check(r.returncode == 0 and "Gateway is already running" in r.stderr, "re-run while running: resume (%s)" % r.stderr.strip()[-200:])
    r = gw.run("gateway", "stop", "--name", gw.name)
    check(r.returncode == 0 and d.inspect("openshell-cluster-" + gw.name)["State"]["Running"] is False, "stop stops the container")
    r = gw.start()
    check(r.returncode == 0 and "Resuming gateway from existing state" in r.stderr, "start after stop resumes (%.1fs)" % r.seconds)


def test_stale_node(d, url, gw, node, prefix):
    """Container removed, volume kept, and a legacy node (registered under a 12-hex hostname)
    on the volume: the next start resumes and its stale-node cleanup deletes that node."""
    c = "openshell-cluster-" + gw.name
    d.call("DELETE", "/containers/" + c, [("force", "1")], want=204)
    legacy = prefix + "-legacy"
    d.call("POST", "/containers/create", [("name", legacy)], {
        "Image": gw.image, "Hostname": "0123456789ab", "Env": ["FAKE_K3S_BOOT_SECONDS=0"],
        "HostConfig": {"Binds": [c + ":/var/lib/rancher/k3s"], "Privileged": True}}, want=201)
    d.call("POST", "/containers/%s/start" % legacy, want=204)
    out, code = d.wait_for("legacy", lambda: (lambda r: r if r[1] == 0 and "0123456789ab" in r[0] else None)(
        d.exec(legacy, ["sh", "-c", fct.S1]))) or ("", -1)
    check("0123456789ab\n" in out, "legacy node registered on the volume: %r" % out)
    d.call("DELETE", "/containers/" + legacy, [("force", "1")], want=204)
    r = gw.start()
    check(r.returncode == 0 and "Resuming gateway from existing state" in r.stderr, "start with only the volume left resumes (exit %d)" % r.returncode)
    r = gw.run("doctor", "exec", "--name", gw.name, "--", "kubectl", "get", "nodes", "--no-headers",
               "-o", "custom-columns=NAME:.metadata.name")
    check((r.returncode, r.stdout) == (0, node + "\n"), "doctor exec: only %s is left after the stale-node cleanup: %r" % (node, r.stdout))
    r = gw.run("doctor", "logs", "--name", gw.name)
    check(r.returncode == 0 and "Using deterministic k3s node name: %s" % node in r.stdout, "doctor logs shows the node-name line")


def test_recreate_with_new_image(d, url, gw, old_image_id):
    """`--recreate` with another image: full destroy (old image removed), then a fresh deploy
    whose container runs the new image."""
    new_image = gw.name + "/cluster:v2"
    new_id = fct.build(url, new_image, "--health-interval", "1s", "--health-start-period", "1ms")
    r = gw.run("gateway", "start", "--name", gw.name, "--port", str(gw.port), "--image", new_image, "--recreate")
    check(r.returncode == 0 and "Removing existing gateway" in r.stderr, "--recreate with a new image succeeds (%s)" % r.stderr.strip()[-200:])
    info = d.inspect("openshell-cluster-" + gw.name)
    check(info["Image"] == new_id and info["Config"]["Image"] == new_image, "the container runs the new image")
    check(d.call("GET", "/images/%s/json" % old_image_id).status == 404, "the old image was removed by the destroy step")
    gw.image = new_image
    return new_id


def docker_cli_lists(url, what, name):
    r = subprocess.run(["docker", what, "ls", "-a" if what == "container" else "-q", "--filter", "name=" + name,
                        "--format", "{{.Names}}" if what == "container" else "{{.Name}}"],
                       env=dict(os.environ, DOCKER_HOST=url), capture_output=True, text=True)
    return r.stdout.split()


def test_destroy(d, url, gw, image_id):
    r = gw.run("gateway", "destroy", "--name", gw.name)
    check(r.returncode == 0 and "Gateway %s destroyed." % gw.name in r.stderr, "destroy succeeds")
    c = "openshell-cluster-" + gw.name
    check(containers_named(d, c) == [], "destroy: no container left")
    check(d.call("GET", "/volumes/" + c).status == 404, "destroy: volume removed")
    check(d.call("GET", "/networks/" + c).status == 404, "destroy: network removed")
    check(d.call("GET", "/images/%s/json" % image_id).status == 404, "destroy: image removed")
    check(not os.path.exists(os.path.join(gw.cfg, "openshell", "gateways", gw.name + "_metadata.json")), "destroy: metadata removed")
    left = [x for w in ("container", "volume", "network") for x in docker_cli_lists(url, w, c)]
    check(left == [], "docker ps -a / volume ls / network ls show nothing of the gateway: %r" % left)


def test_push(d, url, openshell, prefix, cfg):
    """OPENSHELL_PUSH_IMAGES (rules §6) on the real daemon: export, upload into the container,
    `ctr images import` (the fake's stub records the refs), W1, rollout restart/status."""
    name = prefix + "p"
    image = name + "/cluster:dev"
    fct.build(url, image, "--health-interval", "1s", "--health-start-period", "1ms")
    gw = Gateway(openshell, url, name, image, sides.free_port(), cfg)
    gw.env["OPENSHELL_PUSH_IMAGES"] = prefix + "-base:1"
    r = gw.start()
    check(r.returncode == 0 and "Deploying components" in r.stderr, "deploy with OPENSHELL_PUSH_IMAGES succeeds (%s)" % r.stderr.strip()[-300:])
    r = gw.run("doctor", "exec", "--name", name, "--", "ls", "/var/lib/rancher/k3s/fake-cluster/images", "/tmp")
    check(r.returncode == 0 and (prefix + "-base_1") in r.stdout and "openshell-images.tar" not in r.stdout,
          "the pushed image reached ctr import, the upload was removed: %r" % r.stdout)
    r = gw.run("gateway", "destroy", "--name", name)
    check(r.returncode == 0, "destroy after the push deploy")


def test_plaintext(d, url, openshell, prefix, cfg):
    """--plaintext: DISABLE_TLS in the env, no mTLS step (the fake never publishes the
    secret here), http:// endpoint."""
    name = prefix + "q"
    image = name + "/cluster:dev"
    fct.build(url, image, "--health-interval", "1s", "--health-start-period", "1ms",
              "--env", "FAKE_K3S_SECRET_SECONDS=100000")
    gw = Gateway(openshell, url, name, image, sides.free_port(), cfg)
    r = gw.run("gateway", "start", "--name", name, "--port", str(gw.port), "--image", image, "--plaintext")
    check(r.returncode == 0 and "Endpoint: http://127.0.0.1:%d" % gw.port in r.stderr,
          "--plaintext deploy succeeds without the secret (%s)" % r.stderr.strip()[-200:])
    env = d.inspect("openshell-cluster-" + name)["Config"]["Env"]
    check("DISABLE_TLS=true" in env and "DISABLE_GATEWAY_AUTH=true" in env, "--plaintext env: %r" % env[-3:])
    check(not os.path.exists(os.path.join(cfg, "openshell", "gateways", name, "mtls")), "--plaintext: no mTLS bundle")
    r = gw.run("gateway", "destroy", "--name", name)
    check(r.returncode == 0, "destroy after the plaintext deploy")


def test_long_name(d, url, openshell, prefix, cfg):
    """rules §2's known limitation on a real daemon: a node name over 64 bytes is the hostname,
    so the start fails with sethostname; the fresh-deploy cleanup removes everything."""
    name = (prefix + "l" * 60)[:55]
    image = name + "/cluster:dev"
    fct.build(url, image, "--health-interval", "1s", "--health-start-period", "1ms")
    gw = Gateway(openshell, url, name, image, sides.free_port(), cfg)
    r = gw.start()
    check(r.returncode == 1 and "failed to start gateway container" in r.stderr and "sethostname: invalid argument" in r.stderr,
          "65-byte node name: start fails with sethostname (%s)" % r.stderr.strip()[-200:])
    c = "openshell-cluster-" + name
    check(containers_named(d, c) == [] and d.call("GET", "/volumes/" + c).status == 404
          and d.call("GET", "/networks/" + c).status == 404, "long name: cleanup removed everything")


def test_health_timeout(d, url, openshell, prefix, cfg):
    """A HEALTHCHECK that keeps failing stays `starting` (60 retries at 1 s) for longer than
    180 polls at 50 ms: the deploy times out, and the cleanup removes everything."""
    name = prefix + "t"
    image = name + "/cluster:dev"
    fct.build(url, image, "--health-interval", "1s", "--health-start-period", "1ms", "--env", "FAKE_K3S_NEVER_HEALTHY=1")
    gw = Gateway(openshell, url, name, image, sides.free_port(), cfg)
    gw.env["OPENSHELL_POLL_INTERVAL_MS"] = "50"
    r = gw.start()
    check(r.returncode == 1 and "timed out waiting for gateway health check" in r.stderr,
          "never-healthy container: deploy times out (%s)" % r.stderr.strip()[-200:])
    c = "openshell-cluster-" + name
    check(containers_named(d, c) == [] and d.call("GET", "/volumes/" + c).status == 404,
          "health timeout: cleanup removed the container and the volume")


def test_health_exit(d, url, openshell, prefix, cfg):
    """A cluster container that exits with code 3: with RestartPolicy unless-stopped, dockerd
    restarts it, so the health wait never sees Running false; the deploy fails with
    "reported unhealthy" (or a timeout) and the failure cleanup leaves nothing
    (docs/docker-fidelity.md)."""
    name = prefix + "x"
    image = name + "/cluster:dev"
    fct.build(url, image, "--health-interval", "1s", "--health-start-period", "1ms",
              "--env", "FAKE_K3S_EXIT_CODE=3", "--env", "FAKE_K3S_EXIT_AFTER=1")
    gw = Gateway(openshell, url, name, image, sides.free_port(), cfg)
    gw.env["OPENSHELL_POLL_INTERVAL_MS"] = "50"
    r = gw.start()
    # Which of the two depends on where the restart backoff is at the 180th poll.
    check(r.returncode == 1 and "exited unexpectedly" not in r.stderr
          and ("gateway health check reported unhealthy" in r.stderr or "timed out waiting for gateway health check" in r.stderr),
          "exiting cluster container: deploy fails unhealthy/timed out, never 'exited unexpectedly' (%s)" % r.stderr.strip()[-300:])
    c = "openshell-cluster-" + name
    check(containers_named(d, c) == [] and d.call("GET", "/volumes/" + c).status == 404
          and d.call("GET", "/networks/" + c).status == 404
          and d.call("GET", "/images/%s/json" % image).status == 404,
          "failed fresh deploy: cleanup removed container, volume, network and image")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--openshell", required=True)
    args = ap.parse_args()
    url = sides.find_real_daemon()
    if not url:
        print("SKIP: no real dockerd reachable (set OSH_REAL_DOCKER_HOST or run scripts/real-dockerd.sh)")
        return 77
    if not os.access(args.openshell, os.X_OK):
        print("SKIP: %s is not built" % args.openshell)
        return 77
    if not shutil.which("docker") or not os.access("/bin/busybox", os.X_OK):
        print("SKIP: build-image.sh needs the docker CLI and /bin/busybox (busybox-static)")
        return 77
    prefix = "oshgw%d%s" % (os.getpid(), os.urandom(2).hex())
    side = sides.RealSide(url, prefix)
    d = fct.Daemon(url)
    cfg = tempfile.mkdtemp(prefix="oshgw-cfg-")
    gw = None
    try:
        side.setup()
        if not fct.privileged_exec_works(d, prefix):
            print("SKIP: this daemon cannot exec into privileged containers, so the cluster "
                  "container's HEALTHCHECK never passes (see docs/docker-fidelity.md)")
            return 77
        image = prefix + "/cluster:dev"
        image_id = fct.build(url, image, "--health-interval", "1s", "--health-start-period", "1ms")
        gw = Gateway(args.openshell, url, prefix, image, sides.free_port(), cfg)
        node = "openshell-" + prefix
        test_fresh_deploy(d, gw, node)
        test_rerun_and_resume(d, gw)
        test_stale_node(d, url, gw, node, prefix)
        image_id = test_recreate_with_new_image(d, url, gw, image_id)
        test_destroy(d, url, gw, image_id)
        test_push(d, url, args.openshell, prefix, cfg)
        test_plaintext(d, url, args.openshell, prefix, cfg)
        test_long_name(d, url, args.openshell, prefix, cfg)
        test_health_exit(d, url, args.openshell, prefix, cfg)
        test_health_timeout(d, url, args.openshell, prefix, cfg)
    except (RuntimeError, OSError, ValueError, KeyError, subprocess.TimeoutExpired) as e:
        check(False, "error: %s" % e)
    finally:
        if gw:
            gw.run("gateway", "destroy", "--name", gw.name)
        side.cleanup()
        shutil.rmtree(cfg, ignore_errors=True)
    print("%d failure(s)" % len(fct.failures))
    return 1 if fct.failures else 0


if __name__ == "__main__":
    sys.exit(main())
