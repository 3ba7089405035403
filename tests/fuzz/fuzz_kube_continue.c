/* fuzz_kube_continue.c: list pagination as a client drives it with ?continue= and ?limit=
 * (mocks/kube/kube_continue.h, kube_store_list_page). Input: the continue token, then after
 * a NUL byte an optional limit. Invariants: a refused token has a message that is valid
 * UTF-8 (it goes into a JSON Status); a list answers 200, 400, 410 or 500, never more items
 * than the limit; a token the store issued reads back to the key it was made from. */
#include "fuzz_util.h"
#include "kube_continue.h"
#include "kube_store.h"

static bool valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2 : (*p & 0xf8) == 0xf0 ? 3 : -1;
        if (n < 0)
            return false;
        p++;
        for (int i = 0; i < n; i++, p++)
            if ((*p & 0xc0) != 0x80)
                return false;
    }
    return true;
}

static kube_store *store(void)
{
    static kube_store *s;
    if (!s) {
        cJSON *doc = cJSON_Parse("{\"nodes\": [{\"metadata\": {\"name\": \"a\"}}, {\"metadata\": {\"name\": \"b\"}},"
                                 " {\"metadata\": {\"name\": \"c\"}}], \"secrets\": [{\"metadata\": {\"name\": \"x\"}},"
                                 " {\"metadata\": {\"name\": \"y\", \"namespace\": \"kube-system\"}}]}");
        char *error = NULL;
        s = kube_store_import(doc, &error);
        cJSON_Delete(doc);
        FUZZ_CHECK(s != NULL);
    }
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *token, *limit;
    fuzz_split(data, size, &token, &limit);
    kube_continue c;
    char *error = NULL;
    if (kube_continue_decode(token, &c, &error) == 0) {
        FUZZ_CHECK(error == NULL && c.start != NULL);
        kube_continue_free(&c);
    } else {
        FUZZ_CHECK(error != NULL && valid_utf8(error));
        free(error);
    }
    const char *plurals[] = {"nodes", "secrets"};
    for (size_t i = 0; i < 2; i++) {
        kube_list_opts o = {.limit = *limit ? limit : NULL, .continue_token = token};
        kube_result r = kube_store_list_page(store(), kube_resource_by_user_name(plurals[i]), i ? "default" : NULL, &o);
        FUZZ_CHECK(r.code == 200 || r.code == 400 || r.code == 410 || r.code == 500);
        char *text = cJSON_PrintUnformatted(r.body);
        FUZZ_CHECK(text && valid_utf8(text));
        free(text);
        long long want = 0;
        char *lerr = NULL;
        if (r.code == 200 && *limit && kube_parse_int64(limit, &want, &lerr) == 0 && want > 0)
            FUZZ_CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(r.body, "items")) <= want);
        free(lerr);
        cJSON_Delete(r.body);
    }
    /* what the store issues reads back */
    if (*token && !strchr(token, '"') && !strchr(token, '\\') && valid_utf8(token) && token[0] != '/' &&
        !strstr(token, "//") && !strstr(token, "./") && token[strlen(token) - 1] != '/' && token[strlen(token) - 1] != '.') {
        char *issued = kube_continue_encode(token, 7);
        FUZZ_CHECK(kube_continue_decode(issued, &c, &error) == 0);
        FUZZ_CHECK(c.rv == 7 && c.after && strcmp(c.start, token) == 0);
        kube_continue_free(&c);
        free(issued);
    }
    free(token);
    free(limit);
    return 0;
}
