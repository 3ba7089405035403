"""python3-kubernetes: a v1beta1 Sandbox lifecycle against a world serving agent-sandbox 0.5
(run by test_as_python). Create, watch until Ready=True, suspend by patching operatingMode and
watch until Suspended=True, read the same object through the deprecated v1alpha1 (replicas 0),
delete, and see the garbage collector take the pod. Exits non-zero on the first mismatch."""
import sys

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

GROUP, NS, PLURAL = "agents.x-k8s.io", "default", "sandboxes"


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)


def condition(obj, ctype):
    for c in (obj.get("status") or {}).get("conditions") or []:
        if c.get("type") == ctype:
            return c
    return {}


def wait_for(custom, name, ctype):
    w = watch.Watch()
    for event in w.stream(custom.list_namespaced_custom_object, GROUP, "v1beta1", NS, PLURAL,
                          field_selector=f"metadata.name={name}", timeout_seconds=20):
        if condition(event["object"], ctype).get("status") == "True":
            w.stop()
            return event["object"]
    check(False, f"{ctype} never became True")


def main():
    config.load_kube_config(config_file=sys.argv[1])
    custom = client.CustomObjectsApi()
    core = client.CoreV1Api()
    body = {"apiVersion": "agents.x-k8s.io/v1beta1", "kind": "Sandbox", "metadata": {"name": "py"},
            "spec": {"logLevel": "pruned", "podTemplate": {"spec": {"containers": [{"name": "a", "image": "busybox"}]}}}}
    created = custom.create_namespaced_custom_object(GROUP, "v1beta1", NS, PLURAL, body)
    check(created["spec"].get("operatingMode") == "Running", f"defaulted operatingMode: {created['spec']}")
    check("logLevel" not in created["spec"], f"unknown field kept: {created['spec']}")
    ready = wait_for(custom, "py", "Ready")
    check(condition(ready, "Ready").get("reason") == "DependenciesReady", f"Ready: {condition(ready, 'Ready')}")
    check(ready["status"].get("podIPs"), f"podIPs: {ready['status']}")
    pod = core.read_namespaced_pod("py", NS)
    check(pod.metadata.owner_references[0].kind == "Sandbox", f"pod owner: {pod.metadata.owner_references}")
    custom.patch_namespaced_custom_object(GROUP, "v1beta1", NS, PLURAL, "py", {"spec": {"operatingMode": "Suspended"}})
    suspended = wait_for(custom, "py", "Suspended")
    check(condition(suspended, "Ready").get("reason") == "SandboxSuspended", f"Ready: {condition(suspended, 'Ready')}")
    alpha = custom.get_namespaced_custom_object(GROUP, "v1alpha1", NS, PLURAL, "py")
    check(alpha["apiVersion"] == "agents.x-k8s.io/v1alpha1" and alpha["spec"].get("replicas") == 0,
          f"v1alpha1 view: {alpha['spec']}")
    try:
        custom.patch_namespaced_custom_object(GROUP, "v1beta1", NS, PLURAL, "py", {"spec": {"operatingMode": "Off"}})
        check(False, "an enum violation was accepted")
    except ApiException as e:
        check(e.status == 422 and "Unsupported value" in e.body, f"enum: {e.status} {e.body}")
    custom.delete_namespaced_custom_object(GROUP, "v1beta1", NS, PLURAL, "py")
    try:
        custom.get_namespaced_custom_object(GROUP, "v1beta1", NS, PLURAL, "py")
        check(False, "get after delete did not fail")
    except ApiException as e:
        check(e.status == 404, f"get after delete: {e.status}")
    pods = [p.metadata.name for p in core.list_namespaced_pod(NS).items]
    check(pods == [], f"pods left after delete: {pods}")
    print("ok")


if __name__ == "__main__":
    main()
