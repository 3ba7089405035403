/* docker_system.c: /_ping, /version and /info as dockerd 20.10 answers them. */
#include <stdio.h>
#include <string.h>

#include "docker_internal.h"

/* GET and HEAD /_ping. */
void dk_system_ping(mock_docker *d, const char *param, const mock_http_request *req,
                    mock_http_response *res)
{
    bool head = strcmp(mock_http_request_method(req), "HEAD") == 0;
    if (d->builder_version)
        mock_http_response_header(res, "Builder-Version", d->builder_version);
    mock_http_response_header(res, "Cache-Control", "no-cache, no-store, must-revalidate");
    mock_http_response_header(res, "Pragma", "no-cache");
    if (head) {
        /* dockerd answers HEAD with Content-Length 0 (not the GET body's length). */
        mock_http_respond(res, 200, "text/plain; charset=utf-8", "", 0);
        return;
    }
    mock_http_respond(res, 200, "text/plain; charset=utf-8", "OK", 2);
}

static cJSON *version_json(mock_docker *d)
{
    cJSON *v = cJSON_CreateObject();
    cJSON *platform = cJSON_AddObjectToObject(v, "Platform");
    cJSON_AddStringToObject(platform, "Name", "");
    cJSON *components = cJSON_AddArrayToObject(v, "Components");
    cJSON *engine = cJSON_CreateObject();
    cJSON_AddStringToObject(engine, "Name", "Engine");
    cJSON_AddStringToObject(engine, "Version", d->server_version);
    cJSON *details = cJSON_AddObjectToObject(engine, "Details");
    cJSON_AddStringToObject(details, "ApiVersion", d->api_version);
    cJSON_AddStringToObject(details, "Arch", d->arch);
    cJSON_AddStringToObject(details, "BuildTime", "2023-04-14T10:32:03.000000000+00:00");
    cJSON_AddStringToObject(details, "Experimental", d->experimental ? "true" : "false");
    cJSON_AddStringToObject(details, "GitCommit", "5d6db84");
    cJSON_AddStringToObject(details, "GoVersion", "go1.19.8");
    cJSON_AddStringToObject(details, "KernelVersion", d->kernel);
    cJSON_AddStringToObject(details, "MinAPIVersion", d->min_api_version);
    cJSON_AddStringToObject(details, "Os", d->os);
    cJSON_AddItemToArray(components, engine);
    cJSON *containerd = cJSON_CreateObject();
    cJSON_AddStringToObject(containerd, "Name", "containerd");
    cJSON_AddStringToObject(containerd, "Version", "1.6.20");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(containerd, "Details"), "GitCommit", "");
    cJSON_AddItemToArray(components, containerd);
    cJSON_AddStringToObject(v, "Version", d->server_version);
    cJSON_AddStringToObject(v, "ApiVersion", d->api_version);
    cJSON_AddStringToObject(v, "MinAPIVersion", d->min_api_version);
    cJSON_AddStringToObject(v, "GitCommit", "5d6db84");
    cJSON_AddStringToObject(v, "GoVersion", "go1.19.8");
    cJSON_AddStringToObject(v, "Os", d->os);
    cJSON_AddStringToObject(v, "Arch", d->arch);
    cJSON_AddStringToObject(v, "KernelVersion", d->kernel);
    cJSON_AddStringToObject(v, "BuildTime", "2023-04-14T10:32:03.000000000+00:00");
    return v;
}

static cJSON *info_json(mock_docker *d)
{
    int running = 0, stopped = 0, paused = 0;
    for (size_t i = 0; i < d->container_count; i++) {
        dk_status s = d->containers[i]->status;
        if (s == DK_RUNNING || s == DK_RESTARTING)
            running++;
        else if (s == DK_PAUSED)
            paused++;
        else
            stopped++;
    }
    cJSON *v = cJSON_CreateObject();
    char id[40];
    snprintf(id, sizeof id, "MOCK:%.8s:DOCK:ER00", d->hostname);
    cJSON_AddStringToObject(v, "ID", id);
    cJSON_AddNumberToObject(v, "Containers", (double)d->container_count);
    cJSON_AddNumberToObject(v, "ContainersRunning", running);
    cJSON_AddNumberToObject(v, "ContainersPaused", paused);
    cJSON_AddNumberToObject(v, "ContainersStopped", stopped);
    cJSON_AddNumberToObject(v, "Images", (double)d->image_count);
    cJSON_AddStringToObject(v, "Driver", "overlay2");
    cJSON *ds = cJSON_AddArrayToObject(v, "DriverStatus");
    const char *status[][2] = {{"Backing Filesystem", "extfs"}, {"Supports d_type", "true"},
                               {"Native Overlay Diff", "true"}, {"userxattr", "false"}};
    for (size_t i = 0; i < 4; i++)
        cJSON_AddItemToArray(ds, cJSON_CreateStringArray(status[i], 2));
    cJSON *plugins = cJSON_AddObjectToObject(v, "Plugins");
    const char *vol[] = {"local"};
    const char *net[] = {"bridge", "host", "ipvlan", "macvlan", "null", "overlay"};
    const char *log[] = {"awslogs", "fluentd", "gcplogs", "gelf", "journald", "json-file",
                         "local", "logentries", "splunk", "syslog"};
    cJSON_AddItemToObject(plugins, "Volume", cJSON_CreateStringArray(vol, 1));
    cJSON_AddItemToObject(plugins, "Network", cJSON_CreateStringArray(net, 6));
    cJSON_AddNullToObject(plugins, "Authorization");
    cJSON_AddItemToObject(plugins, "Log", cJSON_CreateStringArray(log, 10));
    cJSON_AddBoolToObject(v, "MemoryLimit", true);
    cJSON_AddBoolToObject(v, "SwapLimit", true);
    cJSON_AddBoolToObject(v, "KernelMemory", false);
    cJSON_AddBoolToObject(v, "KernelMemoryTCP", false);
    cJSON_AddBoolToObject(v, "CpuCfsPeriod", true);
    cJSON_AddBoolToObject(v, "CpuCfsQuota", true);
    cJSON_AddBoolToObject(v, "CPUShares", true);
    cJSON_AddBoolToObject(v, "CPUSet", true);
    cJSON_AddBoolToObject(v, "PidsLimit", true);
    cJSON_AddBoolToObject(v, "IPv4Forwarding", true);
    cJSON_AddBoolToObject(v, "BridgeNfIptables", true);
    cJSON_AddBoolToObject(v, "BridgeNfIp6tables", true);
    cJSON_AddBoolToObject(v, "Debug", false);
    cJSON_AddNumberToObject(v, "NFd", 24);
    cJSON_AddBoolToObject(v, "OomKillDisable", false);
    cJSON_AddNumberToObject(v, "NGoroutines", 33);
    char now[48];
    dk_format_time(dk_now_ns(), now, sizeof now);
    cJSON_AddStringToObject(v, "SystemTime", now);
    cJSON_AddStringToObject(v, "LoggingDriver", "json-file");
    cJSON_AddStringToObject(v, "CgroupDriver", "systemd");
    cJSON_AddStringToObject(v, "CgroupVersion", "2");
    cJSON_AddNumberToObject(v, "NEventsListener", 0);
    cJSON_AddStringToObject(v, "KernelVersion", d->kernel);
    cJSON_AddStringToObject(v, "OperatingSystem", "Debian GNU/Linux 12 (bookworm)");
    cJSON_AddStringToObject(v, "OSVersion", "12");
    cJSON_AddStringToObject(v, "OSType", "linux");
    cJSON_AddStringToObject(v, "Architecture", strcmp(d->arch, "amd64") == 0 ? "x86_64" : d->arch);
    cJSON_AddStringToObject(v, "IndexServerAddress", "https://index.docker.io/v1/");
    cJSON *reg = cJSON_AddObjectToObject(v, "RegistryConfig");
    cJSON_AddItemToObject(reg, "AllowNondistributableArtifactsCIDRs", cJSON_CreateArray());
    cJSON_AddItemToObject(reg, "AllowNondistributableArtifactsHostnames", cJSON_CreateArray());
    cJSON_AddItemToObject(reg, "InsecureRegistryCIDRs", cJSON_CreateStringArray((const char *[]){"127.0.0.0/8"}, 1));
    cJSON *idx = cJSON_AddObjectToObject(reg, "IndexConfigs");
    cJSON *hub = cJSON_AddObjectToObject(idx, "docker.io");
    cJSON_AddStringToObject(hub, "Name", "docker.io");
    cJSON_AddItemToObject(hub, "Mirrors", cJSON_CreateArray());
    cJSON_AddBoolToObject(hub, "Secure", true);
    cJSON_AddBoolToObject(hub, "Official", true);
    cJSON_AddItemToObject(reg, "Mirrors", cJSON_CreateArray());
    cJSON_AddNumberToObject(v, "NCPU", 2);
    cJSON_AddNumberToObject(v, "MemTotal", 25769803776.0);
    cJSON_AddStringToObject(v, "DockerRootDir", "/var/lib/docker");
    cJSON_AddStringToObject(v, "HttpProxy", "");
    cJSON_AddStringToObject(v, "HttpsProxy", "");
    cJSON_AddStringToObject(v, "NoProxy", "");
    cJSON_AddStringToObject(v, "Name", d->hostname);
    cJSON_AddItemToObject(v, "Labels", cJSON_CreateArray());
    cJSON_AddBoolToObject(v, "ExperimentalBuild", d->experimental);
    cJSON_AddStringToObject(v, "ServerVersion", d->server_version);
    cJSON *runtimes = cJSON_AddObjectToObject(v, "Runtimes");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(runtimes, "io.containerd.runc.v2"), "path", "runc");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(runtimes, "io.containerd.runtime.v1.linux"), "path", "runc");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(runtimes, "runc"), "path", "runc");
    cJSON_AddStringToObject(v, "DefaultRuntime", "runc");
    cJSON *swarm = cJSON_AddObjectToObject(v, "Swarm");
    cJSON_AddStringToObject(swarm, "NodeID", "");
    cJSON_AddStringToObject(swarm, "NodeAddr", "");
    cJSON_AddStringToObject(swarm, "LocalNodeState", "inactive");
    cJSON_AddBoolToObject(swarm, "ControlAvailable", false);
    cJSON_AddStringToObject(swarm, "Error", "");
    cJSON_AddNullToObject(swarm, "RemoteManagers");
    cJSON_AddBoolToObject(v, "LiveRestoreEnabled", false);
    cJSON_AddStringToObject(v, "Isolation", "");
    cJSON_AddStringToObject(v, "InitBinary", "docker-init");
    const char *commits[] = {"ContainerdCommit", "RuncCommit", "InitCommit"};
    for (size_t i = 0; i < 3; i++) {
        cJSON *cm = cJSON_AddObjectToObject(v, commits[i]);
        cJSON_AddStringToObject(cm, "ID", "");
        cJSON_AddStringToObject(cm, "Expected", "");
    }
    cJSON_AddNullToObject(v, "GenericResources");
    cJSON_AddItemToObject(v, "SecurityOptions", cJSON_CreateStringArray(
        (const char *[]){"name=seccomp,profile=default", "name=cgroupns"}, 2));
    cJSON_AddNullToObject(v, "Warnings");
    if (d->cdi_spec_dirs)
        cJSON_AddItemToObject(v, "CDISpecDirs", cJSON_Duplicate(d->cdi_spec_dirs, true));
    return v;
}

static void respond_built(mock_docker *d, cJSON *(*build)(mock_docker *), mock_http_response *res)
{
    pthread_mutex_lock(&d->lock);
    cJSON *doc = build(d);
    dk_unlock(d);
    mock_http_respond_json(res, 200, doc);
    cJSON_Delete(doc);
}

void dk_system_version(mock_docker *d, const char *param, const mock_http_request *req,
                       mock_http_response *res)
{
    respond_built(d, version_json, res);
}

void dk_system_info(mock_docker *d, const char *param, const mock_http_request *req,
                    mock_http_response *res)
{
    respond_built(d, info_json, res);
}

/* OPTIONS on any path: dockerd's CORS preflight route answers 200 with no body. */
void dk_system_options(mock_docker *d, const char *param, const mock_http_request *req,
                       mock_http_response *res)
{
    mock_http_respond_empty(res, 200);
}
