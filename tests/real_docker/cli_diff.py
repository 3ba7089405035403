#!/usr/bin/python3
"""cli_diff.py: the installed docker CLI against the real dockerd and against the mock, the
same command list on both; exit codes, stderr and (where deterministic) stdout must agree
after the run's names and IDs are replaced by placeholders. Differences are failures unless
known_differences.json lists them (step names here are "cli:N:COMMAND").
Usage: cli_diff.py --known FILE --mockd PATH. Exit 0, 1, or 77 (no daemon, CLI or mock)."""

import argparse
import filecmp
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import docker_diff as dd  # noqa: E402
import sides  # noqa: E402

# (command, compare stdout?) ; ${P} and ${IMAGE} are substituted; each runs on both sides.
COMMANDS = [
    ("version --format '{{.Server.APIVersion}}'", True),
    ("info --format '{{.OSType}} {{.Driver}}'", True),
    ("image inspect --format '{{.Os}}/{{.Architecture}}' ${IMAGE}", True),
    ("image inspect ${P}-nosuch:1", True),
    ("inspect ${P}-nosuch", True),
    ("volume create ${P}-v", True),
    ("volume inspect --format '{{.Name}} {{.Driver}} {{.Scope}}' ${P}-v", True),
    ("volume ls -q --filter name=${P}-v", True),
    ("network create ${P}-n", False),
    ("network create ${P}-n", True),
    ("network inspect --format '{{.Name}} {{.Driver}} {{.Scope}} {{.Attachable}}' ${P}-n", True),
    ("network ls --filter name=${P}-n --format '{{.Name}} {{.Driver}}'", True),
    ("create --name ${P}-c1 --hostname ${P}-h -p 127.0.0.1:${PORT}:30051 -v ${P}-v:/data --privileged "
     "--restart unless-stopped --add-host h.example:10.0.0.9 --network ${P}-n --label osh-diff=${P} "
     "${IMAGE} sh -c 'echo hello; echo oops >&2; trap \"exit 0\" TERM; while :; do sleep 1; done'", False),
    ("create --name ${P}-c1 ${IMAGE} true", True),
    ("create --name ${P}/bad ${IMAGE} true", True),
    ("inspect --format '{{.Config.Hostname}} {{.HostConfig.Privileged}} {{.HostConfig.RestartPolicy.Name}} "
     "{{.HostConfig.ExtraHosts}} {{.HostConfig.Binds}} {{.State.Status}}' ${P}-c1", True),
    ("start ${P}-c1", True),
    ("start ${P}-c1", True),
    ("ps --filter name=${P}-c1 --format '{{.Names}} {{.Image}} {{.Ports}}'", True),
    ("ps -a --filter label=osh-diff=${P} --filter status=running --format '{{.Names}} {{.State}}'", True),
    ("exec ${P}-c1 hostname", True),
    ("exec ${P}-c1 sh -c 'exit 7'", True),
    ("exec ${P}-c1 cat /nonexistent", True),
    ("exec -i ${P}-c1 cat < " + os.path.abspath(__file__), True),
    ("exec -i ${P}-c1 sh -c 'cat; echo end' < " + os.path.abspath(__file__), True),
    ("exec ${P}-c1 cat < " + os.path.abspath(__file__), True),
    ("port ${P}-c1", True),
    ("logs ${P}-c1", True),
    ("cp " + os.path.abspath(__file__) + " ${P}-c1:/tmp/copied.py", True),
    ("exec ${P}-c1 cat /tmp/copied.py", True),
    ("cp ${P}-c1:/tmp/copied.py ${TMP}/out.py", True),
    ("cp ${P}-c1:/nonexistent ${TMP}/none", True),
    ("save -o ${TMP}/img.tar ${IMAGE}", True),
    ("load -i ${TMP}/img.tar", True),
    ("network connect ${P}-n ${P}-c1", True),
    ("network rm ${P}-n", True),
    ("volume rm ${P}-v", True),
    ("rm ${P}-c1", True),
    ("image rm ${IMAGE}", True),
    ("stop -t 5 ${P}-c1", True),
    ("stop ${P}-c1", True),
    ("kill ${P}-c1", True),
    ("exec ${P}-c1 true", True),
    ("logs ${P}-nosuch", True),
    ("rm ${P}-c1", True),
    ("rm ${P}-c1", True),
    ("volume rm ${P}-v", True),
    ("volume rm ${P}-v", True),
    ("network rm ${P}-n", True),
    ("network rm ${P}-n", True),
    ("image rm ${P}-nosuch:1", True),
]


def run_all(side, url, tmp):
    side.vars["TMP"] = tmp
    os.makedirs(tmp, exist_ok=True)
    env = dict(os.environ, DOCKER_HOST=url)
    env.pop("DOCKER_CONTEXT", None)
    out = []
    for cmd, _ in COMMANDS:
        line = dd.subst(cmd, side.vars)
        r = subprocess.run("docker " + line, shell=True, env=env, capture_output=True, text=True, timeout=120)
        out.append((r.returncode, dd.unsubst_text(r.stdout, side.vars), dd.unsubst_text(r.stderr, side.vars)))
    return out


def start_record_proxy(mockd, url, tmp):
    sock = tmp + "/proxy.sock"
    out = open(tmp + "/proxy.out", "w+")
    p = subprocess.Popen([mockd, "--docker", "unix://" + sock, "--record", tmp + "/cli.rec.json", "--upstream", url],
                         stdout=out, stderr=subprocess.STDOUT, text=True)
    for _ in range(200):
        out.seek(0)
        if "ready\n" in out.read() or p.poll() is not None:
            break
        time.sleep(0.05)
    if p.poll() is not None:
        raise sides.ScriptError("the recording proxy did not start: %s" % open(tmp + "/proxy.out").read())
    return p, "unix://" + sock


def stop_record_proxy(proxy, tmp):
    p = proxy[0]
    p.send_signal(signal.SIGTERM)
    rc = p.wait(timeout=60)
    doc = json.load(open(tmp + "/cli.rec.json"))
    if rc != 0 or not doc["end"]["complete"]:
        raise sides.ScriptError("the recording proxy exited %d, recording complete: %s" % (rc, doc["end"]))
    print("recorded %d exchanges through the proxy (%d bytes)" % (len(doc["exchanges"]), os.path.getsize(tmp + "/cli.rec.json")))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--known", required=True)
    ap.add_argument("--mockd", required=True)
    ap.add_argument("--record-proxy", action="store_true",
                    help="run the real side's commands through `openshell-mockd --record` (issue 15): "
                         "the proxy must not change any answer")
    args = ap.parse_args()
    url = sides.find_real_daemon()
    if not url:
        print("SKIP: no real dockerd reachable (OSH_REAL_DOCKER_HOST / scripts/real-dockerd.sh)")
        return 77
    if not shutil.which("docker"):
        print("SKIP: the docker CLI is not installed")
        return 77
    if not os.access(args.mockd, os.X_OK):
        print("SKIP: %s is not built" % args.mockd)
        return 77
    prefix = "oshcli-%d-%s" % (os.getpid(), os.urandom(3).hex())
    real, mock = sides.RealSide(url, prefix), sides.MockSide(args.mockd, prefix)
    tmp = None
    try:
        real.setup()
        tmp = tempfile.mkdtemp(prefix="oshcli-")
        proxy = start_record_proxy(args.mockd, url, tmp) if args.record_proxy else None
        try:
            rres = run_all(real, proxy[1] if proxy else url, tmp + "/real")
        finally:
            if proxy:
                stop_record_proxy(proxy, tmp)
        mock.vars["PORT"] = real.vars["PORT"]
        mock.setup()
        mres = run_all(mock, mock.client.url, tmp + "/mock")
        same = filecmp.cmp(tmp + "/real/out.py", tmp + "/mock/out.py", shallow=False) if \
            os.path.exists(tmp + "/mock/out.py") and os.path.exists(tmp + "/real/out.py") else False
        if not same:
            rres.append((0, "copied out", ""))
            mres.append((1, "missing or different", ""))
    except sides.ScriptError as e:
        print("cli_diff: %s" % e)
        return 1
    finally:
        real.cleanup()
        mock.cleanup()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    known = dd.load_known(args.known)
    unexplained, counts = [], {"accepted": 0, "mock_bugs": 0}
    commands = COMMANDS + [("(compare the files copied out)", True)]
    for i, ((cmd, cmp_out), r, m) in enumerate(zip(commands, rres, mres)):
        step = "cli:%d:%s" % (i, cmd.split(" --")[0][:40])
        diffs = []
        if r[0] != m[0]:
            diffs.append("exit: real %d, mock %d" % (r[0], m[0]))
        if r[2] != m[2]:
            diffs.append("stderr: real %r, mock %r" % (r[2].strip(), m[2].strip()))
        if cmp_out and r[1] != m[1]:
            diffs.append("stdout: real %r, mock %r" % (r[1].strip(), m[1].strip()))
        for d in diffs:
            section = dd.classify("%s: %s" % (step, d), known)
            if section:
                counts[section] += 1
            else:
                unexplained.append("%s: %s" % (step, d))
    print("docker CLI, %d commands on both daemons: %d accepted, %d known mock bugs, %d unexplained" % (
        len(COMMANDS), counts["accepted"], counts["mock_bugs"], len(unexplained)))
    for d in unexplained:
        print("DIFF " + d)
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
