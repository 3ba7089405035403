/* conf_vars.c: ${NAME} and ${repeat:N:TEXT} expansion (see conf_vars.h). */
#include "conf_vars.h"

#include <stdlib.h>
#include <string.h>

#include "osh_buf.h"
#include "osh_str.h"

/* Expand the ${...} whose body (without braces) is name; false when it is not ours. */
static bool expand_one(osh_buf *out, const char *name, const cJSON *vars)
{
    const char *count = osh_str_after(name, "repeat:");
    if (count) {
        char *end;
        long n = strtol(count, &end, 10);
        if (end == count || *end != ':' || n < 0 || n > 1000000)
            return false;
        for (long i = 0; i < n; i++)
            osh_buf_append_str(out, end + 1);
        return true;
    }
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(vars, name);
    if (!cJSON_IsString(v))
        return false;
    osh_buf_append_str(out, v->valuestring);
    return true;
}

char *conf_vars_expand(const char *s, const cJSON *vars)
{
    osh_buf out = OSH_BUF_INIT;
    const char *p = s;
    while (*p) {
        const char *open = strstr(p, "${");
        if (!open) {
            osh_buf_append_str(&out, p);
            break;
        }
        osh_buf_append(&out, p, (size_t)(open - p));
        const char *close = strchr(open + 2, '}');
        if (!close) {
            osh_buf_append_str(&out, open);
            break;
        }
        char *name = osh_str_ndup(open + 2, (size_t)(close - open - 2));
        if (!expand_one(&out, name, vars))
            osh_buf_append(&out, open, (size_t)(close - open + 1));
        free(name);
        p = close + 1;
    }
    return out.data ? osh_buf_detach(&out) : osh_str_dup("");
}

void conf_vars_expand_tree(cJSON *node, const cJSON *vars)
{
    if (!node)
        return;
    if (cJSON_IsString(node) && strstr(node->valuestring, "${")) {
        char *x = conf_vars_expand(node->valuestring, vars);
        cJSON_SetValuestring(node, x);
        free(x);
        return;
    }
    for (cJSON *c = node->child; c; c = c->next)
        conf_vars_expand_tree(c, vars);
}
