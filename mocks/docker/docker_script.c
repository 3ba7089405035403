/* docker_script.c: scripted container behaviour driven by request counts: the health status
 * sequence, an exit at inspect N, log lines due at an inspect, at start or when a log stream
 * opens; and the container log itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker_internal.h"
#include "osh_json_check.h"
#include "osh_str.h"

void dk_container_append_log(dk_container *c, int stream, const char *text)
{
    DK_GROW(c->logs, c->log_count);
    dk_log_line *l = &c->logs[c->log_count++];
    l->stream = stream;
    l->time_ns = dk_now_ns();
    l->text = osh_str_ends_with(text, "\n") ? osh_str_dup(text) : osh_str_printf("%s\n", text);
}

const dk_script *dk_script_for_name(mock_docker *d, const char *name)
{
    const dk_script *fallback = NULL;
    for (size_t i = 0; i < d->named_script_count; i++) {
        if (strcmp(d->named_scripts[i].container_name, name) == 0)
            return &d->named_scripts[i].script;
        if (strcmp(d->named_scripts[i].container_name, "*") == 0)
            fallback = &d->named_scripts[i].script;
    }
    return fallback;
}

static void health_log_entry(dk_container *c, const char *status)
{
    char t[48];
    dk_format_time(dk_now_ns(), t, sizeof t);
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "Start", t);
    cJSON_AddStringToObject(e, "End", t);
    bool ok = strcmp(status, "healthy") == 0;
    cJSON_AddNumberToObject(e, "ExitCode", ok ? 0 : 1);
    cJSON_AddStringToObject(e, "Output", ok ? "" : "health check failed\n");
    cJSON_AddItemToArray(c->health_log, e);
    /* dockerd keeps the last 5 results. */
    while (cJSON_GetArraySize(c->health_log) > 5)
        cJSON_DeleteItemFromArray(c->health_log, 0);
}

static void set_health(dk_container *c, const char *status)
{
    if (strcmp(status, "starting") != 0)
        health_log_entry(c, status);
    if (strcmp(status, "unhealthy") == 0)
        c->failing_streak++;
    else if (strcmp(status, "healthy") == 0)
        c->failing_streak = 0;
    snprintf(c->health, sizeof c->health, "%s", status);
}

static bool scripted_health(dk_container *c)
{
    const dk_script *s = &c->script;
    const char *status;
    if (s->health_len) {
        long idx = s->health_by_seconds ? (long)((dk_now_ns() - c->started_ns) / 1000000000LL)
                                        : c->inspects - 1;
        if (idx < 0)
            idx = 0;
        if ((size_t)idx >= s->health_len)
            idx = (long)s->health_len - 1;
        status = s->health[idx];
    } else {
        /* No script: the first check passes after the first inspect. */
        status = c->inspects <= 1 ? "starting" : "healthy";
    }
    if (strcmp(status, c->health) == 0 && strcmp(status, "unhealthy") != 0)
        return false;
    set_health(c, status);
    return true;
}

bool dk_apply_inspect_script(mock_docker *d, dk_container *c)
{
    if (c->status != DK_RUNNING)
        return false;
    dk_script *s = &c->script;
    for (size_t i = 0; i < s->log_count; i++) {
        dk_scripted_log *l = &s->logs[i];
        if (!l->done && l->at_inspect > 0 && l->at_inspect <= c->inspects) {
            dk_container_append_log(c, l->stream, l->text);
            l->done = true;
        }
    }
    if (s->exit_at_inspect > 0 && c->inspects >= s->exit_at_inspect) {
        dk_container_set_exited(d, c, s->exit_code, s->exit_error, s->exit_oom);
        s->exit_at_inspect = 0; /* once per start */
        return true;
    }
    return c->has_health && !c->health_forced && scripted_health(c);
}

void dk_apply_start_script(mock_docker *d, dk_container *c)
{
    dk_script *s = &c->script;
    for (size_t i = 0; i < s->log_count; i++) {
        dk_scripted_log *l = &s->logs[i];
        if (l->at_start) {
            dk_container_append_log(c, l->stream, l->text);
            l->done = true;
        } else if (l->at_inspect > 0) {
            l->done = false; /* due again after each start */
        }
    }
    s->exit_at_inspect = s->exit_at_inspect_set; /* an exit is due once per start */
}

void dk_apply_log_open_script(mock_docker *d, dk_container *c)
{
    dk_script *s = &c->script;
    for (size_t i = 0; i < s->log_count; i++) {
        dk_scripted_log *l = &s->logs[i];
        if (l->on_log_open && !l->done) {
            dk_container_append_log(c, l->stream, l->text);
            l->done = true;
        }
    }
}

/* ---- Parsing (scenario "script" objects) -------------------------------------------------- */

/* A script's keys and types; the parsers below check statuses, ranges and combinations. */
static const osh_json_field exit_fields[] = {
    {"at_inspect", OSH_JSON_NUMBER, false, NULL}, {"code", OSH_JSON_NUMBER, false, NULL},
    {"error", OSH_JSON_STRING, false, NULL},      {"oom_killed", OSH_JSON_BOOL, false, NULL},
    {NULL, 0, false, NULL}};
static const osh_json_field log_fields[] = {
    {"text", OSH_JSON_STRING, true, NULL},       {"stream", OSH_JSON_STRING, false, NULL},
    {"at_inspect", OSH_JSON_NUMBER, false, NULL}, {"on_log_open", OSH_JSON_BOOL, false, NULL},
    {"comment", OSH_JSON_STRING, false, NULL},   {NULL, 0, false, NULL}};
static const osh_json_field script_fields[] = {
    {"health", OSH_JSON_ARRAY, false, NULL},      {"health_by_seconds", OSH_JSON_ARRAY, false, NULL},
    {"exit", OSH_JSON_OBJECT, false, exit_fields}, {"logs", OSH_JSON_ARRAY, false, log_fields},
    {"stop_exit_code", OSH_JSON_NUMBER, false, NULL}, {NULL, 0, false, NULL}};

static int fail(char **error, const char *fmt, const char *where, const char *what)
{
    *error = osh_str_printf(fmt, where, what);
    return -1;
}

static int parse_health(const cJSON *o, const char *key, const char *where, dk_script *s,
                        char **error)
{
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!h)
        return 0;
    if (cJSON_GetArraySize(h) == 0)
        return fail(error, "%s.%s: expected a non-empty array of statuses", where, key);
    s->health_by_seconds = strcmp(key, "health_by_seconds") == 0;
    s->health_len = (size_t)cJSON_GetArraySize(h);
    s->health = calloc(s->health_len, sizeof *s->health);
    if (!s->health)
        abort();
    size_t i = 0;
    for (const cJSON *v = h->child; v; v = v->next, i++) {
        if (!cJSON_IsString(v) || (strcmp(v->valuestring, "starting") != 0 &&
                                   strcmp(v->valuestring, "healthy") != 0 &&
                                   strcmp(v->valuestring, "unhealthy") != 0)) {
            char *at = osh_str_printf("%s.%s[%zu]", where, key, i);
            int rc = fail(error, "%s: expected \"starting\", \"healthy\" or \"unhealthy\"%s", at, "");
            free(at);
            return rc;
        }
        s->health[i] = osh_str_dup(v->valuestring);
    }
    return 0;
}

static int parse_exit(const cJSON *o, const char *where, dk_script *s, char **error)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "exit");
    if (!e)
        return 0;
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(e, "at_inspect");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(e, "error");
    const cJSON *oom = cJSON_GetObjectItemCaseSensitive(e, "oom_killed");
    /* range first: casting 1e300 to long is undefined behaviour */
    if (!cJSON_IsNumber(at) || !(at->valuedouble >= 1 && at->valuedouble <= 1e9) ||
        at->valuedouble != (double)(long)at->valuedouble)
        return fail(error, "%s.exit.at_inspect: expected an integer between 1 and 1000000000%s", where, "");
    s->exit_at_inspect = (long)at->valuedouble;
    s->exit_at_inspect_set = s->exit_at_inspect;
    s->exit_code = code ? code->valueint : 1;
    s->exit_error = err ? osh_str_dup(err->valuestring) : NULL;
    s->exit_oom = cJSON_IsTrue(oom);
    return 0;
}

static int parse_logs(const cJSON *o, const char *where, dk_script *s, char **error)
{
    const cJSON *logs = cJSON_GetObjectItemCaseSensitive(o, "logs");
    if (!logs)
        return 0;
    s->log_count = (size_t)cJSON_GetArraySize(logs);
    s->logs = calloc(s->log_count ? s->log_count : 1, sizeof *s->logs);
    if (!s->logs)
        abort();
    size_t i = 0;
    for (const cJSON *l = logs->child; l; l = l->next, i++) {
        char *at = osh_str_printf("%s.logs[%zu]", where, i);
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(l, "text");
        const cJSON *stream = cJSON_GetObjectItemCaseSensitive(l, "stream");
        const cJSON *when = cJSON_GetObjectItemCaseSensitive(l, "at_inspect");
        int rc = 0;
        if (stream && strcmp(stream->valuestring, "stdout") != 0 && strcmp(stream->valuestring, "stderr") != 0)
            rc = fail(error, "%s.stream: expected \"stdout\" or \"stderr\"%s", at, "");
        else if (when && when->valuedouble < 1)
            rc = fail(error, "%s.at_inspect: expected an integer >= 1%s", at, "");
        free(at);
        if (rc)
            return rc;
        dk_scripted_log *sl = &s->logs[i];
        sl->text = osh_str_dup(text->valuestring);
        sl->stream = stream && strcmp(stream->valuestring, "stderr") == 0 ? 2 : 1;
        sl->at_inspect = when ? (long)when->valuedouble : 0;
        sl->on_log_open = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(l, "on_log_open"));
        sl->at_start = !sl->at_inspect && !sl->on_log_open;
    }
    return 0;
}

int dk_script_parse(const cJSON *o, const char *where, dk_script *out, char **error)
{
    memset(out, 0, sizeof *out);
    if (osh_json_check(o, script_fields, where, error) != OSH_JSON_OK)
        return -1;
    if (cJSON_GetObjectItemCaseSensitive(o, "health") &&
        cJSON_GetObjectItemCaseSensitive(o, "health_by_seconds"))
        return fail(error, "%s: health and health_by_seconds exclude each other%s", where, "");
    const cJSON *stop = cJSON_GetObjectItemCaseSensitive(o, "stop_exit_code");
    if (stop && (stop->valuedouble < 0 || stop->valuedouble > 255))
        return fail(error, "%s.stop_exit_code: expected 0..255%s", where, "");
    out->stop_code = stop ? stop->valueint : 0;
    if (parse_health(o, "health", where, out, error) ||
        parse_health(o, "health_by_seconds", where, out, error) ||
        parse_exit(o, where, out, error) || parse_logs(o, where, out, error)) {
        dk_script_free(out);
        return -1;
    }
    return 0;
}
