import { request } from "node:http";
import { join } from "node:path";
import { type RunningAgent, startAgent } from "../../src/agent/agent-runtime.js";
import type { Clock } from "../../src/clock.js";
import { parseConfig, type VigilConfig } from "../../src/config/index.js";
import { EncryptedVault } from "../../src/vault/index.js";
import { FAST_KDF, makeTempDir, TEST_PASSWORD } from "../helpers/temp-home.js";

/** A config with the fast KDF and the given session rules. */
export function agentConfig(session: Record<string, unknown> = {}): VigilConfig {
  return parseConfig({ vault: { kdf: FAST_KDF }, session });
}

/** A fresh home holding a vault with `api_key` (two versions) and `github/token`. */
export async function makeVaultHome(config: VigilConfig = agentConfig()): Promise<string> {
  const home = join(makeTempDir("vigil-agent-"), ".vigil");
  const vault = new EncryptedVault({ home, config, masterPassword: TEST_PASSWORD, env: {} });
  await vault.setCredential("api_key", "first-value");
  await vault.setCredential("api_key", "second-value");
  await vault.setCredential("github/token", "ghp_example");
  vault.close();
  return home;
}

/** Starts an in-process agent on a fresh vault; stop it with `agent.stop()`. */
export async function startTestAgent(
  options: { clock?: Clock; session?: Record<string, unknown> } = {},
): Promise<{ agent: RunningAgent; home: string; config: VigilConfig }> {
  const config = agentConfig(options.session);
  const home = await makeVaultHome(config);
  const agent = await startAgent({
    home,
    config,
    masterPassword: TEST_PASSWORD,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  return { agent, home, config };
}

/** An agent's JSON body: the route's fields, or `error`. */
export type AnswerBody = { error?: { code: string; message: string } } & Record<string, unknown>;

/** A raw answer: status and parsed JSON body. */
export interface RawAnswer {
  readonly status: number;
  readonly body: AnswerBody;
  readonly headers: Record<string, string | string[] | undefined>;
}

/** Sends a raw HTTP request over the socket (the body is sent as given, not JSON-encoded). */
export function rawRequest(
  socketPath: string,
  method: string,
  path: string,
  options: { body?: string | Buffer; headers?: Record<string, string | number> } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), headers: res.headers });
      });
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

/** The X-Vigil-Reauth header for a password. */
export function reauthHeader(password: string): Record<string, string> {
  return { "X-Vigil-Reauth": Buffer.from(password, "utf8").toString("base64") };
}
