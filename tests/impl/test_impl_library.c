/* test_impl_library.c: the gateway library called in this process against the mock Docker
 * Engine: its events and the codes of its failures.
 *
 * Events (rules §3.4): the library sends each event's bare text with its kind, never a
 * "[status] " or "[progress] " prefix; the CLI renderer adds the decoration, and writes the
 * bytes openshell has always written: "  X" for a status or a log line, "warning: X",
 * progress dropped off a terminal, shown on one transient line on a terminal and printed as
 * "  [progress] X" in verbose output.
 *
 * Codes (gw_error.h): a failed deploy names what went wrong by its code, the contract callers
 * branch on; the message keeps the rules' text. */
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

/* The environment openshell gets from impl_world, for this process. */
static void use_world(impl_world *w)
{
    char *home = osh_str_printf("%s/home", w->tmp), *xdg = osh_str_printf("%s/config", w->tmp);
    setenv("HOME", home, 1);
    setenv("XDG_CONFIG_HOME", xdg, 1);
    setenv("DOCKER_HOST", iw_docker_url(w, "unix://"), 1);
    setenv("OPENSHELL_POLL_INTERVAL_MS", "0", 1);
    free(home);
    free(xdg);
}

/* A whole deploy run in this process against the mock Docker Engine, its events recorded. */
static void library_events_carry_bare_text(void **state)
{
    impl_world *w = iw_new(NULL);
    *state = w;
    use_world(w);
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
    iw_free(w);
    *state = NULL;
}

typedef struct failing_deploy {
    const char *what;
    const char *scenario;    /* the world (impl_world.h), NULL = the healthy default */
    const char *docker_host; /* instead of the world's socket, or NULL */
    const char *name;        /* NULL = "t" */
    const char *image;       /* --image, or NULL */
    gw_code code;
    const char *phrase;      /* in the message */
} failing_deploy;

#define PORT_ALLOCATED "Bind for 0.0.0.0:8080 failed: port is already allocated"

static const failing_deploy failing_deploys[] = {
    {"a bad gateway name", NULL, NULL, "bad/name", NULL, GW_E_USAGE, "gateway name contains invalid characters"},
    {"an unsupported DOCKER_HOST", NULL, "ftp://x", NULL, NULL, GW_E_INVALID, "unsupported DOCKER_HOST scheme"},
    {"no daemon on the socket", NULL, "unix:///nonexistent/docker.sock", NULL, NULL, GW_E_DOCKER_UNREACHABLE,
     "error trying to connect to the Docker daemon"},
    {"a local-only image that is missing", NULL, NULL, NULL, "myimage:dev", GW_E_NOT_FOUND,
     "Image 'myimage:dev' not found locally"},
    {"an inspect answer that is not JSON",
     "{\"docker\": {\"faults\": [{\"method\": \"GET\", \"path\": \"/containers/*/json\", \"status\": 200, "
     "\"body\": \"{not json\"}]}}",
     NULL, NULL, NULL, GW_E_MALFORMED, "malformed JSON in Docker response"},
    {"the network still in use after the 409 retries",
     "{\"docker\": {\"faults\": [{\"method\": \"POST\", \"path\": \"/networks/create\", \"status\": 409, "
     "\"body\": {\"message\": \"network with name openshell-cluster-t already exists\"}}]}}",
     NULL, NULL, NULL, GW_E_CONFLICT, "failed to create Docker network after retries"},
    {"another container publishing the port",
     "{\"docker\": {\"containers\": [{\"name\": \"web\", \"state\": \"running\", \"create\": {\"Image\": "
     "\"ghcr.io/nvidia/openshell/cluster:dev\", \"ExposedPorts\": {\"80/tcp\": {}}, \"HostConfig\": "
     "{\"PortBindings\": {\"80/tcp\": [{\"HostIp\": \"0.0.0.0\", \"HostPort\": \"8080\"}]}}}}]}}",
     NULL, NULL, NULL, GW_E_PORT_IN_USE, "cannot start gateway: port 8080 is held by container \"web\""},
    {"every start answered 'port is already allocated'",
     "{\"docker\": {\"faults\": [{\"method\": \"POST\", \"path\": \"/containers/*/start\", \"status\": 500, "
     "\"body\": {\"message\": \"driver failed programming external connectivity on endpoint "
     "openshell-cluster-t: " PORT_ALLOCATED "\"}}]}}",
     NULL, NULL, NULL, GW_E_PORT_IN_USE, "failed to start gateway container: Docker responded with status code 500"},
    {"the container exits during the health wait",
     "{\"docker\": {\"faults\": [{\"method\": \"GET\", \"path\": \"/containers/openshell-cluster-t/json\", "
     "\"json_set\": {\"State.Running\": false, \"State.Status\": \"exited\", \"State.ExitCode\": 137}, "
     "\"from\": 3}]}}",
     NULL, NULL, NULL, GW_E_UNHEALTHY, "gateway container exited unexpectedly (exit_code=137)"},
    {"a health check that never passes",
     "{\"docker\": {\"faults\": [{\"method\": \"GET\", \"path\": \"/containers/openshell-cluster-t/json\", "
     "\"json_set\": {\"State.Health.Status\": \"starting\"}}]}}",
     NULL, NULL, NULL, GW_E_TIMEOUT, "timed out waiting for gateway health check"},
};

static void failed_deploys_carry_their_code(void **state)
{
    for (size_t i = 0; i < sizeof(failing_deploys) / sizeof(failing_deploys[0]); i++) {
        const failing_deploy *c = &failing_deploys[i];
        impl_world *w = iw_new(c->scenario);
        *state = w;
        use_world(w);
        if (c->docker_host)
            setenv("DOCKER_HOST", c->docker_host, 1);
        gw_deploy_options o = {.target = {.name = c->name ? c->name : "t"}, .port = 8080, .image = c->image,
                               .fetch_mtls = true, .config_root = w->config_root};
        gw_deploy_result r;
        gw_error err = GW_ERROR_INIT;
        char *problem = NULL;
        if (gw_deploy(&o, &r, &err) == 0)
            problem = osh_str_printf("%s: the deploy succeeded", c->what);
        else if (err.code != c->code)
            problem = osh_str_printf("%s: code %s (%d), want %s (%d): %s", c->what, gw_strerror(err.code),
                                     (int)err.code, gw_strerror(c->code), (int)c->code, gw_error_text(&err));
        else if (!strstr(gw_error_text(&err), c->phrase))
            problem = osh_str_printf("%s: the message lacks \"%s\": %s", c->what, c->phrase, gw_error_text(&err));
        gw_deploy_result_free(&r);
        gw_error_clear(&err);
        iw_free(w);
        *state = NULL;
        if (problem) {
            print_error("%s\n", problem);
            free(problem);
            fail();
        }
    }
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
        cmocka_unit_test_teardown(failed_deploys_carry_their_code, iw_teardown),
        cmocka_unit_test(renderer_writes_the_same_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
