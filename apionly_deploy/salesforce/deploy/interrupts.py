"""Ctrl-C for deploys that run in worker threads (several targets at once)."""

from __future__ import annotations

import threading

from apionly_deploy.salesforce.deploy.polling import Sleep


class Interrupts:
    """Ctrl-C for worker threads: the main thread fires, each worker's sleep raises once."""

    def __init__(self) -> None:
        self.count = 0
        self._cond = threading.Condition()

    def fire(self) -> None:
        with self._cond:
            self.count += 1
            self._cond.notify_all()

    def sleeper(self) -> Sleep:
        """Return a sleep that raises KeyboardInterrupt when a new interrupt fires."""
        seen = self.count

        def sleep(seconds: float) -> None:
            nonlocal seen
            with self._cond:
                self._cond.wait_for(lambda: self.count > seen, timeout=seconds)
                if self.count > seen:
                    seen = self.count
                    raise KeyboardInterrupt

        return sleep
