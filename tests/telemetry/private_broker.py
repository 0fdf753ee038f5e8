"""A Mosquitto started by a test: free port, generated config, optional passwords, ACLs and TLS.

Certificates are made here with the openssl command (a CA, a server certificate for 127.0.0.1
and a client certificate); nothing is downloaded.
"""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.servers import require


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Certs:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_certs(folder: Path) -> Certs:
    """A throw-away CA, a server certificate for 127.0.0.1/localhost and a client certificate."""
    require(shutil.which("openssl") is not None, "the openssl command")
    folder.mkdir(parents=True, exist_ok=True)
    _openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=servitize test CA",
        cwd=folder,
    )
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for name, cn in (("server", "127.0.0.1"), ("client", "servitize-listener")):
        _openssl(
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            f"{name}.key",
            "-out",
            f"{name}.csr",
            "-subj",
            f"/CN={cn}",
            cwd=folder,
        )
        extra = ["-extfile", "san.ext"] if name == "server" else []
        _openssl(
            "x509",
            "-req",
            "-in",
            f"{name}.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            f"{name}.crt",
            "-days",
            "2",
            *extra,
            cwd=folder,
        )
    return Certs(
        folder / "ca.crt",
        folder / "server.crt",
        folder / "server.key",
        folder / "client.crt",
        folder / "client.key",
    )


@contextmanager
def mosquitto(
    folder: Path,
    extra: str = "",
    passwords: list[str] | None = None,
    acl: list[str] | None = None,
    certs: Certs | None = None,
    require_certificate: bool = False,
) -> Iterator[int]:
    """Run a private broker; yields its port. Anonymous clients are refused when passwords are given."""
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    require(Path(binary).exists(), "the mosquitto binary")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    # run as whoever runs the tests (as root Mosquitto would switch to the user "mosquitto",
    # who cannot read the test's files)
    lines = [f"user {getpass.getuser()}", f"listener {port} 127.0.0.1", "persistence false"]
    if passwords is not None:
        (folder / "passwd").write_text("\n".join(passwords) + "\n")
        lines += ["allow_anonymous false", f"password_file {folder / 'passwd'}"]
    else:
        lines.append("allow_anonymous true")
    if acl is not None:
        (folder / "acl").write_text("\n".join(acl) + "\n")
        lines.append(f"acl_file {folder / 'acl'}")
    if certs is not None:
        lines += [
            f"cafile {certs.ca}",
            f"certfile {certs.server_cert}",
            f"keyfile {certs.server_key}",
            f"require_certificate {'true' if require_certificate else 'false'}",
        ]
    conf = folder / "mosquitto.conf"
    conf.write_text("\n".join(lines) + "\n" + extra)
    log = (folder / "mosquitto.log").open("wb")
    proc = subprocess.Popen([binary, "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            if proc.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {(folder / 'mosquitto.log').read_text()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        proc.wait(5)
        log.close()
