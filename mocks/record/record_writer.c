/* record_writer.c: the recording file as it grows. The header is written once; each
 * completed exchange is written in place of the trailer, followed by a new trailer (the
 * redaction list and the end record), so the file is valid JSON after every exchange, not
 * only after a clean stop. Exchanges appear in the order they complete (a followed log
 * stream completes late); each carries its seq, and readers sort by it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "osh_str.h"
#include "record_writer.h"

struct rec_writer {
    pthread_mutex_t lock;
    char *path;
    FILE *f;
    long trailer_pos;
    size_t written;
    double t0;
    char *error; /* the first write error, kept */
};

rec_writer *rec_writer_open(const char *path, const char *upstream, bool redact, char **error)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        *error = osh_str_printf("%s: cannot write recording: %s", path, strerror(errno));
        return NULL;
    }
    rec_writer *w = calloc(1, sizeof *w);
    if (!w)
        abort();
    pthread_mutex_init(&w->lock, NULL);
    w->path = osh_str_dup(path);
    w->f = f;
    w->t0 = rec_now_ms();
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cJSON *u = cJSON_CreateString(upstream);
    char *upstream_json = cJSON_PrintUnformatted(u);
    cJSON_Delete(u);
    fprintf(f, "{\n\"format\": \"%s\",\n\"version\": %d,\n\"recorded_by\": \"openshell-mockd\",\n"
               "\"upstream\": %s,\n\"started\": \"%s\",\n\"redaction\": %s,\n\"exchanges\": [",
            RECORD_FORMAT, RECORD_VERSION, upstream_json, when, redact ? "true" : "false");
    cJSON_free(upstream_json);
    w->trailer_pos = ftell(f);
    return w;
}

double rec_writer_t0(const rec_writer *w) { return w->t0; }

static void write_trailer(rec_writer *w, const cJSON *redactions, const char *reason, bool complete)
{
    char *red = cJSON_Print(redactions);
    cJSON *end = cJSON_CreateObject();
    cJSON_AddStringToObject(end, "reason", reason);
    cJSON_AddBoolToObject(end, "complete", complete);
    cJSON_AddNumberToObject(end, "exchanges", (double)w->written);
    cJSON_AddNumberToObject(end, "t_ms", (double)(long)((rec_now_ms() - w->t0) * 10) / 10);
    char *end_text = cJSON_PrintUnformatted(end);
    cJSON_Delete(end);
    fprintf(w->f, "\n],\n\"redactions\": %s,\n\"end\": %s\n}\n", red, end_text);
    cJSON_free(red);
    cJSON_free(end_text);
    long size = ftell(w->f);
    if (fflush(w->f) != 0 || ftruncate(fileno(w->f), size) != 0)
        if (!w->error)
            w->error = osh_str_printf("%s: cannot write recording: %s", w->path, strerror(errno));
}

void rec_writer_add(rec_writer *w, const cJSON *exchange, const cJSON *redactions)
{
    char *text = cJSON_Print(exchange);
    pthread_mutex_lock(&w->lock);
    if (w->f) {
        fseek(w->f, w->trailer_pos, SEEK_SET);
        fputs(w->written ? ",\n" : "\n", w->f);
        fputs(text, w->f);
        w->written++;
        w->trailer_pos = ftell(w->f);
        write_trailer(w, redactions, "recording", false);
    }
    pthread_mutex_unlock(&w->lock);
    cJSON_free(text);
}

int rec_writer_close(rec_writer *w, const cJSON *redactions, const char *reason, char **error)
{
    pthread_mutex_lock(&w->lock);
    int rc = 0;
    if (w->f) {
        fseek(w->f, w->trailer_pos, SEEK_SET);
        write_trailer(w, redactions, reason, true);
        if (fclose(w->f) != 0 && !w->error)
            w->error = osh_str_printf("%s: cannot write recording: %s", w->path, strerror(errno));
        w->f = NULL;
    }
    if (w->error) {
        *error = osh_str_dup(w->error);
        rc = -1;
    }
    pthread_mutex_unlock(&w->lock);
    return rc;
}

void rec_writer_free(rec_writer *w)
{
    if (!w)
        return;
    if (w->f)
        fclose(w->f);
    free(w->path);
    free(w->error);
    pthread_mutex_destroy(&w->lock);
    free(w);
}
