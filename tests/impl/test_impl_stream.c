/* test_impl_stream.c: multiplexed frames (rules §5.1), UTF-8 repair, line splitting, the log
 * follower's line rules and the ring of 15 (rules §7.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "docker_stream.h"
#include "gw_log_follower.h"
#include "osh_str.h"

typedef struct collected {
    osh_buf out[4];
} collected;

static void collect(void *ud, int stream, const char *data, size_t len)
{
    osh_buf_append(&((collected *)ud)->out[stream], data, len);
}

static void frame(osh_buf *b, int type, const char *payload)
{
    size_t n = strlen(payload);
    unsigned char h[8] = {(unsigned char)type, 0, 0, 0, (unsigned char)(n >> 24), (unsigned char)(n >> 16),
                          (unsigned char)(n >> 8), (unsigned char)n};
    osh_buf_append(b, h, 8);
    osh_buf_append(b, payload, n);
}

static void collected_free(collected *c)
{
    for (int i = 0; i < 4; i++)
        osh_buf_free(&c->out[i]);
}

static void mux_decodes_frames_fed_byte_by_byte(void **state)
{
    osh_buf s = OSH_BUF_INIT;
    frame(&s, 1, "hello ");
    frame(&s, 2, "err");
    frame(&s, 0, "ignored");
    frame(&s, 3, "sys");
    frame(&s, 1, "");
    frame(&s, 1, "world");
    collected c = {0};
    docker_mux_decoder d;
    docker_mux_init(&d, collect, &c);
    gw_error err = GW_ERROR_INIT;
    for (size_t i = 0; i < s.len; i++)
        assert_int_equal(docker_mux_feed(&d, s.data + i, 1, &err), 0);
    assert_int_equal(docker_mux_finish(&d, &err), 0);
    assert_string_equal(osh_buf_str(&c.out[1]), "hello world");
    assert_string_equal(osh_buf_str(&c.out[2]), "err");
    assert_string_equal(osh_buf_str(&c.out[3]), "sys");
    assert_int_equal(c.out[0].len, 0);
    collected_free(&c);
    osh_buf_free(&s);
}

static void mux_reports_truncation(void **state)
{
    osh_buf s = OSH_BUF_INIT;
    frame(&s, 1, "abcdef");
    size_t cuts[] = {3, 8, 10};
    for (size_t k = 0; k < 3; k++) {
        collected c = {0};
        docker_mux_decoder d;
        docker_mux_init(&d, collect, &c);
        gw_error err = GW_ERROR_INIT;
        assert_int_equal(docker_mux_feed(&d, s.data, cuts[k], &err), 0);
        assert_int_equal(docker_mux_finish(&d, &err), -1);
        assert_string_equal(gw_error_text(&err), "malformed multiplexed stream: truncated frame");
        assert_int_equal(err.code, GW_E_MALFORMED);
        gw_error_clear(&err);
        collected_free(&c);
    }
    osh_buf_free(&s);
}

static void mux_refuses_unknown_stream_type(void **state)
{
    osh_buf s = OSH_BUF_INIT;
    frame(&s, 7, "x");
    docker_mux_decoder d;
    docker_mux_init(&d, NULL, NULL);
    gw_error err = GW_ERROR_INIT;
    assert_int_equal(docker_mux_feed(&d, s.data, s.len, &err), -1);
    assert_non_null(strstr(gw_error_text(&err), "malformed multiplexed stream"));
    assert_int_equal(err.code, GW_E_MALFORMED);
    gw_error_clear(&err);
    osh_buf_free(&s);
}

static void utf8_repair(void **state)
{
    osh_buf b = OSH_BUF_INIT;
    docker_utf8_sanitize(&b, "caf\xC3\xA9 \xFF ok \xE6\x97", 13);
    assert_string_equal(osh_buf_str(&b), "caf\xC3\xA9 \xEF\xBF\xBD ok \xEF\xBF\xBD");
    osh_buf_free(&b);
}

static void count_line(void *ud, const char *line, size_t len)
{
    osh_buf *b = ud;
    osh_buf_appendf(b, "[%.*s]", (int)len, line);
}

static void line_splitter(void **state)
{
    docker_line_splitter s = {0};
    osh_buf got = OSH_BUF_INIT;
    docker_lines_feed(&s, "a\r\nb", 4, count_line, &got);
    docker_lines_feed(&s, "c\n\nd", 4, count_line, &got);
    docker_lines_finish(&s, count_line, &got);
    assert_string_equal(osh_buf_str(&got), "[a][bc][][d]");
    docker_lines_free(&s);
    osh_buf_free(&got);
}

static char *take_joined(gw_log_follower *f)
{
    gw_strv lines = {0};
    gw_log_follower_take(f, &lines);
    osh_buf b = OSH_BUF_INIT;
    for (size_t i = 0; i < lines.len; i++)
        osh_buf_appendf(&b, "%s|", lines.items[i]);
    gw_strv_free(&lines);
    return osh_buf_detach(&b);
}

static void follower_keeps_separate_partial_lines_per_stream(void **state)
{
    gw_log_follower *f = gw_log_follower_new_detached();
    osh_buf s = OSH_BUF_INIT;
    frame(&s, 1, "out-a");
    frame(&s, 2, "err-a\n\n");
    frame(&s, 1, "-more\r\nout-b\n");
    frame(&s, 3, "  tail  ");
    assert_int_equal(gw_log_follower_feed(f, s.data, s.len), 0);
    char *got = take_joined(f);
    assert_string_equal(got, "err-a|out-a-more|out-b|");
    free(got);
    gw_log_follower_finish(f, NULL);
    got = take_joined(f);
    assert_string_equal(got, "tail|");
    free(got);
    osh_buf_free(&s);
    gw_log_follower_stop(f);
}

static void follower_reports_truncated_stream(void **state)
{
    gw_log_follower *f = gw_log_follower_new_detached();
    osh_buf s = OSH_BUF_INIT;
    frame(&s, 1, "line\npartial");
    assert_int_equal(gw_log_follower_feed(f, s.data, s.len - 3), 0);
    gw_log_follower_finish(f, NULL);
    char *got = take_joined(f);
    assert_string_equal(got, "line|[log stream error] malformed multiplexed stream: truncated frame|");
    free(got);
    osh_buf_free(&s);
    gw_log_follower_stop(f);
}

static void follower_reports_read_errors(void **state)
{
    gw_log_follower *f = gw_log_follower_new_detached();
    gw_error err = GW_ERROR_INIT;
    gw_fail(&err, GW_E_DOCKER, "Docker responded with status code 404: No such container: x");
    gw_log_follower_finish(f, &err);
    gw_log_follower_finish(f, NULL); /* only the first end counts */
    char *got = take_joined(f);
    assert_string_equal(got, "[log stream error] Docker responded with status code 404: No such container: x|");
    free(got);
    gw_error_clear(&err);
    gw_log_follower_stop(f);
}

static void ring_keeps_last_15(void **state)
{
    gw_log_ring r = {0};
    char *empty = gw_log_ring_render(&r);
    assert_string_equal(empty, "container logs: none received");
    free(empty);
    for (int i = 1; i <= 40; i++) {
        char line[16];
        snprintf(line, sizeof(line), "line %d", i);
        gw_log_ring_push(&r, line);
    }
    assert_int_equal(r.count, 15);
    char *text = gw_log_ring_render(&r);
    osh_buf want = OSH_BUF_INIT;
    osh_buf_append_str(&want, "container logs:");
    for (int i = 26; i <= 40; i++)
        osh_buf_appendf(&want, "\n  line %d", i);
    assert_string_equal(text, osh_buf_str(&want));
    osh_buf_free(&want);
    free(text);
    gw_log_ring_free(&r);
}

/* Attempts until the markers end the wait (0 = never within limit attempts). */
static int attempts_until_failure(gw_log_ring *r, int limit, gw_error *err)
{
    gw_marker_state st = {0};
    for (int i = 1; i <= limit; i++)
        if (gw_log_markers_check(r, &st, err))
            return i;
    return 0;
}

static void markers_dns_pressure_supervisor(void **state)
{
    gw_error err = GW_ERROR_INIT;
    gw_log_ring r = {0};
    gw_log_ring_push(&r, "starting k3s");
    assert_int_equal(attempts_until_failure(&r, 50, &err), 0);
    gw_log_ring_push(&r, "HEALTHCHECK_DNS_FAILURE: cannot resolve ghcr.io");
    assert_int_equal(attempts_until_failure(&r, 50, &err), 5);
    assert_int_equal(err.code, GW_E_UNHEALTHY);
    assert_string_equal(gw_error_text(&err), "dial tcp: lookup registry: Try again\n"
                                             "DNS resolution is failing inside the gateway container.\n"
                                             "container logs:\n  starting k3s\n"
                                             "  HEALTHCHECK_DNS_FAILURE: cannot resolve ghcr.io");
    gw_log_ring_free(&r);
    gw_log_ring_push(&r, "DNS_PROBE_FAILED: cannot resolve ghcr.io after DNS proxy setup");
    assert_int_equal(attempts_until_failure(&r, 50, &err), 5);
    gw_log_ring_free(&r);
    gw_log_ring_push(&r, "HEALTHCHECK_NODE_PRESSURE: DiskPressure");
    gw_log_ring_push(&r, "HEALTHCHECK_NODE_PRESSURE: MemoryPressure");
    assert_int_equal(attempts_until_failure(&r, 50, &err), 8);
    assert_true(osh_str_starts_with(gw_error_text(&err),
                                    "HEALTHCHECK_NODE_PRESSURE: DiskPressure, MemoryPressure\nThe cluster node is under "
                                    "resource pressure. The kubelet is evicting pods and rejecting new scheduling.\n"
                                    "container logs:\n"));
    gw_log_ring_free(&r);
    /* The healthcheck repeats its lines on every run: each condition is named once. */
    for (int i = 0; i < 7; i++) {
        gw_log_ring_push(&r, "HEALTHCHECK_NODE_PRESSURE: MemoryPressure");
        gw_log_ring_push(&r, "HEALTHCHECK_NODE_PRESSURE: DiskPressure");
    }
    assert_int_equal(attempts_until_failure(&r, 50, &err), 8);
    assert_true(osh_str_starts_with(gw_error_text(&err), "HEALTHCHECK_NODE_PRESSURE: DiskPressure, MemoryPressure\n"));
    gw_log_ring_free(&r);
    gw_log_ring_push(&r, "HEALTHCHECK_NODE_PRESSURE:");
    assert_int_equal(attempts_until_failure(&r, 50, &err), 8);
    assert_non_null(strstr(gw_error_text(&err), "HEALTHCHECK_NODE_PRESSURE: unknown pressure condition\n"));
    gw_log_ring_free(&r);
    gw_log_ring_push(&r, "HEALTHCHECK_MISSING_SUPERVISOR: /opt/openshell/bin/openshell-sandbox not found");
    assert_int_equal(attempts_until_failure(&r, 50, &err), 1);
    assert_int_equal(err.code, GW_E_UNHEALTHY);
    assert_non_null(strstr(gw_error_text(&err), "The sandbox supervisor binary is missing from the cluster image"));
    assert_non_null(strstr(gw_error_text(&err), "/opt/openshell/bin/openshell-sandbox"));
    assert_non_null(strstr(gw_error_text(&err), "openshell gateway destroy && openshell gateway start"));
    gw_log_ring_free(&r);
    gw_error_clear(&err);
}

static void markers_reset_when_pushed_out(void **state)
{
    gw_error err = GW_ERROR_INIT;
    gw_log_ring r = {0};
    gw_marker_state st = {0};
    gw_log_ring_push(&r, "HEALTHCHECK_DNS_FAILURE: cannot resolve ghcr.io");
    for (int i = 0; i < 4; i++)
        assert_int_equal(gw_log_markers_check(&r, &st, &err), 0);
    for (int i = 0; i < 15; i++)
        gw_log_ring_push(&r, "other line");
    assert_int_equal(gw_log_markers_check(&r, &st, &err), 0);
    assert_int_equal(st.dns_count, 0);
    gw_log_ring_push(&r, "HEALTHCHECK_DNS_FAILURE: again");
    for (int i = 0; i < 4; i++)
        assert_int_equal(gw_log_markers_check(&r, &st, &err), 0);
    assert_int_equal(gw_log_markers_check(&r, &st, &err), 1);
    gw_log_ring_free(&r);
    gw_error_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mux_decodes_frames_fed_byte_by_byte),
        cmocka_unit_test(mux_reports_truncation),
        cmocka_unit_test(mux_refuses_unknown_stream_type),
        cmocka_unit_test(utf8_repair),
        cmocka_unit_test(line_splitter),
        cmocka_unit_test(follower_keeps_separate_partial_lines_per_stream),
        cmocka_unit_test(follower_reports_truncated_stream),
        cmocka_unit_test(follower_reports_read_errors),
        cmocka_unit_test(ring_keeps_last_15),
        cmocka_unit_test(markers_dns_pressure_supervisor),
        cmocka_unit_test(markers_reset_when_pushed_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
