/* k3s_controllers.h: the controllers of the simulated cluster, run after every change of a
 * cluster's store: pod garbage collection for deleted nodes, the kubelet finishing pod
 * deletions on the Ready node, and the StatefulSet/Deployment controllers (one replica, pod
 * readiness, status with observedGeneration and revisions, rollout restart), and the
 * agent-sandbox controller of mocks/agent-sandbox with its pods on the Ready node. */
#ifndef K3S_CONTROLLERS_H
#define K3S_CONTROLLERS_H

#include "kube_store.h"

/* Runs every controller until nothing changes. ready_node: the node registered by the
 * running k3s (NULL when the cluster is not running: nothing is scheduled then). */
void k3s_reconcile(kube_store *s, const char *ready_node);

/* Registers node as Ready and every other node as NotReady (what a k3s start does). */
void k3s_register_node(kube_store *s, const char *node);
/* Marks every node NotReady (the cluster stopped). */
void k3s_nodes_not_ready(kube_store *s);

#endif
