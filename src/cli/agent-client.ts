import { existsSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { agentSocketPath } from "../agent/agent-server.js";
import { REAUTH_PASSWORD_HEADER } from "../agent/vault-routes.js";
import type { AuditSink, AuditSinkEvent } from "../audit-sink.js";
import { ERROR_CODES, type ErrorCode, isVigilError, VigilError } from "../errors.js";
import type {
  CredentialInfo,
  CredentialMetadata,
  CredentialVersionInfo,
  EncryptedVault,
} from "../vault/index.js";

/** The credential operations the vault commands use; an unlocked vault or the agent. */
export type CredentialStore = Pick<
  EncryptedVault,
  | "getCredential"
  | "listCredentials"
  | "setCredential"
  | "hasCredential"
  | "deleteCredential"
  | "getHistory"
  | "rollback"
>;

/** Options for one {@link AgentClient.request}. */
export interface AgentRequestOptions {
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Speaks the agent's HTTP/JSON API over its Unix socket. An error answer becomes a
 * `VigilError` with the agent's code and message.
 *
 * @example
 * const client = new AgentClient(agentSocketPath(home));
 * const { value } = await client.request<{ value: string }>("GET", "/v1/credentials/api_key");
 */
export class AgentClient {
  readonly socketPath: string;
  readonly #timeoutMs: number;

  /** `timeoutMs` (default 30,000) bounds each request, including a key derivation on re-auth. */
  constructor(socketPath: string, options: { timeoutMs?: number } = {}) {
    this.socketPath = socketPath;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /**
   * Sends one request and parses the JSON answer.
   *
   * @throws {VigilError} the agent's error, or `E_AGENT` when it does not answer.
   */
  request<T>(method: string, path: string, options: AgentRequestOptions = {}): Promise<T> {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    return new Promise<T>((resolve, reject) => {
      const req = httpRequest(
        {
          socketPath: this.socketPath,
          method,
          path,
          timeout: this.#timeoutMs,
          headers: {
            ...options.headers,
            ...(payload === undefined
              ? {}
              : {
                  "Content-Type": "application/json",
                  "Content-Length": Buffer.byteLength(payload),
                }),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("error", (error) => reject(notAnswering(this.socketPath, error)));
          response.on("end", () => {
            try {
              resolve(decodeAnswer<T>(response.statusCode ?? 0, Buffer.concat(chunks)));
            } catch (error) {
              reject(error);
            }
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", (error) => reject(notAnswering(this.socketPath, error)));
      req.end(payload);
    });
  }

  /** True when an agent answers `/v1/health` on the socket. */
  async answers(): Promise<boolean> {
    if (!existsSync(this.socketPath)) return false;
    try {
      await this.request("GET", "/v1/health");
      return true;
    } catch (error) {
      if (isVigilError(error, "E_AGENT")) return false;
      throw error;
    }
  }
}

/**
 * The client for the agent of `home`, when one answers and its vault is unlocked; otherwise
 * `undefined` (the caller opens the vault itself). `onLocked` hears of an agent that answers
 * but is locked, so the caller can say why it falls back.
 *
 * @example
 * const client = await findUnlockedAgent(context.home);
 */
export async function findUnlockedAgent(
  home: string,
  options: { onLocked?: () => void } = {},
): Promise<AgentClient | undefined> {
  const socketPath = agentSocketPath(home);
  if (!existsSync(socketPath)) return undefined;
  // A short probe: a hung agent must not stall every command; the real requests may take
  // longer (a re-auth derives a key).
  const probe = new AgentClient(socketPath, { timeoutMs: 2_000 });
  try {
    const health = await probe.request<{ locked: boolean }>("GET", "/v1/health");
    if (!health.locked) return new AgentClient(socketPath);
    options.onLocked?.();
    return undefined;
  } catch {
    // A stale socket or an agent that is shutting down: the local vault still works.
    return undefined;
  }
}

/**
 * An audit sink that hands events to the running agent, which writes them to the keyed trail,
 * so a CLI command next to an unlocked agent needs no master password to be audited.
 *
 * @example
 * const sink = new AgentAuditSink(client);
 * await sink.record({ eventType: "credential_access", description: "read" });
 */
export class AgentAuditSink implements AuditSink {
  readonly #client: AgentClient;

  constructor(client: AgentClient) {
    this.#client = client;
  }

  async record(event: AuditSinkEvent): Promise<void> {
    await this.#client.request("POST", "/v1/audit/events", { body: event });
  }
}

/**
 * True when the agent behind `client` writes audit events (its health lists the module).
 */
export async function agentServesAudit(client: AgentClient): Promise<boolean> {
  const health = await client.request<{ modules?: readonly string[] }>("GET", "/v1/health");
  return health.modules?.includes("audit") === true;
}

/**
 * The vault's credential operations served by a running agent. Sensitive ones (delete,
 * rollback) are tried without proof first; when the agent asks for re-authentication, the
 * password from `reauthPassword` is sent once.
 *
 * @example
 * const store = new AgentCredentialStore(client, () => context.masterPassword());
 * await store.getCredential("api_key");
 */
export class AgentCredentialStore implements CredentialStore {
  readonly #client: AgentClient;
  readonly #reauthPassword: () => Promise<string>;

  constructor(client: AgentClient, reauthPassword: () => Promise<string>) {
    this.#client = client;
    this.#reauthPassword = reauthPassword;
  }

  async getCredential(name: string): Promise<string> {
    const answer = await this.#client.request<{ value: string }>("GET", credentialPath(name));
    return answer.value;
  }

  async listCredentials(): Promise<Record<string, CredentialInfo>> {
    const answer = await this.#client.request<{ credentials: Record<string, CredentialInfo> }>(
      "GET",
      "/v1/credentials",
    );
    return answer.credentials;
  }

  async setCredential(
    name: string,
    value: string,
    metadata: CredentialMetadata = {},
  ): Promise<CredentialInfo> {
    return this.#client.request<CredentialInfo>("PUT", credentialPath(name), {
      body: { value, metadata },
    });
  }

  async hasCredential(name: string): Promise<boolean> {
    const path = `${credentialPath(name)}/exists`;
    return (await this.#client.request<{ exists: boolean }>("GET", path)).exists;
  }

  async deleteCredential(name: string): Promise<void> {
    await this.#sensitive("DELETE", credentialPath(name));
  }

  async getHistory(name: string): Promise<CredentialVersionInfo[]> {
    const path = `${credentialPath(name)}/history`;
    return (await this.#client.request<{ versions: CredentialVersionInfo[] }>("GET", path))
      .versions;
  }

  async rollback(name: string, version?: number): Promise<CredentialInfo> {
    const body = version === undefined ? {} : { version };
    return this.#sensitive<CredentialInfo>("POST", `${credentialPath(name)}/rollback`, body);
  }

  async #sensitive<T>(method: string, path: string, body?: unknown): Promise<T> {
    const withBody = body === undefined ? {} : { body };
    try {
      return await this.#client.request<T>(method, path, withBody);
    } catch (error) {
      if (!isVigilError(error, "E_REAUTH_REQUIRED")) throw error;
    }
    const password = await this.#reauthPassword();
    return this.#client.request<T>(method, path, {
      ...withBody,
      headers: { [REAUTH_PASSWORD_HEADER]: Buffer.from(password, "utf8").toString("base64") },
    });
  }
}

/** `/v1/credentials/<name>` with the name percent-encoded (a `/` in it becomes `%2F`). */
export function credentialPath(name: string): string {
  return `/v1/credentials/${encodeURIComponent(name)}`;
}

function decodeAnswer<T>(status: number, raw: Buffer): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString("utf8"));
  } catch {
    throw new VigilError("E_AGENT", `the agent answered ${status} with a body that is not JSON`);
  }
  if (status >= 200 && status < 300) return parsed as T;
  const error = (parsed as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const code = ERROR_CODES.includes(error?.code as ErrorCode)
    ? (error?.code as ErrorCode)
    : "E_AGENT";
  const message = typeof error?.message === "string" ? error.message : `agent answered ${status}`;
  throw new VigilError(code, message);
}

function notAnswering(socketPath: string, cause: unknown): VigilError {
  return new VigilError(
    "E_AGENT",
    `the agent on ${socketPath} did not answer; check 'vigil agent status'`,
    { cause },
  );
}
