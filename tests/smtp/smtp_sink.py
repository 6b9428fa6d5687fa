"""A real SMTP server for the tests (aiosmtpd), on loopback.

Usage: smtp_sink.py DIRECTORY PORT

Every message accepted is written to DIRECTORY as NNNNNN.eml (written aside, then renamed, so
that a reader never sees half a message), preceded by one `X-Sink-Rcpt-To:` header per envelope
recipient. While a file named REFUSE exists in DIRECTORY, every recipient is refused with a
temporary error (451), as a mail server in an outage would; if the file says `permanent`,
with a permanent one (550), as for an address the server does not know. Prints `ready` once
listening.
"""

import asyncio
import itertools
import os
import signal
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.numbers = itertools.count(1)

    def refusing(self):
        return os.path.exists(os.path.join(self.directory, "REFUSE"))

    def refusal(self):
        try:
            with open(os.path.join(self.directory, "REFUSE")) as f:
                if "permanent" in f.read():
                    return "550 5.1.1 No such mailbox"
        except OSError:
            pass
        return "451 4.3.0 Mail server temporarily unavailable"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refusing():
            return self.refusal()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refusing():
            return "451 4.3.0 Mail server temporarily unavailable"
        number = next(self.numbers)
        name = f"{os.getpid()}-{number:06d}.eml"
        head = "".join(f"X-Sink-Rcpt-To: {r}\r\n" for r in envelope.rcpt_tos)
        partial = os.path.join(self.directory, name + ".part")
        with open(partial, "wb") as f:
            f.write(head.encode())
            f.write(envelope.original_content or envelope.content)
        os.rename(partial, os.path.join(self.directory, name))
        return "250 Message accepted for delivery"


def main():
    directory, port = sys.argv[1], int(sys.argv[2])
    controller = Controller(Sink(directory), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.run_until_complete(stop.wait())
    controller.stop()


if __name__ == "__main__":
    main()
