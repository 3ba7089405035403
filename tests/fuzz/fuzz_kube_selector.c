/* fuzz_kube_selector.c: label and field selectors as a client sends them in ?labelSelector=
 * and ?fieldSelector= to the mock API server (mocks/kube/kube_selector.h). Input: the selector,
 * then after a NUL byte an optional JSON object to match it against. Invariants: a refusal
 * has a message; an empty selector matches everything. */
#include <stdio.h>

#include "fuzz_util.h"
#include "kube_selector.h"

static const char default_obj[] =
    "{\"metadata\":{\"name\":\"openshell-0\",\"namespace\":\"openshell\",\"labels\":{\"app\":\"openshell\","
    "\"tier\":\"gateway\",\"openshell.ai/sandbox-id\":\"x\"}},\"spec\":{\"nodeName\":\"openshell-gw\"},"
    "\"status\":{\"phase\":\"Running\"}}";

static void check(kube_selector *s, char *error, const cJSON *obj, bool empty)
{
    if (!s) {
        FUZZ_CHECK(error != NULL && !empty);
        free(error);
        return;
    }
    FUZZ_CHECK(error == NULL);
    bool m = kube_selector_matches(s, obj);
    FUZZ_CHECK(!empty || m);
    kube_selector_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *selector, *doc;
    fuzz_split(data, size, &selector, &doc);
    cJSON *obj = cJSON_Parse(*doc ? doc : default_obj);
    if (!obj)
        obj = cJSON_Parse(default_obj);
    bool empty = *selector == '\0';
    char *error = NULL;
    kube_selector *s = kube_label_selector_parse(selector, &error);
    check(s, error, obj, empty);
    error = NULL;
    s = kube_field_selector_parse(selector, kube_resource_by_user_name("pods"), &error);
    check(s, error, obj, empty);
    error = NULL;
    s = kube_field_selector_parse(selector, kube_resource_by_user_name("sandboxes"), &error);
    check(s, error, obj, empty);
    cJSON_Delete(obj);
    free(selector);
    free(doc);
    return 0;
}
