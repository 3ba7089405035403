/* docker_inspect_cache.c: GET /containers/{id}/json answers kept between changes. Building
 * the document (create body over dockerd's defaults, image config, networks) and printing it
 * is most of an inspect's cost; the answer only changes when the world does. Every write
 * releases the instance lock through dk_unlock, which bumps d->generation; a cached body is
 * good while the generation it was built at is still the current one. The inspect path's
 * own scripts (health sequences, exit at inspect N) and hooks run before this and bump the
 * generation when they change anything, so scripted behaviour stays exact per inspect. */
#include <stdlib.h>

#include "docker_internal.h"

static void build(mock_docker *d, dk_container *c, osh_buf *out)
{
    cJSON *doc = dk_container_inspect_json(d, c);
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    if (!text)
        abort();
    osh_buf_append_str(out, text);
    osh_buf_append_char(out, '\n');
    cJSON_free(text);
}

void dk_inspect_body(mock_docker *d, dk_container *c, osh_buf *out)
{
    if (d->inspect_cache_off) {
        build(d, c, out);
        return;
    }
    if (c->inspect_generation != d->generation || d->generation == 0) {
        osh_buf_reset(&c->inspect_body);
        build(d, c, &c->inspect_body);
        c->inspect_generation = d->generation;
    }
    osh_buf_append(out, c->inspect_body.data, c->inspect_body.len);
}
