/* test_impl_docker_client.c: the Docker client against a scripted HTTP server (mocks/http):
 * status and error texts, malformed JSON, query encoding, headers, exec start answered 200
 * (chunked) or 101 UPGRADED (raw), truncated streams, connection failures, the background
 * follower, and the ssh transport through a fake ssh (tests/impl/fake-bin/ssh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "docker_client.h"
#include "docker_stream.h"
#include "mock_http.h"
#include "osh_file.h"
#include "osh_str.h"

#ifndef FAKE_BIN_DIR
#error FAKE_BIN_DIR must point at tests/impl/fake-bin
#endif

static void frame(osh_buf *b, int type, const char *payload)
{
    size_t n = strlen(payload);
    unsigned char h[8] = {(unsigned char)type, 0, 0, 0, (unsigned char)(n >> 24), (unsigned char)(n >> 16),
                          (unsigned char)(n >> 8), (unsigned char)n};
    osh_buf_append(b, h, 8);
    osh_buf_append(b, payload, n);
}

/* --- the scripted server --- */

typedef struct stream_ctx {
    osh_buf data;
    long cut;       /* -1: send all */
    int calls;
} stream_ctx;

static int stream_fn(void *ctx, osh_buf *out)
{
    stream_ctx *s = ctx;
    if (s->calls++ > 0)
        return MOCK_HTTP_STREAM_END;
    osh_buf_append(out, s->data.data, s->data.len);
    return MOCK_HTTP_STREAM_END;
}

static void stream_free(void *ctx)
{
    stream_ctx *s = ctx;
    osh_buf_free(&s->data);
    free(s);
}

static void upgrade_fn(void *ctx, int fd, const char *extra, size_t extra_len)
{
    stream_ctx *s = ctx;
    size_t len = s->cut >= 0 ? (size_t)s->cut : s->data.len;
    if (write(fd, s->data.data, len) < 0)
        return;
}

static stream_ctx *exec_output(long cut)
{
    stream_ctx *s = calloc(1, sizeof(*s));
    frame(&s->data, 1, "out ");
    frame(&s->data, 2, "err ");
    frame(&s->data, 1, "done");
    s->cut = cut;
    return s;
}

static void handler(void *ctx, const mock_http_request *req, mock_http_response *res)
{
    const char *path = mock_http_request_path(req);
    if (strcmp(path, "/containers/x/json") == 0) {
        mock_http_respond(res, 404, "application/json", "{\"message\":\"No such container: x\"}\n", 35);
    } else if (strcmp(path, "/plain") == 0) {
        mock_http_respond(res, 500, "text/plain", "  plain failure\n", 16);
    } else if (strcmp(path, "/bad-json") == 0) {
        mock_http_respond(res, 200, "application/json", "{not json", 9);
    } else if (strcmp(path, "/echo") == 0) {
        cJSON *o = cJSON_CreateObject();
        const char *v = mock_http_request_query_value(req, "fromImage");
        const char *auth = mock_http_request_header(req, "X-Registry-Auth");
        const char *ct = mock_http_request_header(req, "Content-Type");
        size_t len;
        const char *body = mock_http_request_body(req, &len);
        cJSON_AddStringToObject(o, "fromImage", v ? v : "");
        cJSON_AddStringToObject(o, "query", mock_http_request_query(req));
        cJSON_AddStringToObject(o, "auth", auth ? auth : "");
        cJSON_AddStringToObject(o, "ct", ct ? ct : "");
        cJSON_AddStringToObject(o, "body", body ? body : "");
        cJSON_AddStringToObject(o, "method", mock_http_request_method(req));
        mock_http_respond_json(res, 200, o);
        cJSON_Delete(o);
    } else if (strcmp(path, "/exec/chunked/start") == 0) {
        mock_http_respond_stream(res, 200, "application/vnd.docker.raw-stream", stream_fn, exec_output(-1),
                                 stream_free);
    } else if (strcmp(path, "/exec/upgraded/start") == 0) {
        mock_http_respond_upgrade(res, "tcp", "application/vnd.docker.raw-stream", upgrade_fn, exec_output(-1),
                                  stream_free);
    } else if (strcmp(path, "/exec/cut/start") == 0) {
        mock_http_respond_upgrade(res, "tcp", "application/vnd.docker.raw-stream", upgrade_fn, exec_output(13),
                                  stream_free);
    } else {
        mock_http_respond(res, 404, "application/json", "{\"message\":\"page not found\"}\n", 29);
    }
}

typedef struct fixture {
    mock_http_server *server;
    char *dir;
    char *socket_path;
    docker_client *dc;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    char tmpl[] = "/tmp/osh-impl-dc-XXXXXX";
    f->dir = strdup(mkdtemp(tmpl));
    f->socket_path = osh_str_printf("%s/docker.sock", f->dir);
    mock_http_server_options o = {.name = "docker", .handler = handler, .strip_version_for_faults = true};
    f->server = mock_http_server_new(&o);
    char *error = NULL;
    assert_int_equal(mock_http_server_listen_unix(f->server, f->socket_path, &error), 0);
    char *url = osh_str_printf("unix://%s", f->socket_path);
    docker_endpoint ep;
    gw_error err = GW_ERROR_INIT;
    assert_int_equal(docker_endpoint_parse(url, &ep, &err), 0);
    f->dc = docker_client_new(&ep);
    docker_endpoint_free(&ep);
    free(url);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    docker_client_free(f->dc);
    mock_http_server_free(f->server);
    rmdir(f->dir);
    free(f->socket_path);
    free(f->dir);
    free(f);
    return 0;
}

static void status_error_text(void **state)
{
    fixture *f = *state;
    docker_response r = DOCKER_RESPONSE_INIT;
    gw_error err = GW_ERROR_INIT;
    assert_int_equal(docker_call(f->dc, "GET", "/containers/x/json", NULL, &r, &err), 0);
    assert_int_equal(r.status, 404);
    docker_status_error(&r, &err);
    assert_string_equal(gw_error_text(&err), "Docker responded with status code 404: No such container: x");
    assert_int_equal(err.status, 404);
    assert_int_equal(err.code, GW_E_NOT_FOUND);
    assert_int_equal(docker_call(f->dc, "GET", "/plain", NULL, &r, &err), 0);
    docker_status_error(&r, &err);
    assert_string_equal(gw_error_text(&err), "Docker responded with status code 500: plain failure");
    assert_int_equal(err.code, GW_E_DOCKER);
    assert_int_equal(docker_call(f->dc, "GET", "/bad-json", NULL, &r, &err), 0);
    assert_null(docker_response_json(&r, "GET", "/bad-json", &err));
    assert_string_equal(gw_error_text(&err), "malformed JSON in Docker response to GET /bad-json");
    assert_int_equal(err.code, GW_E_MALFORMED);
    assert_int_equal(docker_client_request_count(f->dc), 3);
    gw_error_clear(&err);
    docker_response_free(&r);
}

static void request_shape(void **state)
{
    fixture *f = *state;
    osh_buf path = OSH_BUF_INIT;
    osh_buf_append_str(&path, "/echo");
    docker_path_add_query(&path, "fromImage", "ghcr.io/nvidia/openshell/cluster");
    docker_request req = {.method = "POST", .path = osh_buf_str(&path), .content_type = "application/json",
                          .body = "{\"a\":1}", .body_len = 7, .header = "X-Registry-Auth: abc"};
    docker_response r = DOCKER_RESPONSE_INIT;
    gw_error err = GW_ERROR_INIT;
    assert_int_equal(docker_client_send(f->dc, &req, &r, &err), 0);
    cJSON *o = docker_response_json(&r, "POST", "/echo", &err);
    assert_non_null(o);
    assert_string_equal(cJSON_GetObjectItem(o, "fromImage")->valuestring, "ghcr.io/nvidia/openshell/cluster");
    assert_string_equal(cJSON_GetObjectItem(o, "query")->valuestring, "fromImage=ghcr.io%2Fnvidia%2Fopenshell%2Fcluster");
    assert_string_equal(cJSON_GetObjectItem(o, "auth")->valuestring, "abc");
    assert_string_equal(cJSON_GetObjectItem(o, "ct")->valuestring, "application/json");
    assert_string_equal(cJSON_GetObjectItem(o, "body")->valuestring, "{\"a\":1}");
    assert_string_equal(cJSON_GetObjectItem(o, "method")->valuestring, "POST");
    cJSON_Delete(o);
    /* DELETE without a body, on the same (kept-alive) client. */
    assert_int_equal(docker_call(f->dc, "DELETE", "/echo", NULL, &r, &err), 0);
    o = docker_response_json(&r, "DELETE", "/echo", &err);
    assert_string_equal(cJSON_GetObjectItem(o, "method")->valuestring, "DELETE");
    cJSON_Delete(o);
    docker_response_free(&r);
    osh_buf_free(&path);
}

typedef struct decoded {
    docker_mux_decoder mux;
    osh_buf out;
    gw_error err;
} decoded;

static void on_frame(void *ud, int stream, const char *data, size_t len)
{
    decoded *d = ud;
    osh_buf_appendf(&d->out, "%d:", stream);
    osh_buf_append(&d->out, data, len);
}

static int on_data(void *ud, const char *data, size_t len)
{
    decoded *d = ud;
    return docker_mux_feed(&d->mux, data, len, &d->err) == 0 ? 0 : 1;
}

static long run_exec_start(fixture *f, const char *path, decoded *d, gw_error *err)
{
    docker_mux_init(&d->mux, on_frame, d);
    docker_request req = {.method = "POST", .path = path, .content_type = "application/json",
                          .body = "{\"Detach\":false,\"Tty\":false}", .body_len = 28, .on_data = on_data,
                          .data_ud = d};
    docker_response r = DOCKER_RESPONSE_INIT;
    assert_int_equal(docker_client_send(f->dc, &req, &r, err), 0);
    long status = r.status;
    docker_response_free(&r);
    return status;
}

static void exec_start_chunked_and_upgraded(void **state)
{
    fixture *f = *state;
    const char *paths[] = {"/exec/chunked/start", "/exec/upgraded/start"};
    long want_status[] = {200, 101};
    for (int i = 0; i < 2; i++) {
        decoded d = {0};
        gw_error err = GW_ERROR_INIT;
        assert_int_equal(run_exec_start(f, paths[i], &d, &err), want_status[i]);
        assert_int_equal(docker_mux_finish(&d.mux, &d.err), 0);
        assert_string_equal(osh_buf_str(&d.out), "1:out 2:err 1:done");
        osh_buf_free(&d.out);
    }
    /* The connection after an upgrade is never reused: a plain call still works. */
    docker_response r = DOCKER_RESPONSE_INIT;
    gw_error err = GW_ERROR_INIT;
    assert_int_equal(docker_call(f->dc, "GET", "/containers/x/json", NULL, &r, &err), 0);
    assert_int_equal(r.status, 404);
    docker_response_free(&r);
}

static void exec_start_cut_mid_frame(void **state)
{
    fixture *f = *state;
    decoded d = {0};
    gw_error err = GW_ERROR_INIT;
    assert_int_equal(run_exec_start(f, "/exec/cut/start", &d, &err), 101);
    assert_int_equal(docker_mux_finish(&d.mux, &d.err), -1);
    assert_string_equal(gw_error_text(&d.err), "malformed multiplexed stream: truncated frame");
    assert_int_equal(d.err.code, GW_E_MALFORMED);
    gw_error_clear(&d.err);
    osh_buf_free(&d.out);
}

static void connection_refused(void **state)
{
    docker_endpoint ep;
    gw_error err = GW_ERROR_INIT;
    assert_int_equal(docker_endpoint_parse("unix:///nonexistent/docker.sock", &ep, &err), 0);
    docker_client *dc = docker_client_new(&ep);
    docker_endpoint_free(&ep);
    docker_response r = DOCKER_RESPONSE_INIT;
    assert_int_equal(docker_call(dc, "GET", "/_ping", NULL, &r, &err), -1);
    assert_int_equal(err.code, GW_E_DOCKER_UNREACHABLE);
    assert_non_null(strstr(gw_error_text(&err), "/nonexistent/docker.sock"));
    gw_error_clear(&err);
    docker_response_free(&r);
    docker_client_free(dc);
}

static int discard_data(void *ud, const char *data, size_t len)
{
    (void)ud, (void)data, (void)len;
    return 0;
}

/* rules §3.8: a daemon that accepts and never answers: a plain request ends at request_ms, a
 * stream at idle_ms without data, an image export or archive upload at transfer_ms; each
 * error says "timed out" with the method and path. */
static void time_bounds(void **state)
{
    fixture *f = *state;
    mock_http_fault hang = {.path = "/hang*", .hang = true, .truncate_after = -1};
    mock_http_fault_add(f->server, &hang);
    char *url = osh_str_printf("unix://%s", f->socket_path);
    docker_endpoint ep;
    gw_error err = GW_ERROR_INIT;
    assert_int_equal(docker_endpoint_parse(url, &ep, &err), 0);
    ep.bounds = (docker_bounds){.request_ms = 200, .transfer_ms = 1000, .idle_ms = 300};
    docker_client *dc = docker_client_new(&ep);
    docker_endpoint_free(&ep);
    free(url);
    docker_response r = DOCKER_RESPONSE_INIT;
    assert_int_equal(docker_call(dc, "GET", "/hang/plain", NULL, &r, &err), -1);
    assert_int_equal(err.code, GW_E_TIMEOUT);
    assert_string_equal(gw_error_text(&err), "GET /hang/plain timed out after 200ms waiting for the Docker daemon");
    gw_error_clear(&err);
    docker_request stream = {.method = "POST", .path = "/hang/exec/start", .on_data = discard_data};
    assert_int_equal(docker_client_send(dc, &stream, &r, &err), -1);
    assert_string_equal(gw_error_text(&err), "POST /hang/exec/start timed out after 300ms without data from the Docker daemon");
    assert_int_equal(err.code, GW_E_TIMEOUT);
    gw_error_clear(&err);
    docker_request export = {.method = "GET", .path = "/hang/images/get", .on_data = discard_data, .transfer = true};
    assert_int_equal(docker_client_send(dc, &export, &r, &err), -1);
    assert_non_null(strstr(gw_error_text(&err), "GET /hang/images/get timed out after "));
    assert_int_equal(err.code, GW_E_TIMEOUT);
    gw_error_clear(&err);
    /* without the fault the same client answers at once */
    assert_int_equal(docker_call(dc, "GET", "/plain", NULL, &r, &err), 0);
    assert_int_equal(r.status, 500);
    docker_response_free(&r);
    docker_client_free(dc);
}

static void bounds_from_env(void **state)
{
    (void)state;
    docker_bounds b;
    gw_error err = GW_ERROR_INIT;
    unsetenv("OPENSHELL_DOCKER_REQUEST_TIMEOUT_MS");
    unsetenv("OPENSHELL_DOCKER_TIMEOUT_SECS");
    assert_int_equal(docker_bounds_from_env(&b, &err), 0);
    assert_int_equal(b.request_ms, 120000);
    assert_int_equal(b.idle_ms, 120000);
    assert_int_equal(b.transfer_ms, 3600000);
    setenv("OPENSHELL_DOCKER_REQUEST_TIMEOUT_MS", "250", 1);
    setenv("OPENSHELL_DOCKER_TIMEOUT_SECS", "7", 1);
    assert_int_equal(docker_bounds_from_env(&b, &err), 0);
    assert_int_equal(b.request_ms, 250);
    assert_int_equal(b.idle_ms, 250);
    assert_int_equal(b.transfer_ms, 7000);
    const char *bad_ms[] = {"0", "600001", "-5", "1e3", "", "12x", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad_ms / sizeof *bad_ms; i++) {
        setenv("OPENSHELL_DOCKER_REQUEST_TIMEOUT_MS", bad_ms[i], 1);
        assert_int_equal(docker_bounds_from_env(&b, &err), -1);
        assert_int_equal(err.code, GW_E_INVALID);
        assert_non_null(strstr(gw_error_text(&err), "invalid OPENSHELL_DOCKER_REQUEST_TIMEOUT_MS"));
        gw_error_clear(&err);
    }
    unsetenv("OPENSHELL_DOCKER_REQUEST_TIMEOUT_MS");
    const char *bad_secs[] = {"0", "-1", "abc", "", "2147483648"};
    for (size_t i = 0; i < sizeof bad_secs / sizeof *bad_secs; i++) {
        setenv("OPENSHELL_DOCKER_TIMEOUT_SECS", bad_secs[i], 1);
        assert_int_equal(docker_bounds_from_env(&b, &err), -1);
        assert_non_null(strstr(gw_error_text(&err), "invalid OPENSHELL_DOCKER_TIMEOUT_SECS"));
        gw_error_clear(&err);
    }
    unsetenv("OPENSHELL_DOCKER_TIMEOUT_SECS");
}

typedef struct follow_state {
    osh_buf data;
    int ended;
    int opened;
    char *end_error;
} follow_state;

static int follow_data(void *ud, const char *data, size_t len)
{
    osh_buf_append(&((follow_state *)ud)->data, data, len);
    return 0;
}
static void follow_open(void *ud) { ((follow_state *)ud)->opened++; }
static void follow_end(void *ud, const gw_error *err)
{
    follow_state *s = ud;
    s->ended++;
    s->end_error = err ? strdup(gw_error_text(err)) : NULL;
}

static void follower_reports_end_and_errors(void **state)
{
    fixture *f = *state;
    follow_state s = {0};
    gw_error err = GW_ERROR_INIT;
    docker_follow *fl = docker_follow_start(f->dc, "/exec/chunked/start", follow_data, follow_open, follow_end, &s, &err);
    assert_non_null(fl);
    /* No sleeping for behaviour: poll until the thread reports the end (bounded). */
    for (int i = 0; i < 5000 && !__atomic_load_n(&s.ended, __ATOMIC_SEQ_CST); i++)
        usleep(1000);
    docker_follow_stop(fl);
    assert_int_equal(s.ended, 1);
    assert_int_equal(s.opened, 1);
    assert_null(s.end_error);
    assert_int_equal(s.data.len, 36);
    osh_buf_free(&s.data);
    follow_state s2 = {0};
    fl = docker_follow_start(f->dc, "/containers/x/json", follow_data, follow_open, follow_end, &s2, &err);
    for (int i = 0; i < 5000 && !__atomic_load_n(&s2.ended, __ATOMIC_SEQ_CST); i++)
        usleep(1000);
    docker_follow_stop(fl);
    assert_string_equal(s2.end_error, "Docker responded with status code 404: No such container: x");
    assert_int_equal(s2.opened, 0);
    free(s2.end_error);
    osh_buf_free(&s2.data);
}

static void follower_stops_promptly(void **state)
{
    fixture *f = *state;
    /* A stream that never ends: the dropped-connection fault keeps nothing open, so use a
     * delayed answer instead and stop before it arrives. */
    mock_http_fault fault = MOCK_HTTP_FAULT_INIT;
    fault.path = "/slow";
    fault.delay_ms = 3000;
    mock_http_fault_add(f->server, &fault);
    follow_state s = {0};
    gw_error err = GW_ERROR_INIT;
    docker_follow *fl = docker_follow_start(f->dc, "/slow", follow_data, NULL, follow_end, &s, &err);
    assert_non_null(fl);
    docker_follow_stop(fl);
    assert_int_equal(s.ended, 0);
    mock_http_fault_clear(f->server);
}

static void ssh_transport(void **state)
{
    fixture *f = *state;
    char *path = osh_str_printf("%s:%s", FAKE_BIN_DIR, getenv("PATH"));
    setenv("PATH", path, 1);
    setenv("FAKE_SSH_SOCKET", f->socket_path, 1);
    char *log = osh_str_printf("%s/ssh.log", f->dir);
    setenv("FAKE_SSH_LOG", log, 1);
    docker_endpoint ep;
    gw_error err = GW_ERROR_INIT;
    assert_int_equal(docker_endpoint_ssh("ssh://me@box:2222", NULL, &ep, &err), 0);
    docker_client *dc = docker_client_new(&ep);
    docker_endpoint_free(&ep);
    docker_response r = DOCKER_RESPONSE_INIT;
    for (int i = 0; i < 2; i++) {
        if (docker_call(dc, "GET", "/containers/x/json", NULL, &r, &err) != 0)
            fail_msg("ssh call failed: %s", gw_error_text(&err));
        assert_int_equal(r.status, 404);
    }
    decoded d = {0};
    docker_mux_init(&d.mux, on_frame, &d);
    docker_request req = {.method = "POST", .path = "/exec/upgraded/start", .on_data = on_data, .data_ud = &d};
    assert_int_equal(docker_client_send(dc, &req, &r, &err), 0);
    assert_string_equal(osh_buf_str(&d.out), "1:out 2:err 1:done");
    osh_buf_free(&d.out);
    docker_response_free(&r);
    docker_client_free(dc);
    char *why = NULL;
    char *text = osh_file_read(log, 1 << 20, NULL, &why);
    assert_non_null(text);
    int lines = 0;
    for (char *line = text, *next; *line; line = next, lines++) {
        next = strchr(line, '\n');
        assert_non_null(next); /* every line ends */
        *next++ = '\0';
        assert_string_equal(line, "-p 2222 -T -- me@box docker system dial-stdio");
    }
    assert_true(lines >= 1); /* one ssh process per connection */
    free(text);
    unlink(log);
    free(log);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(status_error_text, setup, teardown),
        cmocka_unit_test_setup_teardown(request_shape, setup, teardown),
        cmocka_unit_test_setup_teardown(exec_start_chunked_and_upgraded, setup, teardown),
        cmocka_unit_test_setup_teardown(exec_start_cut_mid_frame, setup, teardown),
        cmocka_unit_test(connection_refused),
        cmocka_unit_test_setup_teardown(time_bounds, setup, teardown),
        cmocka_unit_test(bounds_from_env),
        cmocka_unit_test_setup_teardown(follower_reports_end_and_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(follower_stops_promptly, setup, teardown),
        cmocka_unit_test_setup_teardown(ssh_transport, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
