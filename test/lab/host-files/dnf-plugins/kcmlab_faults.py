"""dnf plugin for the KCM lab: makes an rpm transaction slow on demand.

When <host>/faults/slow-upgrade holds a number of seconds, the transaction
waits that long in total, spread over its package installs, inside the real
rpm transaction (so the rpmdb lock is held and an interruption leaves what a
real interrupted upgrade leaves).
"""
import os
import time

import dnf
import dnf.transaction
import dnf.yum.rpmtrans
import rpm


class KcmLabFaults(dnf.Plugin):
    name = "kcmlab_faults"

    def pre_transaction(self):
        root = self.base.conf.installroot
        path = os.path.join(os.path.dirname(root.rstrip("/")), "faults", "slow-upgrade")
        try:
            with open(path) as f:
                seconds = float(f.read().strip() or "0")
        except (OSError, ValueError):
            return
        if seconds <= 0:
            return
        steps = max(1, len([t for t in self.base.transaction if t.action in dnf.transaction.FORWARD_ACTIONS]))
        original = dnf.yum.rpmtrans.RPMTransaction.callback

        def slow_callback(cb, what, amount, total, key, client_data):
            if what == rpm.RPMCALLBACK_INST_START:
                time.sleep(seconds / steps)
            return original(cb, what, amount, total, key, client_data)

        dnf.yum.rpmtrans.RPMTransaction.callback = slow_callback
