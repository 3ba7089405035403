/* docker_networks.c: networks: create (CheckDuplicate or the duplicate-with-warning dockerd
 * 20.10 allows), inspect with Containers, list, remove (403 with active endpoints),
 * connect/disconnect; and dockerd's name resolution, whose "ambiguous" texts differ per route. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker_internal.h"
#include "osh_str.h"

typedef enum { AMBIG_INSPECT, AMBIG_REMOVE, AMBIG_CONNECT } ambiguity_text;

/* Full ID, then exact names (two or more = ambiguous), then a unique ID prefix. Answers the
 * error and returns NULL when not found or ambiguous (404 / 400). Lock held. */
static dk_network *resolve_ex(mock_docker *d, const char *ref, ambiguity_text kind,
                              mock_http_response *res, bool answer_missing, bool *answered)
{
    *answered = true;
    dk_network *n = dk_find_network_by_id(d, ref);
    if (n)
        return n;
    size_t matches = 0;
    for (size_t i = 0; i < d->network_count; i++)
        if (strcmp(d->networks[i]->name, ref) == 0) {
            n = d->networks[i];
            matches++;
        }
    if (matches > 1) {
        if (kind == AMBIG_INSPECT)
            dk_error(res, 400, "%zu matches found based on name: network %s is ambiguous", matches, ref);
        else if (kind == AMBIG_REMOVE)
            dk_error(res, 400, "network %s is ambiguous (%zu matches found based on name)", ref, matches);
        else
            dk_error(res, 400, "network %s is ambiguous (%zu matches found on name)", ref, matches);
        return NULL;
    }
    if (matches == 1)
        return n;
    size_t prefixed = 0;
    for (size_t i = 0; i < d->network_count; i++)
        if (osh_str_starts_with(d->networks[i]->id, ref) && prefixed++ == 0)
            n = d->networks[i];
    if (prefixed > 1 && kind == AMBIG_REMOVE) {
        /* "" is a prefix of every ID: DELETE /networks/ lands here on dockerd too */
        dk_error(res, 400, "network %s is ambiguous (%zu matches found based on ID prefix)", ref, prefixed);
        return NULL;
    }
    if (prefixed != 1 || !*ref)
        n = NULL;
    if (!n && answer_missing)
        dk_error(res, 404, "network %s not found", ref);
    *answered = !n && answer_missing;
    return n;
}

static dk_network *resolve(mock_docker *d, const char *ref, ambiguity_text kind,
                           mock_http_response *res, bool answer_missing)
{
    bool answered;
    return resolve_ex(d, ref, kind, res, answer_missing, &answered);
}

/* A running container's endpoint belongs to a network by ID. A stopped container's settings
 * are keyed by network name, as dockerd keeps them: after its network was removed and
 * recreated, the new network of that name finds (and can disconnect) the stale entry. */
static bool endpoint_on(const dk_container *c, const dk_endpoint *ep, const dk_network *n)
{
    if (ep->network_id[0] && strcmp(ep->network_id, n->id) == 0)
        return true;
    if (ep->network_id[0] && c->status == DK_RUNNING)
        return false;
    return strcmp(ep->network_name, n->name) == 0 || strcmp(ep->network_name, n->id) == 0;
}

dk_endpoint *dk_endpoint_find(dk_container *c, const dk_network *n)
{
    for (size_t i = 0; i < c->endpoint_count; i++)
        if (endpoint_on(c, &c->endpoints[i], n))
            return &c->endpoints[i];
    return NULL;
}

void dk_endpoint_attach(mock_docker *d, dk_container *c, dk_network *n, const cJSON *config)
{
    dk_endpoint ep = {0};
    if (c->status == DK_RUNNING)
        snprintf(ep.network_id, sizeof ep.network_id, "%s", n->id);
    ep.network_name = osh_str_dup(n->name);
    dk_random_hex(d, ep.endpoint_id, DK_ID_LEN);
    ep.config = config && cJSON_IsObject(config) && config->child ? cJSON_Duplicate(config, true) : NULL;
    if (c->status == DK_RUNNING)
        ep.ip_last = n->next_ip++;
    DK_GROW(c->endpoints, c->endpoint_count);
    c->endpoints[c->endpoint_count++] = ep;
}

bool dk_endpoint_detach(dk_container *c, const dk_network *n)
{
    for (size_t i = 0; i < c->endpoint_count; i++) {
        if (endpoint_on(c, &c->endpoints[i], n)) {
            cJSON_Delete(c->endpoints[i].config);
            free(c->endpoints[i].network_name);
            memmove(&c->endpoints[i], &c->endpoints[i + 1],
                    (c->endpoint_count - i - 1) * sizeof *c->endpoints);
            c->endpoint_count--;
            return true;
        }
    }
    return false;
}

static size_t network_name_count(mock_docker *d, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < d->network_count; i++)
        n += strcmp(d->networks[i]->name, name) == 0;
    return n;
}

static size_t active_endpoints(mock_docker *d, dk_network *n)
{
    size_t count = 0;
    for (size_t i = 0; i < d->container_count; i++)
        if (d->containers[i]->status == DK_RUNNING && dk_endpoint_find(d->containers[i], n))
            count++;
    return count;
}

static cJSON *network_json_full(mock_docker *d, dk_network *n, bool with_containers)
{
    char t[48], subnet[32], gw[32];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "Name", n->name);
    cJSON_AddStringToObject(o, "Id", n->id);
    dk_format_time(n->created_ns, t, sizeof t);
    cJSON_AddStringToObject(o, "Created", t);
    cJSON_AddStringToObject(o, "Scope", "local");
    cJSON_AddStringToObject(o, "Driver", n->driver);
    cJSON_AddBoolToObject(o, "EnableIPv6", false);
    cJSON *ipam = cJSON_AddObjectToObject(o, "IPAM");
    cJSON_AddStringToObject(ipam, "Driver", "default");
    cJSON_AddNullToObject(ipam, "Options");
    cJSON *cfgs = cJSON_AddArrayToObject(ipam, "Config");
    if (strcmp(n->driver, "bridge") == 0) {
        snprintf(subnet, sizeof subnet, "172.%d.0.0/16", n->subnet);
        snprintf(gw, sizeof gw, "172.%d.0.1", n->subnet);
        cJSON *cfg = cJSON_CreateObject();
        cJSON_AddStringToObject(cfg, "Subnet", subnet);
        cJSON_AddStringToObject(cfg, "Gateway", gw);
        cJSON_AddItemToArray(cfgs, cfg);
    }
    cJSON_AddBoolToObject(o, "Internal", n->internal);
    cJSON_AddBoolToObject(o, "Attachable", n->attachable);
    cJSON_AddBoolToObject(o, "Ingress", false);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "ConfigFrom"), "Network", "");
    cJSON_AddBoolToObject(o, "ConfigOnly", false);
    cJSON *containers = cJSON_AddObjectToObject(o, "Containers");
    for (size_t i = 0; with_containers && i < d->container_count; i++) {
        dk_container *c = d->containers[i];
        dk_endpoint *ep = dk_endpoint_find(c, n);
        if (!ep || c->status != DK_RUNNING)
            continue;
        char mac[32], ip[40];
        snprintf(mac, sizeof mac, "02:42:ac:%02x:00:%02x", n->subnet & 0xff, ep->ip_last & 0xff);
        snprintf(ip, sizeof ip, "172.%d.0.%d/16", n->subnet, ep->ip_last);
        cJSON *e = cJSON_AddObjectToObject(containers, c->id);
        cJSON_AddStringToObject(e, "Name", c->name);
        cJSON_AddStringToObject(e, "EndpointID", ep->endpoint_id);
        cJSON_AddStringToObject(e, "MacAddress", mac);
        cJSON_AddStringToObject(e, "IPv4Address", ip);
        cJSON_AddStringToObject(e, "IPv6Address", "");
    }
    cJSON_AddItemToObject(o, "Options", cJSON_Duplicate(n->options, true));
    cJSON_AddItemToObject(o, "Labels", cJSON_Duplicate(n->labels, true));
    return o;
}

cJSON *dk_network_json(mock_docker *d, dk_network *n)
{
    return network_json_full(d, n, true);
}

/* ---- Routes ------------------------------------------------------------------------------ */

void dk_network_create(mock_docker *d, const char *param, const mock_http_request *req,
                       mock_http_response *res)
{
    cJSON *body;
    const char *text;
    size_t len;
    if (!dk_json_body(req, res, &body, &text, &len))
        return;
    const char *name = dk_body_str(body, "Name");
    if (!body || !name || !*name) {
        cJSON_Delete(body);
        dk_error(res, 400, body ? "network name must be provided" : "unexpected end of JSON input");
        return;
    }
    pthread_mutex_lock(&d->lock);
    dk_network *existing = NULL;
    for (size_t i = 0; i < d->network_count && !existing; i++)
        if (strcmp(d->networks[i]->name, name) == 0)
            existing = d->networks[i];
    if (existing && (cJSON_IsTrue(dk_body_get(body, "CheckDuplicate")) || existing->builtin)) {
        dk_unlock(d);
        if (existing->builtin)
            dk_error(res, 403, "%s is a pre-defined network and cannot be created", name);
        else
            dk_error(res, 409, "network with name %s already exists", name);
        cJSON_Delete(body);
        return;
    }
    const char *driver = dk_body_str(body, "Driver");
    dk_network *n = dk_add_network(d, name, driver && *driver ? driver : "bridge", false);
    n->attachable = cJSON_IsTrue(dk_body_get(body, "Attachable"));
    n->internal = cJSON_IsTrue(dk_body_get(body, "Internal"));
    const cJSON *labels = dk_body_get(body, "Labels");
    if (cJSON_IsObject(labels)) {
        cJSON_Delete(n->labels);
        n->labels = cJSON_Duplicate(labels, true);
    }
    const cJSON *options = dk_body_get(body, "Options");
    if (cJSON_IsObject(options)) {
        cJSON_Delete(n->options);
        n->options = cJSON_Duplicate(options, true);
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "Id", n->id);
    if (existing) {
        char *warning = osh_str_printf("Network with name %s (id : %s) already exists", name, existing->id);
        cJSON_AddStringToObject(o, "Warning", warning);
        free(warning);
    } else {
        cJSON_AddStringToObject(o, "Warning", "");
    }
    dk_unlock(d);
    mock_http_respond_json(res, 201, o);
    cJSON_Delete(o);
    cJSON_Delete(body);
}

static bool match_network(const char *want, void *ctx)
{
    const dk_network *n = ctx;
    return strstr(n->name, want) != NULL;
}

static bool match_network_id(const char *want, void *ctx)
{
    return osh_str_starts_with(((dk_network *)ctx)->id, want);
}

static bool match_driver(const char *want, void *ctx)
{
    return strcmp(((dk_network *)ctx)->driver, want) == 0;
}

static bool match_type(const char *want, void *ctx)
{
    bool builtin = ((dk_network *)ctx)->builtin;
    return strcmp(want, builtin ? "builtin" : "custom") == 0;
}

static bool match_net_label(const char *want, void *ctx)
{
    const cJSON *labels = ((dk_network *)ctx)->labels;
    const char *eq = strchr(want, '=');
    char *key = eq ? osh_str_ndup(want, (size_t)(eq - want)) : osh_str_dup(want);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(labels, key);
    bool ok = v && (!eq || (cJSON_IsString(v) && strcmp(v->valuestring, eq + 1) == 0));
    free(key);
    return ok;
}

void dk_network_list(mock_docker *d, const char *param, const mock_http_request *req,
                     mock_http_response *res)
{
    static const char *const known[] = {"dangling", "driver", "id", "label", "name", "scope", "type", NULL};
    cJSON *f;
    if (dk_query_filters(req, known, res, &f) != 0)
        return;
    cJSON *arr = cJSON_CreateArray();
    pthread_mutex_lock(&d->lock);
    for (size_t i = 0; i < d->network_count; i++) {
        dk_network *n = d->networks[i];
        if ((dk_filter_has(f, "name") && !dk_filter_any(f, "name", match_network, n)) ||
            (dk_filter_has(f, "id") && !dk_filter_any(f, "id", match_network_id, n)) ||
            (dk_filter_has(f, "driver") && !dk_filter_any(f, "driver", match_driver, n)) ||
            (dk_filter_has(f, "type") && !dk_filter_any(f, "type", match_type, n)) ||
            (dk_filter_has(f, "label") && !dk_filter_any(f, "label", match_net_label, n)))
            continue;
        cJSON_AddItemToArray(arr, network_json_full(d, n, false));
    }
    dk_unlock(d);
    cJSON_Delete(f);
    mock_http_respond_json(res, 200, arr);
    cJSON_Delete(arr);
}

void dk_network_inspect(mock_docker *d, const char *ref, const mock_http_request *req,
                        mock_http_response *res)
{
    pthread_mutex_lock(&d->lock);
    dk_network *n = resolve(d, ref, AMBIG_INSPECT, res, true);
    cJSON *o = n ? dk_network_json(d, n) : NULL;
    dk_unlock(d);
    if (o) {
        mock_http_respond_json(res, 200, o);
        cJSON_Delete(o);
    }
}

void dk_network_remove(mock_docker *d, const char *ref, const mock_http_request *req,
                       mock_http_response *res)
{
    pthread_mutex_lock(&d->lock);
    dk_network *n = resolve(d, ref, AMBIG_REMOVE, res, true);
    if (n && n->builtin) {
        dk_error(res, 403, "%s is a pre-defined network and cannot be removed", n->name);
    } else if (n && active_endpoints(d, n) > 0) {
        dk_error(res, 403, "error while removing network: network %s id %s has active endpoints",
                 n->name, n->id);
    } else if (n) {
        for (size_t i = 0; i < d->network_count; i++)
            if (d->networks[i] == n) {
                memmove(&d->networks[i], &d->networks[i + 1], (d->network_count - i - 1) * sizeof *d->networks);
                d->network_count--;
                break;
            }
        dk_network_free(n);
        mock_http_respond_empty(res, 204);
    }
    dk_unlock(d);
}

static void network_connect(mock_docker *d, const char *ref, bool connect,
                            const mock_http_request *req, mock_http_response *res)
{
    cJSON *body;
    const char *text;
    size_t len;
    if (!dk_json_body(req, res, &body, &text, &len))
        return;
    if (len == 0) {
        dk_error(res, 400, "got EOF while reading request body");
        return;
    }
    const char *cref = dk_body_str(body, "Container");
    bool force = cJSON_IsTrue(dk_body_get(body, "Force"));
    pthread_mutex_lock(&d->lock);
    dk_container *c = cref ? dk_find_container(d, cref) : NULL;
    /* disconnect -f from a network that is gone still names the container */
    bool answered = false;
    dk_network *n = NULL;
    if (!connect && c && network_name_count(d, ref) > 1)
        dk_error(res, 500, "container %s is not connected to the network %s", c->id, ref), answered = true;
    else
        n = resolve_ex(d, ref, AMBIG_CONNECT, res, connect || !force || !c, &answered);
    if (!n) {
        if (!answered)
            dk_error(res, 500, "container %s is not connected to the network %s", c->id, ref);
    } else if (!c && !connect && force) {
        dk_error(res, 404, "endpoint %s not found", cref ? cref : "");
    } else if (!c) {
        dk_error(res, 404, "No such container: %s", cref ? cref : "");
    } else if (connect) {
        if (dk_endpoint_find(c, n)) {
            dk_error(res, 403, "endpoint with name %s already exists in network %s", c->name, n->name);
        } else {
            dk_endpoint_attach(d, c, n, dk_body_get(body, "EndpointConfig"));
            mock_http_respond_empty(res, 200);
        }
    } else if (!dk_endpoint_detach(c, n)) {
        dk_error(res, 500, "container %s is not connected to network %s", c->id, n->name);
    } else {
        mock_http_respond_empty(res, 200);
    }
    dk_unlock(d);
    cJSON_Delete(body);
}

void dk_network_connect(mock_docker *d, const char *ref, const mock_http_request *req,
                        mock_http_response *res)
{
    network_connect(d, ref, true, req, res);
}

void dk_network_disconnect(mock_docker *d, const char *ref, const mock_http_request *req,
                           mock_http_response *res)
{
    network_connect(d, ref, false, req, res);
}
