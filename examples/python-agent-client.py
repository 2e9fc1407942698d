#!/usr/bin/env python3
"""Talk to a running vigil agent from Python with the standard library only.

The agent (`vigil agent start`) serves HTTP/JSON on the Unix socket <home>/agent.sock; the API
is described in docs/agent-openapi.yaml. This file is both a small client class to copy into a
bot and a command-line tool:

    python3 python-agent-client.py health
    python3 python-agent-client.py get linkedin_password
    python3 python-agent-client.py list
    echo -n VALUE | python3 python-agent-client.py set NAME
    python3 python-agent-client.py delete NAME      # asks the agent with VAULT_MASTER_PASSWORD

The socket is found from --socket, else VIGIL_AGENT_SOCKET, else $VIGIL_HOME/agent.sock, else
./.vigil/agent.sock. Errors print `vigil-agent: CODE: message` on stderr and exit 1.
"""

import argparse
import base64
import http.client
import json
import os
import socket
import sys
import urllib.parse


class AgentError(Exception):
    """An error answered by the agent: `code` is stable (E_LOCKED, E_NOT_FOUND, ...)."""

    def __init__(self, code, message, status):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


class _UnixHTTPConnection(http.client.HTTPConnection):
    """http.client over an AF_UNIX socket instead of TCP."""

    def __init__(self, socket_path, timeout):
        super().__init__("localhost", timeout=timeout)
        self._socket_path = socket_path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._socket_path)
        self.sock = sock


def default_socket_path():
    explicit = os.environ.get("VIGIL_AGENT_SOCKET")
    if explicit:
        return explicit
    home = os.environ.get("VIGIL_HOME") or ".vigil"
    return os.path.join(os.path.abspath(home), "agent.sock")


def _quote(name):
    # A credential name may hold "/": it must travel as %2F inside one path segment.
    return urllib.parse.quote(name, safe="")


class VigilAgent:
    """A client for the vigil agent. Each call opens one short connection."""

    def __init__(self, socket_path=None, timeout=30.0):
        self.socket_path = socket_path or default_socket_path()
        self.timeout = timeout

    def request(self, method, path, body=None, headers=None):
        connection = _UnixHTTPConnection(self.socket_path, self.timeout)
        try:
            payload = None if body is None else json.dumps(body).encode("utf-8")
            sent_headers = dict(headers or {})
            if payload is not None:
                sent_headers["Content-Type"] = "application/json"
            connection.request(method, path, body=payload, headers=sent_headers)
            response = connection.getresponse()
            answer = json.loads(response.read().decode("utf-8"))
        finally:
            connection.close()
        if response.status >= 400:
            error = answer.get("error", {})
            raise AgentError(error.get("code", "E_AGENT"), error.get("message", ""), response.status)
        return answer

    # --- the agent itself -------------------------------------------------------------------
    def health(self):
        return self.request("GET", "/v1/health")

    def session(self):
        return self.request("GET", "/v1/session")

    def unlock(self, master_password):
        return self.request("POST", "/v1/session/unlock", {"password": master_password})

    def reauth_token(self, master_password):
        """A single-use token for one sensitive call (valid about a minute)."""
        return self.request("POST", "/v1/session/reauth", {"password": master_password})["token"]

    # --- credentials --------------------------------------------------------------------------
    def get(self, name):
        return self.request("GET", f"/v1/credentials/{_quote(name)}")["value"]

    def list(self):
        return self.request("GET", "/v1/credentials")["credentials"]

    def has(self, name):
        return self.request("GET", f"/v1/credentials/{_quote(name)}/exists")["exists"]

    def set(self, name, value, metadata=None):
        body = {"value": value, "metadata": metadata or {}}
        return self.request("PUT", f"/v1/credentials/{_quote(name)}", body)

    def history(self, name):
        return self.request("GET", f"/v1/credentials/{_quote(name)}/history")["versions"]

    def delete(self, name, master_password=None):
        """Sensitive: without the master password the agent answers E_REAUTH_REQUIRED."""
        headers = _reauth_headers(master_password)
        return self.request("DELETE", f"/v1/credentials/{_quote(name)}", headers=headers)

    def rollback(self, name, master_password=None, version=None):
        body = {} if version is None else {"version": version}
        headers = _reauth_headers(master_password)
        return self.request("POST", f"/v1/credentials/{_quote(name)}/rollback", body, headers)

    # --- monitor, audit, secrets (when the agent serves them: see health()["modules"]) -------
    def record(self, event_type, **fields):
        """event_type: login, logout, application, error, api or notice."""
        return self.request("POST", "/v1/monitor/events", {"type": event_type, **fields})

    def pace(self):
        return self.request("GET", "/v1/monitor/pace")

    def monitor_health(self):
        return self.request("GET", "/v1/monitor/health")

    def audit(self, event_type, description, **fields):
        body = {"eventType": event_type, "description": description, **fields}
        return self.request("POST", "/v1/audit/events", body)

    def due_rotations(self):
        return self.request("GET", "/v1/secrets/due")


def _reauth_headers(master_password):
    if not master_password:
        return {}
    encoded = base64.b64encode(master_password.encode("utf-8")).decode("ascii")
    return {"X-Vigil-Reauth": encoded}


def _master_password():
    # Only for the sensitive commands; None lets the agent say what it needs.
    return os.environ.get("VAULT_MASTER_PASSWORD") or None


def main(argv):
    parser = argparse.ArgumentParser(description="Use a running vigil agent.")
    parser.add_argument("--socket", help="agent socket (default: $VIGIL_HOME/agent.sock)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("health")
    sub.add_parser("list")
    for command in ("get", "has", "history", "delete", "rollback"):
        sub.add_parser(command).add_argument("name")
    sub.add_parser("set").add_argument("name")
    args = parser.parse_args(argv)

    agent = VigilAgent(args.socket)
    try:
        if args.command == "get":
            # The value goes to stdout only, as `vigil vault get` does.
            sys.stdout.write(agent.get(args.name) + "\n")
            return 0
        if args.command == "set":
            value = sys.stdin.read()
            if value.endswith("\n"):
                value = value[:-1]
            result = agent.set(args.name, value)
        elif args.command == "health":
            result = agent.health()
        elif args.command == "list":
            result = agent.list()
        elif args.command == "has":
            result = agent.has(args.name)
        elif args.command == "history":
            result = agent.history(args.name)
        elif args.command == "delete":
            result = agent.delete(args.name, _master_password())
        else:
            result = agent.rollback(args.name, _master_password())
    except AgentError as error:
        sys.stderr.write(f"vigil-agent: {error.code}: {error.message}\n")
        return 1
    except OSError as error:
        sys.stderr.write(f"vigil-agent: E_AGENT: cannot reach {agent.socket_path} ({error.strerror})\n")
        return 1
    sys.stdout.write(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
