import { z } from "zod";
import type { AccountMonitor } from "../monitor/index.js";
import type { AgentRoute } from "./route-table.js";
import { parseBody, queryInteger } from "./route-table.js";

const text = (max = 500) => z.string().min(1).max(max);

const monitorEventBody = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("login"),
    username: text(200),
    success: z.boolean(),
    ip: text(100).optional(),
    location: z
      .strictObject({
        country: text(100).optional(),
        region: text(100).optional(),
        city: text(100).optional(),
        latitude: z.number().min(-90).max(90).optional(),
        longitude: z.number().min(-180).max(180).optional(),
      })
      .optional(),
  }),
  z.strictObject({ type: z.literal("logout"), username: text(200) }),
  z.strictObject({
    type: z.literal("application"),
    company: text(),
    jobTitle: text(),
    success: z.boolean().optional(),
    jobId: text(200).optional(),
  }),
  z.strictObject({
    type: z.literal("error"),
    errorType: text(200),
    message: z.string().max(10_000),
  }),
  z.strictObject({
    type: z.literal("api"),
    api: text(200),
    statusCode: z.number().int(),
    endpoint: z.string().max(2000).optional(),
  }),
  z.strictObject({ type: z.literal("notice"), text: text(2000) }),
]);

type MonitorEvent = z.output<typeof monitorEventBody>;

/**
 * The account monitor's routes: record an event, ask the pacing guard, read the health score,
 * the activity summary and the active anomalies.
 *
 * @example
 * const routes = monitorRoutes(monitor);
 */
export function monitorRoutes(monitor: AccountMonitor): AgentRoute[] {
  return [
    {
      method: "POST",
      pattern: "/v1/monitor/events",
      handle: async ({ body }) => ({
        recorded: await record(monitor, parseBody(monitorEventBody, body)),
      }),
    },
    { method: "GET", pattern: "/v1/monitor/pace", handle: () => monitor.checkPace() },
    { method: "GET", pattern: "/v1/monitor/health", handle: () => monitor.getHealthStatus() },
    {
      method: "GET",
      pattern: "/v1/monitor/summary",
      handle: async ({ query }) => {
        const hours = queryInteger(query, "hours");
        return monitor.getActivitySummary(hours === undefined ? {} : { hours });
      },
    },
    {
      method: "GET",
      pattern: "/v1/monitor/anomalies",
      handle: async () => ({ anomalies: await monitor.detectSuspiciousPatterns() }),
    },
  ];
}

function record(monitor: AccountMonitor, event: MonitorEvent) {
  switch (event.type) {
    case "login":
      return monitor.recordLogin(event.username, {
        success: event.success,
        ...(event.ip === undefined ? {} : { ip: event.ip }),
        ...(event.location === undefined ? {} : { location: withoutUndefined(event.location) }),
      });
    case "logout":
      return monitor.recordLogout(event.username);
    case "application":
      return monitor.recordApplication(event.company, event.jobTitle, {
        ...(event.success === undefined ? {} : { success: event.success }),
        ...(event.jobId === undefined ? {} : { jobId: event.jobId }),
      });
    case "error":
      return monitor.recordError(event.errorType, event.message);
    case "api":
      return monitor.recordApiCall(event.api, {
        statusCode: event.statusCode,
        ...(event.endpoint === undefined ? {} : { endpoint: event.endpoint }),
      });
    case "notice":
      return monitor.recordNotice(event.text);
  }
}

function withoutUndefined<T extends object>(
  value: T,
): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}
