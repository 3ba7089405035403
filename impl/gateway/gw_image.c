/* gw_image.c: image readiness (rules §4.3): inspect, the local-only refusal, pulls with
 * X-Registry-Auth, and the remote platform pull and tag. */
#include "gw_answers.h"

#include <stdlib.h>
#include <string.h>

#include "docker_stream.h"
#include "osh_base64.h"
#include "osh_str.h"

#define GW_REMOTE_IMAGE_REPO "ghcr.io/nvidia/openshell/cluster"

char *gw_registry_auth_header(const char *repo, const char *username, const char *token)
{
    if (!osh_str_starts_with(repo, "ghcr.io/") || !token || !*token)
        return NULL;
    cJSON *auth = cJSON_CreateObject();
    cJSON_AddStringToObject(auth, "username", username && *username ? username : "__token__");
    cJSON_AddStringToObject(auth, "password", token);
    cJSON_AddStringToObject(auth, "serveraddress", "ghcr.io");
    char *json = cJSON_PrintUnformatted(auth);
    osh_buf b = OSH_BUF_INIT;
    osh_buf_append_str(&b, "X-Registry-Auth: ");
    osh_base64url_encode(&b, json, strlen(json));
    cJSON_free(json);
    cJSON_Delete(auth);
    return osh_buf_detach(&b);
}

static void pull_progress(gw_pull_state *p, const cJSON *obj)
{
    const char *status = gw_json_string(obj, "status");
    const cJSON *cur = gw_json_path(obj, "progressDetail.current");
    const cJSON *total = gw_json_path(obj, "progressDetail.total");
    if (status && cJSON_IsNumber(cur) && cJSON_IsNumber(total))
        gw_emit(p->ctx, GW_EVENT_PROGRESS, "%s: %ld/%ld MB", status,
                gw_double_to_long(cur->valuedouble / (1024.0 * 1024.0)),
                gw_double_to_long(total->valuedouble / (1024.0 * 1024.0)));
}

void gw_pull_line(void *ud, const char *line, size_t len)
{
    gw_pull_state *p = ud;
    if (p->failed)
        return;
    char *text = osh_str_ndup(line, len);
    char *trimmed = osh_str_trim_dup(text);
    free(text);
    if (!*trimmed) {
        free(trimmed);
        return;
    }
    cJSON *obj = cJSON_Parse(trimmed);
    if (!obj) {
        p->failed = true;
        gw_fail(&p->err, GW_E_MALFORMED, "failed to pull image: malformed JSON in pull stream: %s", trimmed);
    } else {
        const cJSON *error = cJSON_GetObjectItemCaseSensitive(obj, "error");
        const cJSON *detail = cJSON_GetObjectItemCaseSensitive(obj, "errorDetail");
        if (error || detail) {
            const char *msg = cJSON_IsString(error) ? error->valuestring : gw_json_string(detail, "message");
            p->failed = true;
            gw_fail(&p->err, GW_E_FAILED, "failed to pull image: %s", msg ? msg : "unknown error");
        } else if (p->report_progress) {
            pull_progress(p, obj);
        }
    }
    cJSON_Delete(obj);
    free(trimmed);
}

static int pull_data(void *ud, const char *data, size_t len)
{
    gw_pull_state *p = ud;
    docker_lines_feed(&p->lines, data, len, gw_pull_line, p);
    return p->failed ? 1 : 0;
}

static int pull(gw_ctx *ctx, const char *path, const char *auth_header, bool report_progress, gw_error *err)
{
    gw_pull_state p = {.ctx = ctx, .report_progress = report_progress};
    docker_request req = {.method = "POST", .path = path, .header = auth_header, .on_data = pull_data, .data_ud = &p};
    docker_response resp = DOCKER_RESPONSE_INIT;
    int rc = docker_client_send(ctx->docker, &req, &resp, err);
    if (!p.failed)
        docker_lines_finish(&p.lines, gw_pull_line, &p);
    if (p.failed) {
        gw_error_move(err, &p.err);
        rc = -1;
    } else if (rc == 0 && !docker_status_ok(resp.status)) {
        rc = docker_status_error(&resp, err);
        gw_error_prefix(err, "failed to pull image: ");
    } else if (rc != 0) {
        gw_error_prefix(err, "failed to pull image: ");
    }
    docker_lines_free(&p.lines);
    gw_error_clear(&p.err);
    docker_response_free(&resp);
    return rc;
}

/* GET /images/{ref}/json: *found tells 200 from 404; *doc (optional) gets the body. */
static int inspect_image(gw_ctx *ctx, const char *ref, bool *found, cJSON **doc, gw_error *err)
{
    static const long ok[] = {200, 404, 0};
    char *path = osh_str_printf("/images/%s/json", ref);
    long status = 0;
    int rc = gw_docker_json(ctx, "GET", path, NULL, ok, &status, doc, err);
    free(path);
    *found = rc == 0 && status == 200;
    return rc;
}

int gw_image_ensure_local(gw_ctx *ctx, const char *ref, const char *username, const char *token, gw_error *err)
{
    bool found = false;
    if (inspect_image(ctx, ref, &found, NULL, err) != 0)
        return -1;
    if (found)
        return 0;
    if (gw_image_ref_is_local(ref))
        return gw_fail(err, GW_E_NOT_FOUND,
                       "Image '%s' not found locally. It looks like a locally-built image (no registry prefix); "
                       "build or load it into Docker first, or use a registry reference",
                       ref);
    char *repo, *tag;
    gw_image_ref_split(ref, &repo, &tag);
    osh_buf path = OSH_BUF_INIT;
    osh_buf_append_str(&path, "/images/create");
    docker_path_add_query(&path, "fromImage", repo);
    if (*tag)
        docker_path_add_query(&path, "tag", tag);
    char *auth = gw_registry_auth_header(repo, username, token);
    int rc = pull(ctx, osh_buf_str(&path), auth, false, err);
    free(auth);
    osh_buf_free(&path);
    free(repo);
    free(tag);
    return rc;
}

static char *remote_platform(gw_ctx *ctx, char **arch_out, gw_error *err)
{
    cJSON *version = NULL;
    if (gw_docker_json(ctx, "GET", "/version", NULL, NULL, NULL, &version, err) != 0)
        return NULL;
    const char *arch = gw_json_string(version, "Arch");
    const char *os = gw_json_string(version, "Os");
    char *platform = NULL;
    if (!arch || !os) {
        gw_fail(err, GW_E_FAILED, "remote Docker /version is missing %s", !arch ? "Arch" : "Os");
    } else {
        char *a = strcmp(arch, "x86_64") == 0 ? osh_str_dup("amd64")
                  : strcmp(arch, "aarch64") == 0 ? osh_str_dup("arm64")
                                                 : osh_str_dup(arch);
        char *o = osh_str_dup(os);
        for (char *c = a; *c; c++)
            *c = (char)((*c >= 'A' && *c <= 'Z') ? *c - 'A' + 'a' : *c);
        for (char *c = o; *c; c++)
            *c = (char)((*c >= 'A' && *c <= 'Z') ? *c - 'A' + 'a' : *c);
        platform = osh_str_printf("%s/%s", o, a);
        *arch_out = a;
        free(o);
    }
    cJSON_Delete(version);
    return platform;
}

static int tag_and_check(gw_ctx *ctx, const char *ref, const char *pull_tag, const char *arch, gw_error *err)
{
    char *repo, *tag;
    gw_image_ref_split(ref, &repo, &tag);
    osh_buf path = OSH_BUF_INIT;
    osh_buf_appendf(&path, "/images/" GW_REMOTE_IMAGE_REPO ":%s/tag", pull_tag);
    docker_path_add_query(&path, "repo", repo);
    docker_path_add_query(&path, "tag", *tag ? tag : "latest");
    int rc = gw_docker_json(ctx, "POST", osh_buf_str(&path), NULL, NULL, NULL, NULL, err);
    osh_buf_free(&path);
    free(repo);
    free(tag);
    if (rc != 0)
        return gw_error_prefix(err, "failed to tag image as %s: ", ref), -1;
    bool found = false;
    cJSON *doc = NULL;
    rc = inspect_image(ctx, ref, &found, &doc, err);
    if (rc == 0 && !found)
        rc = gw_fail(err, GW_E_NOT_FOUND, "image %s not found after pull", ref);
    const char *actual = rc == 0 ? gw_json_string(doc, "Architecture") : NULL;
    if (rc == 0 && actual && strcmp(actual, arch) != 0)
        rc = gw_fail(err, GW_E_FAILED, "architecture mismatch: pulled image %s is %s but remote host is %s", ref,
                     actual, arch);
    cJSON_Delete(doc);
    return rc;
}

int gw_image_pull_remote(gw_ctx *ctx, const char *ref, const char *username, const char *token, gw_error *err)
{
    char *arch = NULL;
    char *platform = remote_platform(ctx, &arch, err);
    if (!platform)
        return -1;
    char *repo, *tag;
    gw_image_ref_split(ref, &repo, &tag);
    char *pull_tag = osh_str_dup(gw_image_ref_is_local(ref) || !*tag ? "latest" : tag);
    gw_emit(ctx, GW_EVENT_PROGRESS, "Pulling %s image", platform);
    osh_buf path = OSH_BUF_INIT;
    osh_buf_append_str(&path, "/images/create");
    docker_path_add_query(&path, "fromImage", GW_REMOTE_IMAGE_REPO);
    docker_path_add_query(&path, "tag", pull_tag);
    docker_path_add_query(&path, "platform", platform);
    char *auth = gw_registry_auth_header(GW_REMOTE_IMAGE_REPO, username, token);
    int rc = pull(ctx, osh_buf_str(&path), auth, true, err);
    if (rc == 0)
        rc = tag_and_check(ctx, ref, pull_tag, arch, err);
    if (rc == 0)
        gw_emit(ctx, GW_EVENT_PROGRESS, "Image ready");
    free(auth);
    osh_buf_free(&path);
    free(pull_tag);
    free(repo);
    free(tag);
    free(platform);
    free(arch);
    return rc;
}
