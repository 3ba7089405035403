/* sandbox_cli_args.c: flag parsing shared by the `openshell sandbox` commands. */
#include "sandbox_cli_args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osh_file.h"
#include "osh_str.h"

int sandbox_cli_usage_error(const char *usage, const char *fmt, const char *arg)
{
    fprintf(stderr, "error: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", usage);
    return SANDBOX_CLI_EXIT_USAGE;
}

/* Parse argv[2..] against flags. "--flag value" and "--flag=value" are both accepted.
 * Returns 0, or the usage exit code after printing why. */
int sandbox_cli_parse_flags(int argc, char **argv, const sandbox_cli_flag *flags, bool wants_positional,
                            const char *usage, sandbox_cli_parsed *out)
{
    memset(out, 0, sizeof *out);
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            out->help = true;
            return 0;
        }
        /* The CLI's global -g/--gateway is accepted anywhere (rules §3.1); a sandbox command
         * talks to Kubernetes through its kubeconfig, so the value has no effect here. */
        if (strcmp(arg, "-g") == 0 || strcmp(arg, "--gateway") == 0) {
            if (++i >= argc)
                return sandbox_cli_usage_error(usage, "flag '%s' needs a value", arg);
            continue;
        }
        if (osh_str_starts_with(arg, "--gateway="))
            continue;
        if (arg[0] == '-' && arg[1] != '-' && arg[1] != '\0')
            return sandbox_cli_usage_error(usage, "unknown flag '%s'", arg);
        if (!osh_str_starts_with(arg, "--") || strcmp(arg, "--") == 0) {
            if (!wants_positional || out->positional)
                return sandbox_cli_usage_error(usage, "unexpected argument '%s'", arg);
            out->positional = arg;
            continue;
        }
        const char *eq = strchr(arg, '=');
        size_t name_len = eq ? (size_t)(eq - arg) : strlen(arg);
        const sandbox_cli_flag *flag = NULL;
        for (const sandbox_cli_flag *f = flags; f->name; f++)
            if (strlen(f->name) == name_len && strncmp(f->name, arg, name_len) == 0)
                flag = f;
        if (!flag)
            return sandbox_cli_usage_error(usage, "unknown flag '%s'", arg);
        if (flag->on) {
            if (eq)
                return sandbox_cli_usage_error(usage, "flag '%s' takes no value", arg);
            *flag->on = true;
        } else if (eq) {
            *flag->value = eq + 1;
        } else if (i + 1 < argc && !osh_str_starts_with(argv[i + 1], "--")) {
            *flag->value = argv[++i];
        } else {
            return sandbox_cli_usage_error(usage, "flag '%s' needs a value", arg);
        }
    }
    return 0;
}

/* A decimal integer in 0..2^64-1, nothing else. */
bool sandbox_cli_parse_u64(const char *text, unsigned long long *out)
{
    if (!*text)
        return false;
    unsigned long long value = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        unsigned long long next = value * 10 + (unsigned long long)(*p - '0');
        if (next / 10 != value)
            return false;
        value = next;
    }
    *out = value;
    return true;
}


char *sandbox_cli_read_spec(const char *path, char **why)
{
    char *error = NULL;
    size_t len = 0;
    char *text = osh_file_read(path, SANDBOX_CLI_SPEC_FILE_LIMIT, &len, &error);
    if (!text) {
        *why = errno == EFBIG ? osh_str_printf("larger than %zu bytes", SANDBOX_CLI_SPEC_FILE_LIMIT)
                              : osh_str_printf("cannot read: %s", strerror(errno));
        free(error);
        return NULL;
    }
    if (strlen(text) != len) {
        *why = osh_str_dup("not valid JSON (it contains a NUL byte)");
        free(text);
        return NULL;
    }
    return text;
}
