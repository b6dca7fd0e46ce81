"""A TLS front for a loopback HTTP server, signed by a throwaway CA: for the tests that
check which trust roots a vanish binary (in the CLI image) verifies against.

Usage: python tls_front.py UPSTREAM_PORT PORT CA_PEM_OUT
  Makes a fresh CA and a server certificate for 127.0.0.1 (IP SAN) signed by it,
  writes the CA certificate (PEM) to CA_PEM_OUT, then accepts TLS on 127.0.0.1:PORT
  and relays each connection's plain bytes to 127.0.0.1:UPSTREAM_PORT and back.

Invariants: listens on 127.0.0.1 only; the CA's key never leaves this process (it is
made in memory and dropped); nothing is rewritten, so what vanish sees behind the
handshake is the upstream's answer byte for byte.
"""
import datetime
import ipaddress
import os
import socket
import ssl
import sys
import tempfile
import threading

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

upstream_port, port, ca_out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


now = datetime.datetime.now(datetime.timezone.utc)
start, end = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=1)
ca_key = ec.generate_private_key(ec.SECP256R1())
ca_cert = (x509.CertificateBuilder()
           .subject_name(name("vanish test CA")).issuer_name(name("vanish test CA"))
           .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
           .not_valid_before(start).not_valid_after(end)
           .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
           .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                        content_commitment=False, key_encipherment=False,
                                        data_encipherment=False, key_agreement=False,
                                        encipher_only=False, decipher_only=False), critical=True)
           .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
           .sign(ca_key, hashes.SHA256()))
key = ec.generate_private_key(ec.SECP256R1())
cert = (x509.CertificateBuilder()
        .subject_name(name("127.0.0.1")).issuer_name(ca_cert.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256()))
del ca_key

with open(ca_out + ".tmp", "wb") as f:
    f.write(ca_cert.public_bytes(serialization.Encoding.PEM))
os.replace(ca_out + ".tmp", ca_out)

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
with tempfile.TemporaryDirectory() as d:
    chain = os.path.join(d, "chain.pem")
    with open(chain, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    ctx.load_cert_chain(chain)


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(conn):
    try:
        tls = ctx.wrap_socket(conn, server_side=True)
    except (ssl.SSLError, OSError):
        conn.close()  # the client refused our certificate: what one test wants
        return
    up = socket.create_connection(("127.0.0.1", upstream_port), timeout=30)
    threading.Thread(target=pump, args=(up, tls), daemon=True).start()
    pump(tls, up)


listener = socket.create_server(("127.0.0.1", port))
while True:
    c, _ = listener.accept()
    c.settimeout(60)
    threading.Thread(target=serve, args=(c,), daemon=True).start()
