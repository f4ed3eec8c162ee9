#!/usr/bin/env python3
"""GET (or another method) a URL on sluice's management plane and print
"STATUS" on the first line, then the body. Exit 0 whatever the status; 2 when
nothing answered.

usage: http_get.py URL [--method M] [--raw BYTES] [--timeout S]
  --raw BYTES   send these bytes (Python escapes, e.g. 'GET / HTTP/9\\r\\n\\r\\n')
                instead of a request, print the first line of the answer
"""
import argparse
import socket
import sys
import urllib.error
import urllib.parse
import urllib.request


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--method", default="GET")
    ap.add_argument("--raw")
    ap.add_argument("--timeout", type=float, default=3.0)
    a = ap.parse_args()
    if a.raw is not None:
        u = urllib.parse.urlsplit(a.url)
        data = a.raw.encode().decode("unicode_escape").encode("latin-1")
        try:
            with socket.create_connection((u.hostname, u.port), timeout=a.timeout) as s:
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
                got = b""
                while True:
                    b = s.recv(65536)
                    if not b:
                        break
                    got += b
        except OSError as e:
            print(f"no answer: {e}", file=sys.stderr)
            return 2
        line = got.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split(" ", 2)
        print(parts[1] if len(parts) > 1 else "none")
        print(got.split(b"\r\n\r\n", 1)[-1].decode("utf-8", "replace"), end="")
        return 0
    req = urllib.request.Request(a.url, method=a.method)
    try:
        with urllib.request.urlopen(req, timeout=a.timeout) as r:
            print(r.status)
            sys.stdout.write(r.read().decode("utf-8", "replace"))
    except urllib.error.HTTPError as e:
        print(e.code)
        sys.stdout.write(e.read().decode("utf-8", "replace"))
    except (urllib.error.URLError, OSError) as e:
        print(f"no answer: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
