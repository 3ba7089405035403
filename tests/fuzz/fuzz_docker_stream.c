/* fuzz_docker_stream.c: the gateway's multiplexed-frame decoder, UTF-8 repair and line
 * splitter (impl/gateway/docker_stream.h) over arbitrary daemon bytes. The first input byte
 * picks the chunk size the bytes arrive in, so frame and line boundaries fall everywhere.
 * Invariants: frame payload never exceeds the input, a stdin frame is never delivered, repair
 * yields valid UTF-8 (unchanged when already valid), split lines hold no LF and their count
 * matches the LFs. */
#include <stdbool.h>
#include <stdio.h>

#include "docker_stream.h"
#include "fuzz_util.h"

typedef struct frames {
    size_t bytes;
    bool saw_stdin;
} frames;

static void on_frame(void *ud, int stream, const char *data, size_t len)
{
    frames *f = ud;
    f->bytes += len;
    f->saw_stdin = f->saw_stdin || stream == DOCKER_STREAM_STDIN;
    FUZZ_CHECK(stream >= DOCKER_STREAM_STDIN && stream <= DOCKER_STREAM_SYSERR);
}

/* Independent of docker_stream.c: a plain UTF-8 validity check (RFC 3629). */
static bool utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t more;
        unsigned long cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            more = 1, cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            more = 2, cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            more = 3, cp = c & 0x07;
        } else {
            return false;
        }
        if (n - i <= more)
            return false;
        for (size_t k = 1; k <= more; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((more == 2 && cp < 0x800) || (more == 3 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += more + 1;
    }
    return true;
}

typedef struct lines {
    size_t count;
} lines;

static void on_line(void *ud, const char *line, size_t len)
{
    lines *l = ud;
    l->count++;
    FUZZ_CHECK(memchr(line, '\n', len) == NULL);
}

static void check_mux(const char *data, size_t size, size_t chunk)
{
    frames f = {0};
    docker_mux_decoder d;
    docker_mux_init(&d, on_frame, &f);
    gw_error err = GW_ERROR_INIT;
    int rc = 0;
    for (size_t i = 0; i < size && rc == 0; i += chunk)
        rc = docker_mux_feed(&d, data + i, size - i < chunk ? size - i : chunk, &err);
    if (rc == 0)
        rc = docker_mux_finish(&d, &err);
    FUZZ_CHECK(rc == 0 || (err.message && strstr(err.message, "malformed multiplexed stream")));
    FUZZ_CHECK(f.bytes <= size && !f.saw_stdin);
    gw_error_clear(&err);
}

static void check_utf8(const char *data, size_t size)
{
    osh_buf out = OSH_BUF_INIT;
    docker_utf8_sanitize(&out, data, size);
    FUZZ_CHECK(utf8_valid((const unsigned char *)(out.data ? out.data : ""), out.len));
    if (utf8_valid((const unsigned char *)data, size))
        FUZZ_CHECK(out.len == size && (size == 0 || memcmp(out.data, data, size) == 0));
    osh_buf_free(&out);
}

static void check_lines(const char *data, size_t size, size_t chunk)
{
    docker_line_splitter s = {OSH_BUF_INIT};
    lines l = {0};
    for (size_t i = 0; i < size; i += chunk)
        docker_lines_feed(&s, data + i, size - i < chunk ? size - i : chunk, on_line, &l);
    docker_lines_finish(&s, on_line, &l);
    docker_lines_free(&s);
    size_t lf = 0;
    for (size_t i = 0; i < size; i++)
        lf += data[i] == '\n';
    bool tail = size > 0 && data[size - 1] != '\n';
    FUZZ_CHECK(l.count == lf + (tail ? 1 : 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t chunk = (size_t)data[0] % 17 + 1;
    const char *bytes = (const char *)data + 1;
    size--;
    check_mux(bytes, size, chunk);
    check_mux(bytes, size, size ? size : 1);
    check_utf8(bytes, size);
    check_lines(bytes, size, chunk);
    return 0;
}
