/* docker_stream.h: decoding Docker's stream formats: the multiplexed 8-byte-header frames of
 * attached exec and log streams (rules §5.1), and newline-separated JSON objects (pulls). */
#ifndef DOCKER_STREAM_H
#define DOCKER_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gw_error.h"
#include "osh_buf.h"

enum { DOCKER_STREAM_STDIN = 0, DOCKER_STREAM_STDOUT = 1, DOCKER_STREAM_STDERR = 2, DOCKER_STREAM_SYSERR = 3 };

/* Called with (part of) a frame's payload; a frame may arrive in several calls. */
typedef void (*docker_frame_fn)(void *ud, int stream, const char *data, size_t len);

typedef struct docker_mux_decoder {
    unsigned char header[8];
    size_t header_len;     /* header bytes collected for the current frame */
    uint32_t remaining;    /* payload bytes still to come for the current frame */
    int stream;
    bool failed;
    docker_frame_fn on_frame;
    void *ud;
} docker_mux_decoder;

void docker_mux_init(docker_mux_decoder *d, docker_frame_fn on_frame, void *ud);
/* Feed bytes; -1 with `malformed multiplexed stream: ...` on an unknown stream type. */
int docker_mux_feed(docker_mux_decoder *d, const char *data, size_t len, gw_error *err);
/* At EOF: -1 with `malformed multiplexed stream: truncated frame` when cut mid-frame. */
int docker_mux_finish(docker_mux_decoder *d, gw_error *err);

/* Append text to out with invalid UTF-8 sequences replaced by U+FFFD. */
void docker_utf8_sanitize(osh_buf *out, const char *data, size_t len);

/* Splits a byte stream into lines (LF, with a trailing CR removed). */
typedef struct docker_line_splitter {
    osh_buf partial;
} docker_line_splitter;

typedef void (*docker_line_fn)(void *ud, const char *line, size_t len);
void docker_lines_feed(docker_line_splitter *s, const char *data, size_t len, docker_line_fn on_line, void *ud);
/* Hand over what is left after the last newline (if anything) and reset. */
void docker_lines_finish(docker_line_splitter *s, docker_line_fn on_line, void *ud);
void docker_lines_free(docker_line_splitter *s);

#endif
