/* cli_usage.c: the --help texts of every command level. */
#include <string.h>

#include "cli_args.h"

static const char top[] =
    "openshell: deploy and manage the OpenShell single-node gateway\n"
    "\n"
    "Usage: openshell [-g NAME] <COMMAND>\n"
    "\n"
    "Commands:\n"
    "  gateway   Deploy, stop, destroy, inspect and select gateways\n"
    "  doctor    Look inside a gateway container (logs, exec)\n"
    "  sandbox   Sandbox CRD client (create, delete, pod-ip, watch)\n"
    "  driver    Kubernetes compute driver contract (probe, create, get, list, delete, stop, start, watch)\n"
    "  debug     Helpers for conformance tests (node-name)\n"
    "\n"
    "Options:\n"
    "  -g, --gateway NAME  Gateway to act on (before or after the subcommand)\n"
    "  -h, --help          Print help\n"
    "      --version       Print version\n";

static const char gateway[] =
    "Usage: openshell gateway <COMMAND>\n"
    "\n"
    "Commands:\n"
    "  start     Deploy a gateway, or resume an existing one\n"
    "  stop      Stop the gateway container (all state is kept)\n"
    "  destroy   Remove the container, image, volume, network and metadata\n"
    "  info      Print the stored metadata of a gateway\n"
    "  select    Set the active gateway, or list gateways without NAME\n";

static const char start[] =
    "Usage: openshell gateway start [OPTIONS]\n"
    "\n"
    "Options:\n"
    "      --name NAME               Gateway name (default: -g, OPENSHELL_GATEWAY, else openshell)\n"
    "      --port PORT               Host port for the gateway (1-65535, default 8080)\n"
    "      --image REF               Cluster image reference\n"
    "      --recreate                Destroy an existing gateway first\n"
    "      --gpu                     Request GPU passthrough\n"
    "      --gateway-host HOST       Host name clients use to reach the gateway\n"
    "      --plaintext               Serve plain HTTP (no TLS, no mTLS bundle)\n"
    "      --disable-gateway-auth    Keep TLS but accept clients without a certificate\n"
    "      --registry-username U     Registry user (env OPENSHELL_REGISTRY_USERNAME)\n"
    "      --registry-token T        Registry token (env OPENSHELL_REGISTRY_TOKEN)\n"
    "      --remote USER@HOST        Deploy on a remote Docker host over ssh\n"
    "      --ssh-key PATH            ssh identity file for --remote\n"
    "  -g, --gateway NAME            Gateway name fallback\n"
    "  -h, --help                    Print help\n"
    "\n"
    "Environment: DOCKER_HOST, OPENSHELL_CLUSTER_IMAGE, IMAGE_TAG, OPENSHELL_REGISTRY_*,\n"
    "OPENSHELL_PUSH_IMAGES, NAV_GATEWAY_TLS_ENABLED, OPENSHELL_POLL_INTERVAL_MS;\n"
    "OPENSHELL_VERBOSE=1 also prints progress details.\n";

static const char stop[] =
    "Usage: openshell gateway stop [--name NAME] [--remote USER@HOST] [--ssh-key PATH]\n"
    "\n"
    "Stop the gateway container. The volume, network, metadata and mTLS bundle are kept.\n";

static const char destroy[] =
    "Usage: openshell gateway destroy [--name NAME] [--remote USER@HOST] [--ssh-key PATH]\n"
    "\n"
    "Remove the gateway container, its image, the volume, the network and the metadata.\n";

static const char info[] = "Usage: openshell gateway info [--name NAME]\n\nPrint the stored metadata of a gateway.\n";

static const char select_usage[] =
    "Usage: openshell gateway select [NAME]\n"
    "\n"
    "With NAME: set the active gateway. Without NAME: list the gateways.\n";

static const char doctor[] =
    "Usage: openshell doctor <COMMAND>\n"
    "\n"
    "Commands:\n"
    "  logs   Print the gateway container logs\n"
    "  exec   Run a command in the gateway container\n";

static const char logs[] =
    "Usage: openshell doctor logs [--name NAME] [--tail N] [--follow] [--remote USER@HOST] [--ssh-key PATH]\n"
    "\n"
    "Options:\n"
    "      --tail N, -n/--lines N   Only the last N lines (default: all)\n"
    "      --follow                 Stream new lines\n";

static const char exec_usage[] =
    "Usage: openshell doctor exec [--name NAME] [--remote USER@HOST] [--ssh-key PATH] -- COMMAND [ARGS...]\n"
    "\n"
    "Run COMMAND in the gateway container with KUBECONFIG set; exits with its exit code.\n";

static const char debug[] =
    "Usage: openshell debug <COMMAND>\n"
    "\n"
    "Commands:\n"
    "  node-name NAME   Print the k3s node name for a gateway name\n";

static const char node_name[] = "Usage: openshell debug node-name NAME\n\nPrint the k3s node name for NAME.\n";

const char *cli_usage(const char *topic)
{
    static const struct {
        const char *topic;
        const char *text;
    } table[] = {
        {"gateway", gateway},        {"gateway start", start}, {"gateway stop", stop},
        {"gateway destroy", destroy}, {"gateway info", info},   {"gateway select", select_usage},
        {"doctor", doctor},          {"doctor logs", logs},    {"doctor exec", exec_usage},
        {"debug", debug},            {"debug node-name", node_name},
    };
    for (size_t i = 0; topic && i < sizeof(table) / sizeof(table[0]); i++)
        if (strcmp(table[i].topic, topic) == 0)
            return table[i].text;
    return top;
}
