/* fuzz_cli_args.c: the `openshell` command line (impl/cli/cli_args.h, rules §3.1). The input is
 * split at NUL bytes into argv[1..]. Invariants: 0 or 2 comes back; a usage error has a
 * message; a parsed port is 1..65535; cli_parse_port accepts only decimal 1..65535; the usage
 * text of any parsed help topic exists; doctor exec arguments point into argv. */
#include <stdio.h>

#include "cli_args.h"
#include "fuzz_util.h"

static void check_port(const char *text)
{
    int port = cli_parse_port(text);
    if (port == -1)
        return;
    FUZZ_CHECK(port >= 1 && port <= 65535);
    char again[16];
    snprintf(again, sizeof again, "%d", port);
    const char *digits = text;
    while (*digits == '0' && digits[1])
        digits++;
    FUZZ_CHECK(strcmp(again, digits) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 2048)
        return 0;
    char *copy = fuzz_strndup(data, size);
    char *argv[130];
    int argc = 0;
    argv[argc++] = "openshell";
    for (size_t i = 0; i <= size && argc < 128;) {
        argv[argc++] = copy + i;
        i += strlen(copy + i) + 1;
    }
    argv[argc] = NULL;
    cli_args args;
    memset(&args, 0, sizeof args);
    char *error = NULL;
    int rc = cli_parse(argc, argv, &args, &error);
    FUZZ_CHECK(rc == 0 || rc == 2);
    if (rc == 2) {
        FUZZ_CHECK(error && *error);
    } else {
        FUZZ_CHECK(error == NULL);
        FUZZ_CHECK(args.port == 0 || (args.port >= 1 && args.port <= 65535));
        if (args.command == CLI_HELP)
            FUZZ_CHECK(args.help_topic && cli_usage(args.help_topic));
        for (int i = 0; i < args.exec_argc; i++)
            FUZZ_CHECK(args.exec_argv[i] >= copy && args.exec_argv[i] <= copy + size);
    }
    free(error);
    check_port(argc > 1 ? argv[1] : "");
    free(copy);
    return 0;
}
