/* test_as_kubectl.c (label kubectl): the installed kubectl against a world serving each
 * agent-sandbox release (rules §14): discovery and served versions, the deprecation Warning,
 * strict field validation, printer columns, wait on the controller's conditions, suspend by
 * patch (v1beta1) and by scale (v1alpha1), delete --wait with owner-reference collection,
 * explain from the CRD's schema. Skipped (77) without kubectl. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "mock_world.h"
#include "osh_buf.h"
#include "osh_str.h"
#include "test_shell.h"

typedef struct fixture {
    mock_world *w;
    char dir[64];
    char *kubeconfig;
} fixture;

static fixture *start(const char *release)
{
    fixture *f = calloc(1, sizeof(*f));
    char *doc = osh_str_printf("{\"kube\": {\"agent_sandbox\": \"%s\"}}", release);
    cJSON *scenario = cJSON_Parse(doc);
    free(doc);
    char *error = NULL;
    mock_world_options o = {.kube_enabled = true};
    f->w = mock_world_new(scenario, &o, &error);
    cJSON_Delete(scenario);
    if (!f->w)
        fail_msg("mock_world_new: %s", error);
    strcpy(f->dir, "/tmp/as-kubectl-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    f->kubeconfig = osh_str_printf("%s/kubeconfig", f->dir);
    if (mock_world_write_kubeconfig(f->w, f->kubeconfig, &error) != 0)
        fail_msg("%s", error);
    return f;
}

static void stop(fixture *f)
{
    mock_world_free(f->w);
    char *cmd = osh_str_printf("rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(f->kubeconfig);
    free(f);
}

/* Runs a shell command with KUBECONFIG set; stdout and stderr together in out. */
static int sh(fixture *f, osh_buf *out, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int sh(fixture *f, osh_buf *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char cmd[4096];
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    /* a private discovery cache: a later world may get a port an earlier one had */
    char *full = osh_str_printf("cd %s && KUBECACHEDIR=%s/cache KUBECONFIG=%s %s", f->dir, f->dir, f->kubeconfig, cmd);
    int status = test_shell(full, out);
    free(full);
    return status;
}

static void write_manifest(fixture *f, const char *name, const char *text)
{
    char *path = osh_str_printf("%s/%s", f->dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    free(path);
}

#define SANDBOX_V1BETA1(extra)                                                                                        \
    "apiVersion: agents.x-k8s.io/v1beta1\nkind: Sandbox\nmetadata:\n  name: demo\nspec:\n" extra                      \
    "  podTemplate:\n    spec:\n      containers:\n      - name: agent\n        image: busybox\n"                         \
    "        volumeMounts:\n        - name: work\n          mountPath: /work\n"                                       \
    "  volumeClaimTemplates:\n  - metadata:\n      name: work\n    spec:\n      accessModes: [ReadWriteOnce]\n"        \
    "      resources:\n        requests:\n          storage: 1Gi\n"

static bool has(const osh_buf *b, const char *needle) { return strstr(osh_buf_str(b), needle) != NULL; }

static void release_05_lifecycle(void **state)
{
    (void)state;
    fixture *f = start("0.5");
    osh_buf out = OSH_BUF_INIT;
    assert_int_equal(sh(f, &out, "kubectl api-versions"), 0);
    assert_true(has(&out, "agents.x-k8s.io/v1alpha1\n") && has(&out, "agents.x-k8s.io/v1beta1\n"));
    /* kubectl sends fieldValidation=Strict: an unknown field fails with the apiserver's text */
    write_manifest(f, "bad.yaml", SANDBOX_V1BETA1("  logLevel: debug\n"));
    assert_int_equal(sh(f, &out, "kubectl create -f bad.yaml"), 1);
    assert_true(has(&out, "Sandbox in version \"v1beta1\" cannot be handled as a Sandbox: strict decoding error: "
                          "unknown field \"spec.logLevel\""));
    /* --validate=false sends Ignore: pruned silently */
    assert_int_equal(sh(f, &out, "kubectl create -f bad.yaml --validate=false"), 0);
    assert_string_equal(osh_buf_str(&out), "sandbox.agents.x-k8s.io/demo created\n");
    assert_int_equal(sh(f, &out, "kubectl get sandbox demo -o jsonpath='{.spec.operatingMode} {.spec.shutdownPolicy} {.spec.logLevel}'"), 0);
    assert_string_equal(osh_buf_str(&out), "Running Retain ");
    /* client-side apply of a change: kubectl must choose a JSON merge patch (the CRD's
     * openapi lists no strategic merge patch), the server refusing one with 415 */
    write_manifest(f, "other.yaml", "apiVersion: agents.x-k8s.io/v1beta1\nkind: Sandbox\nmetadata:\n  name: other\nspec:\n"
                                    "  podTemplate:\n    spec:\n      containers:\n      - name: a\n        image: busybox\n");
    assert_int_equal(sh(f, &out, "kubectl apply -f other.yaml"), 0);
    assert_int_equal(sh(f, &out, "sed -i s/busybox/alpine/ other.yaml"), 0);
    assert_int_equal(sh(f, &out, "kubectl apply -f other.yaml"), 0);
    assert_string_equal(osh_buf_str(&out), "sandbox.agents.x-k8s.io/other configured\n");
    assert_int_equal(sh(f, &out, "kubectl get sandbox other -o jsonpath='{.spec.podTemplate.spec.containers[0].image}'"), 0);
    assert_string_equal(osh_buf_str(&out), "alpine");
    assert_int_equal(sh(f, &out, "kubectl delete sandbox other"), 0);
    assert_int_equal(sh(f, &out, "kubectl wait --for=condition=Ready sandbox/demo --timeout=20s"), 0);
    assert_string_equal(osh_buf_str(&out), "sandbox.agents.x-k8s.io/demo condition met\n");
    assert_int_equal(sh(f, &out, "kubectl get sandboxes"), 0);
    assert_true(osh_str_starts_with(osh_buf_str(&out), "NAME   READY   REASON              AGE\ndemo   True    DependenciesReady   "));
    /* the children: PVC work-demo, the pod with the claim volume, both owned */
    assert_int_equal(sh(f, &out, "kubectl get pvc work-demo -o jsonpath='{.metadata.ownerReferences[0].kind} {.metadata.labels.agents\\.x-k8s\\.io/sandbox-name-hash}'"), 0);
    assert_string_equal(osh_buf_str(&out), "Sandbox aefd3536"); /* FNV-1a-32("demo") */
    assert_int_equal(sh(f, &out, "kubectl get pod demo -o jsonpath='{.spec.volumes[0].persistentVolumeClaim.claimName} {.status.phase}'"), 0);
    assert_string_equal(osh_buf_str(&out), "work-demo Running");
    /* the deprecated version answers with its Warning and the converted object */
    assert_int_equal(sh(f, &out, "kubectl get sandboxes.v1alpha1.agents.x-k8s.io demo -o jsonpath='{.spec.replicas}'"), 0);
    assert_true(has(&out, "Warning: agents.x-k8s.io/v1alpha1 Sandbox is deprecated; use agents.x-k8s.io/v1beta1 Sandbox instead\n"));
    assert_true(osh_str_ends_with(osh_buf_str(&out), "1"));
    /* suspend by patching operatingMode, wait for the controller to confirm */
    assert_int_equal(sh(f, &out, "kubectl patch sandbox demo --type merge -p '{\"spec\":{\"operatingMode\":\"Suspended\"}}'"), 0);
    assert_int_equal(sh(f, &out, "kubectl wait --for=condition=Suspended sandbox/demo --timeout=20s"), 0);
    assert_int_equal(sh(f, &out, "kubectl get pod demo"), 1);
    assert_int_equal(sh(f, &out, "kubectl get pvc work-demo -o name"), 0);
    /* an enum the schema does not allow */
    assert_int_equal(sh(f, &out, "kubectl patch sandbox demo --type merge -p '{\"spec\":{\"operatingMode\":\"Paused\"}}'"), 1);
    assert_true(has(&out, "spec.operatingMode: Unsupported value: \"Paused\": supported values: \"Running\", \"Suspended\""));
    /* the CEL rule of v1beta1 */
    assert_int_equal(sh(f, &out, "kubectl patch sandbox demo --type json -p '[{\"op\":\"remove\",\"path\":\"/spec/volumeClaimTemplates\"}]'"), 1);
    assert_true(has(&out, "The Sandbox \"demo\" is invalid: spec: Invalid value: \"object\": volumeClaimTemplates is immutable"));
    /* delete --wait: the Sandbox goes and the garbage collector takes what it owned */
    assert_int_equal(sh(f, &out, "kubectl delete sandbox demo --wait --timeout=20s"), 0);
    assert_int_equal(sh(f, &out, "kubectl get pvc -o name"), 0);
    assert_string_equal(osh_buf_str(&out), "");
    /* explain reads the CRD's schema through openapi v3 */
    assert_int_equal(sh(f, &out, "kubectl explain sandbox.spec.operatingMode"), 0);
    assert_true(has(&out, "FIELD: operatingMode <string>"));
    osh_buf_free(&out);
    stop(f);
}

static void release_01_scale(void **state)
{
    (void)state;
    fixture *f = start("0.1");
    osh_buf out = OSH_BUF_INIT;
    assert_int_equal(sh(f, &out, "kubectl api-versions | grep agents"), 0);
    assert_string_equal(osh_buf_str(&out), "agents.x-k8s.io/v1alpha1\n");
    write_manifest(f, "sb.yaml", "apiVersion: agents.x-k8s.io/v1alpha1\nkind: Sandbox\nmetadata:\n  name: s1\nspec:\n"
                                 "  podTemplate:\n    spec:\n      containers:\n      - name: agent\n        image: busybox\n");
    assert_int_equal(sh(f, &out, "kubectl apply -f sb.yaml"), 0);
    assert_int_equal(sh(f, &out, "kubectl wait --for=condition=Ready sandbox/s1 --timeout=20s"), 0);
    assert_int_equal(sh(f, &out, "kubectl get sandboxes"), 0);
    assert_true(osh_str_starts_with(osh_buf_str(&out), "NAME   AGE\ns1     "));
    assert_int_equal(sh(f, &out, "kubectl scale sandbox s1 --replicas=0"), 0);
    assert_string_equal(osh_buf_str(&out), "sandbox.agents.x-k8s.io/s1 scaled\n");
    assert_int_equal(sh(f, &out, "kubectl wait --for=condition=Suspended sandbox/s1 --timeout=20s"), 0);
    assert_int_equal(sh(f, &out, "kubectl scale sandbox s1 --replicas=2"), 1);
    assert_true(has(&out, "spec.replicas: Invalid value: 2: spec.replicas in body should be less than or equal to 1") ||
                has(&out, "Invalid value"));
    assert_int_equal(sh(f, &out, "kubectl get sandboxes.v1beta1.agents.x-k8s.io"), 1);
    osh_buf_free(&out);
    stop(f);
}

static void release_10_and_none(void **state)
{
    (void)state;
    fixture *f = start("1.0");
    osh_buf out = OSH_BUF_INIT;
    assert_int_equal(sh(f, &out, "kubectl api-versions | grep agents"), 0);
    assert_string_equal(osh_buf_str(&out), "agents.x-k8s.io/v1beta1\n");
    assert_int_equal(sh(f, &out, "kubectl get --raw /apis/agents.x-k8s.io/v1alpha1/namespaces/default/sandboxes"), 1);
    assert_true(has(&out, "NotFound"));
    stop(f);
    f = start("none");
    assert_int_equal(sh(f, &out, "kubectl get sandboxes"), 1);
    assert_true(has(&out, "the server doesn't have a resource type \"sandboxes\""));
    osh_buf_free(&out);
    stop(f);
}

int main(void)
{
    if (system("kubectl version --client >/dev/null 2>&1") != 0)
        return 77;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(release_05_lifecycle),
        cmocka_unit_test(release_01_scale),
        cmocka_unit_test(release_10_and_none),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
