#!/usr/bin/python3
"""record_real_test.py: record and replay against the real dockerd (issue 15).

Five situations of our `openshell gateway start` + `gateway destroy`, each recorded through
`openshell-mockd --record` in front of the real daemon with the fake cluster image: a healthy
deploy, a health exit, a health timeout, a stale-node recreation (resume on a volume holding a
legacy node) and a port conflict. Each recording then
  - holds no private key (neither PEM nor its base64) and lists what was redacted;
  - replays exactly: the same commands against `openshell-mockd --replay` end with the same
    exit statuses, the same stderr lines and the same files (tls.key excepted: its key was
    redacted, the replay serves a marked stand-in), consuming every recorded exchange;
  - becomes a world scenario (--recording-to-scenario) that the conformance runner accepts
    and on which our openshell ends the same way (exit statuses and final status lines).
Usage: record_real_test.py --openshell PATH --mockd PATH --runner PATH [--keep DIR]
Exit 0 pass, 1 failure, 77 skipped (no daemon)."""

import argparse
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "real_docker"))
import fake_cluster_test as fct  # noqa: E402
import sides  # noqa: E402

check = fct.check
PEM_B64 = base64.b64encode(b"-----BEGIN PRIVATE KEY-----").decode()[:32]


class Mockd:
    """openshell-mockd in the background; start() waits for 'ready'."""

    def __init__(self, binary, args, work, tag):
        self.out = os.path.join(work, tag + ".out")
        self.err = os.path.join(work, tag + ".err")
        self.p = subprocess.Popen([binary] + args, stdout=open(self.out, "w"), stderr=open(self.err, "w"))

    def start(self):
        for _ in range(300):
            text = open(self.out).read()
            if "ready\n" in text:
                return text
            if self.p.poll() is not None:
                raise RuntimeError("mockd exited %d: %s" % (self.p.returncode, open(self.err).read()))
            time.sleep(0.05)
        raise RuntimeError("mockd never said ready")

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        return self.p.wait(timeout=60)


def run_openshell(openshell, sock, cfg, args, poll_ms, timeout=600):
    env = dict(os.environ, DOCKER_HOST="unix://" + sock, XDG_CONFIG_HOME=cfg, OPENSHELL_POLL_INTERVAL_MS=str(poll_ms))
    for k in ("OPENSHELL_CLUSTER_IMAGE", "IMAGE_TAG", "OPENSHELL_PUSH_IMAGES", "NAV_GATEWAY_TLS_ENABLED",
              "OPENSHELL_GATEWAY", "KUBECONFIG"):
        env.pop(k, None)
    try:
        r = subprocess.run([openshell] + args, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"args": args, "exit": -1, "stderr": "(killed after %d s)\n" % timeout, "stdout": ""}
    return {"args": args, "exit": r.returncode, "stderr": r.stderr, "stdout": r.stdout}


def files_of(root):
    out = {}
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            out[os.path.relpath(p, root)] = open(p, "rb").read()
    return out


def key_lines(text):
    """The lines that say how a command ended: the final line of a success, the "x ..." line
    of a failure and the error line under it."""
    lines = [x for x in text.splitlines() if x.strip()]
    keys = []
    for i, x in enumerate(lines):
        if x.startswith("x "):
            keys += lines[i:i + 2]
    return keys or lines[-1:]


def last_line(text):
    lines = [x for x in text.strip().splitlines() if x.strip()]
    return lines[-1] if lines else ""


class Case:
    def __init__(self, name, knobs=(), poll_ms=300, setup=None, teardown=None):
        self.name, self.knobs, self.poll_ms, self.setup, self.teardown = name, knobs, poll_ms, setup, teardown


def record_case(a, d, url, prefix, work, case):
    """Record the commands of one case. Returns (recording path, commands' results, cfg snapshot)."""
    gw = prefix + case.name
    image = gw + "/cluster:dev"
    fct.build(url, image, "--health-interval", "1s", "--health-start-period", "1ms", *case.knobs)
    port = sides.free_port()
    cfg = os.path.join(work, case.name + "-cfg")
    os.makedirs(cfg)
    ctx = {"gw": gw, "image": image, "port": port, "cfg": cfg}
    if case.setup:
        case.setup(a, d, url, ctx)
    snapshot = os.path.join(work, case.name + "-cfg0")
    shutil.copytree(cfg, snapshot)
    rec = os.path.join(work, case.name + ".rec.json")
    sock = os.path.join(work, case.name + "-proxy.sock")
    m = Mockd(a.mockd, ["--docker", "unix://" + sock, "--record", rec, "--upstream", url], work, case.name + "-rec")
    try:
        lines = m.start()
        check(lines == "docker: unix://%s\nrecording: %s\nready\n" % (sock, rec), "%s: mockd --record prints docker:, recording:, ready" % case.name)
        cmds = [["gateway", "start", "--name", gw, "--port", str(port), "--image", image],
                ["gateway", "destroy", "--name", gw]]
        results = [run_openshell(a.openshell, sock, cfg, c, case.poll_ms) for c in cmds]
    finally:
        rc = m.stop()
        if case.teardown:
            case.teardown(a, d, url, ctx)
    check(rc == 0, "%s: mockd --record exits 0 on SIGTERM (%d)" % (case.name, rc))
    ctx["files"] = files_of(cfg)
    json.dump(results, open(os.path.join(work, case.name + ".results.json"), "w"), indent=1)
    return rec, results, snapshot, ctx


def check_recording(case, rec):
    text = open(rec).read()
    doc = json.loads(text)
    check(doc["format"] == "openshell-docker-recording" and doc["version"] == 1 and doc["end"]["complete"] is True
          and doc["end"]["reason"] == "SIGTERM", "%s: the recording is complete and valid (%d exchanges, %d bytes)"
          % (case.name, len(doc["exchanges"]), len(text)))
    check("PRIVATE KEY" not in text and PEM_B64 not in text, "%s: no private key in the recording (PEM or base64)" % case.name)
    # our openshell runs its execs one after the other: an exec's answer stream must be
    # recorded as ended before the next request (else a replay waits for that request)
    late = [e["seq"] for e in doc["exchanges"] if "stream" in e["response"] and e["request"]["path"].endswith("/start")
            and e["response"]["stream"]["end_after"] != e["seq"]]
    check(late == [], "%s: exec streams recorded as ended before the next request (late: %s)" % (case.name, late))
    return doc


def replay_case(a, work, case, rec, results, snapshot, ctx):
    sock = os.path.join(work, case.name + "-replay.sock")
    cfg = os.path.join(work, case.name + "-cfg-replay")
    shutil.copytree(snapshot, cfg)
    m = Mockd(a.mockd, ["--docker", "unix://" + sock, "--replay", rec], work, case.name + "-replay")
    try:
        m.start()
        # a replay answers at once: what took minutes on the daemon takes seconds here, so a
        # command still running after 120 s is a replay waiting for something it never gets
        again = [run_openshell(a.openshell, sock, cfg, r["args"], case.poll_ms, timeout=120) for r in results]
        report = json.loads(subprocess.run(["curl", "-s", "--unix-socket", sock, "http://d/_mock/replay"],
                                           capture_output=True, text=True).stdout)
    finally:
        m.stop()
    for r, s in zip(results, again):
        check((r["exit"], r["stderr"].splitlines()) == (s["exit"], s["stderr"].splitlines()),
              "%s: replay of `%s`: same exit (%d/%d) and status lines%s" % (
                  case.name, " ".join(r["args"][:2]), r["exit"], s["exit"],
                  "" if r["stderr"] == s["stderr"] else ":\n--- recorded\n%s--- replayed\n%s" % (r["stderr"], s["stderr"])))
    got = files_of(cfg)
    want = dict(ctx["files"])
    for k in list(want):
        if k.endswith("tls.key") and k in got and got[k].startswith(b"<redacted:base64-private-key:"):
            want[k] = got[k]
    check(got == want, "%s: replay leaves the same files (%s)" % (case.name, sorted(got)))
    check(report["unmatched"] == [] and report["unconsumed"] == [],
          "%s: replay consumed every exchange, no request unmatched (%d consumed, unconsumed %s, unmatched %s)"
          % (case.name, len(report["consumed"]), [x["seq"] for x in report["unconsumed"]][:10], report["unmatched"][:3]))


def scenario_case(a, work, case, rec, results, snapshot):
    r = subprocess.run([a.mockd, "--recording-to-scenario", rec], capture_output=True, text=True)
    check(r.returncode == 0, "%s: --recording-to-scenario exits 0 (%s)" % (case.name, r.stderr.strip()))
    if r.returncode != 0:
        return
    world = json.loads(r.stdout)
    open(os.path.join(work, case.name + ".world.json"), "w").write(r.stdout)
    sdir = os.path.join(work, case.name + "-scenarios")
    os.makedirs(sdir)
    sid = "REC-" + case.name.upper()
    files = [{"path": "${XDG_CONFIG_HOME}/" + os.path.relpath(os.path.join(dp, n), snapshot),
              "content": open(os.path.join(dp, n)).read()} for dp, _, ns in os.walk(snapshot) for n in ns]
    steps = [{"args": r["args"], "env": {"OPENSHELL_POLL_INTERVAL_MS": "0"},
              "expect": {"exit": r["exit"], "stderr": {"contains": key_lines(r["stderr"])}}} for r in results]
    scen = {"id": sid, "rule": "the recorded %s situation ends the same way in the simulator" % case.name,
            "spec": ["§4"], "world": world, "steps": steps, "files": files}
    json.dump(scen, open(os.path.join(sdir, sid + ".json"), "w"), indent=1)
    out = subprocess.run([a.runner, "--impl", a.openshell, "--scenarios", sdir, "--filter", sid, "--verbose", "--jobs", "1"],
                         capture_output=True, text=True, timeout=600)
    check(out.returncode == 0 and ("PASS " + sid) in out.stdout,
          "%s: the scenario passes in the conformance runner with our openshell (%s)" % (
              case.name, (out.stdout + out.stderr).strip()[-1500:]))


# ---- the five situations ----------------------------------------------------------------

def setup_stale(a, d, url, ctx):
    """A healthy deploy (not recorded), its container removed with the volume kept, and a
    legacy node registered on the volume: the recorded start resumes and deletes it."""
    r = run_openshell_direct(a, url, ctx, ["gateway", "start", "--name", ctx["gw"], "--port", str(ctx["port"]), "--image", ctx["image"]])
    if r["exit"] != 0:
        raise RuntimeError("stale setup: first deploy failed: %s" % r["stderr"][-300:])
    c = "openshell-cluster-" + ctx["gw"]
    d.call("DELETE", "/containers/" + c, [("force", "1")], want=204)
    legacy = ctx["gw"] + "-legacy"
    d.call("POST", "/containers/create", [("name", legacy)], {
        "Image": ctx["image"], "Hostname": "0123456789ab", "Env": ["FAKE_K3S_BOOT_SECONDS=0"],
        "HostConfig": {"Binds": [c + ":/var/lib/rancher/k3s"], "Privileged": True}}, want=201)
    d.call("POST", "/containers/%s/start" % legacy, want=204)
    d.wait_for("legacy", lambda: (lambda r: r if r[1] == 0 and "0123456789ab" in r[0] else None)(d.exec(legacy, ["sh", "-c", fct.S1])))
    d.call("DELETE", "/containers/" + legacy, [("force", "1")], want=204)


def run_openshell_direct(a, url, ctx, args):
    env = dict(os.environ, DOCKER_HOST=url, XDG_CONFIG_HOME=ctx["cfg"], OPENSHELL_POLL_INTERVAL_MS="300")
    r = subprocess.run([a.openshell] + args, env=env, capture_output=True, text=True, timeout=600)
    return {"exit": r.returncode, "stderr": r.stderr}


def setup_port(a, d, url, ctx):
    """Another container already publishes the gateway's host port."""
    name = ctx["gw"] + "-blocker"
    d.call("POST", "/containers/create", [("name", name)], {
        "Image": ctx["image"], "Entrypoint": ["sleep"], "Cmd": ["600"], "ExposedPorts": {"30051/tcp": {}},
        "HostConfig": {"PortBindings": {"30051/tcp": [{"HostIp": "0.0.0.0", "HostPort": str(ctx["port"])}]}}}, want=201)
    d.call("POST", "/containers/%s/start" % name, want=204)


def teardown_port(a, d, url, ctx):
    d.call("DELETE", "/containers/" + ctx["gw"] + "-blocker", [("force", "1")])


def cleanup(d, url, prefix):
    for c in d.call("GET", "/containers/json", [("all", "1")]).json():
        for n in c["Names"]:
            if prefix in n:
                d.call("DELETE", "/containers/" + n.lstrip("/"), [("force", "1")])
    for what in ("volumes", "networks"):
        items = d.call("GET", "/" + what).json()
        items = items["Volumes"] or [] if what == "volumes" else items
        for v in items:
            if prefix in v["Name"]:
                d.call("DELETE", "/%s/%s" % (what, v["Name"]))
    for img in d.call("GET", "/images/json").json():
        if any(prefix in t for t in img.get("RepoTags") or []):
            d.call("DELETE", "/images/" + img["Id"], [("force", "1")])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--openshell", required=True)
    ap.add_argument("--mockd", required=True)
    ap.add_argument("--runner", required=True)
    ap.add_argument("--keep")
    ap.add_argument("--only")
    ap.add_argument("--scenarios-from", help="only the scenario step, on the recordings of an earlier --keep DIR")
    args = ap.parse_args()
    if args.scenarios_from:
        for name in (args.only or "healthy,hexit,htimeout,stale,port").split(","):
            w = args.scenarios_from
            shutil.rmtree(os.path.join(w, name + "-scenarios"), ignore_errors=True)
            results = json.load(open(os.path.join(w, name + ".results.json")))
            scenario_case(args, w, Case(name), os.path.join(w, name + ".rec.json"), results, os.path.join(w, name + "-cfg0"))
        return 1 if fct.failures else 0
    url = sides.find_real_daemon()
    if not url:
        print("SKIP: no real dockerd reachable (set OSH_REAL_DOCKER_HOST or run scripts/real-dockerd.sh)")
        return 77
    if not shutil.which("docker") or not os.access("/bin/busybox", os.X_OK) or not shutil.which("curl"):
        print("SKIP: needs the docker CLI, /bin/busybox and curl")
        return 77
    prefix = "oshrec%d" % os.getpid()
    d = fct.Daemon(url)
    side = sides.RealSide(url, prefix)
    side.setup()
    if not fct.privileged_exec_works(d, prefix):
        side.cleanup()
        print("SKIP: this daemon cannot exec into privileged containers")
        return 77
    work = args.keep or tempfile.mkdtemp(prefix="oshrec-")
    os.makedirs(work, exist_ok=True)
    cases = [Case("healthy"),
             Case("hexit", ["--env", "FAKE_K3S_EXIT_CODE=3", "--env", "FAKE_K3S_EXIT_AFTER=1"], poll_ms=50),
             Case("htimeout", ["--env", "FAKE_K3S_NEVER_HEALTHY=1"], poll_ms=50),
             Case("stale", setup=setup_stale),
             Case("port", setup=setup_port, teardown=teardown_port)]
    if args.only:
        cases = [c for c in cases if c.name in args.only.split(",")]
    sizes = []
    try:
        for case in cases:
            print("== %s" % case.name)
            rec, results, snapshot, ctx = record_case(args, d, url, prefix, work, case)
            for r in results:
                print("   recorded `%s`: exit %d, %s" % (" ".join(r["args"][:2]), r["exit"], last_line(r["stderr"])))
            doc = check_recording(case, rec)
            sizes.append("%s %d bytes, %d exchanges, redacted %s" % (case.name, os.path.getsize(rec), len(doc["exchanges"]),
                         ", ".join("%s (%s, %d exchanges)" % (x["placeholder"], x["kind"], len(x["exchanges"])) for x in doc["redactions"]) or "nothing"))
            replay_case(args, work, case, rec, results, snapshot, ctx)
            scenario_case(args, work, case, rec, results, snapshot)
    except (RuntimeError, OSError, ValueError, KeyError, subprocess.TimeoutExpired) as e:
        check(False, "error: %s" % e)
    finally:
        cleanup(d, url, prefix)
        side.cleanup()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    for s in sizes:
        print("recording: " + s)
    print("%d failure(s)" % len(fct.failures))
    return 1 if fct.failures else 0


if __name__ == "__main__":
    sys.exit(main())
