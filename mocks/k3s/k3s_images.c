/* k3s_images.c: the simulated `ctr images import` (see k3s_images.h). */
#include "k3s_images.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

#include "osh_str.h"

cJSON *k3s_archive_repo_tags(const void *data, size_t len, char **error)
{
    struct archive *a = archive_read_new();
    archive_read_support_format_tar(a);
    archive_read_support_format_gnutar(a);
    *error = NULL;
    cJSON *tags = NULL;
    if (archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
        *error = osh_str_printf("not a tar archive: %s", archive_error_string(a));
        archive_read_free(a);
        return NULL;
    }
    struct archive_entry *e;
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        const char *path = archive_entry_pathname(e);
        if (strcmp(path, "manifest.json") != 0 && strcmp(path, "./manifest.json") != 0)
            continue;
        osh_buf body = OSH_BUF_INIT;
        char chunk[8192];
        la_ssize_t n;
        while ((n = archive_read_data(a, chunk, sizeof(chunk))) > 0)
            osh_buf_append(&body, chunk, (size_t)n);
        cJSON *manifest = cJSON_Parse(osh_buf_str(&body));
        osh_buf_free(&body);
        tags = cJSON_CreateArray();
        const cJSON *img, *tag;
        cJSON_ArrayForEach(img, manifest)
        {
            cJSON_ArrayForEach(tag, cJSON_GetObjectItemCaseSensitive(img, "RepoTags"))
            {
                if (cJSON_IsString(tag))
                    cJSON_AddItemToArray(tags, cJSON_CreateString(tag->valuestring));
            }
        }
        cJSON_Delete(manifest);
        break;
    }
    archive_read_free(a);
    if (!tags)
        *error = osh_str_dup("no manifest.json in the archive");
    return tags;
}

int k3s_ctr_run(const k3s_shell_env *env, const char *const *w, size_t n, osh_buf *out, osh_buf *err)
{
    const char *file = NULL;
    for (size_t i = 1; i + 2 < n; i++)
        if (strcmp(w[i], "images") == 0 && strcmp(w[i + 1], "import") == 0)
            file = w[n - 1];
    if (!file) {
        osh_buf_append_str(err, "ctr: the simulated ctr only supports `images import FILE`\n");
        return 1;
    }
    size_t len = 0;
    char *data = env->read_file ? env->read_file(env->user, file, &len) : NULL;
    if (!data) {
        osh_buf_appendf(err, "ctr: open %s: no such file or directory\n", file);
        return 1;
    }
    char *error = NULL;
    cJSON *tags = k3s_archive_repo_tags(data, len, &error);
    free(data);
    if (!tags) {
        osh_buf_appendf(err, "ctr: %s\n", error);
        free(error);
        return 1;
    }
    const cJSON *t;
    cJSON_ArrayForEach(t, tags)
    {
        osh_buf_appendf(out, "unpacking %s ...done\n", t->valuestring);
        if (env->image_imported)
            env->image_imported(env->user, t->valuestring);
    }
    cJSON_Delete(tags);
    return 0;
}
