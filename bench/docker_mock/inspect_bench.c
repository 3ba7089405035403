/* inspect_bench.c: a small HTTP load client for Docker Engine endpoints (issue 2's throughput
 * figure). N concurrent keep-alive connections (libcurl multi, one easy handle per connection)
 * send `GET {path}` over a unix socket or TCP until a request count or a time limit is
 * reached, then print one line: requests, errors, seconds and requests per second.
 *
 * Built without sanitizers (see CMakeLists.txt) so that the client is not the bottleneck.
 *
 * Usage: osh-bench-inspect --docker unix:///PATH|tcp://HOST:PORT --path /containers/ID/json
 *          [--connections 16] [--requests 20000] [--seconds 30] */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "osh_args.h"


typedef struct bench_options {
    char *unix_path; /* NULL for TCP */
    char *base_url;  /* "http://localhost" for unix, "http://HOST:PORT" for TCP */
    const char *path;
    long connections;
    long requests;
    double seconds;
} bench_options;

typedef struct bench_counts {
    long started;
    long done;
    long errors;
    long first_error_status;
    char first_error[CURL_ERROR_SIZE];
} bench_counts;

typedef struct bench_conn {
    CURL *easy;
    char errbuf[CURL_ERROR_SIZE];
} bench_conn;

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The body is read and dropped: only completed requests are counted. */
static size_t discard_body(char *data, size_t size, size_t nmemb, void *userdata) {
    (void)data;
    (void)userdata;
    return size * nmemb;
}

static int parse_long(const char *flag, const char *text, long min, long *out) {
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < min) {
        fprintf(stderr, "osh-bench-inspect: %s: expected a number >= %ld, got '%s'\n", flag, min, text);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_host(bench_options *o, const char *url) {
    if (strncmp(url, "unix://", 7) == 0 && url[7] != '\0') {
        o->unix_path = strdup(url + 7);
        o->base_url = strdup("http://localhost");
        return 0;
    }
    if (strncmp(url, "tcp://", 6) == 0 && url[6] != '\0') {
        if (asprintf(&o->base_url, "http://%s", url + 6) < 0) o->base_url = NULL;
        return o->base_url ? 0 : -1;
    }
    fprintf(stderr, "osh-bench-inspect: --docker: expected unix:///PATH or tcp://HOST:PORT, got '%s'\n", url);
    return -1;
}

enum bench_flag { FLAG_DOCKER, FLAG_PATH, FLAG_CONNECTIONS, FLAG_REQUESTS, FLAG_SECONDS };

static const osh_arg_flag bench_flags[] = {
    {"--docker", NULL, "URL", FLAG_DOCKER, NULL},
    {"--path", NULL, "PATH", FLAG_PATH, NULL},
    {"--connections", NULL, "N", FLAG_CONNECTIONS, NULL},
    {"--requests", NULL, "N", FLAG_REQUESTS, NULL},
    {"--seconds", NULL, "N", FLAG_SECONDS, NULL},
    OSH_ARGS_END};

static const osh_args_texts bench_texts = {"unknown argument '%s'", "%s needs a value", "%s takes no value"};

static int set_flag(bench_options *o, const osh_arg_flag *f, const char *v) {
    long n = 0;
    switch (f->id) {
    case FLAG_DOCKER: return parse_host(o, v);
    case FLAG_PATH: o->path = v; return 0;
    case FLAG_CONNECTIONS: return parse_long(f->long_name, v, 1, &o->connections);
    case FLAG_REQUESTS: return parse_long(f->long_name, v, 1, &o->requests);
    default:
        if (parse_long(f->long_name, v, 1, &n) != 0) return -1;
        o->seconds = (double)n;
        return 0;
    }
}

static int parse_args(int argc, char **argv, bench_options *o) {
    o->connections = 16;
    o->requests = 20000;
    o->seconds = 30;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        char *error = NULL;
        const osh_arg_flag *f = osh_args_take(argc, argv, &i, bench_flags, &bench_texts, &v, &error);
        if (!f) {
            fprintf(stderr, "osh-bench-inspect: %s\n", error);
            free(error);
            return -1;
        }
        if (set_flag(o, f, v) != 0) return -1;
    }
    if (o->base_url == NULL || o->path == NULL || o->path[0] != '/') {
        fprintf(stderr, "osh-bench-inspect: --docker URL and --path /... are required\n");
        return -1;
    }
    return 0;
}

static CURL *new_easy(const bench_options *o, char *url, bench_conn *c) {
    CURL *e = curl_easy_init();
    if (e == NULL) return NULL;
    curl_easy_setopt(e, CURLOPT_URL, url);
    if (o->unix_path) curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, o->unix_path);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_body);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
    curl_easy_setopt(e, CURLOPT_PRIVATE, c);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 30L);
    return e;
}

static void record_done(CURL *e, CURLcode rc, const bench_conn *c, bench_counts *k) {
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    k->done++;
    if (rc == CURLE_OK && status == 200) return;
    if (k->errors++ == 0) {
        k->first_error_status = status;
        snprintf(k->first_error, sizeof k->first_error, "%s", rc != CURLE_OK ? c->errbuf : "unexpected status");
    }
}

/* Keep every connection busy until the count or the time limit is reached. */
static void run_load(CURLM *multi, bench_conn *conns, const bench_options *o, bench_counts *k, double deadline) {
    for (long i = 0; i < o->connections && k->started < o->requests; i++, k->started++)
        curl_multi_add_handle(multi, conns[i].easy);
    int running = 1;
    while (running > 0) {
        curl_multi_perform(multi, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE) continue;
            CURL *e = msg->easy_handle;
            bench_conn *c = NULL;
            curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&c);
            record_done(e, msg->data.result, c, k);
            curl_multi_remove_handle(multi, e);
            if (k->started < o->requests && now_seconds() < deadline) {
                curl_multi_add_handle(multi, e);
                k->started++;
                running++;
            }
        }
        if (running > 0) curl_multi_poll(multi, NULL, 0, 100, NULL);
    }
}

static void free_options(bench_options *o) {
    free(o->unix_path);
    free(o->base_url);
}

int main(int argc, char **argv) {
    bench_options o = {0};
    if (parse_args(argc, argv, &o) != 0) {
        free_options(&o);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char *url = NULL;
    if (asprintf(&url, "%s%s", o.base_url, o.path) < 0) url = NULL;
    CURLM *multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, o.connections);
    bench_conn *conns = calloc((size_t)o.connections, sizeof *conns);
    int rc = 0;
    for (long i = 0; conns && i < o.connections; i++) {
        conns[i].easy = new_easy(&o, url, &conns[i]);
        if (conns[i].easy == NULL) rc = 1;
    }
    bench_counts k = {0};
    if (url == NULL || conns == NULL || rc != 0) {
        fprintf(stderr, "osh-bench-inspect: out of memory\n");
        rc = 1;
    } else {
        double t0 = now_seconds();
        run_load(multi, conns, &o, &k, t0 + o.seconds);
        double dt = now_seconds() - t0;
        printf("requests=%ld errors=%ld connections=%ld seconds=%.3f rps=%.0f\n", k.done, k.errors,
               o.connections, dt, dt > 0 ? (double)(k.done - k.errors) / dt : 0.0);
        if (k.errors > 0) {
            fprintf(stderr, "osh-bench-inspect: %ld failed requests; first: status %ld %s\n", k.errors,
                    k.first_error_status, k.first_error);
            rc = 1;
        }
    }
    for (long i = 0; conns && i < o.connections; i++)
        if (conns[i].easy) curl_easy_cleanup(conns[i].easy);
    free(conns);
    curl_multi_cleanup(multi);
    free(url);
    free_options(&o);
    curl_global_cleanup();
    return rc;
}
