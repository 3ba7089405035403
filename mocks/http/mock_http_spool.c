/* mock_http_spool.c: request bodies of spooled routes (archives, image loads) go to an
 * unlinked temporary file as they arrive instead of memory, so an upload of any size within
 * its limit costs the process a block at a time. Only the journal's head of the body stays in
 * memory; the whole body's size and SHA-256 are computed on the way. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mock_http_internal.h"

/* An unlinked file in $TMPDIR (or /tmp); -1 when none can be made. */
static int spool_open(void)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
    char path[4096];
    snprintf(path, sizeof path, "%s/mock-http-spool.XXXXXX", dir);
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0)
        unlink(path);
    return fd;
}

void mock_http_spool_begin(mock_http_request *r)
{
    r->spool_fd = spool_open();
    if (r->spool_fd < 0)
        return; /* no spool: the body is kept in memory as any other */
    if (gnutls_hash_init(&r->spool_hash, GNUTLS_DIG_SHA256) != 0) {
        close(r->spool_fd);
        r->spool_fd = -1;
    }
}

static bool write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

bool mock_http_spool_append(mock_http_request *r, const char *data, size_t len, size_t head_cap)
{
    if (r->body.len < head_cap) {
        size_t keep = head_cap - r->body.len < len ? head_cap - r->body.len : len;
        osh_buf_append(&r->body, data, keep);
    }
    gnutls_hash(r->spool_hash, data, len);
    r->body_total += len;
    return write_all(r->spool_fd, data, len);
}

void mock_http_spool_finish(mock_http_request *r)
{
    unsigned char d[32];
    gnutls_hash_deinit(r->spool_hash, d);
    r->spool_hash = NULL;
    for (int i = 0; i < 32; i++)
        snprintf(r->body_sha256 + 2 * i, 3, "%02x", d[i]);
}

void mock_http_spool_free(mock_http_request *r)
{
    if (r->spool_hash)
        gnutls_hash_deinit(r->spool_hash, NULL);
    if (r->spool_fd >= 0)
        close(r->spool_fd);
    r->spool_fd = -1;
}

int mock_http_request_body_fd(const mock_http_request *r, size_t *len)
{
    if (r->spool_fd < 0)
        return -1;
    if (len)
        *len = r->body_total;
    lseek(r->spool_fd, 0, SEEK_SET);
    return r->spool_fd;
}

/* A spooled body asked for in memory: read it back whole, once (the handler did not use
 * mock_http_request_body_fd). */
void mock_http_spool_load(mock_http_request *r)
{
    if (r->spool_fd < 0 || r->spool_loaded)
        return;
    r->spool_loaded = true;
    osh_buf_reset(&r->body);
    char buf[65536];
    ssize_t n;
    off_t at = 0;
    while ((n = pread(r->spool_fd, buf, sizeof buf, at)) > 0) {
        osh_buf_append(&r->body, buf, (size_t)n);
        at += n;
    }
}
