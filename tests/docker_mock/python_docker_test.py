"""python_docker_test.py MOCKD: python3-docker (docker-py) drives a short lifecycle against
openshell-mockd. Exits 77 when the docker module is missing."""
import os
import socket
import signal
import subprocess
import sys
import tempfile

try:
    import docker
except ImportError:
    print("SKIP: python3-docker is not installed for /usr/bin/python3")
    sys.exit(77)

SCENARIO = '{"docker": {"images": [{"ref": "busy:1", "config": {"Cmd": ["sh"]}}]}}'


def main(mockd):
    tmp = tempfile.mkdtemp(prefix="dkpy.")
    scen = os.path.join(tmp, "s.json")
    with open(scen, "w") as f:
        f.write(SCENARIO)
    sock = os.path.join(tmp, "docker.sock")
    proc = subprocess.Popen([mockd, "--docker", "unix://" + sock, "--scenario", scen],
                            stdout=subprocess.PIPE, text=True)
    try:
        for line in proc.stdout:
            if line.strip() == "ready":
                break
        client = docker.DockerClient(base_url="unix://" + sock, version="auto")
        assert client.ping() is True
        assert client.version()["ApiVersion"] == "1.41"
        image = client.images.get("busy:1")
        assert image.id.startswith("sha256:")
        vol = client.volumes.create("pyvol")
        net = client.networks.create("pynet", driver="bridge")
        c = client.containers.create("busy:1", ["sh", "-c", "echo from-python; sleep 100"],
                                     name="pyc", hostname="pyhost",
                                     volumes={"pyvol": {"bind": "/data", "mode": "rw"}},
                                     network="pynet", ports={"30051/tcp": 28080})
        c.start()
        c.reload()
        assert c.status == "running", c.status
        assert c.attrs["Config"]["Hostname"] == "pyhost"
        code, out = c.exec_run(["hostname"])
        assert (code, out) == (0, b"pyhost\n"), (code, out)
        code, out = c.exec_run(["sh", "-c", "echo err >&2; exit 4"])
        assert code == 4 and out == b"err\n", (code, out)
        # exec stdin over the hijacked socket, ended by a half-close (as on dockerd)
        eid = client.api.exec_create(c.id, ["cat"], stdin=True)["Id"]
        sock = client.api.exec_start(eid, socket=True)._sock
        sock.sendall(b"from docker-py\n")
        sock.shutdown(socket.SHUT_WR)
        got = b""
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                break
            got += chunk
        sock.close()
        assert got == b"\x01\x00\x00\x00\x00\x00\x00\x0ffrom docker-py\n", got
        assert client.api.exec_inspect(eid)["ExitCode"] == 0
        assert b"from-python" in c.logs(), c.logs()
        assert [x.name for x in client.containers.list(filters={"name": "pyc"})] == ["pyc"]
        c.stop()
        c.reload()
        assert c.status == "exited", c.status
        assert c.wait()["StatusCode"] == 0
        c.remove(force=True)
        try:
            client.containers.get("pyc")
            raise AssertionError("container still there")
        except docker.errors.NotFound as e:
            assert "No such container: pyc" in str(e), str(e)
        # a short command runs to its end: run() waits for it and returns its output
        assert client.containers.run("busy:1", ["sh", "-c", "echo ran"], remove=True) == b"ran\n"
        try:
            client.containers.run("busy:1", ["sh", "-c", "exit 5"], remove=True)
            raise AssertionError("exit 5 not reported")
        except docker.errors.ContainerError as e:
            assert e.exit_status == 5, e.exit_status
        net.remove()
        vol.remove()
        try:
            client.containers.create("nosuch:1", ["true"])
            raise AssertionError("created from a missing image")
        except docker.errors.ImageNotFound as e:
            assert "No such image: nosuch:1" in str(e), str(e)
        client.close()
        print("python3-docker lifecycle passed")
    finally:
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=20)
        subprocess.run(["rm", "-rf", tmp])
    if rc != 0:
        print("FAIL: mockd exit status %d" % rc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
