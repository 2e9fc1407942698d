import { chmodSync, lstatSync, rmSync, type Stats } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import type { Duplex } from "node:stream";
import { VigilError } from "../errors.js";
import { ensurePrivateDirectory, withFileLock } from "../storage/index.js";
import { type AgentLogger, silentLogger } from "./agent-log.js";
import { httpStatusFor } from "./http-status.js";
import { type AgentRoute, matchRoute } from "./route-table.js";

/** The largest request body the agent reads: 1 MiB. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A Unix socket path must fit in `sun_path` (108 bytes on Linux, 104 on macOS). */
const MAX_SOCKET_PATH_BYTES = 103;

/** The agent's socket inside a data directory. */
export function agentSocketPath(home: string): string {
  return join(home, "agent.sock");
}

/** Options for {@link AgentServer}. */
export interface AgentServerOptions {
  /** Where to listen; its folder is created 0700 if missing. */
  readonly socketPath: string;
  readonly routes: readonly AgentRoute[];
  /** Default: a logger that drops everything. */
  readonly logger?: AgentLogger;
  /** Default {@link MAX_BODY_BYTES}. */
  readonly maxBodyBytes?: number;
}

/**
 * HTTP/JSON over a Unix socket, answering every failure as `{error: {code, message}}` with an
 * HTTP status derived from the code.
 *
 * Who may connect: only the owner, by filesystem permissions. The socket is created 0600 (under
 * a umask, so there is no window where it is looser) inside the 0700 data directory. Node cannot
 * read `SO_PEERCRED`, so the agent cannot check the peer's uid itself; anyone who can open the
 * socket file is trusted, as with ssh-agent.
 *
 * @example
 * const server = new AgentServer({ socketPath: agentSocketPath(home), routes });
 * await server.listen();
 * await server.close();
 */
export class AgentServer {
  readonly socketPath: string;
  readonly #routes: readonly AgentRoute[];
  readonly #logger: AgentLogger;
  readonly #maxBodyBytes: number;
  #server: Server | undefined;
  #socketStats: Stats | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: AgentServerOptions) {
    this.socketPath = options.socketPath;
    this.#routes = options.routes;
    this.#logger = options.logger ?? silentLogger;
    this.#maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  }

  /**
   * Starts listening. A socket left by a dead agent is removed; a live one is left alone.
   *
   * @throws {VigilError} `E_AGENT` when another agent answers on the socket, the path is not a
   * socket, or it is too long; `E_INSECURE_PERMISSIONS` for a loose data directory.
   */
  async listen(): Promise<void> {
    if (Buffer.byteLength(this.socketPath) > MAX_SOCKET_PATH_BYTES) {
      throw new VigilError(
        "E_AGENT",
        `socket path ${this.socketPath} is too long for a Unix socket; use a shorter --home`,
      );
    }
    const dir = dirname(this.socketPath);
    ensurePrivateDirectory(dir);
    // The lock makes "check for a live agent, remove a stale socket, bind" one step, so two
    // agents started at once cannot both decide the socket is stale.
    await withFileLock(join(dir, "agent.lock"), async () => {
      await removeStaleSocket(this.socketPath);
      this.#server = await this.#bind();
    });
  }

  /** Stops accepting, lets answers in flight finish, and removes the socket. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #bind(): Promise<Server> {
    const server = createServer((request, response) => {
      void this.#handle(request, response);
    });
    server.requestTimeout = 30_000;
    server.headersTimeout = 10_000;
    server.keepAliveTimeout = 5_000;
    server.maxHeadersCount = 100;
    // A runaway client must not exhaust the agent's descriptors; real bots hold a few.
    server.maxConnections = 256;

    // umask 0177 makes the socket 0600 from the moment it exists; chmod afterwards is a second
    // guard for platforms that ignore the umask on sockets.
    const previousUmask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(this.socketPath, () => {
          server.off("error", reject);
          resolve();
        });
      });
    } catch (error) {
      throw new VigilError("E_AGENT", `cannot listen on ${this.socketPath}`, { cause: error });
    } finally {
      process.umask(previousUmask);
    }
    chmodSync(this.socketPath, 0o600);
    this.#socketStats = lstatSync(this.socketPath);
    server.on("error", (error) => this.#logger.error("server error", { kind: error.name }));
    server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
      this.#logger.info("malformed request", { code: error.code ?? null });
      answerClientError(error, socket);
    });
    return server;
  }

  async #shutdown(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      // Clients holding a connection open must not keep the agent alive.
      setTimeout(() => server.closeAllConnections(), 2_000).unref();
    });
    this.#removeOwnSocket();
  }

  /** Removes the socket only if it is still the one we created (not a successor's). */
  #removeOwnSocket(): void {
    try {
      const now = lstatSync(this.socketPath);
      if (this.#socketStats && now.ino === this.#socketStats.ino) rmSync(this.socketPath);
    } catch {
      // Already gone.
    }
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    let routeName = "unknown";
    try {
      const url = requestUrl(request.url);
      const body = await readJsonBody(request, this.#maxBodyBytes);
      const match = matchRoute(this.#routes, request.method ?? "", url.pathname);
      if (match.kind === "none") {
        throw new VigilError("E_UNKNOWN_ROUTE", "no such route; see docs/agent-openapi.yaml");
      }
      if (match.kind === "wrong-method") {
        response.setHeader("Allow", match.allowed.join(", "));
        throw new VigilError(
          "E_METHOD_NOT_ALLOWED",
          `this route answers ${match.allowed.join(", ")}, not ${request.method}`,
        );
      }
      routeName = `${match.route.method} ${match.route.pattern}`;
      const result = await match.route.handle({
        params: match.params,
        query: url.searchParams,
        body,
        headers: request.headers,
      });
      // Logged before answering, so a client that reads the log after the answer finds it.
      this.#logger.debug("request", { route: routeName, status: 200, ms: elapsed(startedAt) });
      sendJson(response, 200, result ?? {});
    } catch (error) {
      const failure = asVigilError(error);
      const status = httpStatusFor(failure.code);
      if (status >= 500)
        this.#logger.error("request failed", { route: routeName, ...kindOf(error) });
      this.#logger.info("request", {
        route: routeName,
        status,
        code: failure.code,
        ms: elapsed(startedAt),
      });
      sendJson(response, status, { error: failure.toJSON() });
    }
  }
}

/**
 * The URL of a request target. Only a path ("/v1/...") names a route; the target is appended to
 * a fixed origin rather than resolved against it, because "//x" would resolve to a host and an
 * empty host throws.
 *
 * @throws {VigilError} `E_UNKNOWN_ROUTE` for a target that is not a path or does not parse.
 */
function requestUrl(target: string | undefined): URL {
  const path = target ?? "/";
  if (path.startsWith("/")) {
    try {
      return new URL(`http://agent${path}`);
    } catch {
      // Reported below like any other target that names no route.
    }
  }
  throw new VigilError("E_UNKNOWN_ROUTE", "no such route; see docs/agent-openapi.yaml");
}

/**
 * Reads and parses a JSON body of at most `maxBytes`. An empty body is `undefined`.
 *
 * @throws {VigilError} `E_PAYLOAD_TOO_LARGE`, `E_INVALID_ARGUMENT` for malformed JSON.
 */
async function readJsonBody(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = Number(request.headers["content-length"] ?? 0);
  if (declared > maxBytes) throw tooLarge(maxBytes);

  const raw = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      // Stop reading a body we refuse (without destroying the socket the answer goes out on);
      // the connection closes once the answer is sent.
      request.off("data", onData);
      request.pause();
      reject(tooLarge(maxBytes));
    };
    request.on("data", onData);
    request.once("end", () => resolve(Buffer.concat(chunks)));
    request.once("error", reject);
  });
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    // The parser's message quotes the input, which may be a secret: never pass it on.
    throw new VigilError("E_INVALID_ARGUMENT", "the request body is not valid JSON");
  }
}

function tooLarge(maxBytes: number): VigilError {
  return new VigilError("E_PAYLOAD_TOO_LARGE", `request bodies are limited to ${maxBytes} bytes`);
}

function sendJson(response: ServerResponse, status: number, payload: unknown): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  const text = JSON.stringify(payload);
  response.statusCode = status;
  response.setHeader("Content-Type", "application/json; charset=utf-8");
  response.setHeader("Content-Length", Buffer.byteLength(text));
  response.setHeader("Cache-Control", "no-store");
  if (status === 413) {
    // The rest of the refused body would otherwise be parsed as the next request.
    response.setHeader("Connection", "close");
    response.once("finish", () => response.req.socket.destroy());
  }
  response.end(text);
}

/** Answers bytes Node's HTTP parser refused (not HTTP, huge headers, a stalled request). */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, code, message] =
    error.code === "HPE_HEADER_OVERFLOW"
      ? [431, "Request Header Fields Too Large", "E_PAYLOAD_TOO_LARGE", "request headers too large"]
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "Request Timeout", "E_INVALID_ARGUMENT", "the request took too long to arrive"]
        : [400, "Bad Request", "E_INVALID_ARGUMENT", "the request is not valid HTTP/1.1"];
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function asVigilError(error: unknown): VigilError {
  if (error instanceof VigilError) return error;
  // A foreign error's message may quote input; only its class name leaves the agent.
  const kind = error instanceof Error ? error.name : typeof error;
  return new VigilError("E_AGENT", `internal error (${kind}); see the agent log`);
}

function kindOf(error: unknown): { kind: string; code: string | null } {
  if (error instanceof VigilError) return { kind: "VigilError", code: error.code };
  const code = (error as { code?: unknown } | null)?.code;
  return {
    kind: error instanceof Error ? error.name : typeof error,
    code: typeof code === "string" ? code : null,
  };
}

function elapsed(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 10) / 10;
}

async function removeStaleSocket(socketPath: string): Promise<void> {
  let stats: Stats;
  try {
    stats = lstatSync(socketPath);
  } catch {
    return;
  }
  if (!stats.isSocket()) {
    throw new VigilError(
      "E_AGENT",
      `${socketPath} exists and is not a socket; move it away before starting the agent`,
    );
  }
  if (await socketAnswers(socketPath)) {
    throw new VigilError(
      "E_AGENT",
      `another agent already serves this vault on ${socketPath}; stop it with 'vigil agent stop'`,
    );
  }
  rmSync(socketPath, { force: true });
}

/**
 * True when something accepts connections on `socketPath` within `timeoutMs`.
 *
 * @example
 * if (await socketAnswers(agentSocketPath(home))) { ... an agent is running ... }
 */
export function socketAnswers(socketPath: string, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}
