#!/usr/bin/python3
"""Resolve kubeconfig files with the official Python client (python3-kubernetes), the
reference that test_sandbox_kubeconfig_diff compares the C reader with.

For each path argument prints one JSON line:
  {"server", "token", "username", "password", "ca", "cert", "key", "insecure"}
where ca/cert/key are the PEM bytes (data or file content, as text) or null, or
  {"error": "..."} when the client refuses the file. Exit 77 without the module."""
import base64
import json
import sys

try:
    from kubernetes import client, config
except ImportError:
    print("python3-kubernetes is not installed: skipping")
    sys.exit(77)


def read(path):
    if not path:
        return None
    with open(path, "rb") as f:
        return f.read().decode("latin-1")


def resolve(path):
    conf = client.Configuration()
    try:
        config.load_kube_config(config_file=path, client_configuration=conf, persist_config=False)
    except Exception as e:  # the client raises ConfigException, and others on malformed files
        return {"error": "%s: %s" % (type(e).__name__, e)}
    auth = conf.api_key.get("authorization") if conf.api_key else None
    token = auth[len("Bearer "):] if auth and auth.startswith("Bearer ") else None
    username, password = conf.username or None, conf.password or None
    if auth and auth.startswith("Basic "):  # the client turns username/password into a header
        username, _, password = base64.b64decode(auth[len("Basic "):]).decode().partition(":")
    return {
        "server": conf.host,
        "token": token,
        "username": username,
        "password": password,
        "ca": read(conf.ssl_ca_cert),
        "cert": read(conf.cert_file),
        "key": read(conf.key_file),
        "insecure": not conf.verify_ssl,
    }


for p in sys.argv[1:]:
    print(json.dumps(resolve(p)))
