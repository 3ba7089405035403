/* gw_doctor.c: `doctor logs` (rules §9.5): the container's log payloads, unchanged, to a
 * descriptor as they arrive. */
#include "gw_internal.h"

#include <stdlib.h>
#include <unistd.h>

#include "docker_stream.h"
#include "osh_str.h"

typedef struct logs_out {
    docker_mux_decoder mux;
    gw_error err;
    bool failed;
    int fd;
} logs_out;

static void write_frame(void *ud, int stream, const char *data, size_t len)
{
    logs_out *o = ud;
    while (len > 0) {
        ssize_t w = write(o->fd, data, len);
        if (w <= 0)
            return;
        data += w;
        len -= (size_t)w;
    }
}

static int logs_data(void *ud, const char *data, size_t len)
{
    logs_out *o = ud;
    if (docker_mux_feed(&o->mux, data, len, &o->err) != 0) {
        o->failed = true;
        return 1;
    }
    return 0;
}

int gw_doctor_logs(const gw_target *t, const char *tail, bool follow, int out_fd, gw_error *err)
{
    gw_ctx ctx;
    if (gw_ctx_open(&ctx, t, err) != 0)
        return -1;
    osh_buf path = OSH_BUF_INIT;
    osh_buf_appendf(&path, "/containers/%s/logs?stdout=1&stderr=1&timestamps=1", ctx.resource);
    if (follow) {
        osh_buf_append_str(&path, "&follow=1&tail=0");
    } else {
        osh_buf_append_str(&path, "&follow=0");
        docker_path_add_query(&path, "tail", tail && *tail ? tail : "all");
    }
    logs_out o = {.fd = out_fd};
    docker_mux_init(&o.mux, write_frame, &o);
    docker_request req = {.method = "GET", .path = osh_buf_str(&path), .on_data = logs_data, .data_ud = &o};
    docker_response resp = DOCKER_RESPONSE_INIT;
    int rc = docker_client_send(ctx.docker, &req, &resp, err);
    if (o.failed) {
        gw_error_move(err, &o.err);
        rc = -1;
    } else if (rc == 0 && !docker_status_ok(resp.status)) {
        rc = docker_status_error(&resp, err);
    } else if (rc == 0) {
        rc = docker_mux_finish(&o.mux, err);
    }
    if (rc != 0)
        gw_error_prefix(err, "error reading container logs: ");
    gw_error_clear(&o.err);
    docker_response_free(&resp);
    osh_buf_free(&path);
    gw_ctx_close(&ctx);
    return rc;
}
