/* record_writer.h: appending exchanges to a recording file that stays valid JSON. */
#ifndef RECORD_WRITER_H
#define RECORD_WRITER_H

#include "record_internal.h"

typedef struct rec_writer rec_writer;

rec_writer *rec_writer_open(const char *path, const char *upstream, bool redact, char **error);
double rec_writer_t0(const rec_writer *w);
/* Thread-safe. redactions: the redactor's current list (rec_redactor_json). */
void rec_writer_add(rec_writer *w, const cJSON *exchange, const cJSON *redactions);
/* Writes the final trailer ("complete": true) and closes; -1 and *error on any write error. */
int rec_writer_close(rec_writer *w, const cJSON *redactions, const char *reason, char **error);
void rec_writer_free(rec_writer *w);

#endif
