#!/usr/bin/env python3
"""A real SMTP server on loopback for the e-mail digest tests (aiosmtpd, Debian's python3-aiosmtpd).

Every message it receives is written to DIR as N.eml (the raw message) and N.json (the envelope
sender and recipients, and the headers and plain-text body decoded from their transfer encoding:
RFC 2047 words, quoted-printable, base64). It listens on 127.0.0.1:PORT (a free port when PORT is 0),
writes the port it got to --port-file once it accepts connections, and runs until SIGTERM or SIGINT.

    smtp-sink.py --dir DIR [--port PORT] [--port-file FILE]
"""

import argparse
import email
import email.policy
import json
import os
import signal
import socket
import threading

from aiosmtpd.controller import Controller


class Sink:
    """Writes each message to the directory; accepts everything."""

    def __init__(self, directory):
        self.directory = directory
        self.lock = threading.Lock()
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "from": str(message.get("From", "")),
            "to": str(message.get("To", "")),
            "subject": str(message.get("Subject", "")),
            "content_type": message.get_content_type(),
            "transfer_encoding": str(message.get("Content-Transfer-Encoding", "")),
            "body": body.get_content() if body is not None else "",
        }
        with self.lock:
            self.count += 1
            n = self.count
        base = os.path.join(self.directory, f"{os.getpid()}-{n}")
        with open(base + ".eml", "wb") as f:
            f.write(raw)
        # Written under a temporary name and renamed, so a reader never sees half a file.
        with open(base + ".json.tmp", "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.replace(base + ".json.tmp", base + ".json")
        return "250 Message accepted for delivery"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    port = args.port or free_port()
    controller = Controller(Sink(args.dir), hostname="127.0.0.1", port=port)
    controller.start()
    if args.port_file:
        with open(args.port_file + ".tmp", "w", encoding="utf-8") as f:
            f.write(str(port))
        os.replace(args.port_file + ".tmp", args.port_file)
    print(f"smtp-sink listening on 127.0.0.1:{port}, writing to {args.dir}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
