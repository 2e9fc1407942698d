import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { auditRoutes } from "../../src/agent/audit-routes.js";
import { monitorRoutes } from "../../src/agent/monitor-routes.js";
import type { AgentRoute } from "../../src/agent/route-table.js";
import { secretsRoutes } from "../../src/agent/secrets-routes.js";
import { sessionRoutes } from "../../src/agent/session-routes.js";
import { vaultRoutes } from "../../src/agent/vault-routes.js";
import { systemClock } from "../../src/clock.js";

const DOC = readFileSync(
  join(import.meta.dirname, "..", "..", "docs", "agent-openapi.yaml"),
  "utf8",
);

/** "METHOD /path/{param}" for every operation under `paths:` (two-space path, four-space verb). */
function documentedOperations(): string[] {
  const operations: string[] = [];
  let path: string | undefined;
  for (const line of DOC.split("\n")) {
    const pathMatch = /^ {2}(\/\S+):$/.exec(line);
    if (pathMatch) path = pathMatch[1];
    const verb = /^ {4}(get|put|post|delete|patch):$/.exec(line);
    if (verb && path) operations.push(`${verb[1]?.toUpperCase()} ${path}`);
    if (/^components:/.test(line)) break;
  }
  return operations.sort();
}

function servedOperations(): string[] {
  // Handlers are never called here, so the modules they close over may be placeholders.
  const none = {} as never;
  const routes: AgentRoute[] = [
    ...sessionRoutes({
      session: none,
      clock: systemClock,
      startedAtMs: 0,
      modules: [],
      requestStop: () => undefined,
    }),
    ...vaultRoutes(none),
    ...auditRoutes(none),
    ...monitorRoutes(none),
    ...secretsRoutes(none, () => none),
  ];
  return routes
    .map((route) => `${route.method} ${route.pattern.replace(/:(\w+)/g, "{$1}")}`)
    .sort();
}

describe("docs/agent-openapi.yaml", () => {
  it("documents every route the agent serves, and no other", () => {
    expect(documentedOperations()).toEqual(servedOperations());
  });

  it("is OpenAPI 3.1 and documents the error shape and the socket's access control", () => {
    expect(DOC).toMatch(/^openapi: 3\.1\.0$/m);
    expect(DOC).toContain("required: [code, message]");
    expect(DOC).toContain("SO_PEERCRED");
    expect(DOC).toContain("X-Vigil-Reauth");
  });
});
