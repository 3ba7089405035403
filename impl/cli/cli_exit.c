/* cli_exit.c: the table from gateway error codes to exit statuses (rules §3.5). */
#include "cli_exit.h"

#include "cli_common.h"

/* A switch, not an array: -Wswitch (an error under -Werror) names any code added to gw_code
 * without a line here, so no new code can fall through to "success". */
int cli_exit_status(gw_code code)
{
    switch (code) {
    case GW_OK: return CLI_EXIT_OK;
    case GW_E_USAGE: return CLI_EXIT_USAGE;
    case GW_E_INVALID: /* environment values: found at run time, not a usage error */
    case GW_E_CONFIG:
    case GW_E_NOT_FOUND:
    case GW_E_CONFLICT:
    case GW_E_PORT_IN_USE:
    case GW_E_DOCKER_UNREACHABLE:
    case GW_E_DOCKER:
    case GW_E_MALFORMED:
    case GW_E_TIMEOUT:
    case GW_E_UNHEALTHY:
    case GW_E_IO:
    case GW_E_FAILED: return CLI_EXIT_FAILED;
    case GW_E_LAST: break;
    }
    return CLI_EXIT_FAILED; /* not a code: never report success for an error */
}

int cli_failure_status(const gw_error *err)
{
    /* A call that failed without a code still failed. */
    return err->code == GW_OK ? CLI_EXIT_FAILED : cli_exit_status(err->code);
}

int cli_fail(const gw_error *err)
{
    cli_error("%s", gw_error_text(err));
    return cli_failure_status(err);
}
