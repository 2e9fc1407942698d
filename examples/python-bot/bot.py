#!/usr/bin/env python3
"""A job-application bot in Python, wired to vigil without any vigil code inside it.

Credentials arrive in the environment from `vigil run`, which resolves `vigil://NAME`
references from the vault and conceals the values in this program's output:

    vigil agent start                    # unlock once; the agent paces and records
    vigil run --env-file bot.env -- python3 examples/python-bot/bot.py --applications 5

with bot.env holding, for example:

    LINKEDIN_USERNAME=vigil://linkedin_username
    LINKEDIN_PASSWORD=vigil://linkedin_password

Pacing and activity records go to the running agent over its Unix socket
(examples/python-agent-client.py, standard library only). Without an agent the bot still runs
and prints a warning, but nothing paces it.
"""

import argparse
import importlib.util
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def load_agent_client():
    path = os.path.join(HERE, "..", "python-agent-client.py")
    spec = importlib.util.spec_from_file_location("vigil_agent_client", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def log_in(username, password):
    """Stands in for the browser login; a real bot types the password into the page."""
    return "@" in username and len(password) >= 8


def apply_to(company, title):
    """Stands in for filling and sending an Easy Apply form."""
    return True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--applications", type=int, default=5)
    parser.add_argument("--no-wait", action="store_true", help="stop instead of sleeping")
    args = parser.parse_args()

    username = os.environ.get("LINKEDIN_USERNAME")
    password = os.environ.get("LINKEDIN_PASSWORD")
    if not username or not password:
        print("LINKEDIN_USERNAME and LINKEDIN_PASSWORD are not set: start me with 'vigil run'",
              file=sys.stderr)
        return 2
    # Printing a secret is a bug, but if it happens vigil run conceals it.
    print(f"logging in as {username} with password {password}", flush=True)

    client_module = load_agent_client()
    agent = client_module.VigilAgent()
    try:
        agent.health()
    except (OSError, client_module.AgentError):
        agent = None
        print("warning: no vigil agent running; nothing paces this bot", file=sys.stderr)

    ok = log_in(username, password)
    if agent:
        agent.record("login", username=username, success=ok, ip="203.0.113.7")
    if not ok:
        return 1

    sent = 0
    while sent < args.applications:
        if agent:
            pace = agent.pace()
            if pace.get("stop"):
                print(f"stopping for now: {pace['reason']}", flush=True)
                break
            if not pace.get("allow"):
                print(f"waiting {pace['waitMs'] // 1000} s: {pace['reason']}", flush=True)
                if args.no_wait:
                    break
                time.sleep(pace["waitMs"] / 1000)
                continue
        company, title = f"Example Corp {sent + 1}", "Software Engineer"
        success = apply_to(company, title)
        if agent:
            agent.record("application", company=company, jobTitle=title, success=success)
        print(f"applied to {company}: {'sent' if success else 'failed'}", flush=True)
        sent += 1

    if agent:
        health = agent.monitor_health()
        print(f"account health {health['healthScore']}/100 ({health['status']})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
