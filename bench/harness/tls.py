"""TLS for scenario 6: a self-signed certificate made at bench time, shared by every proxy, and the
client context the harness checks a proxy's HTTPS listener with."""
import os
import ssl
import subprocess

OPENSSL = "/usr/bin/openssl"


class TlsFiles:
    """The certificate (PEM), its key, both in one file (HAProxy's crt) and the HTTPS port."""

    def __init__(self, directory, port):
        self.cert = os.path.join(directory, "cert.pem")
        self.key = os.path.join(directory, "key.pem")
        self.cert_and_key = os.path.join(directory, "cert-and-key.pem")
        self.port = port

    def client_context(self):
        """Trusts only the bench's certificate; no host name check (clients connect to 127.0.0.1,
        the certificate names localhost)."""
        ctx = ssl.create_default_context(cafile=self.cert)
        ctx.check_hostname = False
        return ctx


def make_certificate(env):
    """An ECDSA P-256 self-signed certificate for localhost in RUN/tls/ (made once per run)."""
    directory = os.path.join(env.run_dir, "tls")
    os.makedirs(directory, exist_ok=True)
    files = TlsFiles(directory, env.tls_port)
    if not os.path.exists(files.cert_and_key):
        subprocess.run([OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-days", "7", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                        "-keyout", files.key, "-out", files.cert], check=True, capture_output=True)
        with open(files.cert_and_key, "w") as out:
            for path in (files.cert, files.key):
                with open(path) as f:
                    out.write(f.read())
    return files


def cutover_tls_yaml(files):
    """cutover's tls: section (top level of bench/conf/cutover.yaml, through @EXTRA@)."""
    return (f"tls:\n  listen: 127.0.0.1:{files.port}\n  certificates:\n"
            f"    - cert_file: '{files.cert}'\n      key_file: '{files.key}'\n  min_version: \"1.2\"\n")
