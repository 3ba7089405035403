/* osh_args.h: the one way a program here reads its flags: a table of flags, each with its
 * long name, optional short name, value name (or none for a switch), the caller's tag and
 * its --help text, from which the help's option lines are printed too.
 * Accepted forms: "--name VALUE", "--name=VALUE", "-n VALUE"; a switch takes no value.
 * The loop over argv (operands, "--", flags valid anywhere) stays with the program; the error
 * texts are the program's too (osh_args_texts), so each keeps the wording its users know. */
#ifndef OSH_ARGS_H
#define OSH_ARGS_H

#include "osh_buf.h"

typedef struct osh_arg_flag {
    const char *long_name;  /* "--name" */
    const char *short_name; /* "-n", or NULL */
    const char *value_name; /* "FILE": the flag takes a value; NULL: a switch */
    int id;                 /* the caller's tag: an enum value, an offsetof(...) */
    const char *help;       /* --help text, lines after the first split by '\n'; NULL: unlisted */
} osh_arg_flag;

#define OSH_ARGS_END {NULL, NULL, NULL, 0, NULL}

/* printf formats with one %s, the argument as written (for needs_value, the long name). */
typedef struct osh_args_texts {
    const char *unknown;        /* a flag the table lacks */
    const char *needs_value;    /* a value flag last on the line */
    const char *takes_no_value; /* "--switch=VALUE" */
} osh_args_texts;

/* argv[*i], which starts with '-', as one flag of flags: returns its row with *value set
 * (NULL for a switch) and *i moved past a separate value; or NULL with a malloc'd *error. */
const osh_arg_flag *osh_args_take(int argc, char **argv, int *i, const osh_arg_flag *flags,
                                  const osh_args_texts *texts, const char **value, char **error);

/* The option lines of a --help text: "  --name VALUE" then its help from column `column`
 * (on the next line when the flag is wider), continuation lines indented to that column. */
void osh_args_help(osh_buf *out, const osh_arg_flag *flags, int column);

/* A decimal integer from lo to hi, the whole text; -1 with *out untouched otherwise. */
int osh_args_int(const char *text, long lo, long hi, long *out);

#endif
