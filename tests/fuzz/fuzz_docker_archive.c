/* fuzz_docker_archive.c: PUT /containers/{id}/archive?path=/tmp/x on the mock Docker Engine
 * (mocks/docker: docker_archive.c, docker_tar.c), the tar a client uploads extracted into the
 * container's in-memory tree. The mock listens on a private unix socket; each input is one PUT
 * sent with libcurl. Invariants: the answer is 200, or an error with a {"message": ...} body;
 * no entry lands outside /tmp/x (not even in the sibling /tmp/xy, whose name starts with the
 * same bytes). Header checksums are recomputed before sending, so mutations of names and types
 * are not all refused as corrupt. The extraction directory is emptied after every input. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <curl/curl.h>

#include "docker_internal.h"
#include "fuzz_util.h"
#include "mock_docker.h"

#define DEST "/tmp/x"

static const char scenario[] =
    "{\"images\":[{\"ref\":\"busy:1\"}],\"containers\":[{\"name\":\"cc\",\"state\":\"running\",\"create\":{\"Image\":\"busy:1\"},\"files\":["
    "{\"path\":\"/tmp/x\",\"type\":\"dir\"},{\"path\":\"/tmp/xy/sentinel\",\"content\":\"keep\"}]}]}";

static mock_docker *docker;
static char sock[64];
static CURL *curl;
static size_t outside_before; /* files outside DEST in the pristine container */
static char **pristine;       /* their paths */

static bool inside_dest(const char *path)
{
    return strcmp(path, DEST) == 0 || strncmp(path, DEST "/", strlen(DEST "/")) == 0;
}

static size_t count_outside(dk_container *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->file_count; i++)
        n += !inside_dest(c->files[i].path);
    return n;
}

static bool was_there(const char *path)
{
    for (size_t i = 0; i < outside_before; i++)
        if (strcmp(pristine[i], path) == 0)
            return true;
    return false;
}

static void cleanup(void)
{
    for (size_t i = 0; i < outside_before; i++)
        free(pristine[i]);
    free(pristine);
    curl_easy_cleanup(curl);
    mock_docker_free(docker);
    unlink(sock);
    char *dir = strdup(sock);
    *strrchr(dir, '/') = '\0';
    rmdir(dir);
    free(dir);
}

static void setup(void)
{
    char dir[] = "/tmp/fuzz-archive-XXXXXX";
    FUZZ_CHECK(mkdtemp(dir) != NULL);
    snprintf(sock, sizeof sock, "%s/docker.sock", dir);
    cJSON *s = cJSON_Parse(scenario);
    char *error = NULL;
    docker = mock_docker_new(s, &error);
    cJSON_Delete(s);
    if (!docker || mock_docker_listen_unix(docker, sock, &error) != 0) {
        fprintf(stderr, "mock docker: %s\n", error ? error : "?");
        abort();
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    curl = curl_easy_init();
    dk_container *c = dk_find_container(docker, "cc");
    outside_before = count_outside(c);
    pristine = calloc(outside_before, sizeof *pristine);
    for (size_t i = 0, k = 0; i < c->file_count; i++)
        if (!inside_dest(c->files[i].path))
            pristine[k++] = strdup(c->files[i].path);
    atexit(cleanup);
}

/* Rewrites the checksum of every header the archive walk reaches, so mutated names and types
 * get past libarchive's checksum test and reach the extraction rules. */
static void fix_checksums(uint8_t *tar, size_t size)
{
    size_t off = 0;
    while (off + 512 <= size) {
        uint8_t *h = tar + off;
        bool zero = true;
        for (size_t i = 0; i < 512 && zero; i++)
            zero = h[i] == 0;
        if (zero)
            break;
        memset(h + 148, ' ', 8);
        unsigned sum = 0;
        for (size_t i = 0; i < 512; i++)
            sum += h[i];
        snprintf((char *)h + 148, 8, "%06o", sum & 0777777u);
        h[155] = ' ';
        unsigned long long len = 0;
        for (size_t i = 124; i < 136 && h[i] >= '0' && h[i] <= '7'; i++)
            len = len * 8 + (unsigned)(h[i] - '0');
        if (len > size)
            break;
        off += 512 + (size_t)((len + 511) / 512 * 512);
    }
}

static size_t collect(char *ptr, size_t size, size_t n, void *ud)
{
    osh_buf_append(ud, ptr, size * n);
    return size * n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!docker)
        setup();
    uint8_t *tar = malloc(size ? size : 1);
    FUZZ_CHECK(tar != NULL);
    if (size)
        memcpy(tar, data, size);
    fix_checksums(tar, size);
    osh_buf body = OSH_BUF_INIT;
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, sock);
    curl_easy_setopt(curl, CURLOPT_URL, "http://docker/containers/cc/archive?path=" DEST);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, (const char *)tar);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)size);
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/x-tar");
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    FUZZ_CHECK(curl_easy_perform(curl) == CURLE_OK);
    curl_slist_free_all(headers);
    free(tar);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) {
        cJSON *err = cJSON_Parse(osh_buf_str(&body));
        FUZZ_CHECK(status >= 400 && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(err, "message")));
        cJSON_Delete(err);
    }
    osh_buf_free(&body);

    pthread_mutex_lock(&docker->lock);
    dk_container *c = dk_find_container(docker, "cc");
    size_t outside = count_outside(c);
    if (outside != outside_before) {
        for (size_t i = 0; i < c->file_count; i++)
            if (!inside_dest(c->files[i].path) && !was_there(c->files[i].path))
                fprintf(stderr, "outside the extraction directory: %s\n", c->files[i].path);
    }
    FUZZ_CHECK(outside == outside_before);
    dk_file_remove_tree(c, DEST);
    dk_file_put(c, DEST, 'd', 0755);
    pthread_mutex_unlock(&docker->lock);
    return 0;
}
