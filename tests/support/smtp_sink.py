"""A real SMTP server for earshot's delivery tests (Debian's python3-aiosmtpd).

usage: smtp_sink.py PORT DIR [DELAY_SECONDS]
Listens on 127.0.0.1:PORT and writes each accepted message to DIR as
NNNN.eml, with the envelope, the time it was accepted and the SMTP session
(connection) it came on in NNNN.json. Prints "ready" when listening and
runs until killed.
"""
import asyncio
import itertools
import json
import os
import sys
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory, delay):
        self.directory = directory
        self.delay = delay
        self.counter = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            # A slow server: lets a test kill the sender mid-batch.
            await asyncio.sleep(self.delay)
        n = next(self.counter)
        base = os.path.join(self.directory, f"{n:04d}")
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(base + ".json", "w") as f:
            json.dump(
                {
                    "from": envelope.mail_from,
                    "to": envelope.rcpt_tos,
                    "accepted": time.time(),
                    "session": id(session),
                },
                f,
            )
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 Message accepted for delivery"


def main():
    port, directory = int(sys.argv[1]), sys.argv[2]
    delay = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    os.makedirs(directory, exist_ok=True)
    controller = Controller(Sink(directory, delay), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        asyncio.get_event_loop().run_forever()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
