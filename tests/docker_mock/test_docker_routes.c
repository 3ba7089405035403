/* test_docker_routes.c: the route table of the Docker mock (docker_routes.c): every route
 * answers on its own method, the version prefix is handled once, and the router's answers to
 * unknown paths, wrong methods, trailing slashes, unclean paths and empty names are the
 * real dockerd 20.10's (asked on its socket; the same requests are in
 * tests/real_docker/requests.json, compared there when a real daemon is reachable). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dk_test_client.h"
#include "docker_internal.h"
#include "osh_str.h"

static int setup(void **state)
{
    *state = dk_test_start("");
    return 0;
}

static int teardown(void **state)
{
    dk_test_stop(*state);
    return 0;
}

/* The pattern with its {…} part replaced by value. */
static char *concrete_path(const char *prefix, const char *pattern, const char *value)
{
    const char *open = strchr(pattern, '{');
    if (!open)
        return osh_str_printf("%s%s", prefix, pattern);
    return osh_str_printf("%s%.*s%s%s", prefix, (int)(open - pattern), pattern, value,
                          strchr(open, '}') + 1);
}

static bool is_page_not_found(const dk_reply *r)
{
    return r->status == 404 && (r->body.len == 0 || strcmp(dk_message(r), "page not found") == 0);
}

/* Every route answers something other than the unknown-route 404 on its own method, the
 * same with and without the version prefix, and the unknown-route 404 on a method no route
 * has. A route that drops out of the table fails here. */
static void test_every_route_answers(void **state)
{
    dk_test *t = *state;
    assert_true(dk_route_count > 40);
    for (size_t i = 0; i < dk_route_count; i++) {
        const dk_route *route = &dk_routes[i];
        char *path = concrete_path("", route->pattern, "nosuch");
        char *versioned = concrete_path("/v1.41", route->pattern, "nosuch");
        dk_reply r = dk_call(t, route->method, path, NULL, NULL);
        dk_reply v = dk_call(t, route->method, versioned, NULL, NULL);
        dk_reply wrong = dk_call(t, "PATCH", path, NULL, NULL);
        if (r.rc != CURLE_OK || is_page_not_found(&r))
            fail_msg("%s %s: %ld %s", route->method, path, r.status, osh_buf_str(&r.body));
        if (v.status != r.status)
            fail_msg("%s %s: %ld, unversioned %ld", route->method, versioned, v.status, r.status);
        char *api = dk_header(&r, "Api-Version");
        if (!api)
            fail_msg("%s %s: no Api-Version header", route->method, path);
        free(api);
        if (!is_page_not_found(&wrong))
            fail_msg("PATCH %s: %ld %s", path, wrong.status, osh_buf_str(&wrong.body));
        dk_reply_free(&r);
        dk_reply_free(&v);
        dk_reply_free(&wrong);
        free(path);
        free(versioned);
    }
}

/* The surface, pinned in table order: a route that leaves the table (or one added without a
 * line here and a row in docs/mocks.md) fails. */
static const char *const surface[] = {
    "GET /_ping", "HEAD /_ping", "GET /version", "GET /info",
    "GET /containers/json", "POST /containers/create", "GET /containers/{name}/json",
    "GET /containers/{name}/logs", "POST /containers/{name}/start", "POST /containers/{name}/stop",
    "POST /containers/{name}/kill", "POST /containers/{name}/restart",
    "POST /containers/{name}/wait", "POST /containers/{name}/attach",
    "HEAD /containers/{name}/archive", "GET /containers/{name}/archive",
    "PUT /containers/{name}/archive", "DELETE /containers/{name}",
    "POST /containers/{name}/exec", "POST /exec/{id}/start", "GET /exec/{id}/json",
    "GET /images/json", "POST /images/create", "GET /images/get", "GET /images/{name}/get",
    "POST /images/load", "GET /images/{name}/json", "POST /images/{name}/tag",
    "DELETE /images/{name}",
    "GET /networks", "GET /networks/", "POST /networks/create", "GET /networks/{id}",
    "POST /networks/{id}/connect", "POST /networks/{id}/disconnect", "DELETE /networks/{id}",
    "GET /volumes", "POST /volumes/create", "GET /volumes/{name}", "DELETE /volumes/{name}",
    "OPTIONS /{path}",
};

static void test_surface_pinned(void **state)
{
    size_t n = sizeof surface / sizeof surface[0];
    assert_int_equal(dk_route_count, n);
    for (size_t i = 0; i < n; i++) {
        char *route = osh_str_printf("%s %s", dk_routes[i].method, dk_routes[i].pattern);
        if (strcmp(route, surface[i]) != 0)
            fail_msg("route %zu: table has %s, expected %s", i, route, surface[i]);
        free(route);
    }
}

/* The matcher: table order, {name} spanning '/' as dockerd's {name:.*}, exact literals. */
static void test_route_find(void **state)
{
    static const struct { const char *method, *path, *pattern, *param; } cases[] = {
        {"GET", "/containers/json", "/containers/json", ""},
        {"GET", "/containers/json/json", "/containers/{name}/json", "json"},
        {"GET", "/containers/a/b/json", "/containers/{name}/json", "a/b"},
        {"DELETE", "/containers/a/b", "/containers/{name}", "a/b"},
        {"DELETE", "/containers/", "/containers/{name}", ""},
        {"GET", "/images/json", "/images/json", ""},
        {"GET", "/images/reg:5000/a/b:1/json", "/images/{name}/json", "reg:5000/a/b:1"},
        {"GET", "/images/a/json/get", "/images/{name}/get", "a/json"},
        {"POST", "/images/a/b/tag", "/images/{name}/tag", "a/b"},
        {"GET", "/networks/", "/networks/", ""},
        {"GET", "/networks/x/connect", "/networks/{id}", "x/connect"},
        {"POST", "/networks/x/y/connect", "/networks/{id}/connect", "x/y"},
        {"GET", "/volumes/create", "/volumes/{name}", "create"},
        {"OPTIONS", "/", "/{path}", ""},
        {"HEAD", "/_ping", "/_ping", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *param = NULL;
        const dk_route *r = dk_route_find(cases[i].method, cases[i].path, &param);
        if (!r || strcmp(r->pattern, cases[i].pattern) != 0 || strcmp(param, cases[i].param) != 0)
            fail_msg("%s %s: %s {%s}", cases[i].method, cases[i].path, r ? r->pattern : "none",
                     param ? param : "");
        free(param);
    }
    static const struct { const char *method, *path; } misses[] = {
        {"DELETE", "/_ping"}, {"PUT", "/containers/x/json"}, {"GET", "/_ping/"},
        {"GET", "/containers/json/"}, {"POST", "/containers/x/archive"}, {"GET", "/"},
        {"GET", "/containers/x"}, {"GET", "/exec/x/start"}, {"HEAD", "/version"},
    };
    for (size_t i = 0; i < sizeof misses / sizeof misses[0]; i++) {
        char *param = (char *)"unset";
        if (dk_route_find(misses[i].method, misses[i].path, &param))
            fail_msg("%s %s matched", misses[i].method, misses[i].path);
        assert_null(param);
    }
}

/* What dockerd 20.10 answered (its socket, these exact requests). body: the whole body, or
 * the start of it when prefix; location: the Location header; daemon: whether the answer
 * carries dockerd's Api-Version header (the router's own answers do not). */
typedef struct routing_case {
    const char *method, *path;
    long status;
    const char *body;
    bool prefix, daemon;
    const char *location;
} routing_case;

static const routing_case routing_cases[] = {
    {"GET", "/nosuch/endpoint", 404, "{\"message\":\"page not found\"}\n", false, false, NULL},
    {"GET", "/", 404, "{\"message\":\"page not found\"}\n", false, false, NULL},
    {"GET", "/v1.41/", 404, "{\"message\":\"page not found\"}\n", false, false, NULL},
    /* a known path with the wrong method */
    {"DELETE", "/_ping", 404, "{\"message\":\"page not found\"}\n", false, false, NULL},
    {"POST", "/v1.41/_ping", 404, "{\"message\":\"page not found\"}\n", false, false, NULL},
    {"PUT", "/containers/x/json", 404, "{\"message\":\"page not found\"}\n", false, false, NULL},
    {"PATCH", "/containers/json", 404, "{\"message\":\"page not found\"}\n", false, false, NULL},
    {"POST", "/containers/x/archive", 404, "{\"message\":\"page not found\"}\n", false, false, NULL},
    {"GET", "/containers/x/nosuch", 404, "{\"message\":\"page not found\"}\n", false, false, NULL},
    {"HEAD", "/version", 404, "", false, false, NULL},
    /* a trailing slash is another path */
    {"GET", "/_ping/", 404, "{\"message\":\"page not found\"}\n", false, false, NULL},
    {"GET", "/v1.41/_ping/", 404, "{\"message\":\"page not found\"}\n", false, false, NULL},
    {"GET", "/containers/json/", 404, "{\"message\":\"page not found\"}\n", false, false, NULL},
    {"POST", "/containers/create/", 404, "{\"message\":\"page not found\"}\n", false, false, NULL},
    {"GET", "/v1.41/containers/x/json/", 404, "{\"message\":\"page not found\"}\n", false, false, NULL},
    {"GET", "/info/", 404, "{\"message\":\"page not found\"}\n", false, false, NULL},
    {"GET", "/images/json/", 404, "{\"message\":\"page not found\"}\n", false, false, NULL},
    {"GET", "/networks/", 200, "[{", true, true, NULL},
    {"GET", "/volumes/", 404, "{\"message\":\"get: no such volume\"}\n", false, true, NULL},
    {"GET", "/v1.41/volumes/", 404, "{\"message\":\"get: no such volume\"}\n", false, true, NULL},
    /* names span '/', as {name:.*} does */
    {"GET", "/containers/a/b/json", 404, "{\"message\":\"No such container: a/b\"}\n", false, true, NULL},
    {"GET", "/exec/x/y/json", 404, "{\"message\":\"No such exec instance: x/y\"}\n", false, true, NULL},
    {"GET", "/networks/a/b", 404, "{\"message\":\"network a/b not found\"}\n", false, true, NULL},
    {"GET", "/networks/x/connect", 404, "{\"message\":\"network x/connect not found\"}\n", false, true, NULL},
    {"POST", "/networks/x/y/connect", 400, "{\"message\":\"got EOF while reading request body\"}\n", false, true, NULL},
    {"GET", "/volumes/a/b", 404, "{\"message\":\"get a/b: no such volume\"}\n", false, true, NULL},
    {"DELETE", "/volumes/a/b", 404, "{\"message\":\"get a/b: no such volume\"}\n", false, true, NULL},
    /* "No such image" names the reference as dockerd normalizes it */
    {"GET", "/images/x/json", 404, "{\"message\":\"no such image: x: No such image: x:latest\"}\n", false, true, NULL},
    {"POST", "/images/a/b/tag", 404, "{\"message\":\"No such image: a/b:latest\"}\n", false, true, NULL},
    {"POST", "/images/docker.io/library/x/tag", 404, "{\"message\":\"No such image: x:latest\"}\n", false, true, NULL},
    {"POST", "/images/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/tag", 404,
     "{\"message\":\"No such image: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}\n",
     false, true, NULL},
    /* empty names */
    {"DELETE", "/containers/", 400, "{\"message\":\"invalid name or ID supplied: \\\"\\\"\"}\n", false, true, NULL},
    {"DELETE", "/images/", 400, "{\"message\":\"image name cannot be blank\"}\n", false, true, NULL},
    {"DELETE", "/volumes/", 404, "{\"message\":\"get: no such volume\"}\n", false, true, NULL},
    {"DELETE", "/networks/", 400, "{\"message\":\"network  is ambiguous (", true, true, NULL},
    /* unclean paths: 301 to the clean one before anything else */
    {"GET", "/containers//json", 301, "", false, false, "/containers/json"},
    {"POST", "/containers//start", 301, "", false, false, "/containers/start"},
    {"POST", "/networks//connect", 301, "", false, false, "/networks/connect"},
    {"GET", "/images//json", 301, "", false, false, "/images/json"},
    {"GET", "/exec//json", 301, "", false, false, "/exec/json"},
    {"GET", "//_ping?x=1", 301, "", false, false, "/_ping?x=1"},
    {"GET", "/v1.99//version", 301, "", false, false, "/v1.99/version"},
    {"GET", "/containers/./x/json", 301, "", false, false, "/containers/x/json"},
    {"GET", "/containers/x/../y/json", 301, "", false, false, "/containers/y/json"},
    {"GET", "/v1.41/../version", 301, "", false, false, "/version"},
    {"GET", "/containers/x/json/.", 301, "", false, false, "/containers/x/json"},
    /* the version is checked on matched routes only; below 1.24 errors are plain text */
    {"GET", "/v1.99/nosuch", 404, "{\"message\":\"page not found\"}\n", false, false, NULL},
    {"DELETE", "/v1.99/_ping", 404, "{\"message\":\"page not found\"}\n", false, false, NULL},
    {"GET", "/v1.11/nosuch", 404, "page not found\n", false, false, NULL},
    {"GET", "/v1.23/nosuch", 404, "page not found\n", false, false, NULL},
    {"GET", "/v1.24/nosuch", 404, "{\"message\":\"page not found\"}\n", false, false, NULL},
    /* the CORS preflight route answers OPTIONS anywhere */
    {"OPTIONS", "/nosuch", 200, "", false, true, NULL},
    {"OPTIONS", "/version", 200, "", false, true, NULL},
    {"OPTIONS", "/v1.99/nosuch", 400, "{\"message\":\"client version 1.99 is too new. ", true, true, NULL},
};

static void test_routing_as_dockerd(void **state)
{
    dk_test *t = *state;
    for (size_t i = 0; i < sizeof routing_cases / sizeof routing_cases[0]; i++) {
        const routing_case *c = &routing_cases[i];
        dk_reply r = dk_call(t, c->method, c->path, NULL, NULL);
        const char *body = osh_buf_str(&r.body);
        bool body_ok = c->prefix ? osh_str_starts_with(body, c->body) : strcmp(body, c->body) == 0;
        char *api = dk_header(&r, "Api-Version");
        char *location = dk_header(&r, "Location");
        bool location_ok = c->location ? location && strcmp(location, c->location) == 0 : !location;
        if (r.status != c->status || !body_ok || (api != NULL) != c->daemon || !location_ok)
            fail_msg("%s %s: %ld %s (Api-Version %s, Location %s)", c->method, c->path, r.status,
                     body, api ? api : "none", location ? location : "none");
        free(api);
        free(location);
        dk_reply_free(&r);
    }
}

/* The plain-text 404 below API 1.24 carries dockerd's nosniff header and no JSON type. */
static void test_old_version_404_is_text(void **state)
{
    dk_test *t = *state;
    dk_reply r = dk_call(t, "GET", "/v1.20/nosuch", NULL, NULL);
    assert_int_equal(r.status, 404);
    char *type = dk_header(&r, "Content-Type");
    char *nosniff = dk_header(&r, "X-Content-Type-Options");
    assert_string_equal(type, "text/plain; charset=utf-8");
    assert_string_equal(nosniff, "nosniff");
    free(type);
    free(nosniff);
    dk_reply_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_surface_pinned),
        cmocka_unit_test(test_route_find),
        cmocka_unit_test_setup_teardown(test_every_route_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_routing_as_dockerd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_old_version_404_is_text, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
