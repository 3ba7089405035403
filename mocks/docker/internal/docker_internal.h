/* docker_internal.h: the state of one mock Docker Engine and the helpers its files share.
 * Not a public API: mock_docker.h is. Everything here is guarded by mock_docker.lock. */
#ifndef DOCKER_INTERNAL_H
#define DOCKER_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "mock_docker.h"
#include "osh_str.h"

#define DK_ID_LEN 64
#define DK_HALF_ID_LEN (DK_ID_LEN / 2)

/* The 64 hex digits of an image ID ("sha256:<hex>"). */
#define DK_IMAGE_HEX(img) osh_str_skip_prefix((img)->id, "sha256:")

/* Make room for one more element at arr[count]. */
#define DK_GROW(arr, count)                                                               \
    do {                                                                                  \
        void *grown_ = realloc((arr), ((count) + 1) * sizeof *(arr));                     \
        if (!grown_)                                                                      \
            abort();                                                                      \
        (arr) = grown_;                                                                   \
    } while (0)

typedef struct dk_file {
    char *path;          /* absolute, normalized: "/tmp/d/a.txt"; "/" is implicit */
    char type;           /* 'f' file, 'd' directory, 'l' symlink */
    unsigned mode;       /* permission bits */
    int64_t mtime;
    osh_buf data;
    char *link;
} dk_file;

typedef struct dk_log_line {
    int stream;          /* 1 stdout, 2 stderr */
    int64_t time_ns;
    char *text;          /* ends with '\n' */
} dk_log_line;

/* Scripted log lines: due at an inspect count, at start, or when a log stream opens. */
typedef struct dk_scripted_log {
    long at_inspect;     /* > 0: at that inspect since start */
    bool at_start, on_log_open;
    bool done;
    int stream;
    char *text;
} dk_scripted_log;

/* What a scenario scripts for a container (by name, or on a pre-existing one). */
typedef struct dk_script {
    char **health;       /* per inspect since start; the last entry repeats */
    size_t health_len;
    bool health_by_seconds; /* entries are per second since start instead */
    long exit_at_inspect;   /* 0 = never (or already done since the last start) */
    long exit_at_inspect_set; /* as configured: restored at every start */
    int exit_code;
    char *exit_error;
    bool exit_oom;
    dk_scripted_log *logs;
    size_t log_count;
    int stop_code;          /* the exit code a stop leaves (0; 137/143 as real processes do) */
} dk_script;

typedef struct dk_endpoint {
    char network_id[DK_ID_LEN + 1]; /* "" until resolved (a missing network at create) */
    char *network_name;             /* as the client named it; the key in inspect */
    char endpoint_id[DK_ID_LEN + 1];
    int ip_last;         /* host part of the IPv4 address */
    cJSON *config;       /* EndpointConfig as given (may be NULL) */
} dk_endpoint;

typedef enum { DK_CREATED, DK_RUNNING, DK_EXITED, DK_RESTARTING, DK_PAUSED, DK_DEAD } dk_status;

typedef struct dk_container {
    char id[DK_ID_LEN + 1];
    char *name;          /* without '/' */
    cJSON *body;         /* the whole create body */
    char *image_ref;     /* Config.Image as given */
    char image_id[80];   /* sha256:... */
    dk_status status;
    int exit_code, pid, restart_count;
    char *error;
    bool oom_killed;
    int64_t created_ns, started_ns, finished_ns;
    /* health */
    bool has_health;
    char health[16];
    bool health_forced;  /* set through the C API: the script no longer applies */
    int failing_streak;
    cJSON *health_log;
    long inspects;       /* since the last start */
    dk_script script;
    dk_log_line *logs;
    size_t log_count;
    dk_endpoint *endpoints;
    size_t endpoint_count;
    dk_file *files;
    size_t file_count;
    long seq;            /* creation order */
    bool start_attempted; /* dockerd fills HostConfig defaults (Runtime) at the first start */
    long exits;          /* how many times it stopped running (wait condition=next-exit) */
    int attached;        /* open attach streams */
    bool remove_on_detach; /* AutoRemove waits for the attach streams to get the output */
    /* docker_inspect_cache.c: the last inspect answer, good while the world's generation
     * is still inspect_generation (0 = none) */
    osh_buf inspect_body;
    uint64_t inspect_generation;
} dk_container;

typedef struct dk_image {
    char id[80];         /* sha256:<64 hex> */
    char **tags;         /* "repo:tag" */
    size_t tag_count;
    char **digests;      /* RepoDigests "repo@sha256:..." (added by pulls) */
    size_t digest_count;
    cJSON *config;       /* image Config (Cmd, Env, Healthcheck, Labels...) */
    char *architecture, *os;
    int64_t created_ns;
    long size;
    osh_buf layer;       /* layer.tar content for export (may be empty) */
} dk_image;

typedef struct dk_pullable {
    char *ref;           /* "repo:tag" */
    char *id;            /* image ID it yields */
    cJSON *config;
    char *architecture;
    int error_status;    /* > 0: the pull answers this status with error_message */
    char *error_message;
    char *stream_error;  /* non-NULL: the stream ends with this errorDetail */
    char *auth_user, *auth_password; /* non-NULL: X-Registry-Auth must carry them */
} dk_pullable;

typedef struct dk_network {
    char id[DK_ID_LEN + 1];
    char *name, *driver;
    bool attachable, internal, builtin;
    cJSON *labels, *options;
    int subnet;          /* 172.{subnet}.0.0/16 */
    int next_ip;
    int64_t created_ns;
} dk_network;

typedef struct dk_volume {
    char *name, *driver;
    cJSON *labels, *options;
    int64_t created_ns;
} dk_volume;

typedef struct dk_exec {
    char id[DK_ID_LEN + 1];
    char container_id[DK_ID_LEN + 1];
    cJSON *config;       /* the exec create body */
    bool running, finished, exit_null, tty;
    int exit_code, pid;
} dk_exec;

typedef struct dk_scripted_exec {
    cJSON *argv;         /* match on the whole argv, or NULL */
    char *script;        /* match on the script of sh -c / sh -lc, or NULL */
    char *container;     /* only in this container (name), or NULL */
    char *out, *err;
    int exit_code;
    bool exit_null;
    long nth, first, from; /* which matching calls it answers (as fault rules); 0 = all */
    long calls;            /* matching calls so far */
    long truncate_after;   /* >= 0: cut the output stream after that many bytes */
} dk_scripted_exec;

typedef struct dk_named_script {
    char *container_name;
    dk_script script;
} dk_named_script;

struct mock_docker {
    pthread_mutex_t lock;
    mock_http_server *http;
    mock_docker_hooks hooks;

    /* identity */
    char *api_version, *min_api_version, *max_api_version, *server_version;
    char *os, *arch, *kernel, *hostname;
    char *builder_version;       /* Builder-Version on /_ping; NULL = not sent (20.10's default) */
    cJSON *cdi_spec_dirs;        /* NULL = not reported */
    bool experimental;

    dk_container **containers;
    size_t container_count;
    dk_image **images;
    size_t image_count;
    dk_pullable *pullable;
    size_t pullable_count;
    dk_network **networks;
    size_t network_count;
    dk_volume **volumes;
    size_t volume_count;
    dk_exec **execs;
    size_t exec_count;
    dk_scripted_exec *scripted_execs;
    size_t scripted_exec_count;
    dk_named_script *named_scripts;
    size_t named_script_count;

    long next_seq;
    int next_pid, next_subnet;
    uint64_t rng;
    /* Bumped by every dk_unlock: any change to anything an inspect answer shows (the
     * container, its networks, images, execs) drops every cached answer. */
    uint64_t generation;
    bool inspect_cache_off;      /* mock_docker_set_inspect_cache(d, false) */
};

/* Release the instance lock. The one way to do it after touching the state: it bumps
 * d->generation, so no write path can forget to invalidate the inspect cache. */
static inline void dk_unlock(mock_docker *d)
{
    d->generation++;
    pthread_mutex_unlock(&d->lock);
}

/* Release it where nothing any inspect answer shows has changed (the inspect path itself). */
static inline void dk_unlock_unchanged(mock_docker *d)
{
    pthread_mutex_unlock(&d->lock);
}

/* ---- docker_state.c: identity, lookup, small helpers ---------------------------------- */
void dk_random_hex(mock_docker *d, char *out, size_t n);  /* n hex chars + NUL */
/* n hex chars + NUL that depend only on seed (a registry's manifest digest for an image). */
void dk_derived_hex(const char *seed, char *out, size_t n);
int64_t dk_now_ns(void);
void dk_format_time(int64_t ns, char *out, size_t size);   /* RFC 3339 with nanoseconds */
dk_container *dk_find_container(mock_docker *d, const char *ref);
dk_container *dk_find_container_by_id(mock_docker *d, const char *id);
/* Take d->lock and find ref. On a miss: release the lock, answer dockerd's 404 (400 for "")
 * `No such container: {ref}` and return NULL. On a hit the lock stays held. */
dk_container *dk_lock_container_or_404(mock_docker *d, const char *ref, mock_http_response *res);
dk_image *dk_find_image(mock_docker *d, const char *ref);
dk_image *dk_find_image_by_id(mock_docker *d, const char *id);
char *dk_normalize_ref(const char *ref);                   /* adds ":latest"; malloc'd */
/* ref as dockerd names it in "No such image: …": normalized, a bare 64-hex ID as sha256:ID. */
char *dk_image_missing_ref(const char *ref);
dk_network *dk_find_network_by_id(mock_docker *d, const char *id);
dk_volume *dk_find_volume(mock_docker *d, const char *name);
dk_exec *dk_find_exec(mock_docker *d, const char *id);
bool dk_valid_name(const char *name);                      /* [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
void dk_container_free(dk_container *c);
void dk_image_free(dk_image *img);
void dk_network_free(dk_network *n);
void dk_volume_free(dk_volume *v);
void dk_script_free(dk_script *s);
void dk_remove_container(mock_docker *d, dk_container *c);
dk_network *dk_add_network(mock_docker *d, const char *name, const char *driver, bool builtin);
dk_image *dk_add_image(mock_docker *d, const char *id);
void dk_image_add_tag(mock_docker *d, dk_image *img, const char *ref);
/* Records "repo@sha256:{hex}" once. */
void dk_image_add_digest(dk_image *img, const char *repo, const char *hex);
/* Removes the digest references of repo; calls fn(ctx, ref) for each before freeing it. */
void dk_image_remove_digests(dk_image *img, const char *repo, void (*fn)(void *, const char *), void *ctx);
void dk_image_remove_tag(dk_image *img, const char *ref);
void dk_remove_image(mock_docker *d, dk_image *img);
const cJSON *dk_body_get(const cJSON *body, const char *key); /* case-sensitive */
const char *dk_body_str(const cJSON *body, const char *key);
const cJSON *dk_host_config(const dk_container *c);
const char *dk_status_name(dk_status s);
char *dk_effective_hostname(const dk_container *c);

/* ---- docker_router.c ------------------------------------------------------------------ */
void dk_error(mock_http_response *res, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void dk_common_headers(mock_docker *d, mock_http_response *res);
void dk_handle(void *ctx, const mock_http_request *req, mock_http_response *res);
void dk_handle_mock(void *ctx, const mock_http_request *req, mock_http_response *res);
/* A body sent chunked, as dockerd's streaming endpoints do (pull, load, wait). Copied. */
void dk_respond_chunked(mock_http_response *res, int status, const char *content_type,
                        const char *data, size_t len);
/* dockerd's CheckForJSON: a Content-Type other than application/json is a 400 (answered). */
bool dk_require_json(const mock_http_request *req, mock_http_response *res);
/* CheckForJSON, then the body parsed into *body (NULL when empty or not JSON; *text and *len
 * tell which, for routes that word those apart). False when CheckForJSON answered. */
bool dk_json_body(const mock_http_request *req, mock_http_response *res, cJSON **body,
                  const char **text, size_t *len);
/* A body dockerd reads as optional JSON (exec start, volume create): CheckForJSON, then ""
 * is {} and anything else must parse. False with the 400 answered; else *body is the
 * caller's to free. */
bool dk_optional_json_body(const mock_http_request *req, mock_http_response *res, cJSON **body);
/* Connection: Upgrade with Upgrade: tcp, the hijack dockerd's attach and exec start offer. */
bool dk_wants_tcp_upgrade(const mock_http_request *req);
/* One line of a JSON message stream (pull, load): o compact, then "\r\n", as dockerd's
 * jsonmessage writes it; o is freed. */
void dk_stream_json_line(osh_buf *out, cJSON *o);
/* The line that ends such a stream on an error: {"errorDetail":{"message":m},"error":m}. */
void dk_stream_error_line(osh_buf *out, const char *message);
/* Query flags as dockerd reads them: "1", "true", "True" are true. */
bool dk_query_bool(const mock_http_request *req, const char *key);
/* The decoded JSON filters parameter (NULL when absent), every key one of known (a NULL-ended
 * list, the keys the endpoint accepts); -1 with the error answered: 500 for JSON that is not
 * an object, 400 "Invalid filter 'KEY'" for a key not in known, as dockerd does. */
int dk_query_filters(const mock_http_request *req, const char *const known[], mock_http_response *res,
                     cJSON **out);
bool dk_filter_has(const cJSON *filters, const char *key);
/* Does any value of filters[key] satisfy match(value, ctx)? */
bool dk_filter_any(const cJSON *filters, const char *key, bool (*match)(const char *, void *),
                   void *ctx);

/* ---- docker_routes.c: the API surface, and the handlers it names --------------------- */
/* A route handler: name is the text matching the pattern's {…} part ("" when it has none).
 * Called with the instance lock NOT held; it answers, the router adds dockerd's headers. */
typedef void dk_handler(mock_docker *d, const char *name, const mock_http_request *req,
                        mock_http_response *res);
typedef struct dk_route {
    const char *method;
    const char *pattern;   /* unversioned; one {…} at most, matching any text as {name:.*} */
    dk_handler *handler;
} dk_route;
extern const dk_route dk_routes[];
extern const size_t dk_route_count;
/* The first route of the table for method and the unversioned path, or NULL (param NULL);
 * *param is malloc'd. */
const dk_route *dk_route_find(const char *method, const char *path, char **param);
/* Below this API version dockerd's errors are plain text, not JSON. */
#define DK_FIRST_JSON_ERROR_VERSION "1.24"

dk_handler dk_system_ping, dk_system_version, dk_system_info, dk_system_options;
dk_handler dk_container_list, dk_container_create, dk_container_inspect, dk_container_start,
    dk_container_stop_or_kill, dk_container_restart, dk_container_wait, dk_container_remove;
dk_handler dk_container_logs;     /* docker_logs.c */
dk_handler dk_container_attach;   /* docker_attach.c */
dk_handler dk_container_archive;  /* docker_archive.c: HEAD, GET; PUT via dk_archive_put */
dk_handler dk_exec_create, dk_exec_start, dk_exec_inspect;
dk_handler dk_image_list, dk_image_pull, dk_image_inspect, dk_image_tag, dk_image_remove,
    dk_image_save, dk_image_load_tar;
dk_handler dk_network_list, dk_network_create, dk_network_inspect, dk_network_connect,
    dk_network_disconnect, dk_network_remove;
dk_handler dk_volume_list, dk_volume_create, dk_volume_inspect, dk_volume_remove;

/* ---- containers ----------------------------------------------------------------------- */
/* A new container from a create body (taken over) on an existing image; no validation. */
dk_container *dk_container_build(mock_docker *d, const char *name, cJSON *body, dk_image *img);
void dk_container_set_running(mock_docker *d, dk_container *c);
cJSON *dk_container_inspect_json(mock_docker *d, dk_container *c);

/* ---- docker_inspect_cache.c: GET /containers/{id}/json answers kept between changes ---- */
/* Append c's inspect body (compact JSON and "\n", as mock_http_respond_json writes it) to
 * out: the cached bytes when the world has not changed since they were built, else built
 * afresh (and kept). Lock held. */
void dk_inspect_body(mock_docker *d, dk_container *c, osh_buf *out);
cJSON *dk_container_summary_json(mock_docker *d, dk_container *c);
void dk_container_set_exited(mock_docker *d, dk_container *c, int code, const char *error,
                             bool oom);
void dk_fire_event(mock_docker *d, const char *id, mock_docker_event ev);
void dk_after_exit(mock_docker *d, const char *id);
/* Called with the lock held at each inspect: health and exit scripts. True when that
 * changed what the inspect answer shows (health, state). */
bool dk_apply_inspect_script(mock_docker *d, dk_container *c);
void dk_apply_start_script(mock_docker *d, dk_container *c);
void dk_apply_log_open_script(mock_docker *d, dk_container *c);
void dk_container_append_log(dk_container *c, int stream, const char *text);
const dk_script *dk_script_for_name(mock_docker *d, const char *name);
void dk_script_copy(dk_script *dst, const dk_script *src);
cJSON *dk_network_json(mock_docker *d, dk_network *n);
void dk_endpoint_attach(mock_docker *d, dk_container *c, dk_network *n, const cJSON *config);
bool dk_endpoint_detach(dk_container *c, const dk_network *n);
/* The container's endpoint on n: by network ID, or by name while it was never started. */
dk_endpoint *dk_endpoint_find(dk_container *c, const dk_network *n);

/* ---- files (docker_files.c) ----------------------------------------------------------- */
/* Normalize an absolute path ("/a/./b/../c" -> "/a/c"); NULL when it escapes the root or is
 * not absolute. malloc'd. */
char *dk_path_normalize(const char *path);
/* The same, but ".." at the root stays at the root ("/../etc" -> "/etc"), as dockerd
 * resolves paths inside a container. */
char *dk_path_clamp(const char *path);
dk_file *dk_file_find(dk_container *c, const char *path);
/* The path as a process chrooted into the container sees it: symlinks in its directories
 * (and in its last component when follow_last) replaced by their targets, absolute targets
 * from the container's root. NULL after 40 links (a loop). */
char *dk_path_resolve(dk_container *c, const char *path, bool follow_last);
/* PUT /containers/{c}/archive?path= (docker_archive_put.c); lock held, path clamped. */
void dk_archive_put(mock_docker *d, dk_container *c, const char *ref, const char *path,
                    const mock_http_request *req, mock_http_response *res);
dk_file *dk_file_put(dk_container *c, const char *path, char type, unsigned mode);
void dk_file_remove_tree(dk_container *c, const char *path);
void dk_files_default(dk_container *c);
void dk_files_free(dk_container *c);

dk_volume *dk_volume_add(mock_docker *d, const char *name);
void dk_frame_append(osh_buf *out, int stream, const void *data, size_t len);
void dk_tty_append(osh_buf *out, const char *data, size_t len); /* "\n" -> "\r\n" */

/* ---- exec ----------------------------------------------------------------------------- */
void dk_exec_run(mock_docker *d, const char *container_id, const cJSON *cmd,
                 mock_docker_exec_result *res);
/* docker_exec_builtin.c: the commands the mock runs itself (echo, cat, test, sh -c ...). */
void dk_exec_builtin(mock_docker *d, const char *container_id, const char *const *argv,
                     size_t argc, mock_docker_exec_result *res);
/* What a container's command prints at start when it is made only of simple steps
 * (`echo hi`): true when it has then finished, its output and status in res. */
bool dk_startup_output(mock_docker *d, const char *const *argv, size_t argc,
                       mock_docker_exec_result *res);

/* ---- images (docker_images.c, docker_image_archive.c) --------------------------------- */
cJSON *dk_image_inspect_json(const dk_image *img);
/* GET /images/get (single NULL, the names= query) and /images/{single}/get. */
void dk_image_export(mock_docker *d, const mock_http_request *req, const char *single,
                     mock_http_response *res);
void dk_image_load(mock_docker *d, const mock_http_request *req, mock_http_response *res);

/* ---- scenario ------------------------------------------------------------------------- */
int dk_scenario_load(mock_docker *d, const cJSON *scenario, char **error);
int dk_script_parse(const cJSON *o, const char *where, dk_script *out, char **error);

#endif
