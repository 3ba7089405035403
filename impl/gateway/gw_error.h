/* gw_error.h: the error value every gateway function reports through: a named code and a
 * malloc'd message. Functions return 0 on success and -1 after filling the error. */
#ifndef GW_ERROR_H
#define GW_ERROR_H

typedef enum gw_code {
    GW_OK = 0,
    GW_E_INVALID,     /* bad input: name, port, reference, environment value */
    GW_E_CONFIG,      /* config root or file problem (HOME unset, unreadable file) */
    GW_E_TRANSPORT,   /* could not reach the Docker daemon (socket, ssh, connection) */
    GW_E_DOCKER,      /* the daemon answered an unexpected status */
    GW_E_JSON,        /* a body that must be JSON did not parse */
    GW_E_STREAM,      /* a multiplexed or JSON stream was malformed */
    GW_E_IO,          /* a local file or directory operation failed */
    GW_E_TIMEOUT,     /* an attempt budget ran out */
    GW_E_FAILED,      /* a flow step failed for a reason stated in the message */
    GW_E_NOT_FOUND    /* a named thing (metadata, gateway) does not exist */
} gw_code;

typedef struct gw_error {
    gw_code code;
    long status;      /* HTTP status for GW_E_DOCKER, else 0 */
    char *message;    /* NULL when code is GW_OK */
} gw_error;

#define GW_ERROR_INIT {GW_OK, 0, NULL}

/* Set the error (replacing any previous one) and return -1. */
int gw_fail(gw_error *err, gw_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Put "context" in front of the existing message: "{context}{message}". */
void gw_error_prefix(gw_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append text after the existing message. */
void gw_error_append(gw_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Move src into dst (dst's previous message is freed; src becomes empty). */
void gw_error_move(gw_error *dst, gw_error *src);
void gw_error_clear(gw_error *err);
const char *gw_error_text(const gw_error *err);

#endif
