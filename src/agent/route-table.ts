import type { IncomingHttpHeaders } from "node:http";
import type { z } from "zod";
import { VigilError } from "../errors.js";

/** The HTTP methods the agent serves. */
export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

/** What a route handler sees of a request. */
export interface AgentRequest {
  /** Path parameters, percent-decoded (a credential name may hold `/` as `%2F`). */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The parsed JSON body; `undefined` when the request had none. */
  readonly body: unknown;
  readonly headers: IncomingHttpHeaders;
}

/** One route: a method, a pattern such as `/v1/credentials/:name/history`, and its handler. */
export interface AgentRoute {
  readonly method: HttpMethod;
  readonly pattern: string;
  /** Returns the JSON answer (status 200). Throws a `VigilError` for an error answer. */
  readonly handle: (request: AgentRequest) => Promise<unknown>;
}

/** The outcome of {@link matchRoute}. */
export type RouteMatch =
  | { kind: "found"; route: AgentRoute; params: Record<string, string> }
  | { kind: "wrong-method"; allowed: HttpMethod[] }
  | { kind: "none" };

/**
 * Finds the route for `method` and `pathname`. Segments are split before decoding, so an
 * encoded `/` stays inside its parameter.
 *
 * @throws {VigilError} `E_INVALID_ARGUMENT` for malformed percent-encoding.
 * @example
 * matchRoute(routes, "GET", "/v1/credentials/github%2Ftoken"); // params.name === "github/token"
 */
export function matchRoute(
  routes: readonly AgentRoute[],
  method: string,
  pathname: string,
): RouteMatch {
  const segments = pathname.split("/").slice(1);
  const allowed: HttpMethod[] = [];
  for (const route of routes) {
    const params = matchPattern(route.pattern, segments);
    if (params === undefined) continue;
    if (route.method === method) return { kind: "found", route, params };
    allowed.push(route.method);
  }
  return allowed.length > 0 ? { kind: "wrong-method", allowed } : { kind: "none" };
}

function matchPattern(
  pattern: string,
  segments: readonly string[],
): Record<string, string> | undefined {
  const parts = pattern.split("/").slice(1);
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = Object.create(null);
  for (const [index, part] of parts.entries()) {
    const segment = segments[index] ?? "";
    if (part.startsWith(":")) {
      if (segment === "") return undefined;
      params[part.slice(1)] = decodeSegment(segment);
    } else if (part !== segment) {
      return undefined;
    }
  }
  return params;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (error) {
    throw new VigilError("E_INVALID_ARGUMENT", "the path holds malformed percent-encoding", {
      cause: error,
    });
  }
}

/**
 * Validates a request body against a zod schema, naming the first bad field.
 *
 * @throws {VigilError} `E_INVALID_ARGUMENT`
 * @example
 * const { value } = parseBody(z.object({ value: z.string() }), request.body);
 */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join(".") : "body";
  throw new VigilError("E_INVALID_ARGUMENT", `${where}: ${issue?.message ?? "invalid"}`);
}

/**
 * Reads an optional positive integer from the query string.
 *
 * @throws {VigilError} `E_INVALID_ARGUMENT` for anything but a positive integer.
 */
export function queryInteger(query: URLSearchParams, name: string): number | undefined {
  const text = query.get(name);
  if (text === null) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new VigilError(
      "E_INVALID_ARGUMENT",
      `query parameter ${name} must be a positive integer`,
    );
  }
  return value;
}
