#!/usr/bin/python3
"""Holds dnf's own locks on a lab host's installroot, as a stuck yum would.

Usage: hold-dnf-lock.py <installroot> <pid-file>
Writes its pid to <pid-file> once every lock is held, then sleeps until killed. Another
dnf then prints "Waiting for process with pid N to finish." and waits, or
exits 200 with --setopt=exit_on_lock=True.
"""
import os
import sys
import time

import dnf.lock

root, pid_file = sys.argv[1], sys.argv[2]
cachedir = os.path.join(root, "var/cache/dnf")
persistdir = os.path.join(root, "var/lib/dnf")
locks = [
    dnf.lock.build_metadata_lock(cachedir, True),
    dnf.lock.build_download_lock(cachedir, True),
    dnf.lock.build_rpmdb_lock(persistdir, True),
]
for lock in locks:
    lock.__enter__()
with open(pid_file + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.replace(pid_file + ".tmp", pid_file)
while True:
    time.sleep(3600)
