#!/usr/bin/python3
"""docker_diff.py: run one request script against the real dockerd and the mock Docker Engine
and compare what comes back (status, Content-Type, API headers, JSON key sets, stream framing,
error texts). Differences are failures unless tests/real_docker/known_differences.json lists
them (docs/docker-fidelity.md explains every entry).

Usage:
  docker_diff.py --script requests.json --known known_differences.json --mockd PATH
  docker_diff.py --script requests.json --real-only        (check the script against dockerd)
Exit status: 0 pass, 1 differences/errors, 77 skipped (no real daemon or no mock binary)."""

import argparse
import json
import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dockerapi  # noqa: E402
import sides  # noqa: E402

SKIP = 77
HEX64 = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)")
HEX12 = re.compile(r"(?<![0-9a-f])[0-9a-f]{12}(?![0-9a-f])")
# Every response header's presence is compared (not its value), except those that depend on
# the transport or the moment.
TRANSPORT_HEADERS = {"date", "content-length", "transfer-encoding", "connection", "keep-alive"}


# ---------------------------------------------------------------- substitution and masking

def subst(value, vars_):
    """Replace ${NAME} in every string of a JSON value with the side's variable."""
    if isinstance(value, str):
        return re.sub(r"\$\{([A-Za-z0-9_]+)\}", lambda m: str(vars_[m.group(1)]), value)
    if isinstance(value, list):
        return [subst(v, vars_) for v in value]
    if isinstance(value, dict):
        return {subst(k, vars_): subst(v, vars_) for k, v in value.items()}
    return value


def unsubst_text(s, vars_):
    """Turn a side's concrete names and IDs back into ${NAME} so texts compare across sides."""
    pairs = []
    for k, v in vars_.items():
        if isinstance(v, str) and len(v) >= 6:
            pairs.append((v, "${%s}" % k))
            bare = v[7:] if v.startswith("sha256:") else v
            if HEX64.fullmatch(bare):
                pairs.append((bare, "${%s}" % k))
                pairs.append((bare[:12], "${%s:12}" % k))
    for v, name in sorted(pairs, key=lambda p: -len(p[0])):
        if HEX64.fullmatch(v) or re.fullmatch(r"[0-9a-f]{12}", v):
            # an ID only counts where it is not part of a longer hex string
            s = re.sub(r"(?<![0-9a-f])%s(?![0-9a-f])" % v, lambda m, n=name: n, s)
        else:
            s = s.replace(v, name)
    s = RFC3339.sub("<time>", s)
    s = HEX64.sub("<id64>", s)
    return HEX12.sub("<id12>", s)


def norm_key(k, vars_):
    return unsubst_text(k, vars_)


def get_path(doc, path):
    cur = doc
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            idx = int(part[1:-1])
            if not isinstance(cur, list) or idx >= len(cur):
                return None
            cur = cur[idx]
        else:
            if not isinstance(cur, dict) or part not in cur:
                return None
            cur = cur[part]
    return cur


# ---------------------------------------------------------------- running steps

def build_body(step, side):
    if "body" in step:
        return json.dumps(subst(step["body"], side.vars)).encode(), "application/json"
    if "body_var" in step:
        return side.vars[step["body_var"]], step.get("content_type", "application/x-tar")
    if "body_tar" in step:
        return dockerapi.make_tar(subst(step["body_tar"], side.vars)), "application/x-tar"
    return None, None


def query_of(step, side):
    q = []
    for k, v in (step.get("query") or {}).items():
        v = subst(v, side.vars)
        if isinstance(v, (dict, list)) and k != "names":
            v = json.dumps(v)
        if isinstance(v, list):
            q.extend((k, x) for x in v)
        else:
            q.append((k, v))
    return q


def send(step, side):
    body, ctype = build_body(step, side)
    headers = {k: subst(v, side.vars) for k, v in (step.get("headers") or {}).items()}
    if ctype and "Content-Type" not in headers:
        headers["Content-Type"] = ctype
    path = subst(step["path"], side.vars)
    stdin = step.get("stdin")
    return side.client.request(step["method"], path, query_of(step, side), body, headers,
                               upgrade=step.get("upgrade", False),
                               stdin=stdin.encode() if stdin is not None else None)


def poll_done(step, resp):
    until = step.get("until")
    if not until:
        return True
    try:
        if "body_contains" in until:
            return until["body_contains"].encode() in resp.body
        if "frames" in until:
            frames, _ = dockerapi.demux(resp.body)
            return len(frames) >= until["frames"]
        return get_path(resp.json(), until["path"]) == until["equals"]
    except (ValueError, KeyError):
        return False


def send_during(step, side):
    """A streaming request (logs follow) with another request sent while it is open; the
    stream must end by itself (it is bounded by the client timeout)."""
    box = {}

    def follow():
        try:
            box["resp"] = send(step, side)
        except OSError as e:
            box["error"] = e
    t = threading.Thread(target=follow)
    t.start()
    time.sleep(0.5)  # let the stream open; a real daemon gives no other signal
    other = send(step["during"], side)
    t.join(60)
    if t.is_alive() or "error" in box:
        raise sides.ScriptError("%s: %s: the stream did not end after %s %s (%s)" % (
            side.name, step["id"], step["during"]["method"], step["during"]["path"], box.get("error", "still open")))
    if other.status >= 300:
        raise sides.ScriptError("%s: %s: the request sent during the stream failed: %d %r" % (
            side.name, step["id"], other.status, other.body[:200]))
    return box["resp"]


def run_step(step, side):
    """Send a step (repeating it while an `until` condition is unmet; the real daemon does
    things asynchronously, the mock by request count) and capture variables."""
    if "during" in step:
        return send_during(step, side)
    tries = step.get("until", {}).get("max", 1) if step.get("until") else 1
    for i in range(tries):
        resp = send(step, side)
        if poll_done(step, resp):
            break
        if side.asynchronous:
            time.sleep(0.1)
    for var, path in (step.get("capture") or {}).items():
        if path == "@body":
            side.vars[var] = resp.body
            continue
        if path.startswith("@re:"):  # group 1 of a regular expression over the body text
            m = re.search(path[4:], resp.body.decode("utf-8", "replace"))
            if not m:
                raise sides.ScriptError("%s: %s: cannot capture %s: no match for %s in %r" %
                                        (side.name, step["id"], var, path[4:], resp.body[:300]))
            side.vars[var] = m.group(1)
            continue
        try:
            val = get_path(resp.json(), path)
        except ValueError:
            val = None
        if val is None:
            raise sides.ScriptError("%s: %s: cannot capture %s from %s (status %d: %r)" %
                                    (side.name, step["id"], var, path, resp.status, resp.body[:300]))
        side.vars[var] = val
    return resp


# ---------------------------------------------------------------- views and comparison

def shape(v, vars_):
    """Key structure of a JSON value: objects by (masked) key, arrays merged over elements."""
    if isinstance(v, dict):
        return {"{}": {norm_key(k, vars_): shape(x, vars_) for k, x in v.items()}}
    if isinstance(v, list):
        merged = None
        for x in v:
            merged = merge_shapes(merged, shape(x, vars_))
        return {"[]": merged}
    return type(v).__name__


def merge_shapes(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, dict) and isinstance(b, dict) and "{}" in a and "{}" in b:
        keys = set(a["{}"]) | set(b["{}"])
        return {"{}": {k: merge_shapes(a["{}"].get(k), b["{}"].get(k)) for k in keys}}
    if isinstance(a, dict) and isinstance(b, dict) and "[]" in a and "[]" in b:
        return {"[]": merge_shapes(a["[]"], b["[]"])}
    return a


def kind_of(s):
    if isinstance(s, dict):
        return "object" if "{}" in s else "array"
    return {"str": "string", "int": "number", "float": "number", "bool": "bool",
            "NoneType": "null"}.get(s, s)


def compare_shapes(real, mock, path, out):
    kr, km = kind_of(real), kind_of(mock)
    if kr != km:
        out.append("type %s: real %s, mock %s" % (path, kr, km))
        return
    if kr == "object":
        r, m = real["{}"], mock["{}"]
        for k in sorted(set(r) - set(m)):
            out.append("key missing in mock: %s.%s" % (path, k))
        for k in sorted(set(m) - set(r)):
            out.append("key only in mock: %s.%s" % (path, k))
        for k in sorted(set(r) & set(m)):
            compare_shapes(r[k], m[k], "%s.%s" % (path, k), out)
    elif kr == "array":
        if real["[]"] is None or mock["[]"] is None:
            if (real["[]"] is None) != (mock["[]"] is None):
                out.append("array %s: %s" % (path, "empty in real" if real["[]"] is None
                                              else "empty in mock"))
            return
        compare_shapes(real["[]"], mock["[]"], path + "[]", out)


def view(step, side, resp):
    """What is compared of one response."""
    v = {"status": resp.status, "content-type": resp.headers.get("content-type", "")}
    v["headers"] = sorted(h for h in resp.headers if h not in TRANSPORT_HEADERS)
    kind = step.get("kind", "json")
    body = resp.body
    if resp.status >= 400 or kind == "json":
        if body.strip():
            try:
                doc = json.loads(body)
                v["shape"] = shape(doc, side.vars)
                if isinstance(doc, dict) and "message" in doc and resp.status >= 400:
                    v["message"] = unsubst_text(str(doc["message"]), side.vars)
                for p in step.get("same_values", []):
                    v["value " + p] = unsubst_text(json.dumps(get_path(doc, subst(p, side.vars))), side.vars)
            except ValueError:
                v["body text"] = unsubst_text(body.decode("utf-8", "replace"), side.vars)
        else:
            v["body"] = "empty"
    elif kind == "text":
        v["body"] = body.decode("utf-8", "replace")
    elif kind == "empty":
        v["body"] = "empty" if not body else "%d bytes" % len(body)
    elif kind == "jsonlines":
        try:
            objs = dockerapi.json_lines(body)
            merged = None
            for o in objs:
                merged = merge_shapes(merged, shape(o, side.vars))
            v["shape"] = merged
            v["has error"] = any("error" in o or "errorDetail" in o for o in objs)
            if step.get("compare_lines"):
                v["lines"] = [unsubst_text(json.dumps(o, sort_keys=True), side.vars) for o in objs]
        except ValueError as e:
            v["body"] = "not JSON lines: %s" % e
    elif kind == "mux":
        frames, err = dockerapi.demux(body)
        v["framing"] = err or "ok"
        v["stream types"] = sorted({t for t, _ in frames})
        if step.get("compare_output"):
            for t in (1, 2):
                text = b"".join(p for ft, p in frames if ft == t).decode("utf-8", "replace")
                v["stream %d" % t] = unsubst_text(text, side.vars)
    elif kind == "tar":
        try:
            ents = dockerapi.tar_entries(body)
            v["entries"] = sorted(unsubst_text(n, side.vars) + " " + k for n, k, _ in ents)
            if step.get("compare_content"):
                v["contents"] = {n: c.decode("utf-8", "replace") for n, k, c in ents if c is not None}
            for n, _, c in ents:
                if n.endswith("manifest.json") and c:
                    v["manifest shape"] = shape(json.loads(c), side.vars)
        except Exception as e:  # noqa: BLE001 - any tar error is a finding
            v["entries"] = "not a tar: %s" % e
    for h in step.get("json_headers", []):
        raw = resp.headers.get(h.lower())
        if raw is None:
            v["header " + h] = "absent"
        else:
            import base64
            try:
                doc = json.loads(base64.b64decode(raw))
                v["header " + h] = shape(doc, side.vars)
                for k in step.get("header_values", []):
                    v["header %s value %s" % (h, k)] = json.dumps(doc.get(k))
            except ValueError:
                v["header " + h] = "undecodable"
    return v


def compare_views(real, mock):
    out = []
    for k in sorted(set(real) | set(mock)):
        rv, mv = real.get(k), mock.get(k)
        if k in ("shape", "manifest shape") or k.startswith("header ") and (isinstance(rv, dict) or isinstance(mv, dict)):
            if rv is None or mv is None:
                out.append("%s: real %s, mock %s" % (k, "present" if rv else "absent",
                                                      "present" if mv else "absent"))
            else:
                sub = []
                compare_shapes(rv, mv, "$", sub)
                out.extend(("%s %s" % ("manifest" if k == "manifest shape" else
                                       k if k.startswith("header") else "json", s)) for s in sub)
        elif k == "headers":
            for h in sorted(set(rv or []) - set(mv or [])):
                out.append("header missing in mock: %s" % h)
            for h in sorted(set(mv or []) - set(rv or [])):
                out.append("header only in mock: %s" % h)
        elif rv != mv:
            out.append("%s: real %s, mock %s" % (k, json.dumps(rv), json.dumps(mv)))
    return out


# ---------------------------------------------------------------- the run

def load_known(path):
    with open(path) as f:
        doc = json.load(f)
    entries = []
    for section in ("accepted", "mock_bugs"):
        for e in doc.get(section, []):
            if "match" not in e or "why" not in e:
                raise sides.ScriptError("%s: %s entry without match/why: %r" % (path, section, e))
            entries.append(dict(e, section=section, used=False))
    return entries


def pattern_matches(pattern, text):
    """`*` matches any text; every other character stands for itself (brackets included)."""
    rx = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(rx, text, flags=re.S) is not None


def classify(diff, known):
    for e in known:
        if pattern_matches(e["match"], diff):
            e["used"] = True
            return e["section"]
    return None


def run_side(side, steps, log):
    views = {}
    for step in steps:
        if side.name not in step.get("sides", ["real", "mock"]):
            continue
        resp = run_step(step, side)
        views[step["id"]] = view(step, side, resp)
        exp = step.get("status")
        if side.name == "real" and exp is not None and resp.status != exp:
            raise sides.ScriptError("real: %s: expected status %d, got %d: %r" %
                                    (step["id"], exp, resp.status, resp.body[:300]))
        log.write("%s %-40s %d %s\n" % (side.name, step["id"], resp.status,
                                        resp.body[:160].decode("utf-8", "replace")
                                        .replace("\n", "\\n") if step.get("kind", "json") in ("json", "text") or resp.status >= 400 else "<%d bytes>" % len(resp.body)))
    return views


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--script", required=True)
    ap.add_argument("--known")
    ap.add_argument("--mockd", help="path of openshell-mockd")
    ap.add_argument("--real-only", action="store_true")
    ap.add_argument("--self-check", action="store_true",
                    help="compare the real daemon with itself (two runs): checks the masking")
    ap.add_argument("--dump", help="write both sides' views to this JSON file")
    ap.add_argument("--verbose", "-v", action="store_true")
    args = ap.parse_args()

    with open(args.script) as f:
        steps = json.load(f)["steps"]
    ids = [s["id"] for s in steps]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        print("docker_diff: duplicate step ids in %s: %s" % (args.script, sorted(dup)))
        return 1
    real_url = sides.find_real_daemon()
    if not real_url:
        print("SKIP: no real dockerd reachable (set OSH_REAL_DOCKER_HOST=unix:///..., or run "
              "scripts/real-dockerd.sh to start one at %s)" % sides.DEFAULT_REAL_SOCK)
        return SKIP
    if not args.real_only and not args.self_check and (not args.mockd or not os.access(args.mockd, os.X_OK)):
        print("SKIP: the mock Docker Engine binary is not built (%s)" % args.mockd)
        return SKIP
    known = load_known(args.known) if args.known else []
    log = sys.stdout if args.verbose else open(os.devnull, "w")
    prefix = "oshdiff-%d-%s" % (os.getpid(), os.urandom(3).hex())
    real = sides.RealSide(real_url, prefix)
    mock = None
    try:
        real.setup()
        rviews = run_side(real, steps, log)
        if args.real_only:
            print("real-only run: %d steps answered as the script expects" % len(rviews))
            if args.dump:
                with open(args.dump, "w") as f:
                    json.dump({"real": rviews}, f, indent=1, sort_keys=True)
            return 0
        if args.self_check:
            mock = sides.RealSide(real_url, prefix + "x")
            mock.name = "mock"
        else:
            mock = sides.MockSide(args.mockd, prefix)
        mock.vars["PORT"] = real.vars["PORT"]  # the real run has released it by now
        mock.vars["REGISTRY"] = real.vars["REGISTRY"]  # the mock's pullable refs name it too
        mock.setup()
        mviews = run_side(mock, steps, log)
    except sides.ScriptError as e:
        print("docker_diff: %s" % e)
        return 1
    finally:
        real.cleanup()
        if mock:
            mock.cleanup()
    if args.dump:
        with open(args.dump, "w") as f:
            json.dump({"real": rviews, "mock": mviews}, f, indent=1, sort_keys=True)
    return report(steps, rviews, mviews, known)


def report(steps, rviews, mviews, known):
    counts = {"accepted": 0, "mock_bugs": 0}
    unexplained = []
    for step in steps:
        sid = step["id"]
        if sid not in rviews or sid not in mviews:
            continue
        for d in compare_views(rviews[sid], mviews[sid]):
            full = "%s: %s" % (sid, d)
            section = classify(full, known)
            if section:
                counts[section] += 1
            else:
                unexplained.append(full)
    print("compared %d steps: %d accepted differences, %d known mock bugs still open, "
          "%d unexplained" % (len(rviews), counts["accepted"], counts["mock_bugs"], len(unexplained)))
    for e in known:
        if e["section"] == "mock_bugs" and e["used"]:
            print("OPEN mock bug: %s  (%s)" % (e["match"], e["why"]))
    for e in known:
        if not e["used"] and not e["match"].startswith(("cli:", "sim:", "gw:")):  # the other tools' entries
            print("NOTE: no longer seen (%s), remove from the list: %s" % (e["section"], e["match"]))
    for d in unexplained:
        print("DIFF %s" % d)
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
