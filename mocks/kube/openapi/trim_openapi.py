#!/usr/bin/python3
"""Builds the OpenAPI v3 documents the mock Kubernetes API serves (/openapi/v3/...) from the
upstream OpenAPI documents in REFERENCE_DIR (the Kubernetes API server's /openapi/v3 answers and
agent-sandbox's release manifest): only the paths of the served resources, only the
schemas they reach, parameter descriptions dropped. The Sandbox document is made from the
CRD's openAPIV3Schema in agent-sandbox.yaml, with the paths the apiserver publishes for a CRD.

Usage: trim_openapi.py REFERENCE_DIR OUT_DIR"""
import copy
import json
import sys

import yaml

SERVED = {
    "api__v1": ("k8s-openapi-v1.35-api__v1_openapi.json",
                ["namespaces", "nodes", "pods", "secrets", "persistentvolumes", "persistentvolumeclaims"]),
    "apis__apps__v1": ("k8s-openapi-v1.35-apis__apps__v1_openapi.json", ["statefulsets", "deployments"]),
}


def served_path(path, plurals):
    parts = [p for p in path.split("/") if p]
    for plural in plurals:
        if plural in parts and "watch" not in parts:
            i = parts.index(plural)
            rest = parts[i + 1:]
            if len(rest) <= 1 or (len(rest) == 2 and rest[1] == "status"):
                return True
    return False


def refs(node, out):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                out.add(v.split("/")[-1])
            else:
                refs(v, out)
    elif isinstance(node, list):
        for v in node:
            refs(v, out)


def strip_param_descriptions(node):
    if isinstance(node, dict):
        if "in" in node and "name" in node:
            node.pop("description", None)
        for v in node.values():
            strip_param_descriptions(v)
    elif isinstance(node, list):
        for v in node:
            strip_param_descriptions(v)


def trim(doc, plurals):
    paths = {p: v for p, v in doc["paths"].items() if served_path(p, plurals)}
    strip_param_descriptions(paths)
    schemas = doc["components"]["schemas"]
    keep, todo = set(), set()
    refs(paths, todo)
    while todo:
        name = todo.pop()
        if name in keep or name not in schemas:
            continue
        keep.add(name)
        refs(schemas[name], todo)
    return {"openapi": doc["openapi"], "info": doc["info"], "paths": paths,
            "components": {"schemas": {k: schemas[k] for k in sorted(keep)}}}


def sandbox_doc(ref_dir, template):
    crd = next(d for d in yaml.safe_load_all(open(f"{ref_dir}/agent-sandbox.yaml"))
               if d and d.get("kind") == "CustomResourceDefinition" and d["metadata"]["name"] == "sandboxes.agents.x-k8s.io")
    version = crd["spec"]["versions"][0]
    schema = copy.deepcopy(version["schema"]["openAPIV3Schema"])
    name = "io.x-k8s.agents.v1alpha1.Sandbox"
    gvk = [{"group": "agents.x-k8s.io", "kind": "Sandbox", "version": "v1alpha1"}]
    schema["x-kubernetes-group-version-kind"] = gvk
    schema.setdefault("properties", {})["metadata"] = {
        "allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}]}
    # reuse the apps/v1 StatefulSet paths as the shape of a namespaced resource's operations
    paths = {}
    for path, ops in template["paths"].items():
        if "/statefulsets" not in path:
            continue
        new_path = path.replace("/apis/apps/v1", "/apis/agents.x-k8s.io/v1alpha1").replace("statefulsets", "sandboxes")
        text = json.dumps(ops).replace("io.k8s.api.apps.v1.StatefulSetList", name + "List")
        text = text.replace("io.k8s.api.apps.v1.StatefulSet", name).replace("StatefulSet", "Sandbox")
        text = text.replace('"group": "apps"', '"group": "agents.x-k8s.io"').replace('"version": "v1"', '"version": "v1alpha1"')
        text = text.replace("AppsV1", "AgentsXK8sIoV1alpha1")
        paths[new_path] = json.loads(text)
    schemas = {name: schema,
               name + "List": {"type": "object", "x-kubernetes-group-version-kind": [dict(gvk[0], kind="SandboxList")],
                               "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                                              "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}},
                                              "metadata": {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"}}}}
    doc = {"openapi": "3.0.0", "info": {"title": "Kubernetes CRD Swagger", "version": "v0.1.0"}, "paths": paths,
           "components": {"schemas": schemas}}
    wanted = set()
    refs(doc, wanted)
    all_schemas = template["components"]["schemas"]
    while wanted:
        n = wanted.pop()
        if n in schemas or n not in all_schemas:
            continue
        schemas[n] = all_schemas[n]
        refs(all_schemas[n], wanted)
    return doc


def main():
    ref_dir, out_dir = sys.argv[1], sys.argv[2]
    apps = None
    for key, (fname, plurals) in SERVED.items():
        doc = json.load(open(f"{ref_dir}/{fname}"))
        if key == "apis__apps__v1":
            apps = doc
        with open(f"{out_dir}/{key}.json", "w") as f:
            json.dump(trim(doc, plurals), f, separators=(",", ":"), sort_keys=True)
    with open(f"{out_dir}/apis__agents.x-k8s.io__v1alpha1.json", "w") as f:
        json.dump(sandbox_doc(ref_dir, apps), f, separators=(",", ":"), sort_keys=True)


if __name__ == "__main__":
    main()
