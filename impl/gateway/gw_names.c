/* gw_names.c: gateway-name validation and node-name normalization (rules §2, 3.2). */
#include "gw_names.h"

#include <string.h>

#include "osh_buf.h"
#include "osh_str.h"

static int is_ascii_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static void trim_hyphens(osh_buf *b)
{
    size_t start = 0;
    while (start < b->len && b->data[start] == '-')
        start++;
    osh_buf_consume(b, start);
    while (b->len > 0 && b->data[b->len - 1] == '-')
        b->data[--b->len] = '\0';
}

char *gw_node_name(const char *name, size_t len)
{
    osh_buf suffix = OSH_BUF_INIT;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (is_ascii_alnum(c))
            osh_buf_append_char(&suffix, (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
        else if (suffix.len == 0 || suffix.data[suffix.len - 1] != '-')
            osh_buf_append_char(&suffix, '-');
    }
    trim_hyphens(&suffix);
    if (suffix.len > GW_NODE_SUFFIX_MAX) {
        suffix.len = GW_NODE_SUFFIX_MAX;
        suffix.data[suffix.len] = '\0';
        trim_hyphens(&suffix);
    }
    char *out = osh_str_printf(GW_NODE_PREFIX "%s", suffix.len ? suffix.data : "gateway");
    osh_buf_free(&suffix);
    return out;
}

int gw_validate_name(const char *name, gw_error *err)
{
    if (!name || !*name)
        return gw_fail(err, GW_E_USAGE, "gateway name is empty");
    for (const char *p = name; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (!is_ascii_alnum(c) && c != '.' && c != '_' && c != '-')
            return gw_fail(err, GW_E_USAGE,
                           "gateway name contains invalid characters (allowed: alphanumeric, '.', '-', '_')");
    }
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return gw_fail(err, GW_E_USAGE, "gateway name must not be '.' or '..'");
    return 0;
}

char *gw_resource_name(const char *name) { return osh_str_printf("openshell-cluster-%s", name); }
