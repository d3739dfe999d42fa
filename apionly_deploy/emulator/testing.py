"""Helpers for tests that log in to the local org with the JWT bearer flow."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from apionly_deploy.emulator.api import EmulatorInfo


@dataclass(frozen=True, slots=True)
class JwtKeyPair:
    """An RSA key (PKCS#8 PEM) and the self-signed certificate a connected app would hold."""

    private_key_pem: bytes
    certificate_pem: bytes

    def write_key(self, path: Path) -> Path:
        path.write_bytes(self.private_key_pem)
        path.chmod(0o600)
        return path


def make_jwt_key_pair() -> JwtKeyPair:
    """Return a fresh RSA-2048 key and a self-signed certificate for it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "apionly-deploy JWT")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return JwtKeyPair(
        private_key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM),
    )


def register_jwt_client(info: EmulatorInfo, client_id: str | None = None) -> JwtKeyPair:
    """Register a new key pair for ``client_id`` (the org's own by default); return it."""
    pair = make_jwt_key_pair()
    info.register_jwt_certificate(client_id or info.client_id, pair.certificate_pem)
    return pair
