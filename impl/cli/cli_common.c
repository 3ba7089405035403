/* cli_common.c: name resolution, config root, remote lookup and output helpers. */
#include "cli_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw_spec.h"
#include "osh_str.h"

void cli_write_clean(FILE *f, const char *text)
{
    /* Cleaned in a copy and written at once: stderr is unbuffered, so a character at a time
     * was a system call (and a wake-up of whoever reads the pipe) per character. */
    char *clean = osh_str_dup(text);
    for (unsigned char *p = (unsigned char *)clean; *p; p++)
        if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
            *p = '?';
    fputs(clean, f);
    free(clean);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = NULL;
    if (vasprintf(&text, fmt, ap) < 0)
        text = NULL;
    va_end(ap);
    fputs("error: ", stderr);
    cli_write_clean(stderr, text ? text : "");
    fputc('\n', stderr);
    free(text);
}

char *cli_config_root(int *exit_code)
{
    gw_error err = GW_ERROR_INIT;
    char *root = gw_config_root(&err);
    if (!root)
        *exit_code = cli_fail(&err);
    gw_error_clear(&err);
    return root;
}

char *cli_resolve_name(const cli_args *a, bool for_start, const char *config_root, int *exit_code)
{
    char *name = NULL;
    if (a->name)
        name = osh_str_dup(a->name);
    else if (a->gateway)
        name = osh_str_dup(a->gateway);
    else if ((name = gw_env_trimmed("OPENSHELL_GATEWAY")))
        ;
    else if (!for_start && config_root && (name = gw_active_gateway_read(config_root)))
        ;
    else
        name = osh_str_dup(GW_DEFAULT_NAME);
    gw_error err = GW_ERROR_INIT;
    if (gw_validate_name(name, &err) != 0) {
        *exit_code = cli_fail(&err);
        gw_error_clear(&err);
        free(name);
        return NULL;
    }
    return name;
}

char *cli_remote_for(const cli_args *a, const char *config_root, const char *name)
{
    if (a->remote && *a->remote)
        return osh_str_dup(a->remote);
    gw_metadata m;
    char *remote = NULL;
    if (gw_metadata_load(config_root, name, &m, NULL) == 0) {
        if (m.is_remote && m.remote_host && *m.remote_host)
            remote = osh_str_dup(m.remote_host);
        gw_metadata_free(&m);
    }
    return remote;
}

/* Rendering (rules §3.4): the library sends each event's bare text with its kind; the
 * decoration is added here. A status line is "  X"; on a terminal, progress is shown on one
 * transient line "  X" that the next line overwrites (carriage return and erase-to-end-of-
 * line), elsewhere it is dropped; verbose output prints it as "  [progress] X". */
static bool progress_shown;

static void clear_progress(void)
{
    if (progress_shown) {
        fputs("\r\x1b[K", stderr);
        progress_shown = false;
    }
}

static void show_progress(const char *text)
{
    fputs("\r\x1b[K  ", stderr);
    cli_write_clean(stderr, text);
    progress_shown = true;
}

void cli_end_progress(void) { clear_progress(); }

void cli_render_event(void *ud, gw_event kind, const char *text)
{
    bool verbose = getenv("OPENSHELL_VERBOSE") && *getenv("OPENSHELL_VERBOSE");
    if (kind == GW_EVENT_PROGRESS && !verbose) {
        if (isatty(STDERR_FILENO))
            show_progress(text);
        fflush(stderr);
        return;
    }
    clear_progress();
    switch (kind) {
    case GW_EVENT_STATUS:
    case GW_EVENT_LOG:
        fputs("  ", stderr);
        cli_write_clean(stderr, text);
        fputc('\n', stderr);
        break;
    case GW_EVENT_WARNING:
        fputs("warning: ", stderr);
        cli_write_clean(stderr, text);
        fputc('\n', stderr);
        break;
    case GW_EVENT_PROGRESS:
    case GW_EVENT_VERBOSE:
        if (verbose) {
            fputs(kind == GW_EVENT_PROGRESS ? "  [progress] " : "  ", stderr);
            cli_write_clean(stderr, text);
            fputc('\n', stderr);
        }
        break;
    }
    fflush(stderr);
}
