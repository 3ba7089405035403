/* docker_routes.c: the Docker Engine API surface the mock serves, as one table read top to
 * bottom (dockerd 20.10's api/server/router/{system,container,image,network,volume}).
 * docker_router.c strips the /v{version} prefix, matches method and pattern here in order,
 * and answers dockerd's 404 "page not found" when nothing matches (a wrong method too). */
#include "docker_internal.h"

/* {name} matches any text, '/' and "" included, as dockerd's {name:.*} does. */
const dk_route dk_routes[] = {
    /* system */
    {"GET",     "/_ping",                     dk_system_ping},
    {"HEAD",    "/_ping",                     dk_system_ping},
    {"GET",     "/version",                   dk_system_version},
    {"GET",     "/info",                      dk_system_info},

    /* containers */
    {"GET",     "/containers/json",           dk_container_list},
    {"POST",    "/containers/create",         dk_container_create},
    {"GET",     "/containers/{name}/json",    dk_container_inspect},
    {"GET",     "/containers/{name}/logs",    dk_container_logs},
    {"POST",    "/containers/{name}/start",   dk_container_start},
    {"POST",    "/containers/{name}/stop",    dk_container_stop_or_kill},
    {"POST",    "/containers/{name}/kill",    dk_container_stop_or_kill},
    {"POST",    "/containers/{name}/restart", dk_container_restart},
    {"POST",    "/containers/{name}/wait",    dk_container_wait},
    {"POST",    "/containers/{name}/attach",  dk_container_attach},
    {"HEAD",    "/containers/{name}/archive", dk_container_archive},
    {"GET",     "/containers/{name}/archive", dk_container_archive},
    {"PUT",     "/containers/{name}/archive", dk_container_archive},
    {"DELETE",  "/containers/{name}",         dk_container_remove},

    /* exec */
    {"POST",    "/containers/{name}/exec",    dk_exec_create},
    {"POST",    "/exec/{id}/start",           dk_exec_start},
    {"GET",     "/exec/{id}/json",            dk_exec_inspect},

    /* images */
    {"GET",     "/images/json",               dk_image_list},
    {"POST",    "/images/create",             dk_image_pull},
    {"GET",     "/images/get",                dk_image_save},
    {"GET",     "/images/{name}/get",         dk_image_save},
    {"POST",    "/images/load",               dk_image_load_tar},
    {"GET",     "/images/{name}/json",        dk_image_inspect},
    {"POST",    "/images/{name}/tag",         dk_image_tag},
    {"DELETE",  "/images/{name}",             dk_image_remove},

    /* networks ("/networks/" is the list too, so {id} below is never empty) */
    {"GET",     "/networks",                  dk_network_list},
    {"GET",     "/networks/",                 dk_network_list},
    {"POST",    "/networks/create",           dk_network_create},
    {"GET",     "/networks/{id}",             dk_network_inspect},
    {"POST",    "/networks/{id}/connect",     dk_network_connect},
    {"POST",    "/networks/{id}/disconnect",  dk_network_disconnect},
    {"DELETE",  "/networks/{id}",             dk_network_remove},

    /* volumes */
    {"GET",     "/volumes",                   dk_volume_list},
    {"POST",    "/volumes/create",            dk_volume_create},
    {"GET",     "/volumes/{name}",            dk_volume_inspect},
    {"DELETE",  "/volumes/{name}",            dk_volume_remove},

    /* CORS preflight: OPTIONS answers on every path */
    {"OPTIONS", "/{path}",                    dk_system_options},
};

const size_t dk_route_count = sizeof dk_routes / sizeof dk_routes[0];
