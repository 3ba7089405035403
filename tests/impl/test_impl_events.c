/* test_impl_events.c: progress events (rules §3.4). The gateway library sends each event's
 * bare text with its kind, never a "[status] " or "[progress] " prefix; the CLI renderer adds
 * the decoration, and writes the bytes openshell has always written: "  X" for a status or a
 * log line, "warning: X", progress dropped off a terminal, shown on one transient line on a
 * terminal and printed as "  [progress] X" in verbose output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli_common.h"
#include "gateway.h"
#include "impl_world.h"
#include "osh_str.h"

typedef struct event_log {
    gw_event kinds[1024];
    char *texts[1024];
    size_t n;
} event_log;

static void record(void *ud, gw_event kind, const char *text)
{
    event_log *log = ud;
    if (log->n < 1024) {
        log->kinds[log->n] = kind;
        log->texts[log->n++] = osh_str_dup(text);
    }
}

static void event_log_free(event_log *log)
{
    for (size_t i = 0; i < log->n; i++)
        free(log->texts[i]);
    log->n = 0;
}

/* The texts of one kind, each followed by '\n'. */
static char *texts_of(const event_log *log, gw_event kind)
{
    osh_buf b = OSH_BUF_INIT;
    for (size_t i = 0; i < log->n; i++)
        if (log->kinds[i] == kind)
            osh_buf_appendf(&b, "%s\n", log->texts[i]);
    return osh_buf_detach(&b);
}

/* A whole deploy run in this process against the mock Docker Engine, its events recorded. */
static void library_events_carry_bare_text(void **state)
{
    impl_world *w = iw_new(NULL);
    *state = w;
    char *home = osh_str_printf("%s/home", w->tmp), *xdg = osh_str_printf("%s/config", w->tmp);
    setenv("HOME", home, 1);
    setenv("XDG_CONFIG_HOME", xdg, 1);
    setenv("DOCKER_HOST", iw_docker_url(w, "unix://"), 1);
    setenv("OPENSHELL_POLL_INTERVAL_MS", "0", 1);
    event_log log = {0};
    gw_deploy_options o = {.target = {.name = "t", .on_event = record, .event_ud = &log}, .port = 8080,
                           .fetch_mtls = true, .config_root = w->config_root};
    gw_deploy_result r;
    gw_error err = GW_ERROR_INIT;
    assert_int_equal(gw_deploy(&o, &r, &err), 0);
    assert_int_equal(err.code, GW_OK);
    for (size_t i = 0; i < log.n; i++) {
        if (osh_str_starts_with(log.texts[i], "[status]") || osh_str_starts_with(log.texts[i], "[progress]"))
            fail_msg("event %zu (kind %d) carries its decoration: %s", i, (int)log.kinds[i], log.texts[i]);
    }
    char *status = texts_of(&log, GW_EVENT_STATUS), *progress = texts_of(&log, GW_EVENT_PROGRESS);
    assert_string_equal(status, "Checking Docker\nDownloading gateway\nInitializing environment\nStarting gateway\n");
    iw_assert_contains(progress, "Waiting for the gateway to become healthy (1/180)\n");
    iw_assert_contains(progress, "Waiting for the CLI mTLS secret (1/90)\n");
    free(status);
    free(progress);
    event_log_free(&log);
    gw_deploy_result_free(&r);
    gw_error_clear(&err);
    free(home);
    free(xdg);
    iw_free(w);
    *state = NULL;
}

/* What cli_render_event writes to fd 2 for these events, stderr pointed at target_fd. */
typedef struct rendered_event {
    gw_event kind;
    const char *text;
} rendered_event;

static void render_to(int target_fd, const rendered_event *events, size_t n)
{
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(target_fd, STDERR_FILENO) >= 0);
    for (size_t i = 0; i < n; i++)
        cli_render_event(NULL, events[i].kind, events[i].text);
    cli_end_progress();
    fflush(stderr);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
}

static char *read_all(int fd)
{
    osh_buf b = OSH_BUF_INIT;
    char chunk[512];
    ssize_t got;
    while ((got = read(fd, chunk, sizeof chunk)) > 0)
        osh_buf_append(&b, chunk, (size_t)got);
    return osh_buf_detach(&b);
}

static char *render_to_pipe(const rendered_event *events, size_t n)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    render_to(p[1], events, n);
    close(p[1]);
    char *out = read_all(p[0]);
    close(p[0]);
    return out;
}

/* On a raw terminal (no newline translation), as a user's interactive start sees it. */
static char *render_to_terminal(const rendered_event *events, size_t n)
{
    int master, slave;
    assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
    struct termios raw;
    assert_int_equal(tcgetattr(slave, &raw), 0);
    cfmakeraw(&raw);
    assert_int_equal(tcsetattr(slave, TCSANOW, &raw), 0);
    render_to(slave, events, n);
    close(slave);
    fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    char *out = read_all(master);
    close(master);
    return out;
}

static const rendered_event sample[] = {
    {GW_EVENT_STATUS, "Checking Docker"},
    {GW_EVENT_VERBOSE, "Docker version 28.0.0"},
    {GW_EVENT_PROGRESS, "Pulling linux/amd64 image"},
    {GW_EVENT_PROGRESS, "Image ready"},
    {GW_EVENT_STATUS, "Starting gateway"},
    {GW_EVENT_LOG, "k3s is up \x1b[31mred"},
    {GW_EVENT_PROGRESS, "Waiting for the gateway to become healthy (1/180)"},
    {GW_EVENT_WARNING, "stale node cleanup failed (non-fatal): x"},
};
#define N_SAMPLE (sizeof(sample) / sizeof(sample[0]))

static void renderer_writes_the_same_bytes(void **state)
{
    (void)state;
    unsetenv("OPENSHELL_VERBOSE");
    char *piped = render_to_pipe(sample, N_SAMPLE);
    assert_string_equal(piped, "  Checking Docker\n"
                               "  Starting gateway\n"
                               "  k3s is up ?[31mred\n"
                               "warning: stale node cleanup failed (non-fatal): x\n");
    char *tty = render_to_terminal(sample, N_SAMPLE);
    assert_string_equal(tty, "  Checking Docker\n"
                             "\r\x1b[K  Pulling linux/amd64 image"
                             "\r\x1b[K  Image ready"
                             "\r\x1b[K  Starting gateway\n"
                             "  k3s is up ?[31mred\n"
                             "\r\x1b[K  Waiting for the gateway to become healthy (1/180)"
                             "\r\x1b[Kwarning: stale node cleanup failed (non-fatal): x\n");
    setenv("OPENSHELL_VERBOSE", "1", 1);
    char *verbose = render_to_pipe(sample, N_SAMPLE);
    unsetenv("OPENSHELL_VERBOSE");
    assert_string_equal(verbose, "  Checking Docker\n"
                                 "  Docker version 28.0.0\n"
                                 "  [progress] Pulling linux/amd64 image\n"
                                 "  [progress] Image ready\n"
                                 "  Starting gateway\n"
                                 "  k3s is up ?[31mred\n"
                                 "  [progress] Waiting for the gateway to become healthy (1/180)\n"
                                 "warning: stale node cleanup failed (non-fatal): x\n");
    free(piped);
    free(tty);
    free(verbose);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(library_events_carry_bare_text, iw_teardown),
        cmocka_unit_test(renderer_writes_the_same_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
