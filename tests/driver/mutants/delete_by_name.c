/* delete_by_name.c: mutant of driver_delete.c: DELETE by name without preconditions (the
 * behaviour before the reference added them, 5952a5a23). The suite must catch it: a sandbox
 * whose resourceVersion moved between the list and the delete gets deleted (DRV-DEL-RACE),
 * and the request body carries no preconditions (DRV-DEL-OK). */
#include <stdlib.h>

#include "driver.h"
#include "osh_str.h"

int driver_delete(k8s_client *client, const char *version, const driver_config *config, const cJSON *listed,
                  bool *deleted, k8s_error *err)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(listed, "metadata"), "name");
    *deleted = false;
    if (!cJSON_IsString(name))
        return 0;
    char *path = driver_sandbox_path(version, config->namespace_, name->valuestring);
    k8s_response resp;
    int rc = k8s_client_call(client, "DELETE", path, NULL, &resp, err);
    if (rc == 0 && resp.status >= 200 && resp.status <= 299)
        *deleted = true;
    else if (rc == 0 && resp.status != 404) {
        k8s_error_from_response(err, resp.status, resp.reason, osh_buf_str(&resp.body));
        rc = -1;
    }
    k8s_response_free(&resp);
    free(path);
    return rc;
}
