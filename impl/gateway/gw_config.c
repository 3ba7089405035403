/* gw_config.c: config-root paths, metadata JSON and the active gateway file. */
#include "gw_config.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "osh_buf.h"
#include "osh_file.h"
#include "osh_str.h"

char *gw_config_root(gw_error *err)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    if (xdg && *xdg)
        return osh_str_printf("%s/openshell", xdg);
    const char *home = getenv("HOME");
    if (home && *home)
        return osh_str_printf("%s/.config/openshell", home);
    gw_fail(err, GW_E_CONFIG, "HOME is not set");
    return NULL;
}

char *gw_metadata_path(const char *root, const char *name) { return osh_str_printf("%s/gateways/%s_metadata.json", root, name); }
char *gw_mtls_dir(const char *root, const char *name) { return osh_str_printf("%s/gateways/%s/mtls", root, name); }
char *gw_active_gateway_path(const char *root) { return osh_str_printf("%s/active_gateway", root); }

void gw_metadata_free(gw_metadata *m)
{
    if (!m)
        return;
    free(m->name);
    free(m->gateway_endpoint);
    free(m->remote_host);
    free(m->resolved_host);
    free(m->auth_mode);
    memset(m, 0, sizeof(*m));
}

static void append_json_string(osh_buf *b, const char *s)
{
    cJSON *str = cJSON_CreateString(s ? s : "");
    char *text = cJSON_PrintUnformatted(str);
    osh_buf_append_str(b, text);
    cJSON_free(text);
    cJSON_Delete(str);
}

char *gw_metadata_to_json(const gw_metadata *m)
{
    osh_buf b = OSH_BUF_INIT;
    osh_buf_append_str(&b, "{\n  \"name\": ");
    append_json_string(&b, m->name);
    osh_buf_append_str(&b, ",\n  \"gateway_endpoint\": ");
    append_json_string(&b, m->gateway_endpoint);
    osh_buf_appendf(&b, ",\n  \"is_remote\": %s", m->is_remote ? "true" : "false");
    osh_buf_appendf(&b, ",\n  \"gateway_port\": %ld", m->gateway_port);
    if (m->remote_host) {
        osh_buf_append_str(&b, ",\n  \"remote_host\": ");
        append_json_string(&b, m->remote_host);
    }
    if (m->resolved_host) {
        osh_buf_append_str(&b, ",\n  \"resolved_host\": ");
        append_json_string(&b, m->resolved_host);
    }
    osh_buf_append_str(&b, "\n}");
    return osh_buf_detach(&b);
}

static char *opt_string(const cJSON *obj, const char *key, bool *bad)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v))
        return NULL;
    if (!cJSON_IsString(v)) {
        *bad = true;
        return NULL;
    }
    return osh_str_dup(v->valuestring);
}

int gw_metadata_parse(const char *text, gw_metadata *m, gw_error *err)
{
    memset(m, 0, sizeof(*m));
    cJSON *doc = cJSON_Parse(text ? text : "");
    bool bad = !cJSON_IsObject(doc);
    if (!bad) {
        const cJSON *remote = cJSON_GetObjectItemCaseSensitive(doc, "is_remote");
        const cJSON *port = cJSON_GetObjectItemCaseSensitive(doc, "gateway_port");
        m->name = opt_string(doc, "name", &bad);
        m->gateway_endpoint = opt_string(doc, "gateway_endpoint", &bad);
        m->remote_host = opt_string(doc, "remote_host", &bad);
        m->resolved_host = opt_string(doc, "resolved_host", &bad);
        m->auth_mode = opt_string(doc, "auth_mode", &bad);
        if (!m->name || !m->gateway_endpoint)
            bad = true;
        if (remote && !cJSON_IsBool(remote))
            bad = true;
        m->is_remote = cJSON_IsTrue(remote);
        /* A port is an integer 0..65535 (serde's u16 in the reference CLI); casting 1e300 to
         * long would be undefined behaviour. */
        if (port && (!cJSON_IsNumber(port) || !(port->valuedouble >= 0 && port->valuedouble <= 65535) ||
                     port->valuedouble != (double)(long)port->valuedouble))
            bad = true;
        m->gateway_port = cJSON_IsNumber(port) && !bad ? (long)port->valuedouble : 0;
    }
    cJSON_Delete(doc);
    if (bad) {
        gw_metadata_free(m);
        return gw_fail(err, GW_E_CONFIG, "failed to parse gateway metadata");
    }
    return 0;
}

/* Metadata and the active-gateway file are a few hundred bytes; the limit only stops a
 * mistaken path (/dev/zero) from being read forever. */
#define GW_CONFIG_FILE_MAX ((size_t)1024 * 1024)

/* The file's text, or NULL with errno saying why (ENOENT when there is none). */
static char *read_config_file(const char *path)
{
    char *why = NULL;
    char *text = osh_file_read(path, GW_CONFIG_FILE_MAX, NULL, &why);
    int saved = errno;
    free(why);
    errno = saved;
    return text;
}

int gw_metadata_load(const char *root, const char *name, gw_metadata *m, gw_error *err)
{
    memset(m, 0, sizeof(*m));
    char *path = gw_metadata_path(root, name);
    char *text = read_config_file(path);
    int rc;
    if (!text && errno == ENOENT)
        rc = gw_fail(err, GW_E_NOT_FOUND,
                     "No gateway metadata found for '%s'\nDeploy a gateway first with: openshell gateway start --name %s",
                     name, name);
    else if (!text)
        rc = gw_fail(err, GW_E_IO, "failed to read %s: %s", path, strerror(errno));
    else {
        rc = gw_metadata_parse(text, m, err);
        if (rc != 0)
            gw_error_append(err, " (%s)", path);
    }
    free(text);
    free(path);
    return rc;
}

bool gw_metadata_exists(const char *root, const char *name)
{
    char *path = gw_metadata_path(root, name);
    bool ok = access(path, F_OK) == 0;
    free(path);
    return ok;
}

int gw_mkdir_p(const char *path, int mode, gw_error *err)
{
    char *copy = osh_str_dup(path);
    for (char *p = copy + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, (mode_t)mode) != 0 && errno != EEXIST) {
            int rc = gw_fail(err, GW_E_IO, "failed to create directory %s: %s", copy, strerror(errno));
            free(copy);
            return rc;
        }
        *p = '/';
    }
    int rc = 0;
    if (mkdir(copy, (mode_t)mode) != 0 && errno != EEXIST)
        rc = gw_fail(err, GW_E_IO, "failed to create directory %s: %s", copy, strerror(errno));
    free(copy);
    return rc;
}

int gw_metadata_store(const char *root, const gw_metadata *m, gw_error *err)
{
    char *dir = osh_str_printf("%s/gateways", root);
    int rc = gw_mkdir_p(dir, 0700, err);
    if (rc == 0)
        chmod(dir, 0700);
    free(dir);
    if (rc != 0)
        return rc;
    char *path = gw_metadata_path(root, m->name);
    char *json = gw_metadata_to_json(m);
    rc = gw_write_file_atomic(path, json, strlen(json), 0600, err);
    free(json);
    free(path);
    return rc;
}

int gw_metadata_remove(const char *root, const char *name, gw_error *err)
{
    char *path = gw_metadata_path(root, name);
    int rc = 0;
    if (unlink(path) != 0 && errno != ENOENT)
        rc = gw_fail(err, GW_E_IO, "failed to remove %s: %s", path, strerror(errno));
    free(path);
    return rc;
}

static int compare_by_name(const void *a, const void *b)
{
    return strcmp(((const gw_metadata *)a)->name, ((const gw_metadata *)b)->name);
}

int gw_metadata_list(const char *root, gw_metadata **out, gw_error *err)
{
    *out = NULL;
    char *dir_path = osh_str_printf("%s/gateways", root);
    DIR *dir = opendir(dir_path);
    if (!dir) {
        int rc = errno == ENOENT ? 0 : gw_fail(err, GW_E_IO, "failed to read %s: %s", dir_path, strerror(errno));
        free(dir_path);
        return rc;
    }
    gw_metadata *list = NULL;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(dir))) {
        if (!osh_str_ends_with(de->d_name, "_metadata.json"))
            continue;
        char *path = osh_str_printf("%s/%s", dir_path, de->d_name);
        char *text = read_config_file(path);
        gw_metadata m;
        if (text && gw_metadata_parse(text, &m, NULL) == 0) {
            gw_metadata *grown = realloc(list, sizeof(*list) * (size_t)(n + 1));
            if (!grown)
                abort();
            list = grown;
            list[n++] = m;
        }
        free(text);
        free(path);
    }
    closedir(dir);
    free(dir_path);
    if (n > 1)
        qsort(list, (size_t)n, sizeof(*list), compare_by_name);
    *out = list;
    return n;
}

void gw_metadata_list_free(gw_metadata *list, int n)
{
    for (int i = 0; i < n; i++)
        gw_metadata_free(&list[i]);
    free(list);
}

char *gw_active_gateway_read(const char *root)
{
    char *path = gw_active_gateway_path(root);
    char *text = read_config_file(path);
    free(path);
    if (!text)
        return NULL;
    char *trimmed = osh_str_trim_dup(text);
    free(text);
    if (!*trimmed) {
        free(trimmed);
        return NULL;
    }
    return trimmed;
}

int gw_active_gateway_write(const char *root, const char *name, gw_error *err)
{
    if (gw_mkdir_p(root, 0700, err) != 0)
        return -1;
    chmod(root, 0700);
    char *path = gw_active_gateway_path(root);
    int rc = gw_write_file_atomic(path, name, strlen(name), 0600, err);
    free(path);
    return rc;
}

int gw_active_gateway_clear_if(const char *root, const char *name, gw_error *err)
{
    char *active = gw_active_gateway_read(root);
    int rc = 0;
    if (active && strcmp(active, name) == 0) {
        char *path = gw_active_gateway_path(root);
        if (unlink(path) != 0 && errno != ENOENT)
            rc = gw_fail(err, GW_E_IO, "failed to remove %s: %s", path, strerror(errno));
        free(path);
    }
    free(active);
    return rc;
}
