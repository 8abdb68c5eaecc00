"""Where webhooks may go: public addresses only, checked when an endpoint is saved and again,
on the address actually connected to, at every delivery (a name may resolve elsewhere later).

Private, loopback, link-local, multicast and reserved addresses are refused, so a webhook can
never be aimed at the site's own network (its database, its cache, a cloud metadata service).
`WEBHOOK_ALLOW_PRIVATE_ADDRESSES` lifts that for development and tests, and only then is plain
http accepted: anything that leaves the machine's network goes over https.
"""

import http.client
import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError


class UnsafeAddress(ValueError):
    pass


def _is_public(address):
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_unspecified
    )


def resolve(host, port):
    """The addresses `host` resolves to, refusing any that is not public (unless allowed)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeAddress(f"{host} does not resolve ({error}).") from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        refused = [str(a) for a in addresses if not _is_public(a)]
        if refused:
            raise UnsafeAddress(
                f"{host} resolves to a private or reserved address ({', '.join(refused)})."
            )
    return addresses


def check_url(url):
    """Raise UnsafeAddress unless `url` may receive webhooks; return (host, port, addresses)."""
    parts = urlsplit(url)
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        raise UnsafeAddress("Use an https:// address.")
    if parts.username or parts.password:
        raise UnsafeAddress("Leave credentials out of the address.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeAddress("The port is not a number from 1 to 65535.") from None
    if not parts.hostname:
        raise UnsafeAddress("The address has no host name.")
    return parts.hostname, port, resolve(parts.hostname, port)


def validate_endpoint_url(url):
    try:
        check_url(url)
    except UnsafeAddress as error:
        raise ValidationError(str(error), code="unsafe_address") from None


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the name resolves to by then."""

    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((str(self.address), self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        sock = socket.create_connection((str(self.address), self.port), self.timeout)
        # The certificate is checked against the host name, as for any https request.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url, body, headers, *, timeout):
    """POST `body` to `url` on a checked address; (status, first bytes of the answer).
    Redirects are not followed (a 3xx counts as a failed delivery)."""
    host, port, addresses = check_url(url)
    parts = urlsplit(url)
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, port, address=addresses[0], timeout=timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read(1024)
    finally:
        connection.close()
