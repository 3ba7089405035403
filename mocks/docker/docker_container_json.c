/* docker_container_json.c: a container as dockerd 20.10 shows it: the inspect document
 * (create body merged over dockerd's defaults) and the /containers/json summary entry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker_internal.h"
#include "osh_str.h"

static const char *const host_config_defaults =
    "{\"Binds\":null,\"ContainerIDFile\":\"\",\"LogConfig\":{\"Type\":\"json-file\",\"Config\":{}},"
    "\"NetworkMode\":\"default\",\"PortBindings\":null,\"RestartPolicy\":{\"Name\":\"\","
    "\"MaximumRetryCount\":0},\"AutoRemove\":false,\"VolumeDriver\":\"\",\"VolumesFrom\":null,"
    "\"CapAdd\":null,\"CapDrop\":null,\"CgroupnsMode\":\"host\",\"Dns\":null,\"DnsOptions\":null,"
    "\"DnsSearch\":null,\"ExtraHosts\":null,\"GroupAdd\":null,\"IpcMode\":\"private\",\"Cgroup\":\"\","
    "\"Links\":null,\"OomScoreAdj\":0,\"PidMode\":\"\",\"Privileged\":false,\"PublishAllPorts\":false,"
    "\"ReadonlyRootfs\":false,\"SecurityOpt\":null,\"UTSMode\":\"\",\"UsernsMode\":\"\","
    "\"ShmSize\":67108864,\"Runtime\":\"runc\",\"ConsoleSize\":[0,0],\"Isolation\":\"\","
    "\"CpuShares\":0,\"Memory\":0,\"NanoCpus\":0,\"CgroupParent\":\"\",\"BlkioWeight\":0,"
    "\"BlkioWeightDevice\":null,\"BlkioDeviceReadBps\":null,\"BlkioDeviceWriteBps\":null,"
    "\"BlkioDeviceReadIOps\":null,\"BlkioDeviceWriteIOps\":null,\"CpuPeriod\":0,\"CpuQuota\":0,"
    "\"CpuRealtimePeriod\":0,\"CpuRealtimeRuntime\":0,\"CpusetCpus\":\"\",\"CpusetMems\":\"\","
    "\"Devices\":null,\"DeviceCgroupRules\":null,\"DeviceRequests\":null,\"KernelMemory\":0,"
    "\"KernelMemoryTCP\":0,\"MemoryReservation\":0,\"MemorySwap\":0,\"MemorySwappiness\":null,"
    "\"OomKillDisable\":false,\"PidsLimit\":null,\"Ulimits\":null,\"CpuCount\":0,\"CpuPercent\":0,"
    "\"IOMaximumIOps\":0,\"IOMaximumBandwidth\":0,\"MaskedPaths\":[\"/proc/asound\","
    "\"/proc/acpi\",\"/proc/kcore\",\"/proc/keys\",\"/proc/latency_stats\",\"/proc/timer_list\","
    "\"/proc/timer_stats\",\"/proc/sched_debug\",\"/proc/scsi\",\"/sys/firmware\"],"
    "\"ReadonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\",\"/proc/sysrq-trigger\"]}";

static const char *const config_keys[] = {
    "Hostname", "Domainname", "User", "AttachStdin", "AttachStdout", "AttachStderr",
    "ExposedPorts", "Tty", "OpenStdin", "StdinOnce", "Env", "Cmd", "Healthcheck", "ArgsEscaped",
    "Image", "Volumes", "WorkingDir", "Entrypoint", "NetworkDisabled", "MacAddress", "OnBuild",
    "Labels", "StopSignal", "StopTimeout", "Shell", NULL};

static void put(cJSON *o, const char *key, cJSON *value)
{
    if (cJSON_GetObjectItemCaseSensitive(o, key))
        cJSON_ReplaceItemInObjectCaseSensitive(o, key, value);
    else
        cJSON_AddItemToObject(o, key, value);
}

static cJSON *dup_or_null(const cJSON *v)
{
    return v ? cJSON_Duplicate(v, true) : cJSON_CreateNull();
}

/* dockerd reports every field of a device request: Driver, Count, DeviceIDs, Capabilities,
 * Options (zero values as 0 / null). */
static cJSON *device_requests_json(const cJSON *given)
{
    if (!cJSON_IsArray(given))
        return cJSON_Duplicate(given, true);
    cJSON *out = cJSON_CreateArray();
    for (const cJSON *r = given->child; r; r = r->next) {
        cJSON *e = cJSON_CreateObject();
        const char *driver = dk_body_str(r, "Driver");
        cJSON_AddStringToObject(e, "Driver", driver ? driver : "");
        const cJSON *count = dk_body_get(r, "Count");
        cJSON_AddNumberToObject(e, "Count", cJSON_IsNumber(count) ? count->valuedouble : 0);
        const char *keys[] = {"DeviceIDs", "Capabilities", "Options"};
        for (size_t k = 0; k < 3; k++) {
            const cJSON *v = dk_body_get(r, keys[k]);
            cJSON_AddItemToObject(e, keys[k], v ? cJSON_Duplicate(v, true) : cJSON_CreateNull());
        }
        cJSON_AddItemToArray(out, e);
    }
    return out;
}

static cJSON *host_config_json(const dk_container *c)
{
    cJSON *hc = cJSON_Parse(host_config_defaults);
    const cJSON *given = dk_host_config(c);
    if (cJSON_IsTrue(dk_body_get(given, "Privileged"))) {
        /* dockerd drops the masks and disables labels for privileged containers */
        cJSON_ReplaceItemInObjectCaseSensitive(hc, "MaskedPaths", cJSON_CreateNull());
        cJSON_ReplaceItemInObjectCaseSensitive(hc, "ReadonlyPaths", cJSON_CreateNull());
        cJSON_ReplaceItemInObjectCaseSensitive(hc, "SecurityOpt",
                                               cJSON_CreateStringArray((const char *[]){"label=disable"}, 1));
    }
    if (!c->start_attempted && c->started_ns == 0 && !given)
        cJSON_DeleteItemFromObjectCaseSensitive(hc, "Runtime"); /* defaults fill in at start */
    for (const cJSON *k = given ? given->child : NULL; k; k = k->next) {
        if (strcmp(k->string, "RestartPolicy") == 0 && cJSON_IsObject(k)) {
            cJSON *rp = cJSON_GetObjectItemCaseSensitive(hc, "RestartPolicy");
            for (const cJSON *f = k->child; f; f = f->next)
                put(rp, f->string, cJSON_Duplicate(f, true));
            continue;
        }
        put(hc, k->string, strcmp(k->string, "DeviceRequests") == 0 ? device_requests_json(k)
                                                                     : cJSON_Duplicate(k, true));
    }
    return hc;
}

/* Body Env first, then image Env entries whose name the body does not set (dockerd's merge). */
static cJSON *merged_env(const cJSON *body_env, const cJSON *image_env)
{
    if (!cJSON_IsArray(body_env) && !cJSON_IsArray(image_env))
        return cJSON_CreateNull();
    cJSON *env = cJSON_IsArray(body_env) ? cJSON_Duplicate(body_env, true) : cJSON_CreateArray();
    for (const cJSON *ie = cJSON_IsArray(image_env) ? image_env->child : NULL; ie; ie = ie->next) {
        if (!cJSON_IsString(ie))
            continue;
        size_t klen = strcspn(ie->valuestring, "=");
        bool set = false;
        for (const cJSON *be = env->child; be && !set; be = be->next)
            set = cJSON_IsString(be) && strncmp(be->valuestring, ie->valuestring, klen) == 0 &&
                  (be->valuestring[klen] == '=' || be->valuestring[klen] == '\0');
        if (!set)
            cJSON_AddItemToArray(env, cJSON_CreateString(ie->valuestring));
    }
    return env;
}

static const cJSON *image_config(mock_docker *d, const dk_container *c)
{
    dk_image *img = dk_find_image_by_id(d, c->image_id);
    return img ? img->config : NULL;
}

static cJSON *config_json(mock_docker *d, const dk_container *c)
{
    const cJSON *ic = image_config(d, c);
    cJSON *cfg = cJSON_CreateObject();
    for (size_t i = 0; config_keys[i]; i++) {
        const char *k = config_keys[i];
        const cJSON *v = dk_body_get(c->body, k);
        if (strcmp(k, "Hostname") == 0) {
            char *h = dk_effective_hostname(c);
            cJSON_AddStringToObject(cfg, k, h);
            free(h);
        } else if (strcmp(k, "Env") == 0) {
            cJSON_AddItemToObject(cfg, k, merged_env(v, dk_body_get(ic, "Env")));
        } else if (strcmp(k, "Cmd") == 0 || strcmp(k, "Entrypoint") == 0) {
            bool from_image = !dk_body_get(c->body, "Cmd") && !dk_body_get(c->body, "Entrypoint");
            const cJSON *src = from_image ? dk_body_get(ic, k) : v;
            cJSON_AddItemToObject(cfg, k, dup_or_null(cJSON_IsNull(src) ? NULL : src));
        } else if (strcmp(k, "Labels") == 0) {
            cJSON *labels = cJSON_IsObject(dk_body_get(ic, "Labels"))
                                ? cJSON_Duplicate(dk_body_get(ic, "Labels"), true) : cJSON_CreateObject();
            for (const cJSON *l = cJSON_IsObject(v) ? v->child : NULL; l; l = l->next)
                put(labels, l->string, cJSON_Duplicate(l, true));
            cJSON_AddItemToObject(cfg, k, labels);
        } else if (strcmp(k, "Healthcheck") == 0) {
            const cJSON *hc = v ? v : dk_body_get(ic, "Healthcheck");
            if (hc) {
                /* Go's omitempty drops zero durations and retries */
                cJSON *copy = cJSON_Duplicate(hc, true);
                const char *zeroable[] = {"Interval", "Timeout", "StartPeriod", "Retries"};
                for (size_t z = 0; z < 4; z++) {
                    const cJSON *n = cJSON_GetObjectItemCaseSensitive(copy, zeroable[z]);
                    if (cJSON_IsNumber(n) && n->valuedouble == 0)
                        cJSON_DeleteItemFromObjectCaseSensitive(copy, zeroable[z]);
                }
                cJSON_AddItemToObject(cfg, k, copy);
            }
        } else if (strcmp(k, "Image") == 0) {
            cJSON_AddStringToObject(cfg, k, c->image_ref);
        } else if (v) {
            cJSON_AddItemToObject(cfg, k, cJSON_Duplicate(v, true));
        } else if (strcmp(k, "ExposedPorts") == 0 || strcmp(k, "ArgsEscaped") == 0 ||
                   strcmp(k, "NetworkDisabled") == 0 || strcmp(k, "MacAddress") == 0 ||
                   strcmp(k, "StopSignal") == 0 || strcmp(k, "StopTimeout") == 0 ||
                   strcmp(k, "Shell") == 0) {
            continue; /* omitempty in dockerd */
        } else if (strcmp(k, "Domainname") == 0 || strcmp(k, "User") == 0 ||
                   strcmp(k, "WorkingDir") == 0) {
            cJSON_AddStringToObject(cfg, k, "");
        } else if (strcmp(k, "Volumes") == 0 || strcmp(k, "OnBuild") == 0) {
            cJSON_AddNullToObject(cfg, k);
        } else {
            cJSON_AddFalseToObject(cfg, k);
        }
    }
    return cfg;
}

static cJSON *state_json(const dk_container *c)
{
    char t[48];
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "Status", dk_status_name(c->status));
    cJSON_AddBoolToObject(s, "Running", c->status == DK_RUNNING || c->status == DK_PAUSED ||
                                            c->status == DK_RESTARTING);
    cJSON_AddBoolToObject(s, "Paused", c->status == DK_PAUSED);
    cJSON_AddBoolToObject(s, "Restarting", c->status == DK_RESTARTING);
    cJSON_AddBoolToObject(s, "OOMKilled", c->oom_killed);
    cJSON_AddBoolToObject(s, "Dead", c->status == DK_DEAD);
    cJSON_AddNumberToObject(s, "Pid", c->status == DK_RUNNING ? c->pid : 0);
    cJSON_AddNumberToObject(s, "ExitCode", c->exit_code);
    cJSON_AddStringToObject(s, "Error", c->error ? c->error : "");
    dk_format_time(c->started_ns, t, sizeof t);
    cJSON_AddStringToObject(s, "StartedAt", t);
    dk_format_time(c->finished_ns, t, sizeof t);
    cJSON_AddStringToObject(s, "FinishedAt", t);
    if (c->has_health) {
        cJSON *h = cJSON_AddObjectToObject(s, "Health");
        cJSON_AddStringToObject(h, "Status", c->health);
        cJSON_AddNumberToObject(h, "FailingStreak", c->failing_streak);
        cJSON_AddItemToObject(h, "Log", cJSON_Duplicate(c->health_log, true));
    }
    return s;
}

static cJSON *ports_json(const dk_container *c)
{
    cJSON *ports = cJSON_CreateObject();
    if (c->status != DK_RUNNING)
        return ports;
    const cJSON *exposed = dk_body_get(c->body, "ExposedPorts");
    for (const cJSON *p = cJSON_IsObject(exposed) ? exposed->child : NULL; p; p = p->next)
        cJSON_AddNullToObject(ports, p->string);
    const cJSON *bindings = dk_body_get(dk_host_config(c), "PortBindings");
    for (const cJSON *p = cJSON_IsObject(bindings) ? bindings->child : NULL; p; p = p->next) {
        cJSON *list = cJSON_CreateArray();
        for (const cJSON *b = cJSON_IsArray(p) ? p->child : NULL; b; b = b->next) {
            const char *ip = dk_body_str(b, "HostIp");
            const char *port = dk_body_str(b, "HostPort");
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "HostIp", ip && *ip ? ip : "0.0.0.0");
            cJSON_AddStringToObject(e, "HostPort", port && *port ? port : "49153");
            cJSON_AddItemToArray(list, e);
        }
        put(ports, p->string, list);
    }
    return ports;
}

/* dockerd's updateNetworkConfig at start or connect, on a user-defined network: the
 * aliases asked for, then the short ID and then Config.Hostname, each unless already there
 * (it compares the hostname with "/{name}", which never matches, so it is always a
 * candidate). Computed at inspect because dockerd keeps them once added. */
static void add_alias_once(cJSON *a, const char *alias)
{
    for (const cJSON *x = a->child; x; x = x->next)
        if (cJSON_IsString(x) && strcmp(x->valuestring, alias) == 0)
            return;
    cJSON_AddItemToArray(a, cJSON_CreateString(alias));
}

static cJSON *started_aliases(const dk_container *c, const cJSON *asked)
{
    cJSON *a = cJSON_IsArray(asked) ? cJSON_Duplicate(asked, true) : cJSON_CreateArray();
    char short_id[13];
    snprintf(short_id, sizeof short_id, "%.12s", c->id);
    add_alias_once(a, short_id);
    char *host = dk_effective_hostname(c);
    add_alias_once(a, host);
    free(host);
    return a;
}

static cJSON *endpoint_json(mock_docker *d, const dk_container *c, const dk_endpoint *ep,
                            bool summary)
{
    bool active = c->status == DK_RUNNING;
    dk_network *n = ep->network_id[0] ? dk_find_network_by_id(d, ep->network_id) : NULL;
    char ip[32] = "", gw[32] = "", mac[32] = "";
    if (active && n) {
        snprintf(ip, sizeof ip, "172.%d.0.%d", n->subnet, ep->ip_last);
        snprintf(gw, sizeof gw, "172.%d.0.1", n->subnet);
        snprintf(mac, sizeof mac, "02:42:ac:%02x:00:%02x", n->subnet & 0xff, ep->ip_last & 0xff);
    }
    cJSON *e = cJSON_CreateObject();
    const cJSON *cfg = ep->config;
    cJSON_AddItemToObject(e, "IPAMConfig", dup_or_null(dk_body_get(cfg, "IPAMConfig")));
    cJSON_AddItemToObject(e, "Links", dup_or_null(dk_body_get(cfg, "Links")));
    const cJSON *aliases = dk_body_get(cfg, "Aliases");
    if (!summary && n && !n->builtin && ep->ip_last > 0) {
        cJSON_AddItemToObject(e, "Aliases", started_aliases(c, aliases));
    } else {
        cJSON_AddItemToObject(e, "Aliases", summary ? cJSON_CreateNull() : dup_or_null(aliases));
    }
    cJSON_AddStringToObject(e, "NetworkID", ep->network_id);
    cJSON_AddStringToObject(e, "EndpointID", active ? ep->endpoint_id : "");
    cJSON_AddStringToObject(e, "Gateway", gw);
    cJSON_AddStringToObject(e, "IPAddress", ip);
    cJSON_AddNumberToObject(e, "IPPrefixLen", active ? 16 : 0);
    cJSON_AddStringToObject(e, "IPv6Gateway", "");
    cJSON_AddStringToObject(e, "GlobalIPv6Address", "");
    cJSON_AddNumberToObject(e, "GlobalIPv6PrefixLen", 0);
    cJSON_AddStringToObject(e, "MacAddress", mac);
    cJSON_AddItemToObject(e, "DriverOpts", dup_or_null(dk_body_get(cfg, "DriverOpts")));
    return e;
}

static const char *endpoint_key(mock_docker *d, const dk_endpoint *ep)
{
    dk_network *n = ep->network_id[0] ? dk_find_network_by_id(d, ep->network_id) : NULL;
    return n ? n->name : ep->network_name;
}

static cJSON *networks_json(mock_docker *d, const dk_container *c, bool summary)
{
    cJSON *nets = cJSON_CreateObject();
    for (size_t i = 0; i < c->endpoint_count; i++)
        put(nets, endpoint_key(d, &c->endpoints[i]), endpoint_json(d, c, &c->endpoints[i], summary));
    return nets;
}

static cJSON *network_settings_json(mock_docker *d, const dk_container *c)
{
    bool active = c->status == DK_RUNNING;
    cJSON *ns = cJSON_CreateObject();
    cJSON_AddStringToObject(ns, "Bridge", "");
    char sandbox[DK_ID_LEN + 1] = "";
    if (active)
        snprintf(sandbox, sizeof sandbox, "%.*s%.*s", DK_HALF_ID_LEN, c->id + DK_HALF_ID_LEN,
                 DK_HALF_ID_LEN, c->id);
    cJSON_AddStringToObject(ns, "SandboxID", sandbox);
    cJSON_AddBoolToObject(ns, "HairpinMode", false);
    cJSON_AddStringToObject(ns, "LinkLocalIPv6Address", "");
    cJSON_AddNumberToObject(ns, "LinkLocalIPv6PrefixLen", 0);
    cJSON_AddItemToObject(ns, "Ports", ports_json(c));
    char key[64] = "";
    if (active)
        snprintf(key, sizeof key, "/var/run/docker/netns/%.12s", sandbox);
    cJSON_AddStringToObject(ns, "SandboxKey", key);
    cJSON_AddNullToObject(ns, "SecondaryIPAddresses");
    cJSON_AddNullToObject(ns, "SecondaryIPv6Addresses");
    /* The top-level fields mirror the default bridge endpoint, as dockerd does. */
    cJSON *bridge = NULL;
    for (size_t i = 0; i < c->endpoint_count; i++)
        if (strcmp(endpoint_key(d, &c->endpoints[i]), "bridge") == 0)
            bridge = endpoint_json(d, c, &c->endpoints[i], false);
    const char *fields[] = {"EndpointID", "Gateway", "GlobalIPv6Address", "GlobalIPv6PrefixLen",
                            "IPAddress", "IPPrefixLen", "IPv6Gateway", "MacAddress", NULL};
    for (size_t i = 0; fields[i]; i++) {
        const cJSON *v = bridge ? cJSON_GetObjectItemCaseSensitive(bridge, fields[i]) : NULL;
        if (v)
            cJSON_AddItemToObject(ns, fields[i], cJSON_Duplicate(v, true));
        else if (strstr(fields[i], "Len"))
            cJSON_AddNumberToObject(ns, fields[i], 0);
        else
            cJSON_AddStringToObject(ns, fields[i], "");
    }
    cJSON_Delete(bridge);
    cJSON_AddItemToObject(ns, "Networks", networks_json(d, c, false));
    return ns;
}

/* Binds "src:dst[:opts]": a name is a volume, an absolute path a bind mount. */
static cJSON *mounts_json(const dk_container *c)
{
    cJSON *mounts = cJSON_CreateArray();
    const cJSON *binds = dk_body_get(dk_host_config(c), "Binds");
    for (const cJSON *b = cJSON_IsArray(binds) ? binds->child : NULL; b; b = b->next) {
        if (!cJSON_IsString(b))
            continue;
        char *copy = osh_str_dup(b->valuestring);
        char *dst = strchr(copy, ':');
        if (!dst) {
            free(copy);
            continue;
        }
        *dst++ = '\0';
        char *opts = strchr(dst, ':');
        if (opts)
            *opts++ = '\0';
        bool is_volume = copy[0] != '/';
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "Type", is_volume ? "volume" : "bind");
        if (is_volume) {
            cJSON_AddStringToObject(m, "Name", copy);
            char *src = osh_str_printf("/var/lib/docker/volumes/%s/_data", copy);
            cJSON_AddStringToObject(m, "Source", src);
            free(src);
        } else {
            cJSON_AddStringToObject(m, "Source", copy);
        }
        cJSON_AddStringToObject(m, "Destination", dst);
        if (is_volume)
            cJSON_AddStringToObject(m, "Driver", "local");
        cJSON_AddStringToObject(m, "Mode", opts ? opts : (is_volume ? "z" : ""));
        cJSON_AddBoolToObject(m, "RW", !(opts && strstr(opts, "ro")));
        cJSON_AddStringToObject(m, "Propagation", is_volume ? "" : "rprivate");
        cJSON_AddItemToArray(mounts, m);
        free(copy);
    }
    return mounts;
}

static void path_and_args(const cJSON *cfg, cJSON *o)
{
    const cJSON *ep = cJSON_GetObjectItemCaseSensitive(cfg, "Entrypoint");
    const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(cfg, "Cmd");
    cJSON *all = cJSON_CreateArray();
    for (const cJSON *v = cJSON_IsArray(ep) ? ep->child : NULL; v; v = v->next)
        cJSON_AddItemToArray(all, cJSON_Duplicate(v, true));
    for (const cJSON *v = cJSON_IsArray(cmd) ? cmd->child : NULL; v; v = v->next)
        cJSON_AddItemToArray(all, cJSON_Duplicate(v, true));
    cJSON *first = cJSON_DetachItemFromArray(all, 0);
    cJSON_AddStringToObject(o, "Path", cJSON_IsString(first) ? first->valuestring : "");
    cJSON_Delete(first);
    cJSON_AddItemToObject(o, "Args", all);
}

cJSON *dk_container_inspect_json(mock_docker *d, dk_container *c)
{
    char t[48], path[256];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "Id", c->id);
    dk_format_time(c->created_ns, t, sizeof t);
    cJSON_AddStringToObject(o, "Created", t);
    cJSON *cfg = config_json(d, c);
    path_and_args(cfg, o);
    cJSON_AddItemToObject(o, "State", state_json(c));
    cJSON_AddStringToObject(o, "Image", c->image_id);
    const char *files[][2] = {{"ResolvConfPath", "resolv.conf"}, {"HostnamePath", "hostname"},
                              {"HostsPath", "hosts"}};
    /* dockerd sets these paths when the container first starts */
    bool ran = c->started_ns > 0;
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "/var/lib/docker/containers/%s/%s", c->id, files[i][1]);
        cJSON_AddStringToObject(o, files[i][0], ran ? path : "");
    }
    snprintf(path, sizeof path, "/var/lib/docker/containers/%s/%s-json.log", c->id, c->id);
    cJSON_AddStringToObject(o, "LogPath", ran ? path : "");
    snprintf(path, sizeof path, "/%s", c->name);
    cJSON_AddStringToObject(o, "Name", path);
    cJSON_AddNumberToObject(o, "RestartCount", c->restart_count);
    cJSON_AddStringToObject(o, "Driver", "overlay2");
    cJSON_AddStringToObject(o, "Platform", "linux");
    cJSON_AddStringToObject(o, "MountLabel", "");
    cJSON_AddStringToObject(o, "ProcessLabel", "");
    cJSON_AddStringToObject(o, "AppArmorProfile", "");
    cJSON *exec_ids = NULL;
    for (size_t i = 0; i < d->exec_count; i++) {
        if (strcmp(d->execs[i]->container_id, c->id) == 0 && d->execs[i]->running) {
            if (!exec_ids)
                exec_ids = cJSON_CreateArray();
            cJSON_AddItemToArray(exec_ids, cJSON_CreateString(d->execs[i]->id));
        }
    }
    cJSON_AddItemToObject(o, "ExecIDs", exec_ids ? exec_ids : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "HostConfig", host_config_json(c));
    cJSON *gd = cJSON_AddObjectToObject(o, "GraphDriver");
    cJSON *gdd = cJSON_AddObjectToObject(gd, "Data");
    const char *dirs[][2] = {{"LowerDir", "-init/diff"}, {"MergedDir", "/merged"},
                             {"UpperDir", "/diff"}, {"WorkDir", "/work"}};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "/var/lib/docker/overlay2/%s%s", c->id, dirs[i][1]);
        cJSON_AddStringToObject(gdd, dirs[i][0], path);
    }
    cJSON_AddStringToObject(gd, "Name", "overlay2");
    cJSON_AddItemToObject(o, "Mounts", mounts_json(c));
    cJSON_AddItemToObject(o, "Config", cfg);
    cJSON_AddItemToObject(o, "NetworkSettings", network_settings_json(d, c));
    return o;
}

/* ---- Summary (GET /containers/json) ---------------------------------------------------- */

static bool shell_safe(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,@%+", *s))
            return false;
    return true;
}

static char *command_line(const cJSON *cfg)
{
    osh_buf b = OSH_BUF_INIT;
    const char *keys[] = {"Entrypoint", "Cmd"};
    for (size_t k = 0; k < 2; k++) {
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(cfg, keys[k]);
        for (const cJSON *v = cJSON_IsArray(arr) ? arr->child : NULL; v; v = v->next) {
            if (!cJSON_IsString(v))
                continue;
            if (b.len)
                osh_buf_append_char(&b, ' ');
            if (shell_safe(v->valuestring))
                osh_buf_append_str(&b, v->valuestring);
            else
                osh_buf_appendf(&b, "'%s'", v->valuestring);
        }
    }
    return osh_buf_detach(&b);
}

static void human_duration(int64_t secs, char *out, size_t size)
{
    if (secs < 1)
        snprintf(out, size, "Less than a second");
    else if (secs == 1)
        snprintf(out, size, "1 second");
    else if (secs < 60)
        snprintf(out, size, "%lld seconds", (long long)secs);
    else if (secs < 120)
        snprintf(out, size, "About a minute");
    else if (secs < 3600)
        snprintf(out, size, "%lld minutes", (long long)(secs / 60));
    else if (secs < 7200)
        snprintf(out, size, "About an hour");
    else
        snprintf(out, size, "%lld hours", (long long)(secs / 3600));
}

static void status_text(const dk_container *c, char *out, size_t size)
{
    char dur[64];
    int64_t now = dk_now_ns();
    if (c->status == DK_RUNNING) {
        human_duration((now - c->started_ns) / 1000000000LL, dur, sizeof dur);
        if (c->has_health && strcmp(c->health, "starting") == 0)
            snprintf(out, size, "Up %s (health: starting)", dur);
        else if (c->has_health)
            snprintf(out, size, "Up %s (%s)", dur, c->health);
        else
            snprintf(out, size, "Up %s", dur);
    } else if (c->status == DK_EXITED) {
        human_duration((now - c->finished_ns) / 1000000000LL, dur, sizeof dur);
        snprintf(out, size, "Exited (%d) %s ago", c->exit_code, dur);
    } else {
        snprintf(out, size, "%s", c->status == DK_CREATED ? "Created" : dk_status_name(c->status));
    }
}

static cJSON *summary_ports(const dk_container *c)
{
    cJSON *ports = cJSON_CreateArray();
    const cJSON *bindings = dk_body_get(dk_host_config(c), "PortBindings");
    const cJSON *exposed = c->status == DK_RUNNING ? dk_body_get(c->body, "ExposedPorts") : NULL;
    for (const cJSON *p = cJSON_IsObject(exposed) ? exposed->child : NULL; p; p = p->next) {
        int private_port = atoi(p->string);
        const char *proto = strchr(p->string, '/') ? strchr(p->string, '/') + 1 : "tcp";
        const cJSON *list = cJSON_IsObject(bindings) ? cJSON_GetObjectItemCaseSensitive(bindings, p->string) : NULL;
        bool published = false;
        for (const cJSON *b = c->status == DK_RUNNING && cJSON_IsArray(list) ? list->child : NULL; b; b = b->next) {
            const char *hp = dk_body_str(b, "HostPort");
            const char *ip = dk_body_str(b, "HostIp");
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "IP", ip && *ip ? ip : "0.0.0.0");
            cJSON_AddNumberToObject(e, "PrivatePort", private_port);
            cJSON_AddNumberToObject(e, "PublicPort", hp && *hp ? atoi(hp) : 49153);
            cJSON_AddStringToObject(e, "Type", proto);
            cJSON_AddItemToArray(ports, e);
            published = true;
        }
        if (!published) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddNumberToObject(e, "PrivatePort", private_port);
            cJSON_AddStringToObject(e, "Type", proto);
            cJSON_AddItemToArray(ports, e);
        }
    }
    return ports;
}

cJSON *dk_container_summary_json(mock_docker *d, dk_container *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "Id", c->id);
    char name[300];
    snprintf(name, sizeof name, "/%s", c->name);
    cJSON_AddItemToObject(o, "Names", cJSON_CreateStringArray((const char *[]){name}, 1));
    cJSON_AddStringToObject(o, "Image", c->image_ref);
    cJSON_AddStringToObject(o, "ImageID", c->image_id);
    cJSON *cfg = config_json(d, c);
    char *cmd = command_line(cfg);
    cJSON_AddStringToObject(o, "Command", cmd);
    free(cmd);
    cJSON_AddNumberToObject(o, "Created", (double)(c->created_ns / 1000000000LL));
    cJSON_AddItemToObject(o, "Ports", summary_ports(c));
    cJSON_AddItemToObject(o, "Labels", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(cfg, "Labels"), true));
    cJSON_Delete(cfg);
    cJSON_AddStringToObject(o, "State", dk_status_name(c->status));
    char status[128];
    status_text(c, status, sizeof status);
    cJSON_AddStringToObject(o, "Status", status);
    cJSON *hc = cJSON_AddObjectToObject(o, "HostConfig");
    const char *mode = dk_body_str(dk_host_config(c), "NetworkMode");
    cJSON_AddStringToObject(hc, "NetworkMode", mode && *mode ? mode : "default");
    cJSON_AddItemToObject(cJSON_AddObjectToObject(o, "NetworkSettings"), "Networks", networks_json(d, c, true));
    cJSON_AddItemToObject(o, "Mounts", mounts_json(c));
    return o;
}
