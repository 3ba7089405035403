/* fuzz_kubectl_jsonpath.c: the k3s simulator's kubectl templates (mocks/k3s/kubectl_jsonpath.h,
 * kubectl_print.h): -o jsonpath=TEMPLATE and -o custom-columns=SPEC, as the gateway's exec
 * commands and a user's doctor exec send them. Input: the template, then after a NUL byte an
 * optional JSON document (a Secret-like List otherwise). Invariants: a failure has a message;
 * eval gives an array. */
#include <stdio.h>

#include "fuzz_util.h"
#include "kubectl_jsonpath.h"
#include "kubectl_print.h"

static const char default_doc[] =
    "{\"kind\":\"List\",\"items\":[{\"metadata\":{\"name\":\"openshell-cli-client\",\"labels\":{\"a.b/c\":\"d\"}},"
    "\"data\":{\"ca.crt\":\"Q0E=\",\"tls.crt\":\"Q1JU\",\"tls.key\":\"S0VZ\"},\"status\":{\"conditions\":[{\"type\":"
    "\"Ready\",\"status\":\"True\"}],\"n\":[1,2.5,true,null]}},{\"metadata\":{\"name\":\"b\"}}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *tmpl, *doc_text;
    fuzz_split(data, size, &tmpl, &doc_text);
    cJSON *doc = *doc_text ? cJSON_Parse(doc_text) : NULL;
    if (!doc)
        doc = cJSON_Parse(default_doc);
    char *error = NULL;
    osh_buf out = OSH_BUF_INIT;
    if (kubectl_jsonpath_render(tmpl, doc, &out, &error) != 0) {
        FUZZ_CHECK(error != NULL);
        free(error);
        error = NULL;
    }
    osh_buf_free(&out);
    cJSON *vals = kubectl_jsonpath_eval(tmpl, doc, &error);
    if (vals) {
        FUZZ_CHECK(cJSON_IsArray(vals) && error == NULL);
        cJSON_Delete(vals);
    } else {
        FUZZ_CHECK(error != NULL);
        free(error);
        error = NULL;
    }
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(doc, "items");
    if (cJSON_IsArray(items)) {
        osh_buf table = OSH_BUF_INIT;
        if (kubectl_print_custom_columns(&table, tmpl, items, false, &error) != 0) {
            FUZZ_CHECK(error != NULL);
            free(error);
        }
        osh_buf_free(&table);
    }
    cJSON_Delete(doc);
    free(tmpl);
    free(doc_text);
    return 0;
}
