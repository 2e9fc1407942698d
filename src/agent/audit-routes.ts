import { z } from "zod";
import { AUDIT_EVENT_TYPES, AUDIT_SEVERITIES, type AuditLogger } from "../audit/index.js";
import type { AgentRoute } from "./route-table.js";
import { parseBody } from "./route-table.js";

const auditEventBody = z.strictObject({
  eventType: z.enum(AUDIT_EVENT_TYPES),
  severity: z.enum(AUDIT_SEVERITIES).optional(),
  username: z.string().min(1).max(200).optional(),
  description: z.string().min(1).max(2000),
  details: z.record(z.string(), z.unknown()).optional(),
});

/**
 * `POST /v1/audit/events`: writes one event to the tamper-evident trail (details are redacted
 * by the logger). Exporting the trail is left to `vigil audit export`, which runs as the user.
 *
 * @example
 * const routes = auditRoutes(logger);
 */
export function auditRoutes(logger: AuditLogger): AgentRoute[] {
  return [
    {
      method: "POST",
      pattern: "/v1/audit/events",
      handle: async ({ body }) => {
        const input = parseBody(auditEventBody, body);
        const record = await logger.log({
          eventType: input.eventType,
          description: input.description,
          ...(input.severity === undefined ? {} : { severity: input.severity }),
          ...(input.username === undefined ? {} : { username: input.username }),
          ...(input.details === undefined ? {} : { details: input.details }),
        });
        return { event: record };
      },
    },
  ];
}
