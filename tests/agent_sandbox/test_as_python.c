/* test_as_python.c (label python): runs python_v1beta1.py with Debian's python3-kubernetes
 * against a world serving agent-sandbox 0.5. Skipped (77) without python3-kubernetes. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "mock_world.h"
#include "osh_str.h"

int main(void)
{
    if (system("/usr/bin/python3 -c 'import kubernetes' >/dev/null 2>&1") != 0) {
        printf("skipping: /usr/bin/python3 with python3-kubernetes is not installed\n");
        return 77;
    }
    char dir[] = "/tmp/as-python-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char *error = NULL;
    cJSON *scenario = cJSON_Parse("{\"kube\": {\"agent_sandbox\": \"0.5\"}}");
    mock_world *w = mock_world_new(scenario, NULL, &error);
    cJSON_Delete(scenario);
    if (!w) {
        fprintf(stderr, "mock_world_new: %s\n", error);
        return 1;
    }
    char *kc = osh_str_printf("%s/kubeconfig", dir);
    int rc = mock_world_write_kubeconfig(w, kc, &error);
    char *cmd = osh_str_printf("/usr/bin/python3 %s/python_v1beta1.py %s", TEST_SOURCE_DIR, kc);
    int status = rc == 0 ? system(cmd) : -1;
    free(cmd);
    unlink(kc);
    rmdir(dir);
    free(kc);
    mock_world_free(w);
    return status == 0 ? 0 : 1;
}
