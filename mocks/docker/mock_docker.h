/* mock_docker.h: an in-memory Docker Engine API server that answers like dockerd 20.10
 * (API 1.41) for everything the gateway bootstrap uses, plus the hooks and C calls the k3s
 * simulator builds on.
 *
 * Many instances can live in one process; each has its own state, lock, journal and faults.
 * The world at start comes from a scenario document (docs/scenarios.md, "Docker").
 *
 * LOCKING. Each instance has one mutex (the "instance lock") guarding all of its state.
 *  - Every function of this header takes the instance lock itself for as long as it needs
 *    it and releases it before returning. None may be called with the lock held, and none
 *    is: the lock is internal.
 *  - Hooks (mock_docker_hooks) are ALWAYS called WITHOUT the instance lock held, on the
 *    thread serving the request. A hook may therefore call any function of this header on
 *    the same instance. State may change between the event and the hook (another
 *    connection), so a hook re-reads what it needs by container ID.
 *  - Hooks run before the HTTP answer of the request that caused them is sent, so the
 *    client observes their effects on its next request. */
#ifndef MOCK_DOCKER_H
#define MOCK_DOCKER_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "mock_http.h"
#include "osh_buf.h"

typedef struct mock_docker mock_docker;

/* Request body limits by route class (a larger body is answered 413 {"message": ...} before
 * it is read): archives and image loads/imports are kept in memory once, so this bounds
 * what one upload can cost; JSON documents are small. */
#define MOCK_DOCKER_ARCHIVE_BODY_LIMIT ((size_t)256 << 20)
#define MOCK_DOCKER_JSON_BODY_LIMIT ((size_t)4 << 20)

/* ---- Lifecycle ----------------------------------------------------------------------- */

/* A new instance set up from the "docker" object of a scenario (NULL or {} = an empty
 * daemon with the default networks bridge/host/none). Serves nothing until a listen call.
 * On an invalid scenario returns NULL and a malloc'd *error naming the field
 * ("docker.containers[0].name: expected string"). */
mock_docker *mock_docker_new(const cJSON *scenario, char **error);

/* Endpoints, as in mock_http.h. Returns 0, or -1 with a malloc'd *error. */
int mock_docker_listen_unix(mock_docker *d, const char *path, char **error);
int mock_docker_listen_tcp(mock_docker *d, const char *host, int port, int *bound_port,
                           char **error);
/* "unix:///path" or "tcp://host:port" in the order added; NULL past the last. */
const char *mock_docker_url(const mock_docker *d, size_t index);

/* Stop serving (ends open log/wait streams), then free everything. NULL is fine. */
void mock_docker_free(mock_docker *d);

/* The HTTP server behind the instance: journal and fault rules (mock_http.h). */
mock_http_server *mock_docker_http(mock_docker *d);

/* Snapshot of the whole state (containers with their create bodies and state, images,
 * networks, volumes, execs), the same document GET /_mock/state answers. Caller frees. */
cJSON *mock_docker_state_json(mock_docker *d);

/* ---- Hooks for the k3s simulator ------------------------------------------------------ */

typedef enum mock_docker_event {
    MOCK_DOCKER_EVENT_CREATE,   /* container created (POST /containers/create or scenario) */
    MOCK_DOCKER_EVENT_START,    /* now running (start, restart) */
    MOCK_DOCKER_EVENT_STOP,     /* stopped by a client (stop, restart) */
    MOCK_DOCKER_EVENT_KILL,     /* killed by a client (kill, rm -f of a running one) */
    MOCK_DOCKER_EVENT_DIE,      /* no longer running, for any reason (after STOP/KILL too) */
    MOCK_DOCKER_EVENT_REMOVE    /* container removed */
} mock_docker_event;

/* The client's stdin of an exec started with AttachStdin on a hijacked (101) connection. */
typedef struct mock_docker_exec_stdin mock_docker_exec_stdin;
#define MOCK_DOCKER_EXEC_STDIN_MAX (16u << 20) /* bytes kept; the rest is read and dropped */

/* Everything the client sends on the exec's stdin up to its half-close (end of input) or the
 * end of the connection, NUL-terminated, its length in *len (may be NULL); read at the first
 * call and kept. NULL `in` (stdin not attached) reads as "". It blocks until the client ends
 * its input, as a process reading stdin does: call it only for a command that reads stdin,
 * and not while holding a lock other requests need. */
const char *mock_docker_exec_stdin_read(mock_docker_exec_stdin *in, size_t *len);

/* What an exec produced. out/err are appended to; exit_code defaults to 0. */
typedef struct mock_docker_exec_result {
    osh_buf out;
    osh_buf err;
    int exit_code;
    bool exit_code_null; /* exec inspect keeps answering ExitCode null (rules §11.6) */
    bool truncate;       /* cut the exec's output stream after truncate_after bytes of */
    size_t truncate_after; /* frames (mid-frame if it falls there), then close */
    mock_docker_exec_stdin *in; /* input: the client's stdin, NULL when not attached */
} mock_docker_exec_result;

enum { MOCK_DOCKER_EXEC_DECLINED = 0, MOCK_DOCKER_EXEC_HANDLED = 1 };

typedef struct mock_docker_hooks {
    void *ctx;
    /* Container lifecycle; called after the state change. May be NULL. */
    void (*container_event)(void *ctx, mock_docker *d, const char *container_id,
                            mock_docker_event event);
    /* A volume was removed (DELETE /volumes/{v}). May be NULL. */
    void (*volume_removed)(void *ctx, mock_docker *d, const char *volume_name);
    /* Runs an exec (at POST /exec/{id}/start, or Detach). argv has argc strings. Return
     * MOCK_DOCKER_EXEC_HANDLED after filling res, or MOCK_DOCKER_EXEC_DECLINED to let the
     * next handler answer. Order: scripted answers of the scenario, then this hook, then
     * the default handler (true, false, echo, hostname, cat, exit N, also in sh -c; else
     * exit 127 with "sh: 1: NAME: not found"). May be NULL. */
    int (*exec)(void *ctx, mock_docker *d, const char *container_id, const char *const *argv,
                size_t argc, mock_docker_exec_result *res);
    /* GET /containers/{c}/json on an existing container, before the answer is built, with
     * the count of inspects since the container last started (1 = first; inspects before
     * any start count from 1 too). Health or state changes made here show in this very
     * answer. May be NULL. */
    void (*inspect)(void *ctx, mock_docker *d, const char *container_id, long inspect_count);
} mock_docker_hooks;

/* Register (replace) the hooks of an instance; NULL removes them. Copied. */
void mock_docker_set_hooks(mock_docker *d, const mock_docker_hooks *hooks);

/* GET /containers/{c}/json answers are kept between changes of the instance's state (on by
 * default) and rebuilt after any change: the bytes are always those a fresh build gives.
 * Off builds every answer afresh (tests compare the two). */
void mock_docker_set_inspect_cache(mock_docker *d, bool on);

/* ---- C API on containers (each takes the instance lock; see LOCKING) --------------------
 * `ref` is what a client could use: full ID, name (with or without '/'), or a unique ID
 * prefix. Functions returning int give 0, or -1 when no such container/file. */

/* The full 64-hex ID (malloc'd), or NULL. */
char *mock_docker_container_id(mock_docker *d, const char *ref);
/* The name without the leading '/' (malloc'd), or NULL. */
char *mock_docker_container_name(mock_docker *d, const char *ref);
/* A copy of the whole create body as received (Config fields, HostConfig, ...), or NULL. */
cJSON *mock_docker_container_create_body(mock_docker *d, const char *ref);
/* Copies of Config.Env / Config.Cmd (arrays of strings; an empty array when absent), or
 * NULL when no such container. */
cJSON *mock_docker_container_env(mock_docker *d, const char *ref);
cJSON *mock_docker_container_cmd(mock_docker *d, const char *ref);
/* HostConfig.Binds as given (array of "src:dst[:mode]"), or NULL. */
cJSON *mock_docker_container_binds(mock_docker *d, const char *ref);
/* The effective hostname: Config.Hostname, else the first 12 hex of the ID (malloc'd). */
char *mock_docker_container_hostname(mock_docker *d, const char *ref);

typedef struct mock_docker_container_state {
    char status[16];        /* created, running, exited, ... */
    bool running;
    int exit_code;
    bool oom_killed;
    char health[16];        /* "" when the container has no healthcheck */
    long inspect_count;     /* inspects since the last start */
    int restart_count;
} mock_docker_container_state;
int mock_docker_container_state_get(mock_docker *d, const char *ref,
                                    mock_docker_container_state *out);

/* Set State.Health.Status ("starting", "healthy", "unhealthy") from now on; this overrides
 * any scripted health sequence of the container. -1 when the container has no healthcheck. */
int mock_docker_set_health(mock_docker *d, const char *ref, const char *status);
/* Make a running container exit now (State: exited, ExitCode, Error, OOMKilled; DIE hook
 * is NOT called for this, as the caller is the one making it die; an AutoRemove container is
 * removed and REMOVE is called). -1 when not running. */
int mock_docker_container_exit(mock_docker *d, const char *ref, int exit_code,
                               const char *error, bool oom_killed);
/* Append one log line (a '\n' is added when missing) to stdout (stream 1) or stderr (2);
 * followers of the log stream get it at once. */
int mock_docker_append_log(mock_docker *d, const char *ref, int stream, const char *line);

/* The container's in-memory file tree (what the archive endpoints read and write). */
int mock_docker_file_read(mock_docker *d, const char *ref, const char *path, osh_buf *out);
/* Creates missing parent directories; replaces an existing file. mode 0 = 0644. */
int mock_docker_file_write(mock_docker *d, const char *ref, const char *path,
                           const void *data, size_t len, unsigned mode);
int mock_docker_file_remove(mock_docker *d, const char *ref, const char *path);

/* ---- Volumes ------------------------------------------------------------------------- */

/* Names of every volume, an array of strings. */
cJSON *mock_docker_volume_names(mock_docker *d);
bool mock_docker_volume_exists(mock_docker *d, const char *name);
/* The ID (malloc'd) of the container whose HostConfig.Binds mount volume `volume` at
 * `path` (a running one is preferred, then the most recently created), or NULL. */
char *mock_docker_find_volume_mount(mock_docker *d, const char *volume, const char *path);

#endif
