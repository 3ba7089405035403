/* test_docker_objects.c: networks, volumes and images of the Docker mock over HTTP, with
 * dockerd 20.10's status codes and error texts (rules §11.5 included). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dk_test_client.h"
#include "docker_tar.h"
#include "osh_str.h"

static const char *scenario =
    "{\"images\":[{\"ref\":\"busy:1\",\"id\":\"sha256:43c25892aed65c539a766f7379689f65538368eb6721696ee311631ee50b3e28\","
    "  \"config\":{\"Cmd\":[\"sh\"]}}],"
    " \"pullable\":[{\"ref\":\"ghcr.io/nvidia/openshell/cluster:dev\",\"architecture\":\"arm64\","
    "   \"config\":{\"Cmd\":[\"server\"],\"Healthcheck\":{\"Test\":[\"CMD\",\"/hc\"]}}},"
    "  {\"ref\":\"ghcr.io/x/broken:1\",\"stream_error\":\"unexpected EOF while downloading\"},"
    "  {\"ref\":\"ghcr.io/x/denied:1\",\"error\":{\"status\":500,\"message\":\"unauthorized: authentication required\"}},"
    "  {\"ref\":\"ghcr.io/x/private:1\",\"auth\":{\"username\":\"__token__\",\"password\":\"tk\"}}]}";

static int setup(void **state)
{
    *state = dk_test_start(scenario);
    return 0;
}

static int teardown(void **state)
{
    dk_test_stop(*state);
    return 0;
}

#define CALL(t, m, p, b) dk_call((t), (m), (p), (b), NULL)

static void expect(dk_test *t, const char *method, const char *target, const char *body,
                   long status, const char *message)
{
    dk_reply r = CALL(t, method, target, body);
    if (r.status != status)
        fail_msg("%s %s: status %ld, want %ld: %s", method, target, r.status, status, osh_buf_str(&r.body));
    if (message && strcmp(dk_message(&r), message) != 0)
        fail_msg("%s %s: message '%s', want '%s'", method, target, dk_message(&r), message);
    dk_reply_free(&r);
}

/* ---- Networks --------------------------------------------------------------------------- */

static void test_network_create_and_duplicates(void **state)
{
    dk_test *t = *state;
    dk_reply r = CALL(t, "POST", "/networks/create", "{\"Name\":\"net\",\"Driver\":\"bridge\",\"Attachable\":true,\"CheckDuplicate\":true}");
    assert_int_equal(r.status, 201);
    char *id1 = osh_str_dup(dk_jstr(r.json, "Id"));
    assert_string_equal(dk_jstr(r.json, "Warning"), "");
    dk_reply_free(&r);
    expect(t, "POST", "/networks/create", "{\"Name\":\"net\",\"CheckDuplicate\":true}", 409,
           "network with name net already exists");
    /* what the bootstrap sends: no CheckDuplicate -> a second network and a warning */
    r = CALL(t, "POST", "/networks/create", "{\"Name\":\"net\",\"Driver\":\"bridge\",\"Attachable\":true}");
    assert_int_equal(r.status, 201);
    char *id2 = osh_str_dup(dk_jstr(r.json, "Id"));
    char *warning = osh_str_printf("Network with name net (id : %s) already exists", id1);
    assert_string_equal(dk_jstr(r.json, "Warning"), warning);
    free(warning);
    dk_reply_free(&r);
    expect(t, "GET", "/networks/net", NULL, 400, "2 matches found based on name: network net is ambiguous");
    expect(t, "DELETE", "/networks/net", NULL, 400, "network net is ambiguous (2 matches found based on name)");
    char *cid = dk_create(t, "c1", "{\"Image\":\"busy:1\"}", true);
    expect(t, "POST", "/networks/net/connect", "{\"Container\":\"c1\"}", 400,
           "network net is ambiguous (2 matches found on name)");
    char *target = osh_str_printf("/networks/%s", id2);
    expect(t, "DELETE", target, NULL, 204, NULL);
    free(target);
    r = CALL(t, "GET", "/networks/net", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(dk_jstr(r.json, "Id"), id1);
    assert_true(cJSON_IsTrue(dk_jget(r.json, "Attachable")));
    assert_string_equal(dk_jstr(r.json, "Driver"), "bridge");
    assert_string_equal(dk_jstr(r.json, "Scope"), "local");
    dk_reply_free(&r);
    expect(t, "GET", "/networks/nosuch", NULL, 404, "network nosuch not found");
    expect(t, "DELETE", "/networks/nosuch", NULL, 404, "network nosuch not found");
    expect(t, "DELETE", "/networks/bridge", NULL, 403, "bridge is a pre-defined network and cannot be removed");
    free(id1);
    free(id2);
    free(cid);
}

static void test_network_connect_disconnect(void **state)
{
    dk_test *t = *state;
    dk_reply r = CALL(t, "POST", "/networks/create", "{\"Name\":\"gw\"}");
    char *nid = osh_str_dup(dk_jstr(r.json, "Id"));
    dk_reply_free(&r);
    char *cid = dk_create(t, "member", "{\"Image\":\"busy:1\",\"HostConfig\":{\"NetworkMode\":\"gw\"}}", true);
    r = CALL(t, "GET", "/networks/gw", NULL);
    const cJSON *entry = dk_jget(dk_jget(r.json, "Containers"), cid);
    assert_non_null(entry);
    assert_string_equal(dk_jstr(entry, "Name"), "member");
    assert_true(osh_str_ends_with(dk_jstr(entry, "IPv4Address"), "/16"));
    dk_reply_free(&r);
    char *msg = osh_str_printf("error while removing network: network gw id %s has active endpoints", nid);
    expect(t, "DELETE", "/networks/gw", NULL, 403, msg);
    free(msg);
    /* the inspect of the container shows the network */
    r = CALL(t, "GET", "/containers/member/json", NULL);
    assert_string_equal(dk_jstr(r.json, "NetworkSettings.Networks.gw.NetworkID"), nid);
    assert_string_equal(dk_jstr(r.json, "HostConfig.NetworkMode"), "gw");
    dk_reply_free(&r);
    expect(t, "POST", "/networks/bridge/connect", "{\"Container\":\"member\",\"EndpointConfig\":{}}", 200, NULL);
    expect(t, "POST", "/networks/bridge/connect", "{\"Container\":\"member\"}", 403,
           "endpoint with name member already exists in network bridge");
    expect(t, "POST", "/networks/gw/connect", "{\"Container\":\"nosuch\"}", 404, "No such container: nosuch");
    expect(t, "POST", "/networks/nosuch/connect", "{\"Container\":\"member\"}", 404, "network nosuch not found");
    expect(t, "POST", "/networks/gw/disconnect", "{\"Container\":\"member\",\"Force\":true}", 200, NULL);
    msg = osh_str_printf("container %s is not connected to network gw", cid);
    expect(t, "POST", "/networks/gw/disconnect", "{\"Container\":\"member\"}", 500, msg);
    free(msg);
    expect(t, "POST", "/networks/gw/disconnect", "{\"Container\":\"nosuch\",\"Force\":true}", 404, "endpoint nosuch not found");
    expect(t, "POST", "/networks/gw/disconnect", "{\"Container\":\"nosuch\"}", 404, "No such container: nosuch");
    msg = osh_str_printf("container %s is not connected to the network nosuch", cid);
    expect(t, "POST", "/networks/nosuch/disconnect", "{\"Container\":\"member\",\"Force\":true}", 500, msg);
    free(msg);
    expect(t, "DELETE", "/networks/gw", NULL, 204, NULL);
    r = CALL(t, "GET", "/networks?filters=%7B%22name%22%3A%5B%22gw%22%5D%7D", NULL);
    assert_int_equal(cJSON_GetArraySize(r.json), 0);
    dk_reply_free(&r);
    r = CALL(t, "GET", "/networks?filters=%7B%22type%22%3A%5B%22builtin%22%5D%7D", NULL);
    assert_int_equal(cJSON_GetArraySize(r.json), 3);
    dk_reply_free(&r);
    expect(t, "GET", "/networks?filters=%7B%22bogus%22%3A%5B%22x%22%5D%7D", NULL, 400, "Invalid filter 'bogus'");
    free(nid);
    free(cid);
}

/* dockerd 20.10 at start (updateNetworkConfig): on a user-defined network the endpoint has the
 * aliases asked for, then the short ID unless already there, then Config.Hostname unless
 * already there (it compares the hostname with the name "/{name}", so they always differ).
 * Checked on the real dockerd: --network-alias svc --hostname hh gives [svc, id12, hh]; the
 * default bridge has no aliases; compose's own id12 alias is not doubled. */
static void test_network_aliases_on_start(void **state)
{
    dk_test *t = *state;
    dk_reply r = CALL(t, "POST", "/networks/create", "{\"Name\":\"an\"}");
    dk_reply_free(&r);
    char *cid = dk_create(t, "al", "{\"Image\":\"busy:1\",\"Hostname\":\"hh\",\"HostConfig\":{\"NetworkMode\":\"an\"},"
                                    "\"NetworkingConfig\":{\"EndpointsConfig\":{\"an\":{\"Aliases\":[\"svc\"]}}}}", false);
    r = CALL(t, "GET", "/containers/al/json", NULL);
    const cJSON *a = dk_jget(r.json, "NetworkSettings.Networks.an.Aliases");
    assert_int_equal(cJSON_GetArraySize(a), 1); /* created: only what was asked */
    dk_reply_free(&r);
    for (int round = 0; round < 2; round++) { /* a restart adds nothing twice */
        expect(t, "POST", "/containers/al/start", NULL, 204, NULL);
        r = CALL(t, "GET", "/containers/al/json", NULL);
        a = dk_jget(r.json, "NetworkSettings.Networks.an.Aliases");
        assert_int_equal(cJSON_GetArraySize(a), 3);
        assert_string_equal(cJSON_GetArrayItem(a, 0)->valuestring, "svc");
        assert_memory_equal(cJSON_GetArrayItem(a, 1)->valuestring, cid, 12);
        assert_int_equal(strlen(cJSON_GetArrayItem(a, 1)->valuestring), 12);
        assert_string_equal(cJSON_GetArrayItem(a, 2)->valuestring, "hh");
        dk_reply_free(&r);
        expect(t, "POST", "/containers/al/stop?t=0", NULL, 204, NULL);
    }
    /* docker-compose asks for [service, id12] itself; hostname = the container name */
    char *cid2 = dk_create(t, "web1", "{\"Image\":\"busy:1\",\"Hostname\":\"web1\",\"HostConfig\":{\"NetworkMode\":\"an\"}}", false);
    char *body = osh_str_printf("{\"Container\":\"web1\",\"EndpointConfig\":{\"Aliases\":[\"web\",\"%.12s\"]}}", cid2);
    expect(t, "POST", "/networks/an/disconnect", "{\"Container\":\"web1\"}", 200, NULL);
    expect(t, "POST", "/networks/an/connect", body, 200, NULL);
    free(body);
    expect(t, "POST", "/containers/web1/start", NULL, 204, NULL);
    r = CALL(t, "GET", "/containers/web1/json", NULL);
    a = dk_jget(r.json, "NetworkSettings.Networks.an.Aliases");
    assert_int_equal(cJSON_GetArraySize(a), 3);
    assert_string_equal(cJSON_GetArrayItem(a, 0)->valuestring, "web");
    assert_memory_equal(cJSON_GetArrayItem(a, 1)->valuestring, cid2, 12);
    assert_string_equal(cJSON_GetArrayItem(a, 2)->valuestring, "web1");
    dk_reply_free(&r);
    /* no hostname given: it is the short ID, listed once */
    free(dk_create(t, "plain", "{\"Image\":\"busy:1\",\"HostConfig\":{\"NetworkMode\":\"an\"}}", true));
    r = CALL(t, "GET", "/containers/plain/json", NULL);
    assert_int_equal(cJSON_GetArraySize(dk_jget(r.json, "NetworkSettings.Networks.an.Aliases")), 1);
    dk_reply_free(&r);
    free(cid);
    free(cid2);
}

/* ---- Volumes ---------------------------------------------------------------------------- */

static void test_volumes(void **state)
{
    dk_test *t = *state;
    dk_reply r = CALL(t, "POST", "/volumes/create", "{\"Name\":\"data\",\"Labels\":{\"k\":\"v\"}}");
    assert_int_equal(r.status, 201);
    assert_string_equal(dk_jstr(r.json, "Name"), "data");
    assert_string_equal(dk_jstr(r.json, "Driver"), "local");
    assert_string_equal(dk_jstr(r.json, "Labels.k"), "v");
    assert_string_equal(dk_jstr(r.json, "Mountpoint"), "/var/lib/docker/volumes/data/_data");
    dk_reply_free(&r);
    expect(t, "POST", "/volumes/create", "{\"Name\":\"data\"}", 201, NULL);
    expect(t, "POST", "/volumes/create", "{\"Name\":\"bad/name\"}", 400,
           "create bad/name: \"bad/name\" includes invalid characters for a local volume name, only "
           "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path");
    expect(t, "GET", "/volumes/data", NULL, 200, NULL);
    expect(t, "GET", "/volumes/nosuch", NULL, 404, "get nosuch: no such volume");
    r = CALL(t, "GET", "/volumes?filters=%7B%22name%22%3A%5B%22dat%22%5D%7D", NULL);
    assert_int_equal(cJSON_GetArraySize(dk_jget(r.json, "Volumes")), 1);
    assert_true(cJSON_IsNull(dk_jget(r.json, "Warnings")));
    dk_reply_free(&r);
    r = CALL(t, "GET", "/volumes?filters=%7B%22label%22%3A%5B%22k%3Dother%22%5D%7D", NULL);
    assert_int_equal(cJSON_GetArraySize(dk_jget(r.json, "Volumes")), 0);
    dk_reply_free(&r);
    char *cid = dk_create(t, "user", "{\"Image\":\"busy:1\",\"HostConfig\":{\"Binds\":[\"data:/data\"]}}", false);
    char *msg = osh_str_printf("remove data: volume is in use - [%s]", cid);
    expect(t, "DELETE", "/volumes/data", NULL, 409, msg);
    expect(t, "DELETE", "/volumes/data?force=1", NULL, 409, msg);
    free(msg);
    expect(t, "DELETE", "/containers/user", NULL, 204, NULL);
    expect(t, "DELETE", "/volumes/data", NULL, 204, NULL);
    expect(t, "DELETE", "/volumes/data", NULL, 404, "get data: no such volume");
    expect(t, "DELETE", "/volumes/data?force=true", NULL, 204, NULL);
    expect(t, "GET", "/volumes?filters=%7B%22bogus%22%3A%5B%22x%22%5D%7D", NULL, 400, "Invalid filter 'bogus'");
    free(cid);
}

/* ---- Images ----------------------------------------------------------------------------- */

static void test_image_inspect(void **state)
{
    dk_test *t = *state;
    dk_reply r = CALL(t, "GET", "/images/busy:1/json", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(dk_jstr(r.json, "Id"), "sha256:43c25892aed65c539a766f7379689f65538368eb6721696ee311631ee50b3e28");
    assert_string_equal(dk_jstr(r.json, "RepoTags.0"), "busy:1");
    assert_string_equal(dk_jstr(r.json, "Config.Cmd.0"), "sh");
    assert_string_equal(dk_jstr(r.json, "Architecture"), "amd64");
    dk_reply_free(&r);
    expect(t, "GET", "/images/43c25892aed6/json", NULL, 200, NULL);
    expect(t, "GET", "/images/sha256:43c25892aed65c539a766f7379689f65538368eb6721696ee311631ee50b3e28/json", NULL, 200, NULL);
    expect(t, "GET", "/images/nosuch:1/json", NULL, 404, "no such image: nosuch:1: No such image: nosuch:1");
}

static void test_image_pull(void **state)
{
    dk_test *t = *state;
    dk_reply r = CALL(t, "POST", "/images/create?fromImage=ghcr.io/nvidia/openshell/cluster&tag=dev", NULL);
    assert_int_equal(r.status, 200);
    char *ct = dk_header(&r, "Content-Type");
    assert_string_equal(ct, "application/json");
    free(ct);
    /* newline-separated JSON objects, none with an error */
    char *text = osh_str_dup(osh_buf_str(&r.body));
    int lines = 0;
    bool saw_progress = false, saw_status = false;
    char *save = NULL;
    for (char *line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
        cJSON *o = cJSON_Parse(line);
        assert_non_null(o);
        assert_null(dk_jget(o, "error"));
        assert_null(dk_jget(o, "errorDetail"));
        if (dk_jget(o, "progressDetail.total"))
            saw_progress = true;
        const char *status = dk_jstr(o, "status");
        if (status && strcmp(status, "Status: Downloaded newer image for ghcr.io/nvidia/openshell/cluster:dev") == 0)
            saw_status = true;
        if (lines == 0)
            assert_string_equal(status, "Pulling from nvidia/openshell/cluster");
        cJSON_Delete(o);
        lines++;
    }
    free(text);
    assert_true(saw_progress);
    assert_true(saw_status);
    dk_reply_free(&r);
    r = CALL(t, "GET", "/images/ghcr.io/nvidia/openshell/cluster:dev/json", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(dk_jstr(r.json, "Architecture"), "arm64");
    assert_string_equal(dk_jstr(r.json, "Config.Healthcheck.Test.1"), "/hc");
    dk_reply_free(&r);
    /* pulled again: up to date */
    r = CALL(t, "POST", "/images/create?fromImage=ghcr.io%2Fnvidia%2Fopenshell%2Fcluster%3Adev", NULL);
    assert_non_null(strstr(osh_buf_str(&r.body), "Status: Image is up to date for ghcr.io/nvidia/openshell/cluster:dev"));
    dk_reply_free(&r);
    expect(t, "POST", "/images/create?fromImage=ghcr.io/nvidia/openshell/cluster&tag=nosuch", NULL, 404,
           "manifest for ghcr.io/nvidia/openshell/cluster:nosuch not found: manifest unknown: manifest unknown");
    expect(t, "POST", "/images/create?fromImage=nosuchlocal&tag=1", NULL, 404,
           "pull access denied for nosuchlocal, repository does not exist or may require 'docker login': "
           "denied: requested access to the resource is denied");
    expect(t, "POST", "/images/create?fromImage=ghcr.io/x/denied&tag=1", NULL, 500,
           "unauthorized: authentication required");
    expect(t, "POST", "/images/create?fromImage=ghcr.io/x/private&tag=1", NULL, 500,
           "Head \"https://ghcr.io/v2/x/private/manifests/1\": unauthorized");
    /* base64url of {"username":"__token__","password":"tk","serveraddress":"ghcr.io"}, unpadded */
    r = dk_call(t, "POST", "/images/create?fromImage=ghcr.io/x/private&tag=1", NULL,
                "X-Registry-Auth: eyJ1c2VybmFtZSI6Il9fdG9rZW5fXyIsInBhc3N3b3JkIjoidGsiLCJzZXJ2ZXJhZGRyZXNzIjoiZ2hjci5pbyJ9");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(osh_buf_str(&r.body), "Downloaded newer image for ghcr.io/x/private:1"));
    dk_reply_free(&r);
    r = CALL(t, "POST", "/images/create?fromImage=ghcr.io/x/broken&tag=1", NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(osh_buf_str(&r.body), "\"errorDetail\":{\"message\":\"unexpected EOF while downloading\"}"));
    dk_reply_free(&r);
    expect(t, "GET", "/images/ghcr.io/x/broken:1/json", NULL, 404, NULL);
}

/* The "Digest: sha256:..." line of a pull answer (malloc'd) or NULL. */
static char *pull_digest(dk_test *t, const char *target)
{
    dk_reply r = CALL(t, "POST", target, NULL);
    assert_int_equal(r.status, 200);
    const char *at = strstr(osh_buf_str(&r.body), "Digest: sha256:");
    char *digest = at ? osh_str_ndup(at + 8, 71) : NULL;
    dk_reply_free(&r);
    return digest;
}

/* dockerd 20.10 after a pull (also one that says "Image is up to date"): RepoDigests holds
 * "{repo}@{the digest the pull printed}", once; a registry gives the same manifest digest
 * for the same image every time, so the digest depends on the image only. */
static void test_image_pull_repo_digests(void **state)
{
    dk_test *t = *state;
    const char *pull = "/images/create?fromImage=ghcr.io/nvidia/openshell/cluster&tag=dev";
    char *first = pull_digest(t, pull);
    assert_non_null(first);
    char *want = osh_str_printf("ghcr.io/nvidia/openshell/cluster@%s", first);
    for (int round = 0; round < 2; round++) {
        dk_reply r = CALL(t, "GET", "/images/ghcr.io/nvidia/openshell/cluster:dev/json", NULL);
        const cJSON *digests = dk_jget(r.json, "RepoDigests");
        assert_int_equal(cJSON_GetArraySize(digests), 1);
        assert_string_equal(cJSON_GetArrayItem(digests, 0)->valuestring, want);
        dk_reply_free(&r);
        char *again = pull_digest(t, pull); /* "Image is up to date" */
        assert_string_equal(again, first);
        free(again);
    }
    /* the image can be named by its digest reference, and listed with it */
    dk_reply r = CALL(t, "GET", "/images/json", NULL);
    bool listed = false;
    for (const cJSON *img = r.json ? r.json->child : NULL; img; img = img->next)
        listed = listed || (cJSON_IsArray(dk_jget(img, "RepoDigests")) &&
                            strcmp(dk_jstr(img, "RepoDigests.0"), want) == 0);
    assert_true(listed);
    dk_reply_free(&r);
    /* a reference filter lists only the matching references (checked on dockerd) */
    expect(t, "POST", "/images/ghcr.io/nvidia/openshell/cluster:dev/tag?repo=other&tag=t", NULL, 201, NULL);
    r = CALL(t, "GET", "/images/json?filters=%7B%22reference%22%3A%5B%22other%22%5D%7D", NULL);
    assert_int_equal(cJSON_GetArraySize(r.json), 1);
    assert_int_equal(cJSON_GetArraySize(dk_jget(r.json, "0.RepoTags")), 1);
    assert_string_equal(dk_jstr(r.json, "0.RepoTags.0"), "other:t");
    assert_true(cJSON_IsNull(dk_jget(r.json, "0.RepoDigests")));
    dk_reply_free(&r);
    expect(t, "DELETE", "/images/other:t", NULL, 200, NULL);
    char *by_digest = osh_str_printf("/images/%s/json", want);
    expect(t, "GET", by_digest, NULL, 200, NULL);
    /* another world, same image: same digest */
    dk_test *other = dk_test_start(scenario);
    char *there = pull_digest(other, pull);
    assert_string_equal(there, first);
    free(there);
    dk_test_stop(other);
    /* removing the last tag of the repository removes its digest reference too */
    r = CALL(t, "DELETE", "/images/ghcr.io/nvidia/openshell/cluster:dev", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(dk_jstr(r.json, "1.Untagged"), want);
    dk_reply_free(&r);
    expect(t, "GET", by_digest, NULL, 404, NULL);
    free(by_digest);
    free(want);
    free(first);
}

static void test_image_tag_and_remove(void **state)
{
    dk_test *t = *state;
    expect(t, "POST", "/images/busy:1/tag?repo=other&tag=t1", NULL, 201, NULL);
    expect(t, "POST", "/images/nosuch:1/tag?repo=x&tag=y", NULL, 404, "No such image: nosuch:1");
    /* by ID with two tags: must force */
    expect(t, "DELETE", "/images/43c25892aed6", NULL, 409,
           "conflict: unable to delete 43c25892aed6 (must be forced) - image is referenced in multiple repositories");
    dk_reply r = CALL(t, "DELETE", "/images/other:t1", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(dk_jstr(r.json, "0.Untagged"), "other:t1");
    assert_null(dk_jget(r.json, "1"));
    dk_reply_free(&r);
    char *cid = dk_create(t, "user", "{\"Image\":\"busy:1\"}", false);
    char *msg = osh_str_printf("conflict: unable to remove repository reference \"busy:1\" (must force) - "
                               "container %.12s is using its referenced image 43c25892aed6", cid);
    expect(t, "DELETE", "/images/busy:1", NULL, 409, msg);
    free(msg);
    msg = osh_str_printf("conflict: unable to delete 43c25892aed6 (must be forced) - image is being used by "
                         "stopped container %.12s", cid);
    expect(t, "DELETE", "/images/43c25892aed6", NULL, 409, msg);
    free(msg);
    expect(t, "POST", "/containers/user/start", NULL, 204, NULL);
    msg = osh_str_printf("conflict: unable to delete 43c25892aed6 (cannot be forced) - image is being used by "
                         "running container %.12s", cid);
    expect(t, "DELETE", "/images/sha256:43c25892aed65c539a766f7379689f65538368eb6721696ee311631ee50b3e28?force=true&noprune=true", NULL, 409, msg);
    free(msg);
    expect(t, "DELETE", "/containers/user?force=1", NULL, 204, NULL);
    r = CALL(t, "DELETE", "/images/43c25892aed6?force=true&noprune=true", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(dk_jstr(r.json, "0.Untagged"), "busy:1");
    assert_string_equal(dk_jstr(r.json, "1.Deleted"), "sha256:43c25892aed65c539a766f7379689f65538368eb6721696ee311631ee50b3e28");
    dk_reply_free(&r);
    expect(t, "DELETE", "/images/43c25892aed6", NULL, 404, "No such image: 43c25892aed6");
    free(cid);
}

static void test_image_list(void **state)
{
    dk_test *t = *state;
    expect(t, "POST", "/images/busy:1/tag?repo=ghcr.io/x/y&tag=2", NULL, 201, NULL);
    dk_reply r = CALL(t, "GET", "/images/json", NULL);
    assert_int_equal(cJSON_GetArraySize(r.json), 1);
    assert_int_equal(cJSON_GetArraySize(dk_jget(r.json, "0.RepoTags")), 2);
    assert_int_equal(dk_jget(r.json, "0.Containers")->valueint, -1);
    dk_reply_free(&r);
    r = CALL(t, "GET", "/images/json?filters=%7B%22reference%22%3A%5B%22ghcr.io%2Fx%2F*%22%5D%7D", NULL);
    assert_int_equal(cJSON_GetArraySize(r.json), 1);
    dk_reply_free(&r);
    r = CALL(t, "GET", "/images/json?filters=%7B%22reference%22%3A%5B%22nothing%22%5D%7D", NULL);
    assert_int_equal(cJSON_GetArraySize(r.json), 0);
    dk_reply_free(&r);
    /* a key the endpoint does not know is refused, after the ones it knows */
    expect(t, "GET", "/images/json?filters=%7B%22dangling%22%3A%5B%22true%22%5D%2C%22bogus%22%3A%5B%22x%22%5D%7D", NULL,
           400, "Invalid filter 'bogus'");
}

typedef struct names {
    int count;
    bool manifest, repositories, layer;
    char manifest_text[1024];
} names;

static int collect(void *ctx, const dk_tar_entry *e, char **error)
{
    names *n = ctx;
    n->count++;
    if (strcmp(e->name, "manifest.json") == 0) {
        n->manifest = true;
        snprintf(n->manifest_text, sizeof n->manifest_text, "%.*s", (int)e->len, e->data);
    }
    n->repositories = n->repositories || strcmp(e->name, "repositories") == 0;
    n->layer = n->layer || osh_str_ends_with(e->name, "/layer.tar");
    return 0;
}

static void test_image_save_load(void **state)
{
    dk_test *t = *state;
    dk_reply r = CALL(t, "GET", "/images/get?names=busy%3A1", NULL);
    assert_int_equal(r.status, 200);
    char *ct = dk_header(&r, "Content-Type");
    assert_string_equal(ct, "application/x-tar");
    free(ct);
    names n = {0};
    char *err = NULL;
    assert_int_equal(dk_tar_read(r.body.data, r.body.len, collect, &n, &err), 0);
    assert_true(n.manifest && n.repositories && n.layer);
    cJSON *m = cJSON_Parse(n.manifest_text);
    assert_string_equal(dk_jstr(m, "0.RepoTags.0"), "busy:1");
    assert_string_equal(dk_jstr(m, "0.Config"), "43c25892aed65c539a766f7379689f65538368eb6721696ee311631ee50b3e28.json");
    cJSON_Delete(m);
    expect(t, "GET", "/images/get?names=nosuch%3A1", NULL, 404, "reference does not exist");
    /* remove, then load the saved archive back */
    expect(t, "DELETE", "/images/busy:1", NULL, 200, NULL);
    expect(t, "GET", "/images/busy:1/json", NULL, 404, NULL);
    dk_reply l = dk_call_bin(t, "POST", "/images/load?quiet=1", r.body.data, r.body.len, "application/x-tar");
    assert_int_equal(l.status, 200);
    assert_non_null(strstr(osh_buf_str(&l.body), "{\"stream\":\"Loaded image: busy:1\\n\"}"));
    dk_reply_free(&l);
    dk_reply i = CALL(t, "GET", "/images/busy:1/json", NULL);
    assert_int_equal(i.status, 200);
    assert_string_equal(dk_jstr(i.json, "Config.Cmd.0"), "sh");
    dk_reply_free(&i);
    l = dk_call_bin(t, "POST", "/images/load", "garbage", 7, "application/x-tar");
    assert_int_equal(l.status, 200);
    assert_non_null(strstr(osh_buf_str(&l.body), "\"error\":\"Error processing tar file(exit status 1): "));
    dk_reply_free(&l);
    dk_reply_free(&r);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_ALL);
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_network_create_and_duplicates),
        T(test_network_connect_disconnect),
        T(test_network_aliases_on_start),
        T(test_volumes),
        T(test_image_inspect),
        T(test_image_pull),
        T(test_image_pull_repo_digests),
        T(test_image_tag_and_remove),
        T(test_image_list),
        T(test_image_save_load),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
