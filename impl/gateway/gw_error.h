/* gw_error.h: the error model of the gateway library (impl/gateway), as curl's CURLcode.
 *
 * Every gateway function that can fail returns 0 (or a count) on success and -1 after filling
 * a gw_error: a named code that callers and tests branch on, the HTTP status when the daemon
 * answered, and a malloc'd message whose text the rules document fixes (the CLI prints it).
 * Callers decide by the code, never by matching the message: the one place that reads a Docker
 * message to pick a code is gw_docker_code. The CLI turns codes into exit statuses through one
 * table (impl/cli/cli_exit.c).
 *
 * Error models elsewhere, one per layer:
 * - the Kubernetes client layer (impl/sandbox, impl/driver) reports the API's own Status
 *   (code, reason, message) in a k8s_error (impl/sandbox/k8s_client.h);
 * - low-level parsers and validators below those layers (common/, cli_args.c, the spec and
 *   kubeconfig parsers) return 0 / -1 (or a usage exit status) and put a malloc'd message in
 *   a `char **error` out-parameter. */
#ifndef GW_ERROR_H
#define GW_ERROR_H

typedef enum gw_code {
    GW_OK = 0,
    GW_E_USAGE,              /* a gateway name the rules refuse (§3.2): a usage error */
    GW_E_INVALID,            /* a bad value checked at run time: DOCKER_HOST, a timeout variable,
                                NAV_GATEWAY_TLS_ENABLED, a remote destination */
    GW_E_CONFIG,             /* HOME unset, a metadata file that does not parse */
    GW_E_NOT_FOUND,          /* a named thing does not exist: metadata, image, workload, Docker 404 */
    GW_E_CONFLICT,           /* Docker 409: in use or in the wrong state (also after the 409 retries) */
    GW_E_PORT_IN_USE,        /* the host port is held: by another container (§4.7), or Docker's
                                `port is already allocated` (§4.9) */
    GW_E_DOCKER_UNREACHABLE, /* no answer from the daemon: socket, tcp or ssh failed or was cut */
    GW_E_DOCKER,             /* the daemon answered another status the step does not accept */
    GW_E_MALFORMED,          /* an answer that does not parse: JSON body, multiplexed or JSON
                                stream, the mTLS secret's base64 */
    GW_E_TIMEOUT,            /* a time bound or an attempt budget ran out (§3.8, §7.2, §8.2) */
    GW_E_UNHEALTHY,          /* the gateway container exited or reported a failure (§7.2, §8.2) */
    GW_E_IO,                 /* a local file or directory operation failed */
    GW_E_FAILED,             /* a step failed for the reason its message states (a pull, an exec) */
    GW_E_LAST                /* not a code: the number of codes */
} gw_code;

typedef struct gw_error {
    gw_code code;
    long status;      /* the HTTP status when the daemon answered one (gw_docker_code), else 0 */
    char *message;    /* NULL when code is GW_OK */
} gw_error;

#define GW_ERROR_INIT {GW_OK, 0, NULL}

/* A fixed text per code ("port already in use", ...), for logs and tests; never NULL. */
const char *gw_strerror(gw_code code);

/* The code of a Docker answer that failed: 404 not found, 409 conflict, a 500 whose message
 * says `port is already allocated` port in use, anything else GW_E_DOCKER. */
gw_code gw_docker_code(long status, const char *message);

/* Set the error (replacing any previous one) and return -1. */
int gw_fail(gw_error *err, gw_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Put "context" in front of the existing message: "{context}{message}". The code is kept
 * (GW_E_FAILED when there was none). */
void gw_error_prefix(gw_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append text after the existing message; the code is kept as for gw_error_prefix. */
void gw_error_append(gw_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Move src into dst (dst's previous message is freed; src becomes empty). */
void gw_error_move(gw_error *dst, gw_error *src);
void gw_error_clear(gw_error *err);
const char *gw_error_text(const gw_error *err);

#endif
