/* mock_world_test.c: a consumer's own test with an in-process mock world: start the default
 * healthy world, ask its Docker Engine (unix socket) for /_ping and /images/json and its
 * Kubernetes API (TCP) for /version, read the world's journal, tear it down. Plain sockets,
 * so the only library needed is openshell-mocks (and cJSON, which its header uses). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <openshell/mock_world.h>

/* Send one HTTP/1.0 GET on fd, return the whole answer (malloc'd) or NULL. */
static char *http_get(int fd, const char *path)
{
    char req[512];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n", path);
    if (write(fd, req, (size_t)n) != n)
        return NULL;
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    ssize_t got;
    while ((got = read(fd, buf + len, cap - len - 1)) > 0) {
        len += (size_t)got;
        if (cap - len < 2)
            buf = realloc(buf, cap *= 2);
    }
    buf[len] = '\0';
    close(fd);
    return buf;
}

static char *get_unix(const char *url, const char *path)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", url + strlen("unix://"));
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        return NULL;
    return http_get(fd, path);
}

static char *get_tcp(const char *url, const char *path)
{
    int port = atoi(strrchr(url, ':') + 1);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        return NULL;
    return http_get(fd, path);
}

static int expect(const char *what, char *answer, const char *status, const char *needle)
{
    int ok = answer && strstr(answer, status) && strstr(answer, needle);
    printf("%s %s\n", ok ? "ok" : "FAIL", what);
    if (!ok)
        printf("  answer: %s\n", answer ? answer : "(no connection)");
    free(answer);
    return ok ? 0 : 1;
}

int main(void)
{
    mock_world_options opts = {.kube_enabled = true};
    char *error = NULL;
    mock_world *w = mock_world_new(NULL, &opts, &error);
    if (!w) {
        fprintf(stderr, "mock_world_new: %s\n", error);
        free(error);
        return 1;
    }
    const char *docker = mock_world_docker_unix_url(w), *kube = mock_world_kube_url(w);
    int failed = 0;
    printf("libopenshell-mocks %s\n", mock_world_version());
    failed += expect("docker /_ping", get_unix(docker, "/_ping"), " 200 ", "OK");
    failed += expect("docker /images/json lists the default cluster image",
                     get_unix(docker, "/v1.41/images/json"), " 200 ", "ghcr.io/nvidia/openshell/cluster:dev");
    failed += expect("kube /version", get_tcp(kube, "/version"), " 200 ", "gitVersion");
    cJSON *journal = mock_world_journal(w, "docker");
    int requests = cJSON_GetArraySize(journal);
    printf("%s the docker journal holds %d requests\n", requests == 2 ? "ok" : "FAIL", requests);
    failed += requests != 2;
    cJSON_Delete(journal);
    mock_world_free(w);
    printf("%s\n", failed ? "FAILED" : "all passed");
    return failed ? 1 : 0;
}
