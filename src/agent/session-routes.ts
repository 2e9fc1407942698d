import { z } from "zod";
import { type Clock, toIso } from "../clock.js";
import type { AgentRoute } from "./route-table.js";
import { parseBody } from "./route-table.js";
import type { AgentSession } from "./session.js";

/** What the session routes need from the running agent. */
export interface SessionRouteContext {
  readonly session: AgentSession;
  readonly clock: Clock;
  readonly startedAtMs: number;
  /** The optional modules that are serving routes, for `/v1/health`. */
  readonly modules: readonly string[];
  /** Begins a clean shutdown after the answer is sent. */
  readonly requestStop: () => void;
}

const passwordBody = z.strictObject({ password: z.string().min(1) });

/** The agent's version, reported by `/v1/health`. */
export const AGENT_API_VERSION = "1";

/**
 * Health, session state, unlock, lock, re-auth tokens and stop.
 *
 * @example
 * const routes = sessionRoutes({ session, clock, startedAtMs, modules: [], requestStop });
 */
export function sessionRoutes(context: SessionRouteContext): AgentRoute[] {
  const { session, clock } = context;
  const agentFacts = () => ({
    pid: process.pid,
    apiVersion: AGENT_API_VERSION,
    startedAt: toIso(context.startedAtMs),
    uptimeMs: clock.now() - context.startedAtMs,
  });

  return [
    {
      method: "GET",
      pattern: "/v1/health",
      handle: async () => ({
        status: "ok",
        ...agentFacts(),
        locked: session.locked,
        modules: [...context.modules],
      }),
    },
    {
      method: "GET",
      pattern: "/v1/session",
      handle: async () => ({ ...agentFacts(), ...session.status() }),
    },
    {
      method: "POST",
      pattern: "/v1/session/unlock",
      handle: async ({ body }) => {
        await session.unlock(parseBody(passwordBody, body).password);
        return session.status();
      },
    },
    {
      method: "POST",
      pattern: "/v1/session/lock",
      handle: async () => {
        session.lock("request");
        return session.status();
      },
    },
    {
      method: "POST",
      pattern: "/v1/session/reauth",
      handle: async ({ body }) => session.issueReauthToken(parseBody(passwordBody, body).password),
    },
    {
      method: "POST",
      pattern: "/v1/agent/stop",
      handle: async () => {
        context.requestStop();
        return { stopping: true, pid: process.pid };
      },
    },
  ];
}
