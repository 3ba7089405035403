/* mock_http_listen.c: the endpoints of a server: a unix socket (refused when another server
 * answers on it, mode 0600) or a TCP port (optionally TLS), each handed to a libmicrohttpd
 * daemon (mock_http_start_daemon). */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "mock_http_internal.h"
#include "osh_str.h"

/* Bursts of connects (a test opening a thousand at once) wait in the backlog. */
#define LISTEN_BACKLOG 4096

/* A socket file at addr: 0 when it is stale (connect refused) and may be replaced; -1 with
 * *error when a server answers there (or it cannot be told). */
static int check_stale_socket(const struct sockaddr_un *addr, char **error)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        *error = osh_str_printf("%s: cannot check the socket: %s", addr->sun_path, strerror(errno));
        return -1;
    }
    int rc = connect(fd, (const struct sockaddr *)addr, sizeof *addr);
    int err = errno;
    close(fd);
    if (rc == 0 || err == EAGAIN) {
        *error = osh_str_printf("%s: in use by another server (a connect succeeded); stop it "
                                "or choose another path", addr->sun_path);
        return -1;
    }
    if (err != ECONNREFUSED) {
        *error = osh_str_printf("%s: cannot tell whether the socket is in use: %s",
                                addr->sun_path, strerror(err));
        return -1;
    }
    return 0;
}

int mock_http_server_listen_unix(mock_http_server *s, const char *path, char **error)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path) {
        *error = osh_str_printf("%s: socket path too long (at most %zu bytes)", path,
                                sizeof addr.sun_path - 1);
        return -1;
    }
    strcpy(addr.sun_path, path);
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            *error = osh_str_printf("%s: exists and is not a socket", path);
            return -1;
        }
        if (check_stale_socket(&addr, error) != 0)
            return -1;
        unlink(path);
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    /* chmod before listen: nobody can connect while the mode is still the umask's. */
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        chmod(path, 0600) != 0 || listen(fd, LISTEN_BACKLOG) != 0) {
        *error = osh_str_printf("%s: cannot listen: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return mock_http_start_daemon(s, fd, osh_str_printf("unix://%s", path), osh_str_dup(path), NULL, NULL, error);
}

static int bind_tcp(const char *host, int port, int *bound_port, char **error)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    int rc = getaddrinfo(host, service, &hints, &ai);
    if (rc != 0) {
        *error = osh_str_printf("tcp://%s:%d: cannot resolve host: %s", host, port,
                                gai_strerror(rc));
        return -1;
    }
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, LISTEN_BACKLOG) != 0) {
        *error = osh_str_printf("tcp://%s:%d: cannot listen: %s", host, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &len);
    *bound_port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                           : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

static int listen_tcp(mock_http_server *s, const char *host, int port, const char *cert_pem,
                      const char *key_pem, int *bound_port, char **error)
{
    int actual = 0;
    int fd = bind_tcp(host, port, &actual, error);
    if (fd < 0)
        return -1;
    if (bound_port)
        *bound_port = actual;
    const char *scheme = cert_pem ? "https" : "tcp";
    char *url = strchr(host, ':') ? osh_str_printf("%s://[%s]:%d", scheme, host, actual)
                                  : osh_str_printf("%s://%s:%d", scheme, host, actual);
    return mock_http_start_daemon(s, fd, url, NULL, cert_pem, key_pem, error);
}

int mock_http_server_listen_tcp(mock_http_server *s, const char *host, int port,
                                int *bound_port, char **error)
{
    return listen_tcp(s, host, port, NULL, NULL, bound_port, error);
}

int mock_http_server_listen_tcp_tls(mock_http_server *s, const char *host, int port,
                                    const char *cert_pem, const char *key_pem, int *bound_port,
                                    char **error)
{
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        *error = osh_str_printf("https://%s:%d: this libmicrohttpd is built without TLS support",
                                host, port);
        return -1;
    }
    if (!cert_pem || !*cert_pem || !key_pem || !*key_pem) {
        *error = osh_str_printf("https://%s:%d: a certificate and a key (PEM) are both needed",
                                host, port);
        return -1;
    }
    return listen_tcp(s, host, port, cert_pem, key_pem, bound_port, error);
}

