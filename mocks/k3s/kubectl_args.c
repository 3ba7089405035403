/* kubectl_args.c: kubectl flag parsing (cobra/pflag rules: --flag=value, --flag value,
 * -f value, -fvalue, boolean flags with optional =true/false). */
#include "kubectl_args.h"

#include <stdlib.h>
#include <string.h>

#include "osh_str.h"

static void push(char ***arr, size_t *n, const char *v)
{
    *arr = realloc(*arr, (*n + 1) * sizeof(char *));
    if (!*arr)
        abort();
    (*arr)[(*n)++] = osh_str_dup(v);
}

void kubectl_args_free(kubectl_args *a)
{
    free(a->verb);
    for (size_t i = 0; i < a->n_pos; i++)
        free(a->pos[i]);
    free(a->pos);
    for (size_t i = 0; i < a->n_files; i++)
        free(a->files[i]);
    free(a->files);
    for (size_t i = 0; i < a->n_literals; i++)
        free(a->literals[i]);
    free(a->literals);
    free(a->ns);
    free(a->output);
    free(a->field_selector);
    free(a->label_selector);
    free(a->dry_run);
    free(a->timeout);
    memset(a, 0, sizeof(*a));
}

typedef enum { F_STRING, F_BOOL, F_LIST } flag_kind;

typedef struct flag_def {
    const char *long_name;
    char short_name;
    flag_kind kind;
} flag_def;

static const flag_def FLAGS[] = {
    {"namespace", 'n', F_STRING},      {"all-namespaces", 'A', F_BOOL}, {"output", 'o', F_STRING},
    {"no-headers", 0, F_BOOL},         {"ignore-not-found", 0, F_BOOL}, {"field-selector", 0, F_STRING},
    {"selector", 'l', F_STRING},       {"force", 0, F_BOOL},            {"grace-period", 0, F_STRING},
    {"dry-run", 0, F_STRING},          {"filename", 'f', F_LIST},       {"timeout", 0, F_STRING},
    {"from-literal", 0, F_LIST},       {"all", 0, F_BOOL},              {"watch", 'w', F_BOOL},
    {"kubeconfig", 0, F_STRING},       {"wait", 0, F_BOOL},             {"validate", 0, F_STRING},
    {"show-labels", 0, F_BOOL},        {"request-timeout", 0, F_STRING}, {"type", 0, F_STRING},
};

static const flag_def *find_long(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof(FLAGS) / sizeof(FLAGS[0]); i++)
        if (strlen(FLAGS[i].long_name) == len && strncmp(FLAGS[i].long_name, name, len) == 0)
            return &FLAGS[i];
    return NULL;
}

static const flag_def *find_short(char c)
{
    for (size_t i = 0; i < sizeof(FLAGS) / sizeof(FLAGS[0]); i++)
        if (FLAGS[i].short_name == c)
            return &FLAGS[i];
    return NULL;
}

static void set_flag(kubectl_args *a, const flag_def *f, const char *value)
{
    const char *n = f->long_name;
    bool on = !value || strcmp(value, "false") != 0;
    if (strcmp(n, "namespace") == 0) {
        free(a->ns);
        a->ns = osh_str_dup(value);
    } else if (strcmp(n, "all-namespaces") == 0) {
        a->all_ns = on;
    } else if (strcmp(n, "output") == 0) {
        free(a->output);
        a->output = osh_str_dup(value);
    } else if (strcmp(n, "no-headers") == 0) {
        a->no_headers = on;
    } else if (strcmp(n, "ignore-not-found") == 0) {
        a->ignore_not_found = on;
    } else if (strcmp(n, "field-selector") == 0) {
        free(a->field_selector);
        a->field_selector = osh_str_dup(value);
    } else if (strcmp(n, "selector") == 0) {
        free(a->label_selector);
        a->label_selector = osh_str_dup(value);
    } else if (strcmp(n, "force") == 0) {
        a->force = on;
    } else if (strcmp(n, "grace-period") == 0) {
        a->grace_period = atoi(value);
    } else if (strcmp(n, "dry-run") == 0) {
        free(a->dry_run);
        a->dry_run = osh_str_dup(value ? value : "client");
    } else if (strcmp(n, "filename") == 0) {
        push(&a->files, &a->n_files, value);
    } else if (strcmp(n, "timeout") == 0) {
        free(a->timeout);
        a->timeout = osh_str_dup(value);
    } else if (strcmp(n, "from-literal") == 0) {
        push(&a->literals, &a->n_literals, value);
    } else if (strcmp(n, "all") == 0) {
        a->all = on;
    } else if (strcmp(n, "watch") == 0) {
        a->watch = on;
    }
}

/* Handles argv[*i] starting with '-'; may consume the next word. */
static int parse_flag(int argc, char **argv, int *i, kubectl_args *a, char **error)
{
    const char *arg = argv[*i];
    const flag_def *f;
    const char *value = NULL;
    if (arg[1] == '-') {
        const char *name = arg + 2, *eq = strchr(name, '=');
        f = find_long(name, eq ? (size_t)(eq - name) : strlen(name));
        if (!f) {
            *error = osh_str_printf("unknown flag: --%.*s", (int)(eq ? (size_t)(eq - name) : strlen(name)), name);
            return -1;
        }
        if (eq)
            value = eq + 1;
    } else {
        f = find_short(arg[1]);
        if (!f) {
            *error = osh_str_printf("unknown shorthand flag: '%c' in %s", arg[1], arg);
            return -1;
        }
        if (arg[2])
            value = arg[2] == '=' ? arg + 3 : arg + 2;
    }
    if (!value && f->kind != F_BOOL && strcmp(f->long_name, "dry-run") != 0) {
        if (*i + 1 >= argc) {
            *error = arg[1] == '-' ? osh_str_printf("flag needs an argument: %s", arg)
                                   : osh_str_printf("flag needs an argument: '%c' in %s", arg[1], arg);
            return -1;
        }
        value = argv[++*i];
    }
    set_flag(a, f, value);
    return 0;
}

int kubectl_args_parse(int argc, char **argv, kubectl_args *out, char **error)
{
    memset(out, 0, sizeof(*out));
    out->grace_period = -1;
    *error = NULL;
    bool flags_done = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!flags_done && strcmp(arg, "--") == 0) {
            flags_done = true;
        } else if (!flags_done && arg[0] == '-' && arg[1]) {
            if (parse_flag(argc, argv, &i, out, error) != 0) {
                kubectl_args_free(out);
                return -1;
            }
        } else if (!out->verb) {
            out->verb = osh_str_dup(arg);
        } else {
            push(&out->pos, &out->n_pos, arg);
        }
    }
    return 0;
}
