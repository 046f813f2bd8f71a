#!/usr/bin/python3
"""Holds dnf's own locks on a lab host's installroot, as a stuck yum would.

Usage: hold-dnf-lock.py <installroot>
Prints "locked" once every lock is held, then sleeps until killed. Another
dnf then prints "Waiting for process with pid N to finish." and waits, or
exits 200 with --setopt=exit_on_lock=True.
"""
import os
import sys
import time

import dnf.lock

root = sys.argv[1]
cachedir = os.path.join(root, "var/cache/dnf")
persistdir = os.path.join(root, "var/lib/dnf")
locks = [
    dnf.lock.build_metadata_lock(cachedir, True),
    dnf.lock.build_download_lock(cachedir, True),
    dnf.lock.build_rpmdb_lock(persistdir, True),
]
for lock in locks:
    lock.__enter__()
print("locked", flush=True)
while True:
    time.sleep(3600)
