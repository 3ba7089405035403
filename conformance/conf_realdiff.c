/* conf_realdiff.c: the --docker real verdict: what it compares between the mock run and the
 * real run of a scenario, and how that becomes the scenario's result. The mock run is judged by the scenario's own checks; the real run is judged
 * only by agreeing with it, on what a real daemon shows (no journal, no simulator). */
#include "conf_realdiff.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "conf_report.h"
#include "osh_buf.h"
#include "osh_str.h"

static const cJSON *find_named(const cJSON *arr, const char *name)
{
    for (const cJSON *e = arr ? arr->child : NULL; e; e = e->next) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(e, "Name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
            return e;
    }
    return NULL;
}

static void copy_field(cJSON *to, const char *key, const cJSON *from, const char *a, const char *b)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(from, a), b);
    cJSON_AddItemToObject(to, key, v ? cJSON_Duplicate(v, true) : cJSON_CreateNull());
}

/* Config.Env without PATH and FAKE_K3S_*: the daemon merges in the image's environment
 * (its PATH, the fake image's knobs), which says nothing about what the implementation
 * asked for. */
static cJSON *env_without_path(const cJSON *c)
{
    cJSON *out = cJSON_CreateArray();
    const cJSON *env = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c, "Config"), "Env");
    for (const cJSON *e = env ? env->child : NULL; e; e = e->next)
        if (cJSON_IsString(e) && !osh_str_starts_with(e->valuestring, "PATH=") &&
            !osh_str_starts_with(e->valuestring, "FAKE_K3S_"))
            cJSON_AddItemToArray(out, cJSON_CreateString(e->valuestring));
    return out;
}

static cJSON *normalize_container(const cJSON *c)
{
    if (!c)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    copy_field(o, "Image", c, "Config", "Image");
    copy_field(o, "Hostname", c, "Config", "Hostname");
    cJSON_AddItemToObject(o, "Env", env_without_path(c));
    copy_field(o, "Cmd", c, "Config", "Cmd");
    copy_field(o, "Binds", c, "HostConfig", "Binds");
    copy_field(o, "PortBindings", c, "HostConfig", "PortBindings");
    copy_field(o, "Privileged", c, "HostConfig", "Privileged");
    const cJSON *rp = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c, "HostConfig"),
                                                       "RestartPolicy");
    const cJSON *rpn = cJSON_GetObjectItemCaseSensitive(rp, "Name");
    cJSON_AddItemToObject(o, "RestartPolicy", rpn ? cJSON_Duplicate(rpn, true) : cJSON_CreateNull());
    copy_field(o, "Running", c, "State", "Running");
    return o;
}

cJSON *conf_realdiff_normalize(const cJSON *state, const cJSON *names)
{
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(state, "docker");
    cJSON *out = cJSON_CreateObject();
    for (const cJSON *n = names ? names->child : NULL; n; n = n->next) {
        char *obj = osh_str_printf("openshell-cluster-%s", n->valuestring);
        char *ctr = osh_str_printf("/%s", obj);
        cJSON *g = cJSON_AddObjectToObject(out, n->valuestring);
        cJSON_AddItemToObject(g, "container",
                              normalize_container(find_named(cJSON_GetObjectItemCaseSensitive(d, "containers"), ctr)));
        cJSON_AddBoolToObject(g, "volume", find_named(cJSON_GetObjectItemCaseSensitive(d, "volumes"), obj) != NULL);
        cJSON_AddBoolToObject(g, "network", find_named(cJSON_GetObjectItemCaseSensitive(d, "networks"), obj) != NULL);
        free(obj);
        free(ctr);
    }
    return out;
}

/* Phrases the scenario expects in one stream of one step: "contains" and "in_order". */
static void compare_phrases(osh_buf *b, const cJSON *stream_expect, const char *stream, int step,
                            const char *mock_text, const char *real_text)
{
    const char *keys[] = {"contains", "in_order"};
    for (int k = 0; k < 2; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(stream_expect, keys[k]);
        const cJSON *first = cJSON_IsArray(v) ? v->child : v;
        for (const cJSON *p = first; p; p = cJSON_IsArray(v) ? p->next : NULL) {
            /* ${VARS} expand to per-run temp paths: not comparable as text */
            if (!cJSON_IsString(p) || strstr(p->valuestring, "${"))
                continue;
            bool in_mock = mock_text && strstr(mock_text, p->valuestring);
            bool in_real = real_text && strstr(real_text, p->valuestring);
            if (in_mock == in_real)
                continue;
            char *quoted = cJSON_PrintUnformatted(p);
            osh_buf_appendf(b, "step %d %s: phrase %.100s %s on the mock, %s on the real daemon\n", step + 1, stream,
                            quoted, in_mock ? "found" : "missing", in_real ? "found" : "missing");
            cJSON_free(quoted);
        }
    }
}

static void compare_steps(osh_buf *b, const cJSON *doc, const conf_result *m, const conf_result *r)
{
    if (m->n_steps != r->n_steps)
        osh_buf_appendf(b, "steps run: %d on the mock, %d on the real daemon\n", m->n_steps, r->n_steps);
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(doc, "steps");
    int i = 0;
    for (const cJSON *s = st ? st->child : NULL; s && i < m->n_steps && i < r->n_steps; s = s->next, i++) {
        if (m->steps[i].exit_code != r->steps[i].exit_code)
            osh_buf_appendf(b, "step %d: exit %d on the mock, %d on the real daemon\n", i + 1,
                            m->steps[i].exit_code, r->steps[i].exit_code);
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(s, "expect");
        compare_phrases(b, cJSON_GetObjectItemCaseSensitive(e, "stderr"), "stderr", i, m->steps[i].err,
                        r->steps[i].err);
        compare_phrases(b, cJSON_GetObjectItemCaseSensitive(e, "stdout"), "stdout", i, m->steps[i].out,
                        r->steps[i].out);
    }
}

static void compare_state(osh_buf *b, const cJSON *names, const conf_result *m, const conf_result *r)
{
    cJSON *ms = m->state ? cJSON_Parse(m->state) : NULL;
    cJSON *rs = r->state ? cJSON_Parse(r->state) : NULL;
    cJSON *mn = conf_realdiff_normalize(ms, names);
    cJSON *rn = conf_realdiff_normalize(rs, names);
    for (const cJSON *g = mn->child; g; g = g->next) {
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(rn, g->string);
        for (const cJSON *f = g->child; f; f = f->next) {
            const cJSON *rf = cJSON_GetObjectItemCaseSensitive(h, f->string);
            if (rf && cJSON_Compare(f, rf, true))
                continue;
            char *a = cJSON_PrintUnformatted(f);
            char *z = rf ? cJSON_PrintUnformatted(rf) : NULL;
            osh_buf_appendf(b, "state %s.%s: mock %s, real %s\n", g->string, f->string, a, z ? z : "(none)");
            cJSON_free(a);
            cJSON_free(z);
        }
    }
    cJSON_Delete(ms);
    cJSON_Delete(rs);
    cJSON_Delete(mn);
    cJSON_Delete(rn);
}

char *conf_realdiff_compare(const cJSON *doc, const conf_result *mock, const conf_result *real)
{
    osh_buf b = OSH_BUF_INIT;
    compare_steps(&b, doc, mock, real);
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "real"), "names");
    if (names)
        compare_state(&b, names, mock, real);
    if (b.len == 0) {
        free(osh_buf_detach(&b));
        return NULL;
    }
    return osh_buf_detach(&b);
}

/* Docker requests the mock saw (its journal, kept as one line per request). */
static int mock_request_count(const conf_result *r)
{
    int n = 0;
    for (const char *p = r->docker_journal; p && *p; p++)
        n += *p == '\n';
    return n;
}

/* Both runs got through: judge by the differences, print the SAME/DIFF line. */
static void judge_comparison(const conf_scenario *s, const conf_result *mock, const conf_result *real,
                             conf_result *out, FILE *lines, bool verbose)
{
    char *diff = conf_realdiff_compare(s->doc, mock, real);
    const cJSON *known = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(s->doc, "real"),
                                                          "known_diff");
    out->status = !diff ? CONF_PASS : known ? CONF_SKIP : CONF_FAIL;
    if (diff && known)
        out->skip_reason = osh_str_printf("known difference (docs/conformance.md): %s", known->valuestring);
    else if (diff)
        conf_result_add_failure(out, "mock vs real", osh_str_dup(diff), NULL, NULL);
    fprintf(lines, "%s %s  (mock %.2fs, %d docker requests; real %.2fs)%s%s\n",
            diff ? (known ? "DIFF(known)" : "DIFF") : "SAME", s->id, mock->seconds, mock_request_count(mock),
            real->seconds, diff && known ? ": " : "", diff && known ? known->valuestring : "");
    if (diff)
        fprintf(lines, "%s", diff);
    for (int i = 0; diff && verbose && i < real->n_steps; i++)
        fprintf(lines, "  real step %d: %s -> exit %d\n    stderr: %.2000s\n", i + 1, real->steps[i].command,
                real->steps[i].exit_code, real->steps[i].err ? real->steps[i].err : "");
    free(diff);
}

/* Runs one at a time only: the scenarios' gateway names and host ports are fixed, so two
 * real runs at once would collide. */
void conf_realdiff_judge(const conf_run_config *mock_cfg, const conf_run_config *real_cfg, const conf_scenario *s,
                         conf_result *out, FILE *lines, bool verbose)
{
    conf_result mock, real;
    conf_run_scenario(mock_cfg, s, &mock);
    conf_run_scenario(real_cfg, s, &real);
    memset(out, 0, sizeof *out);
    out->scenario = s;
    out->seconds = mock.seconds + real.seconds;
    if (mock.status == CONF_SKIP) {
        out->status = CONF_SKIP;
        out->skip_reason = osh_str_dup(mock.skip_reason);
    } else if (mock.status == CONF_FAIL) {
        out->status = CONF_FAIL;
        conf_result_add_failure(out, "mock run", osh_str_dup("the scenario fails on the mocks: no sound comparison"),
                                NULL, NULL);
    } else if (real.n_failures && strcmp(real.failures[0].where, "setup") == 0) {
        /* the daemon is unreachable or the fake image missing: nothing ran there */
        conf_result_add_failure(out, "real setup", osh_str_dup(real.failures[0].message), NULL, NULL);
        fprintf(lines, "DIFF %s: the real run could not start: %s\n", s->id, real.failures[0].message);
    } else {
        judge_comparison(s, &mock, &real, out, lines, verbose);
    }
    if (out->status == CONF_FAIL && (mock.status == CONF_FAIL || verbose)) {
        conf_report_line(lines, &mock, verbose);
        conf_report_line(lines, &real, verbose);
    }
    conf_result_clear(&mock);
    conf_result_clear(&real);
}
