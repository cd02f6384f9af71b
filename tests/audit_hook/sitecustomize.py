"""Loaded at start-up when this folder is on PYTHONPATH (the privacy test's fallback when strace cannot
trace): records every network call and every file opened for writing or renamed by Python code, as
JSON lines, into the file named by VOICEGUIDE_AUDIT_LOG. C libraries' own calls are not seen."""

import json
import os
import sys

_path = os.environ.get("VOICEGUIDE_AUDIT_LOG")
if _path:
    _fd = os.open(_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    _EVENTS = {"socket.__new__", "socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg",
               "socket.getaddrinfo", "open", "os.rename", "os.replace", "os.link", "os.symlink", "os.truncate"}

    def _hook(event: str, args: tuple) -> None:
        if event not in _EVENTS:
            return
        if event == "open":
            path, mode, flags = args
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND))
            if not writing or isinstance(path, int):
                return
            args = (os.fsdecode(path),)
        elif event.startswith("socket."):
            sock = args[0] if event != "socket.getaddrinfo" else None
            family = getattr(sock, "family", None) if event != "socket.__new__" else args[1]
            args = (int(family) if family is not None else None, repr(args[1:] if event != "socket.__new__" else ()))
        else:
            args = tuple(os.fsdecode(a) if isinstance(a, (str, bytes, os.PathLike)) else repr(a) for a in args)
        os.write(_fd, (json.dumps([event, args]) + "\n").encode())

    sys.addaudithook(_hook)
