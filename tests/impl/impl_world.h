/* impl_world.h: the integration-test harness of tests/impl: a mock Docker Engine
 * (mocks/docker) playing a healthy cluster container through scripted exec answers, with a
 * private config root, and the openshell binary run against it as a subprocess.
 *
 * Scenario documents use the scenario format (docs/scenarios.md); only the "docker" section
 * is read. Its arrays are added to a base world (the cluster image with a HEALTHCHECK that
 * turns healthy at the second inspect, S1 listing `openshell-t`, M1 answering a bundle);
 * the test's exec answers come first, so they win.
 *
 * Built with IMPL_WORLD_MOCK_WORLD, the harness uses the whole mock world instead
 * (mocks/world: the k3s simulator plays the cluster) and passes the scenario unchanged. */
#ifndef IMPL_WORLD_H
#define IMPL_WORLD_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#ifdef IMPL_WORLD_MOCK_WORLD
#include "mock_world.h"
#else
#include "mock_docker.h"
#endif
#include "osh_buf.h"

typedef struct impl_world {
#ifdef IMPL_WORLD_MOCK_WORLD
    mock_world *world;
#else
    mock_docker *docker;
#endif
    char *tmp;            /* private temp dir: home/, config/ */
    char *config_root;    /* {tmp}/config/openshell */
    osh_buf out, err;     /* of the last run */
    int exit_code;
} impl_world;

/* A world from a scenario document given as JSON text (NULL = default healthy world).
 * Fails the test when the world cannot be built. */
impl_world *iw_new(const char *scenario_json);
/* The same with the Docker mock also (or only) on TCP at tcp_host ("127.0.0.2"). */
impl_world *iw_new_tcp(const char *scenario_json, const char *tcp_host);
void iw_free(impl_world *w);
/* cmocka teardown: frees the world a failed test left behind. */
int iw_teardown(void **state);
/* The Docker endpoint URL with that scheme prefix ("unix://", "tcp://"), or NULL. */
const char *iw_docker_url(impl_world *w, const char *scheme);

/* Run openshell with args (NULL-terminated) and extra environment entries ("K=V", NULL-
 * terminated, may be NULL); returns the exit code, keeps stdout/stderr in w. */
int iw_run(impl_world *w, const char *const *args, const char *const *env);
#define IW_ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The Docker journal (caller frees) and counts over it. glob is fnmatch on the path with any
 * /vX.Y prefix removed; method NULL = any. */
cJSON *iw_journal(impl_world *w);
int iw_count(impl_world *w, const char *method, const char *glob);
/* Index (0-based) of the first journal entry at or after `from` matching, or -1. */
int iw_find(impl_world *w, int from, const char *method, const char *glob);
/* Count matches with index in [from, to). */
int iw_count_between(impl_world *w, int from, int to, const char *method, const char *glob);
/* The JSON body of the first request matching (caller frees), or NULL. */
cJSON *iw_body(impl_world *w, const char *method, const char *glob);
/* The docker journal as "METHOD /path" lines (no version prefix), one per request. */
char *iw_journal_lines(impl_world *w);

/* World state (caller frees). */
cJSON *iw_state(impl_world *w);
/* Whether the Docker state holds a container / volume / network / image of that name
 * (kind: "containers", "volumes", "networks", "images"). */
bool iw_docker_has(impl_world *w, const char *kind, const char *name);

/* Files under the config root. */
char *iw_file(impl_world *w, const char *relative);   /* NULL when missing */
bool iw_exists(impl_world *w, const char *relative);
int iw_mode(impl_world *w, const char *relative);      /* -1 when missing */

/* assert that text contains needle (prints both when not). */
void iw_assert_contains(const char *text, const char *needle);
void iw_assert_not_contains(const char *text, const char *needle);

#endif
