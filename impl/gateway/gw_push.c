/* gw_push.c: pushing local images into the cluster's containerd (rules §6): export, wrap in
 * a one-file tar (libarchive, loaded on first use: gw_libarchive.h), upload, ctr import,
 * then restart the workload. */
#include "gw_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_libarchive.h"
#include "osh_str.h"

#define MIB (1024LL * 1024LL)
#define KCFG "KUBECONFIG=/etc/rancher/k3s/k3s.yaml"

typedef struct export_state {
    gw_ctx *ctx;
    FILE *file;
    long long bytes;
    long long next_report;
    bool write_failed;
} export_state;

static int export_data(void *ud, const char *data, size_t len)
{
    export_state *s = ud;
    if (fwrite(data, 1, len, s->file) != len) {
        s->write_failed = true;
        return 1;
    }
    s->bytes += (long long)len;
    while (s->bytes >= s->next_report) {
        gw_emit(s->ctx, GW_EVENT_PROGRESS, "Exported %lld MiB", s->next_report / MIB);
        s->next_report += 100 * MIB;
    }
    return 0;
}

static int export_images(gw_ctx *ctx, const gw_strv *refs, FILE *out, long long *size, gw_error *err)
{
    osh_buf path = OSH_BUF_INIT;
    osh_buf_append_str(&path, "/images/get");
    for (size_t i = 0; i < refs->len; i++)
        docker_path_add_query(&path, "names", refs->items[i]);
    export_state s = {.ctx = ctx, .file = out, .next_report = 100 * MIB};
    docker_request req = {.method = "GET", .path = osh_buf_str(&path), .on_data = export_data, .data_ud = &s,
                          .transfer = true};
    docker_response resp = DOCKER_RESPONSE_INIT;
    int rc = docker_client_send(ctx->docker, &req, &resp, err);
    if (s.write_failed)
        rc = gw_fail(err, GW_E_IO, "failed to write the image export to a temporary file: %s", strerror(errno));
    else if (rc == 0 && !docker_status_ok(resp.status))
        rc = docker_status_error(&resp, err);
    if (rc != 0)
        gw_error_prefix(err, "failed to read image export stream: ");
    else
        gw_emit(ctx, GW_EVENT_PROGRESS, "Exported %lld MiB", s.bytes / MIB);
    *size = s.bytes;
    docker_response_free(&resp);
    osh_buf_free(&path);
    return rc;
}

static int archive_fail(const gw_libarchive *la, struct archive *a, gw_error *err)
{
    return gw_fail(err, GW_E_IO, "failed to build the image archive: %s", la->error_string(a));
}

/* One regular file `openshell-images.tar`, 0644, uid/gid 0, mtime 0 (GNU header). */
int gw_push_wrap_tar(FILE *in, long long size, FILE *out, gw_error *err)
{
    const gw_libarchive *la = gw_libarchive_get(err);
    if (!la) {
        gw_error_prefix(err, "failed to build the image archive: ");
        return -1;
    }
    struct archive *a = la->write_new();
    la->write_set_format_gnutar(a);
    la->write_set_bytes_in_last_block(a, 1);
    int rc = 0;
    if (la->write_open_FILE(a, out) != ARCHIVE_OK)
        rc = archive_fail(la, a, err);
    struct archive_entry *e = la->entry_new();
    la->entry_set_pathname(e, "openshell-images.tar");
    la->entry_set_filetype(e, AE_IFREG);
    la->entry_set_perm(e, 0644);
    la->entry_set_uid(e, 0);
    la->entry_set_gid(e, 0);
    la->entry_set_mtime(e, 0, 0);
    la->entry_set_size(e, size);
    if (rc == 0 && la->write_header(a, e) != ARCHIVE_OK)
        rc = archive_fail(la, a, err);
    rewind(in);
    char chunk[65536];
    size_t n;
    while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), in)) > 0)
        if (la->write_data(a, chunk, n) < 0)
            rc = archive_fail(la, a, err);
    if (rc == 0 && la->write_close(a) != ARCHIVE_OK)
        rc = archive_fail(la, a, err);
    la->entry_free(e);
    la->write_free(a);
    return rc;
}

static int upload(gw_ctx *ctx, FILE *tar, gw_error *err)
{
    fflush(tar);
    long long len = ftell(tar);
    rewind(tar);
    osh_buf path = OSH_BUF_INIT;
    osh_buf_appendf(&path, "/containers/%s/archive", ctx->resource);
    docker_path_add_query(&path, "path", "/tmp");
    docker_request req = {.method = "PUT", .path = osh_buf_str(&path), .content_type = "application/x-tar",
                          .body_file = tar, .body_file_len = len, .transfer = true};
    docker_response resp = DOCKER_RESPONSE_INIT;
    int rc = docker_client_send(ctx->docker, &req, &resp, err);
    if (rc == 0 && !docker_status_ok(resp.status))
        rc = docker_status_error(&resp, err);
    if (rc != 0)
        gw_error_prefix(err, "failed to upload image tar into container: ");
    docker_response_free(&resp);
    osh_buf_free(&path);
    return rc;
}

static int exec_checked(gw_ctx *ctx, const char *const *cmd, const char *what_fmt, const char *kind, gw_error *err)
{
    gw_exec_result r;
    if (gw_exec_capture(ctx, cmd, &r, err) != 0)
        return -1;
    int rc = 0;
    if (r.exit_code != 0) {
        char *what = osh_str_printf(what_fmt, kind ? kind : "", r.exit_code);
        rc = gw_fail(err, GW_E_FAILED, "%s\n%s", what, osh_buf_str(&r.output));
        free(what);
    }
    gw_exec_result_free(&r);
    return rc;
}

static int find_workload(gw_ctx *ctx, const char **kind, gw_error *err)
{
    static const char *const kinds[] = {"statefulset", "deployment"};
    for (size_t i = 0; i < 2; i++) {
        char *script = osh_str_printf(KCFG " kubectl get %s/openshell -n openshell -o name 2>/dev/null", kinds[i]);
        gw_exec_result r;
        int rc = gw_exec_sh(ctx, script, &r, err);
        free(script);
        if (rc != 0)
            return -1;
        int code = r.exit_code;
        gw_exec_result_free(&r);
        if (code == 0) {
            *kind = kinds[i];
            return 0;
        }
    }
    return gw_fail(err, GW_E_NOT_FOUND, "no openshell workload (statefulset or deployment) found in namespace 'openshell'");
}

static int import_and_restart(gw_ctx *ctx, gw_error *err)
{
    const char *import[] = {"ctr", "-a", "/run/k3s/containerd/containerd.sock", "-n", "k8s.io", "images", "import",
                            "/tmp/openshell-images.tar", NULL};
    if (exec_checked(ctx, import, "ctr images import exited with code %s%d", "", err) != 0)
        return -1;
    const char *rm[] = {"rm", "-f", "/tmp/openshell-images.tar", NULL};
    gw_exec_result r;
    if (gw_exec_capture(ctx, rm, &r, err) != 0)
        return -1;
    gw_exec_result_free(&r);
    const char *kind = NULL;
    if (find_workload(ctx, &kind, err) != 0)
        return -1;
    char *restart = osh_str_printf(KCFG " kubectl rollout restart %s/openshell -n openshell", kind);
    const char *restart_cmd[] = {"sh", "-c", restart, NULL};
    int rc = exec_checked(ctx, restart_cmd, "failed to restart openshell %s/openshell (exit code %d)", kind, err);
    free(restart);
    if (rc != 0)
        return -1;
    char *status = osh_str_printf(KCFG " kubectl rollout status %s/openshell -n openshell --timeout=180s", kind);
    const char *status_cmd[] = {"sh", "-c", status, NULL};
    rc = exec_checked(ctx, status_cmd, "openshell rollout status failed for %s/openshell (exit code %d)", kind, err);
    free(status);
    return rc;
}

int gw_push_images(gw_ctx *ctx, const char *raw_list, gw_error *err)
{
    gw_strv refs = {0};
    char *copy = osh_str_dup(raw_list);
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *t = osh_str_trim_dup(item);
        if (*t)
            gw_strv_push(&refs, t);
        free(t);
    }
    free(copy);
    int rc = 0;
    FILE *exported = refs.len ? tmpfile() : NULL;
    FILE *tar = refs.len ? tmpfile() : NULL;
    if (refs.len && (!exported || !tar))
        rc = gw_fail(err, GW_E_IO, "failed to create a temporary file: %s", strerror(errno));
    long long size = 0;
    if (rc == 0 && refs.len) {
        gw_emit(ctx, GW_EVENT_STATUS, "Deploying components");
        rc = export_images(ctx, &refs, exported, &size, err);
        if (rc == 0)
            rc = gw_push_wrap_tar(exported, size, tar, err);
        if (rc == 0)
            rc = upload(ctx, tar, err);
        if (rc == 0) {
            gw_emit(ctx, GW_EVENT_PROGRESS, "Uploaded to gateway");
            rc = import_and_restart(ctx, err);
        }
    }
    if (exported)
        fclose(exported);
    if (tar)
        fclose(tar);
    gw_strv_free(&refs);
    return rc;
}
