/* gw_spec.h: the pure building blocks of a deploy: host environment (rules §3.6), TLS SANs
 * (4.6), image references (4.3), the container's env, cmd and create body (4.8.2-4.8.4). */
#ifndef GW_SPEC_H
#define GW_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

/* Host environment values: trimmed, NULL when unset or empty after trimming. */
typedef struct gw_host_env {
    char *docker_host;
    char *cluster_image;          /* OPENSHELL_CLUSTER_IMAGE */
    char *image_tag;              /* IMAGE_TAG */
    char *registry_host;          /* OPENSHELL_REGISTRY_HOST */
    char *registry_namespace;     /* OPENSHELL_REGISTRY_NAMESPACE */
    char *image_repo_base;        /* IMAGE_REPO_BASE */
    char *openshell_image_repo_base; /* OPENSHELL_IMAGE_REPO_BASE */
    bool registry_insecure;       /* OPENSHELL_REGISTRY_INSECURE in 1/true/yes/on */
    char *registry_endpoint;      /* OPENSHELL_REGISTRY_ENDPOINT */
    char *registry_username;      /* OPENSHELL_REGISTRY_USERNAME */
    char *registry_password;      /* OPENSHELL_REGISTRY_PASSWORD */
    char *push_images_raw;        /* OPENSHELL_PUSH_IMAGES untrimmed; NULL when blank */
} gw_host_env;

void gw_host_env_read(gw_host_env *env);
void gw_host_env_free(gw_host_env *env);
/* getenv, trimmed; NULL when unset or blank. */
char *gw_env_trimmed(const char *name);

/* A NULL-terminated list of malloc'd strings. */
typedef struct gw_strv {
    char **items;
    size_t len;
} gw_strv;

void gw_strv_push(gw_strv *v, const char *s);
bool gw_strv_contains(const gw_strv *v, const char *s);
void gw_strv_free(gw_strv *v);

/* rules §4.6 local: the non-loopback host of a tcp:// DOCKER_HOST, else NULL. */
char *gw_local_host_from_docker_host(const char *docker_host);
/* SANs: first (local_host or resolved) if any, then each further candidate not yet listed. */
void gw_sans_add(gw_strv *sans, const char *host);

/* Image reference: --image, else OPENSHELL_CLUSTER_IMAGE, else the default with IMAGE_TAG. */
char *gw_image_ref(const char *flag_image, const gw_host_env *env);
/* Split a reference into repo and tag (tag "" for digests, "latest" without a tag). */
void gw_image_ref_split(const char *ref, char **repo, char **tag);
bool gw_image_ref_is_local(const char *ref);

/* GPU device-ID list after resolution of ["auto"] (rules §4.8.4). */
void gw_gpu_resolve(bool gpu_requested, bool cdi_supported, gw_strv *out);

typedef struct gw_container_spec {
    const char *name;               /* gateway name */
    const char *image_ref;
    const char *node_name;
    int host_port;
    const gw_strv *sans;            /* extra SANs in order */
    const char *ssh_gateway_host;   /* NULL: none */
    const char *registry_username;  /* --registry-username or NULL */
    const char *registry_token;     /* --registry-token (or its env default) or NULL */
    bool plaintext;
    bool disable_gateway_auth;
    const gw_strv *gpu_devices;     /* resolved list; empty = no GPU */
    const gw_host_env *env;
} gw_container_spec;

cJSON *gw_container_env(const gw_container_spec *s);
cJSON *gw_container_cmd(const gw_container_spec *s);
cJSON *gw_container_create_body(const gw_container_spec *s);

#endif
