/* conf_result.c: building and freeing scenario results (see conf_result.h). */
#include "conf_result.h"

#include <stdlib.h>
#include <string.h>

#include "osh_str.h"

void conf_result_add_failure(conf_result *r, const char *where, char *message, char *expected,
                             char *actual)
{
    r->failures = realloc(r->failures, sizeof *r->failures * (size_t)(r->n_failures + 1));
    conf_failure *f = &r->failures[r->n_failures++];
    f->where = osh_str_dup(where);
    f->message = message;
    f->expected = expected;
    f->actual = actual;
    r->status = CONF_FAIL;
}

void conf_result_clear(conf_result *r)
{
    for (int i = 0; i < r->n_failures; i++) {
        free(r->failures[i].where);
        free(r->failures[i].message);
        free(r->failures[i].expected);
        free(r->failures[i].actual);
    }
    free(r->failures);
    for (int i = 0; i < r->n_steps; i++) {
        free(r->steps[i].name);
        free(r->steps[i].command);
        free(r->steps[i].out);
        free(r->steps[i].err);
    }
    free(r->steps);
    free(r->skip_reason);
    free(r->docker_journal);
    free(r->kube_journal);
    free(r->state);
    memset(r, 0, sizeof *r);
}
