/* record_upstream.c: where the real daemon is and how to reach it. libcurl does the
 * connecting for both unix sockets (CURLOPT_UNIX_SOCKET_PATH) and TCP; the ordinary
 * requests are in record_proxy.c, and this file also hands out a bare connected socket
 * (CURLOPT_CONNECT_ONLY) for the hijacked exec/attach connections, which libcurl cannot
 * carry itself (it knows no HTTP upgrade except WebSocket). */
#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "osh_str.h"
#include "record_internal.h"

int rec_upstream_parse(const char *url, rec_upstream *u, char **error)
{
    memset(u, 0, sizeof *u);
    u->url = osh_str_dup(url);
    const char *path = osh_str_after(url, "unix://"), *hp = osh_str_after(url, "tcp://");
    if (path && *path == '/') {
        u->unix_path = osh_str_dup(path);
        u->base = osh_str_dup("http://docker");
        return 0;
    }
    if (hp) {
        const char *colon = strrchr(hp, ':');
        char *end = NULL;
        long port = colon ? strtol(colon + 1, &end, 10) : -1;
        if (colon && colon > hp && end && *end == '\0' && colon[1] && port > 0 && port <= 65535) {
            u->host = osh_str_ndup(hp, (size_t)(colon - hp));
            u->port = (int)port;
            u->base = osh_str_printf("http://%s:%ld", u->host, port);
            return 0;
        }
    }
    *error = osh_str_printf("--upstream %s: expected unix:///PATH or tcp://HOST:PORT", url);
    rec_upstream_free(u);
    return -1;
}

void rec_upstream_free(rec_upstream *u)
{
    free(u->url);
    free(u->unix_path);
    free(u->base);
    free(u->host);
    memset(u, 0, sizeof *u);
}

static CURL *easy_for(const rec_upstream *u, const char *path)
{
    CURL *c = curl_easy_init();
    if (!c)
        abort();
    char *url = osh_str_printf("%s%s", u->base, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    free(url);
    if (u->unix_path)
        curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, u->unix_path);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    return c;
}

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

int rec_upstream_ping(const rec_upstream *u, char **error)
{
    CURL *c = easy_for(u, "/_ping");
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 15000L);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK) {
        *error = osh_str_printf("upstream %s: cannot connect: %s", u->url,
                                errbuf[0] ? errbuf : curl_easy_strerror(rc));
        return -1;
    }
    if (status != 200) {
        *error = osh_str_printf("upstream %s: GET /_ping answered %ld, not a Docker daemon?", u->url, status);
        return -1;
    }
    return 0;
}

int rec_upstream_connect(const rec_upstream *u, void **curl_handle, char **error)
{
    CURL *c = easy_for(u, "/");
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
    CURLcode rc = curl_easy_perform(c);
    curl_socket_t fd = CURL_SOCKET_BAD;
    if (rc == CURLE_OK)
        rc = curl_easy_getinfo(c, CURLINFO_ACTIVESOCKET, &fd);
    if (rc != CURLE_OK || fd == CURL_SOCKET_BAD) {
        *error = osh_str_printf("upstream %s: cannot connect: %s", u->url,
                                errbuf[0] ? errbuf : curl_easy_strerror(rc));
        curl_easy_cleanup(c);
        return -1;
    }
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
    *curl_handle = c;
    return (int)fd;
}

void rec_upstream_close(void *curl_handle)
{
    if (curl_handle)
        curl_easy_cleanup(curl_handle);
}

void rec_append_url_path(osh_buf *b, const char *path)
{
    for (const unsigned char *c = (const unsigned char *)path; *c; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
            strchr("-._~/:@!$&'()*+,;=", *c))
            osh_buf_append_char(b, (char)*c);
        else
            osh_buf_appendf(b, "%%%02X", *c);
    }
}

int rec_send_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            struct pollfd pf = {.fd = fd, .events = POLLOUT};
            poll(&pf, 1, 100);
            continue;
        }
        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}
