/* driver_delete.c: delete of rules §13.5 (delete_sandbox, driver.rs:1651-1751): DELETE with
 * the listed object's uid and resourceVersion as preconditions, no propagation policy; 404
 * and 409 both mean "not deleted". Alone in its file so a test mutant can replace it. */
#include "driver.h"

#include <stdlib.h>

#include "driver_internal.h"
#include "osh_str.h"

int driver_delete(k8s_client *client, const char *version, const driver_config *config, const cJSON *listed,
                  bool *deleted, k8s_error *err)
{
    *deleted = false;
    const char *name = driver_meta_string(listed, "name");
    if (!*name) /* an item without a name counts as gone (driver.rs:1669-1695) */
        return 0;
    char *path = driver_sandbox_path(version, driver_object_namespace(listed, config), name);
    cJSON *body = cJSON_CreateObject();
    cJSON *pre = cJSON_AddObjectToObject(body, "preconditions");
    cJSON_AddStringToObject(pre, "resourceVersion", driver_meta_string(listed, "resourceVersion"));
    cJSON_AddStringToObject(pre, "uid", driver_meta_string(listed, "uid"));
    char *text = cJSON_PrintUnformatted(body);
    int rc = driver_call_json(client, "DELETE", path, "application/json", text, NULL, NULL, err);
    if (rc == 0) {
        *deleted = true;
    } else if (err->code == 404 || err->code == 409) {
        /* The reference reports both as "not deleted": a moved resourceVersion too
         * (driver.rs:1722-1750; scenario DRV-DEL-RACE). */
        k8s_error_clear(err);
        rc = 0;
    }
    cJSON_free(text);
    cJSON_Delete(body);
    free(path);
    return rc;
}
