#!/usr/bin/python3
"""systemctl for a KCM lab host, with systemd 239's wording and exit codes.

Units are the *.service files that the host's packages installed under
<root>/usr/lib/systemd/system. A unit is a real process (unit-daemon.py) that
listens where its unit file's X-KcmLab-Listen line says. State lives in
<host>/run/<unit>.json, readable by the unprivileged lab user.

Usage: systemctl.py <host-dir> <systemctl arguments...>
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

HOST = sys.argv[1]
ARGS = sys.argv[2:]
META = json.load(open(os.path.join(HOST, "host.json")))
ROOT = os.path.join(HOST, "root")
UNIT_DIR = os.path.join(ROOT, "usr/lib/systemd/system")
RUN_DIR = os.path.join(HOST, "run")
FAULT_DIR = os.path.join(HOST, "faults")
DAEMON = os.path.join(os.path.dirname(os.path.realpath(__file__)), "unit-daemon.py")

# systemctl(1) exit codes as systemd 239 returns them.
EXIT_FAILURE = 1
EXIT_NOT_RUNNING = 3  # is-active: "program is not running"
EXIT_STATUS_UNKNOWN = 4  # status of a unit that does not exist
EXIT_NOT_INSTALLED = 5  # start/stop of a unit that is not loaded


def service_name(name):
    return name if "." in name else name + ".service"


def short(name):
    return name[: -len(".service")] if name.endswith(".service") else name


def unit_file(name):
    path = os.path.join(UNIT_DIR, service_name(name))
    return path if os.path.isfile(path) else None


def unit_settings(name):
    settings = {}
    with open(unit_file(name)) as f:
        for line in f:
            if "=" in line and not line.startswith("#"):
                key, value = line.strip().split("=", 1)
                settings[key] = value
    return settings


def state_path(name):
    return os.path.join(RUN_DIR, short(name) + ".json")


def read_state(name):
    try:
        with open(state_path(name)) as f:
            state = json.load(f)
    except (OSError, ValueError):
        return {"state": "inactive"}
    if state.get("state") == "active" and not alive(state.get("pid")):
        # The process died without systemctl stop: systemd would call it failed.
        state = {"state": "failed", "result": "signal"}
    return state


def write_state(name, state):
    tmp = state_path(name) + ".tmp"
    with open(tmp, "w") as f:
        json.dump(state, f)
    os.chmod(tmp, 0o644)
    os.replace(tmp, state_path(name))


def alive(pid):
    if not isinstance(pid, int):
        return False
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return DAEMON.encode() in f.read()
    except OSError:
        return False


def listening(address, port):
    try:
        with socket.create_connection((address, port), timeout=0.2):
            return True
    except OSError:
        return False


def take_start_fault(name):
    """Consumes a one-shot 'next start of <unit> fails' fault."""
    path = os.path.join(FAULT_DIR, "start-fails")
    try:
        with open(path) as f:
            units = [u.strip() for u in f.read().split() if u.strip()]
    except OSError:
        return False
    unit = short(name)
    if unit not in units and "*" not in units:
        return False
    remaining = [u for u in units if u != unit and u != "*"]
    if remaining:
        with open(path, "w") as f:
            f.write("\n".join(remaining) + "\n")
    else:
        os.unlink(path)
    return True


def job_failed(name):
    sys.stderr.write(
        'Job for %s failed because the control process exited with error code.\n'
        'See "systemctl status %s" and "journalctl -xe" for details.\n'
        % (service_name(name), service_name(name))
    )


def start_one(name):
    if unit_file(name) is None:
        sys.stderr.write("Failed to start %s: Unit %s not found.\n" % (service_name(name), service_name(name)))
        return EXIT_NOT_INSTALLED
    if read_state(name).get("state") == "active":
        return 0
    if take_start_fault(name):
        write_state(name, {"state": "failed", "result": "exit-code"})
        job_failed(name)
        return EXIT_FAILURE
    settings = unit_settings(name)
    kind, port = settings["X-KcmLab-Listen"].split()
    port = int(port)
    version_file = os.path.join(ROOT, "usr/share/kcm", settings["X-KcmLab-Version"] + ".version")
    try:
        with open(version_file) as f:
            version = f.read().strip()
    except OSError:
        write_state(name, {"state": "failed", "result": "exit-code"})
        job_failed(name)
        return EXIT_FAILURE
    log = open(os.path.join(HOST, "log", short(name) + ".log"), "ab")
    proc = subprocess.Popen(
        ["/usr/bin/python3", DAEMON, kind, META["address"], str(port), short(name), version],
        stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, close_fds=True,
    )
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        if listening(META["address"], port):
            write_state(name, {
                "state": "active", "pid": proc.pid, "version": version,
                "startedAt": time.time(), "listen": "%s:%d" % (META["address"], port),
            })
            return 0
        time.sleep(0.02)
    if proc.poll() is None:
        proc.kill()
    write_state(name, {"state": "failed", "result": "exit-code"})
    job_failed(name)
    return EXIT_FAILURE


def break_repos_if_asked():
    """The repo-breaks-on-stop fault: the repositories go down as the services stop (once)."""
    flag = os.path.join(FAULT_DIR, "repo-breaks-on-stop")
    if not os.path.exists(flag):
        return
    os.unlink(flag)
    repo_dir = os.path.join(ROOT, "etc/yum.repos.d")
    for name in os.listdir(repo_dir):
        path = os.path.join(repo_dir, name)
        with open(path) as f:
            lines = f.read().split("\n")
        lines = ["baseurl=http://127.0.0.1:1/kcm/broken" if l.startswith("baseurl=") else l for l in lines]
        with open(path, "w") as f:
            f.write("\n".join(lines))
    shutil.rmtree(os.path.join(ROOT, "var/cache/dnf"), ignore_errors=True)


def stop_one(name):
    if unit_file(name) is None:
        sys.stderr.write("Failed to stop %s: Unit %s not loaded.\n" % (service_name(name), service_name(name)))
        return EXIT_NOT_INSTALLED
    state = read_state(name)
    pid = state.get("pid")
    if state.get("state") == "active" and alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    write_state(name, {"state": "inactive"})
    break_repos_if_asked()
    return 0


def require_root(verb, names):
    if os.geteuid() != 0:
        unit = service_name(names[0])
        sys.stderr.write(
            "Failed to %s %s: Interactive authentication required.\n"
            "See system logs and 'systemctl status %s' for details.\n" % (verb, unit, unit)
        )
        sys.exit(EXIT_FAILURE)


def options_and_names(args):
    opts = [a for a in args if a.startswith("-")]
    names = [a for a in args if not a.startswith("-")]
    return opts, names


def each_unit(verb, action, names):
    require_root(verb, names)
    code = 0
    for name in names:
        code = action(name) or code
    return code


def cmd_restart(names):
    require_root("restart", names)
    code = 0
    for name in names:
        if unit_file(name) is None:
            sys.stderr.write("Failed to restart %s: Unit %s not found.\n" % (service_name(name), service_name(name)))
            code = EXIT_NOT_INSTALLED
            continue
        stop_one(name)
        code = start_one(name) or code
    return code


def print_states_matching(opts, names, wanted):
    """Print each unit's state (unless --quiet) and say whether any is `wanted`."""
    found = False
    for name in names:
        state = read_state(name)["state"] if unit_file(name) else "inactive"
        found = found or state == wanted
        if "--quiet" not in opts and "-q" not in opts:
            print(state)
    return found


def cmd_is_active(opts, names):
    return 0 if print_states_matching(opts, names, "active") else EXIT_NOT_RUNNING


def cmd_is_failed(opts, names):
    return 0 if print_states_matching(opts, names, "failed") else 1


def unit_properties(name):
    if unit_file(name) is None:
        return {"Id": service_name(name), "LoadState": "not-found", "ActiveState": "inactive",
                "SubState": "dead", "MainPID": "0", "UnitFileState": ""}
    state = read_state(name)
    sub = {"active": "running", "inactive": "dead", "failed": "failed"}[state["state"]]
    return {"Id": service_name(name), "LoadState": "loaded", "ActiveState": state["state"],
            "SubState": sub, "MainPID": str(state.get("pid", 0)) if state["state"] == "active" else "0",
            "UnitFileState": "enabled"}


def cmd_show(args):
    props = []
    value_only = False
    names = []
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-p", "--property"):
            props += args[i + 1].split(",")
            i += 1
        elif a.startswith("--property="):
            props += a.split("=", 1)[1].split(",")
        elif a.startswith("-p") and len(a) > 2:
            props += a[2:].split(",")
        elif a == "--value":
            value_only = True
        elif not a.startswith("-"):
            names.append(a)
        i += 1
    blocks = []
    for name in names:
        all_props = unit_properties(name)
        chosen = props or list(all_props)
        lines = [(all_props.get(p, "") if value_only else "%s=%s" % (p, all_props.get(p, ""))) for p in chosen]
        blocks.append("\n".join(lines))
    if blocks:
        print("\n\n".join(blocks))
    return 0


def cmd_list_unit_files(opts, patterns):
    import fnmatch
    files = sorted(f for f in os.listdir(UNIT_DIR) if f.endswith(".service")) if os.path.isdir(UNIT_DIR) else []
    if patterns:
        files = [f for f in files if any(fnmatch.fnmatch(f, p) or fnmatch.fnmatch(short(f), p) for p in patterns)]
    id_cols = max([len("UNIT FILE")] + [len(f) for f in files])
    state_cols = len("enabled")
    legend = "--no-legend" not in opts
    if legend:
        print("%-*s %-*s" % (id_cols, "UNIT FILE", state_cols, "STATE"))
    for f in files:
        print("%-*s %-*s" % (id_cols, f, state_cols, "enabled"))
    if legend:
        print("\n%d unit files listed." % len(files))
    return 0


def cmd_status(names):
    code = 0
    for name in names:
        if unit_file(name) is None:
            sys.stderr.write("Unit %s could not be found.\n" % service_name(name))
            code = EXIT_STATUS_UNKNOWN
            continue
        p = unit_properties(name)
        print("\u25cf %s - %s" % (service_name(name), unit_settings(name).get("Description", "")))
        print("   Loaded: loaded (/usr/lib/systemd/system/%s; enabled; vendor preset: disabled)" % service_name(name))
        print("   Active: %s (%s)" % (p["ActiveState"], p["SubState"]))
        if p["ActiveState"] == "active":
            print(" Main PID: %s" % p["MainPID"])
        else:
            code = EXIT_NOT_RUNNING
    return code


def main():
    opts, words = options_and_names(ARGS)
    if not words:
        sys.stderr.write("systemctl: this lab systemctl needs a verb\n")
        return EXIT_FAILURE
    verb, names = words[0], words[1:]
    if verb == "show":
        return cmd_show(ARGS[ARGS.index("show") + 1:])
    if verb == "list-unit-files":
        return cmd_list_unit_files(opts, names)
    if verb == "daemon-reload":
        return 0
    if not names:
        sys.stderr.write("Too few arguments.\n")
        return EXIT_FAILURE
    handlers = {
        "start": lambda: each_unit("start", start_one, names),
        "stop": lambda: each_unit("stop", stop_one, names),
        "restart": lambda: cmd_restart(names),
        "is-active": lambda: cmd_is_active(opts, names),
        "is-failed": lambda: cmd_is_failed(opts, names),
        "status": lambda: cmd_status(names),
    }
    if verb not in handlers:
        sys.stderr.write('Unknown operation \'%s\'.\n' % verb)
        return EXIT_FAILURE
    return handlers[verb]()


if __name__ == "__main__":
    sys.exit(main())
