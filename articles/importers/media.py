"""Where an import may take an image file from: inside `--media-dir`, or a public web address.

A file named by an export is only read when, resolved (symlinks followed), it lies inside
the media folder; messages name the file as the export names it, never a resolved path, so
they reveal nothing about the rest of the disk.

A download goes only over http or https to public addresses: every address a host name
resolves to is checked (loopback, private, link-local, multicast, reserved and other
non-global ranges are refused), the connection is made to the checked address (a second DNS
answer cannot swap it), each redirect is checked the same way, and the whole transfer has
one deadline and a size cap (a slow server cannot hold an item longer than the deadline).
"""

import http.client
import ipaddress
import os
import socket
import ssl
import time
from pathlib import Path, PurePosixPath
from urllib.parse import urljoin, urlsplit

from django.conf import settings

DOWNLOAD_DEADLINE_SECONDS = 15  # the whole download, redirects included
MAX_REDIRECTS = 5
CHUNK = 64 * 1024


class MediaError(Exception):
    """An image file cannot be taken; the message is safe to show."""


# --- Files inside --media-dir ---------------------------------------------------------------


def confined_file(media_dir, name):
    """The file `name` (relative to `media_dir`) if it exists inside it, else None.

    Absolute names, `..` and symlinks that lead outside the folder are refused like missing
    files: the caller reports the name as given, never where it leads.
    """
    if media_dir is None or not name:
        return None
    root = Path(media_dir).resolve()
    relative = PurePosixPath(str(name).replace("\\", "/"))
    if relative.is_absolute() or ".." in relative.parts:
        return None
    try:
        resolved = (root / relative).resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return None
    if not resolved.is_relative_to(root) or not resolved.is_file():
        return None
    return resolved


def safe_storage_name(name):
    """A relative file name with no way up (`..`), no drive and no NUL: safe to store under."""
    path = PurePosixPath(name.replace("\\", "/"))
    return (
        bool(name)
        and "\0" not in name
        and not path.is_absolute()
        and ".." not in path.parts
        and ":" not in path.parts[0]
    )


class MediaFolder:
    """Finds files in `--media-dir`: by their path, else by file name anywhere inside it."""

    def __init__(self, path):
        self.path = Path(path) if path else None
        self._by_name = None

    def __bool__(self):
        return self.path is not None

    def find(self, *names):
        for name in names:
            found = confined_file(self.path, name)
            if found is not None:
                return found
        for name in names:
            base = PurePosixPath(str(name).replace("\\", "/")).name
            found = self.by_name().get(base)
            if found is not None:
                return confined_file(self.path, found)
        return None

    def by_name(self):
        """File name → its path relative to the folder (the first one found), built once."""
        if self._by_name is None:
            self._by_name = {}
            if self.path is not None:
                for folder, dirs, files in os.walk(self.path):  # symlinked folders not followed
                    dirs.sort()
                    relative = Path(folder).relative_to(self.path)
                    for name in sorted(files):
                        self._by_name.setdefault(name, str(relative / name))
        return self._by_name


# --- Downloads --------------------------------------------------------------------------------


def public_address(ip):
    """True for an address on the public internet (never this machine or a private network)."""
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_link_local
    )


def _resolve(host, port):
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise MediaError(f"cannot resolve {host}") from None
    return [answer[4][0] for answer in answers]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address checked beforehand, whatever the host name resolves to now."""

    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def download(url, *, limit=None, deadline_seconds=None):
    """The bytes at `url` and the file name its path ends with; MediaError when refused."""
    limit = limit or settings.IMAGE_MAX_UPLOAD_BYTES
    deadline = time.monotonic() + (deadline_seconds or DOWNLOAD_DEADLINE_SECONDS)
    for _hop in range(MAX_REDIRECTS + 1):
        response, connection, sock = _request(url, deadline)
        try:
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise MediaError(f"redirect without a Location from {url}")
                url = urljoin(url, location)
                continue
            if response.status != 200:
                raise MediaError(f"HTTP {response.status} from {url}")
            length = response.getheader("Content-Length")
            if length and length.isdigit() and int(length) > limit:
                raise MediaError("larger than the upload limit")
            data = _read(response, sock, limit, deadline)
            return data, PurePosixPath(urlsplit(url).path).name or "image"
        finally:
            connection.close()
    raise MediaError(f"more than {MAX_REDIRECTS} redirects")


def _request(url, deadline):
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise MediaError(f"not an http(s) address: {url}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise MediaError(f"invalid port in {url}") from None
    addresses = _resolve(parts.hostname, port)
    refused = [a for a in addresses if not public_address(a)]
    if refused or not addresses:
        raise MediaError(f"refused {url}: {parts.hostname} is not a public address")
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(
        parts.hostname, port, address=addresses[0], timeout=_remaining(deadline)
    )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.connect()
        sock = connection.sock  # kept: the connection lets go of it once the response is read
        connection.request("GET", path, headers={"User-Agent": "cpc-site importer"})
        response = connection.getresponse()
    except (OSError, http.client.HTTPException) as error:
        connection.close()
        raise MediaError(f"download of {url} failed ({_reason(error)})") from None
    return response, connection, sock


def _read(response, sock, limit, deadline):
    """The body, with the socket timeout shrunk to what is left of the deadline before each
    read (a server sending a byte at a time cannot stretch it)."""
    chunks, size = [], 0
    while True:
        sock.settimeout(_remaining(deadline))
        try:
            chunk = response.read1(min(CHUNK, limit + 1 - size))
        except TimeoutError:
            raise MediaError("download took longer than the deadline") from None
        except (OSError, http.client.HTTPException) as error:
            raise MediaError(f"download failed ({_reason(error)})") from None
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise MediaError("larger than the upload limit")
        _remaining(deadline)


def _remaining(deadline):
    left = deadline - time.monotonic()
    if left <= 0:
        raise MediaError("download took longer than the deadline")
    return left


def _reason(error):
    if isinstance(error, TimeoutError | socket.timeout):
        return "timed out"
    return type(error).__name__ if not str(error) else str(error)
