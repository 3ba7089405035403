/* kube_protobuf.h: the Kubernetes protobuf envelope ("k8s\0" + runtime.Unknown) that
 * client-go's typed clients send by default, decoded into JSON for the kinds kubectl's typed
 * commands create: Namespace (`kubectl create namespace`) and Secret (`kubectl create secret
 * generic`), with the ObjectMeta fields a create sets. Other kinds are not decoded. */
#ifndef KUBE_PROTOBUF_H
#define KUBE_PROTOBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

/* True when body starts with the "k8s\0" magic. */
bool kube_protobuf_is_envelope(const void *body, size_t len);
/* The object as JSON, or NULL with *error set (malformed, or a kind not decoded). */
cJSON *kube_protobuf_decode(const void *body, size_t len, char **error);

#endif
