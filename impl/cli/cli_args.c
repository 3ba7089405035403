/* cli_args.c: the openshell command-line grammar: command words, per-command flags, the
 * global -g/--gateway anywhere, --help at every level. */
#include "cli_args.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "osh_args.h"
#include "osh_str.h"

/* A flag's row tags the cli_args field it fills (its offsetof); --port has its own check. */
#define VALUE(l, s, field) {l, s, "VALUE", (int)offsetof(cli_args, field), NULL}
#define BOOL(l, field) {l, NULL, NULL, (int)offsetof(cli_args, field), NULL}
#define PORT_FLAG {"--port", NULL, "PORT", -1, NULL}

static const osh_arg_flag start_flags[] = {
    VALUE("--name", NULL, name), PORT_FLAG, VALUE("--image", NULL, image),
    BOOL("--recreate", recreate), BOOL("--gpu", gpu), VALUE("--gateway-host", NULL, gateway_host),
    BOOL("--plaintext", plaintext), BOOL("--disable-gateway-auth", disable_gateway_auth),
    VALUE("--registry-username", NULL, registry_username), VALUE("--registry-token", NULL, registry_token),
    VALUE("--remote", NULL, remote), VALUE("--ssh-key", NULL, ssh_key), OSH_ARGS_END};
static const osh_arg_flag remote_flags[] = {VALUE("--name", NULL, name), VALUE("--remote", NULL, remote),
                                            VALUE("--ssh-key", NULL, ssh_key), OSH_ARGS_END};
static const osh_arg_flag info_flags[] = {VALUE("--name", NULL, name), OSH_ARGS_END};
static const osh_arg_flag no_flags[] = {OSH_ARGS_END};
static const osh_arg_flag logs_flags[] = {VALUE("--name", NULL, name),    VALUE("--remote", NULL, remote),
                                          VALUE("--ssh-key", NULL, ssh_key), VALUE("--tail", NULL, tail),
                                          VALUE("--lines", "-n", tail),   BOOL("--follow", follow),
                                          OSH_ARGS_END};

/* clap's wording, which the upstream CLI prints (rules §3.1). */
static const osh_args_texts cli_texts = {"unexpected argument '%s' found",
                                         "a value is required for '%s' but none was supplied",
                                         "unexpected value for flag '%s'"};

typedef struct command_spec {
    const char *group;        /* "gateway", "doctor", "debug" */
    const char *name;         /* "start", ... */
    cli_command command;
    const osh_arg_flag *flags;
    int positional;           /* 0 none, 1 optional, 2 required */
    const char *topic;
} command_spec;

static const command_spec commands[] = {
    {"gateway", "start", CLI_GATEWAY_START, start_flags, 0, "gateway start"},
    {"gateway", "stop", CLI_GATEWAY_STOP, remote_flags, 0, "gateway stop"},
    {"gateway", "destroy", CLI_GATEWAY_DESTROY, remote_flags, 0, "gateway destroy"},
    {"gateway", "info", CLI_GATEWAY_INFO, info_flags, 0, "gateway info"},
    {"gateway", "select", CLI_GATEWAY_SELECT, no_flags, 1, "gateway select"},
    {"doctor", "logs", CLI_DOCTOR_LOGS, logs_flags, 0, "doctor logs"},
    {"doctor", "exec", CLI_DOCTOR_EXEC, remote_flags, 0, "doctor exec"},
    {"debug", "node-name", CLI_DEBUG_NODE_NAME, no_flags, 2, "debug node-name"},
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static int usage_error(char **error, const char *fmt, const char *arg)
{
    *error = osh_str_printf(fmt, arg);
    return CLI_EXIT_USAGE;
}

static bool is_help(const char *a) { return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0; }

/* What take_gateway found at argv[*i]. */
typedef enum gateway_flag { GATEWAY_FLAG_ABSENT, GATEWAY_FLAG_TAKEN, GATEWAY_FLAG_NO_VALUE } gateway_flag;

/* -g/--gateway in any position before "--": consumes its value. */
static gateway_flag take_gateway(int argc, char **argv, int *i, cli_args *out)
{
    static const char inline_form[] = "--gateway=";
    const char *a = argv[*i];
    if (osh_str_starts_with(a, inline_form)) {
        out->gateway = a + strlen(inline_form);
        return GATEWAY_FLAG_TAKEN;
    }
    if (strcmp(a, "-g") != 0 && strcmp(a, "--gateway") != 0)
        return GATEWAY_FLAG_ABSENT;
    if (*i + 1 >= argc)
        return GATEWAY_FLAG_NO_VALUE;
    out->gateway = argv[++*i];
    return GATEWAY_FLAG_TAKEN;
}

int cli_parse_port(const char *text)
{
    if (!text || !*text || strlen(text) > 5)
        return -1;
    for (const char *p = text; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    long v = strtol(text, NULL, 10);
    return v >= 1 && v <= 65535 ? (int)v : -1;
}

static int set_flag(const osh_arg_flag *f, const char *value, cli_args *out, char **error)
{
    if (!f->value_name) {
        *(bool *)((char *)out + f->id) = true;
        return 0;
    }
    if (f->id < 0) {
        out->port = cli_parse_port(value);
        if (out->port < 0)
            return usage_error(error, "invalid value '%s' for '--port': expected an integer from 1 to 65535", value);
        return 0;
    }
    *(const char **)((char *)out + f->id) = value;
    return 0;
}

static int parse_flag(int argc, char **argv, int *i, const command_spec *c, cli_args *out, char **error)
{
    const char *value = NULL;
    const osh_arg_flag *f = osh_args_take(argc, argv, i, c->flags, &cli_texts, &value, error);
    if (!f)
        return CLI_EXIT_USAGE;
    return set_flag(f, value, out, error);
}

static int parse_tail(cli_args *out, char **error)
{
    if (!out->tail || strcmp(out->tail, "all") == 0)
        return 0;
    if (!*out->tail || strlen(out->tail) > 9 || strspn(out->tail, "0123456789") != strlen(out->tail))
        return usage_error(error, "invalid value '%s' for '--tail': expected a number of lines", out->tail);
    return 0;
}

/* Everything after the command words. */
static int parse_command_args(int argc, char **argv, int i, const command_spec *c, cli_args *out, char **error)
{
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (is_help(a)) {
            out->command = CLI_HELP;
            out->help_topic = c->topic;
            return 0;
        }
        if (c->command == CLI_DEBUG_NODE_NAME && !out->has_positional) {
            if (strcmp(a, "--") == 0 && i + 1 < argc)
                a = argv[++i];
            out->positional = a;
            out->has_positional = true;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            if (c->command != CLI_DOCTOR_EXEC)
                return usage_error(error, "unexpected argument '%s' found", a);
            out->exec_argv = argv + i + 1;
            out->exec_argc = argc - i - 1;
            break;
        }
        gateway_flag g = take_gateway(argc, argv, &i, out);
        if (g == GATEWAY_FLAG_NO_VALUE)
            return usage_error(error, "a value is required for '%s' but none was supplied", a);
        if (g == GATEWAY_FLAG_TAKEN)
            continue;
        if (a[0] == '-' && a[1] != '\0') {
            int rc = parse_flag(argc, argv, &i, c, out, error);
            if (rc)
                return rc;
            continue;
        }
        if (c->command == CLI_DOCTOR_EXEC) {
            out->exec_argv = argv + i;
            out->exec_argc = argc - i;
            break;
        }
        if (c->positional == 0 || out->has_positional)
            return usage_error(error, "unexpected argument '%s' found", a);
        out->positional = a;
        out->has_positional = true;
    }
    if (c->positional == 2 && !out->has_positional)
        return usage_error(error, "the required argument %s was not provided", "NAME");
    if (c->command == CLI_DOCTOR_EXEC && out->exec_argc < 1)
        return usage_error(error, "%s", "doctor exec needs a command after '--'");
    out->command = c->command;
    return parse_tail(out, error);
}

static const command_spec *find_command(const char *group, const char *name)
{
    for (size_t k = 0; k < N_COMMANDS; k++)
        if (strcmp(commands[k].group, group) == 0 && strcmp(commands[k].name, name) == 0)
            return &commands[k];
    return NULL;
}

static bool known_group(const char *g)
{
    return strcmp(g, "gateway") == 0 || strcmp(g, "doctor") == 0 || strcmp(g, "debug") == 0;
}

int cli_parse(int argc, char **argv, cli_args *out, char **error)
{
    memset(out, 0, sizeof(*out));
    *error = NULL;
    const char *group = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (is_help(a)) {
            out->command = CLI_HELP;
            out->help_topic = group ? group : "";
            return 0;
        }
        if (!group && strcmp(a, "--version") == 0) {
            out->command = CLI_VERSION;
            return 0;
        }
        gateway_flag g = take_gateway(argc, argv, &i, out);
        if (g == GATEWAY_FLAG_NO_VALUE)
            return usage_error(error, "a value is required for '%s' but none was supplied", a);
        if (g == GATEWAY_FLAG_TAKEN)
            continue;
        if (a[0] == '-')
            return usage_error(error, "unexpected argument '%s' found", a);
        if (!group) {
            if (strcmp(a, "sandbox") == 0 || strcmp(a, "driver") == 0) {
                out->command = strcmp(a, "sandbox") == 0 ? CLI_SANDBOX : CLI_DRIVER;
                out->sandbox_index = i;
                return 0;
            }
            if (!known_group(a))
                return usage_error(error, "unrecognized subcommand '%s'", a);
            group = a;
            continue;
        }
        const command_spec *c = find_command(group, a);
        if (!c)
            return usage_error(error, "unrecognized subcommand '%s'", a);
        return parse_command_args(argc, argv, i + 1, c, out, error);
    }
    if (group)
        return usage_error(error, "'openshell %s' requires a subcommand", group);
    return usage_error(error, "%s", "a command is required");
}
