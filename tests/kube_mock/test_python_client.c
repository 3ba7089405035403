/* test_python_client.c (label python): runs python_client.py with Debian's python3-kubernetes
 * against a mock Kubernetes API holding two nodes. Skipped (77) when /usr/bin/python3 or its
 * kubernetes module is missing. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mock_kube.h"
#include "osh_str.h"

int main(void)
{
    if (system("/usr/bin/python3 -c 'import kubernetes' >/dev/null 2>&1") != 0) {
        printf("skipping: /usr/bin/python3 with python3-kubernetes is not installed\n");
        return 77;
    }
    char dir[] = "/tmp/kube-python-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char *error = NULL;
    mock_kube *k = mock_kube_new(NULL, &error);
    if (!k) {
        fprintf(stderr, "mock_kube_new: %s\n", error);
        return 1;
    }
    cJSON *seed = cJSON_Parse("{\"nodes\": [{\"metadata\": {\"name\": \"node-b\"}}, {\"metadata\": {\"name\": \"node-a\"}}]}");
    kube_store *s = kube_store_import(seed, &error);
    cJSON_Delete(seed);
    mock_kube_set_default_store(k, s);
    kube_store_unref(s);
    char *kc = osh_str_printf("%s/kubeconfig", dir);
    int rc = mock_kube_write_kubeconfig(k, kc, &error);
    char *cmd = osh_str_printf("/usr/bin/python3 %s/python_client.py %s", TEST_SOURCE_DIR, kc);
    int status = rc == 0 ? system(cmd) : -1;
    free(cmd);
    unlink(kc);
    rmdir(dir);
    free(kc);
    mock_kube_free(k);
    return status == 0 ? 0 : 1;
}
