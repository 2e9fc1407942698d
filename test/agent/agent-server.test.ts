import { lstatSync, statSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningAgent, startAgent } from "../../src/agent/agent-runtime.js";
import { AgentServer } from "../../src/agent/agent-server.js";
import { ManualClock } from "../../src/clock.js";
import { VigilError } from "../../src/errors.js";
import { TEST_PASSWORD } from "../helpers/temp-home.js";
import {
  agentConfig,
  makeVaultHome,
  rawRequest,
  reauthHeader,
  startTestAgent,
} from "./agent-fixtures.js";

const MINUTE = 60_000;
const running: RunningAgent[] = [];

afterEach(async () => {
  for (const agent of running.splice(0)) await agent.stop();
});

async function agentWith(options: Parameters<typeof startTestAgent>[0] = {}) {
  const started = await startTestAgent(options);
  running.push(started.agent);
  return { ...started, socket: started.agent.socketPath };
}

const json = (value: unknown) => ({
  body: JSON.stringify(value),
  headers: { "Content-Type": "application/json" },
});

describe("the agent's socket", () => {
  it("is 0600 inside a 0700 data directory, and removed on stop", async () => {
    const { agent, home, socket } = await agentWith();

    expect(lstatSync(socket).isSocket()).toBe(true);
    expect(lstatSync(socket).mode & 0o777).toBe(0o600);
    expect(statSync(home).mode & 0o777).toBe(0o700);

    await agent.stop();
    expect(() => lstatSync(socket)).toThrow();
  });

  it("refuses to start a second agent on a socket that answers (one agent per vault)", async () => {
    const { home, config } = await agentWith();

    const second = startAgent({ home, config, masterPassword: TEST_PASSWORD });

    await expect(second).rejects.toMatchObject({ code: "E_AGENT" });
  });

  it("replaces a stale socket left by a dead agent", async () => {
    const config = agentConfig();
    const home = await makeVaultHome(config);
    // A socket file nobody listens on: bind, then close without unlinking.
    const socketPath = `${home}/agent.sock`;
    const stale = createServer();
    await new Promise<void>((resolve) => stale.listen(socketPath, resolve));
    const handle = (stale as unknown as { _handle: { close(): void } })._handle;
    handle.close();

    const agent = await startAgent({ home, config, masterPassword: TEST_PASSWORD });
    running.push(agent);

    const answer = await rawRequest(agent.socketPath, "GET", "/v1/health");
    expect(answer.body).toMatchObject({ status: "ok", locked: false });
  });

  it("refuses to remove a regular file sitting where the socket goes", async () => {
    const config = agentConfig();
    const home = await makeVaultHome(config);
    writeFileSync(`${home}/agent.sock`, "not a socket", { mode: 0o600 });

    const start = startAgent({ home, config, masterPassword: TEST_PASSWORD });

    await expect(start).rejects.toMatchObject({ code: "E_AGENT" });
  });

  it("refuses a wrong master password at start", async () => {
    const config = agentConfig();
    const home = await makeVaultHome(config);

    const start = startAgent({ home, config, masterPassword: "wrong-master-password-1" });

    await expect(start).rejects.toMatchObject({ code: "E_WRONG_PASSWORD" });
  });
});

describe("the credential routes", () => {
  it("gets, lists, sets, checks and shows history", async () => {
    const { socket } = await agentWith();

    const got = await rawRequest(socket, "GET", "/v1/credentials/api_key");
    expect(got).toMatchObject({ status: 200, body: { name: "api_key", value: "second-value" } });

    const slash = await rawRequest(socket, "GET", "/v1/credentials/github%2Ftoken");
    expect(slash.body).toMatchObject({ name: "github/token", value: "ghp_example" });

    const list = await rawRequest(socket, "GET", "/v1/credentials");
    expect(Object.keys(list.body.credentials as object)).toEqual(["api_key", "github/token"]);
    expect(JSON.stringify(list.body)).not.toContain("second-value");

    const set = await rawRequest(socket, "PUT", "/v1/credentials/new_key", {
      ...json({ value: "fresh", metadata: { tags: ["ci"] } }),
    });
    expect(set.body).toMatchObject({ name: "new_key", currentVersion: 1, tags: ["ci"] });

    const exists = await rawRequest(socket, "GET", "/v1/credentials/new_key/exists");
    expect(exists.body).toEqual({ name: "new_key", exists: true });
    const missing = await rawRequest(socket, "GET", "/v1/credentials/nope/exists");
    expect(missing.body).toEqual({ name: "nope", exists: false });

    const history = await rawRequest(socket, "GET", "/v1/credentials/api_key/history");
    expect((history.body.versions as unknown[]).length).toBe(2);
  });

  it.each([
    ["an unknown credential", "GET", "/v1/credentials/nope", undefined, 404, "E_NOT_FOUND"],
    ["a bad name", "GET", "/v1/credentials/bad%20name", undefined, 400, "E_INVALID_NAME"],
    ["a set without value", "PUT", "/v1/credentials/x", "{}", 400, "E_INVALID_ARGUMENT"],
    [
      "a value of the wrong type",
      "PUT",
      "/v1/credentials/x",
      '{"value":5}',
      400,
      "E_INVALID_ARGUMENT",
    ],
    [
      "an unknown field",
      "PUT",
      "/v1/credentials/x",
      '{"value":"v","x":1}',
      400,
      "E_INVALID_ARGUMENT",
    ],
    [
      "a body that is not an object",
      "PUT",
      "/v1/credentials/x",
      "[1,2]",
      400,
      "E_INVALID_ARGUMENT",
    ],
  ])("answers %s with a coded error", async (_label, method, path, body, status, code) => {
    const { socket } = await agentWith();

    const answer = await rawRequest(socket, method, path, body === undefined ? {} : { body });

    expect(answer.status).toBe(status);
    expect(answer.body.error?.code).toBe(code);
    expect(typeof answer.body.error?.message).toBe("string");
  });
});

describe("re-authentication over the API", () => {
  it("refuses delete and rollback without the password, even while unlocked", async () => {
    const { socket } = await agentWith();

    const del = await rawRequest(socket, "DELETE", "/v1/credentials/api_key");
    const rollback = await rawRequest(socket, "POST", "/v1/credentials/api_key/rollback");
    const exported = await rawRequest(socket, "POST", "/v1/vault/export");
    const passwd = await rawRequest(socket, "POST", "/v1/vault/password", {
      ...json({ newPassword: "another-strong-password-92" }),
    });

    for (const answer of [del, rollback, exported, passwd]) {
      expect(answer.status).toBe(401);
      expect(answer.body.error?.code).toBe("E_REAUTH_REQUIRED");
    }
    const still = await rawRequest(socket, "GET", "/v1/credentials/api_key");
    expect(still.body.value).toBe("second-value");
  });

  it("refuses a wrong password in X-Vigil-Reauth", async () => {
    const { socket } = await agentWith();

    const answer = await rawRequest(socket, "DELETE", "/v1/credentials/api_key", {
      headers: reauthHeader("wrong-password-here-1"),
    });

    expect(answer.status).toBe(401);
    expect(answer.body.error?.code).toBe("E_WRONG_PASSWORD");
  });

  it("rolls back and deletes with the password in X-Vigil-Reauth", async () => {
    const { socket } = await agentWith();

    const rollback = await rawRequest(socket, "POST", "/v1/credentials/api_key/rollback", {
      headers: reauthHeader(TEST_PASSWORD),
    });
    expect(rollback.body).toMatchObject({ name: "api_key", currentVersion: 3 });
    const value = await rawRequest(socket, "GET", "/v1/credentials/api_key");
    expect(value.body.value).toBe("first-value");

    const del = await rawRequest(socket, "DELETE", "/v1/credentials/api_key", {
      headers: reauthHeader(TEST_PASSWORD),
    });
    expect(del.body).toEqual({ name: "api_key", deleted: true });
  });

  it("exports every value with a single-use token from /v1/session/reauth", async () => {
    const { socket } = await agentWith();

    const issued = await rawRequest(socket, "POST", "/v1/session/reauth", {
      ...json({ password: TEST_PASSWORD }),
    });
    const token = String(issued.body.token);
    const headers = { "X-Vigil-Reauth-Token": token };
    const exported = await rawRequest(socket, "POST", "/v1/vault/export", { headers });
    const again = await rawRequest(socket, "POST", "/v1/vault/export", { headers });

    expect(exported.body).toEqual({
      credentials: { api_key: "second-value", "github/token": "ghp_example" },
    });
    expect(again.body.error?.code).toBe("E_REAUTH_REQUIRED");
  });
});

describe("session locks over the API (ManualClock)", () => {
  it("answers E_LOCKED (423) after the idle timeout until unlocked", async () => {
    const clock = new ManualClock();
    const { socket } = await agentWith({ clock, session: { idleTimeoutMinutes: 5 } });

    clock.advance(5 * MINUTE);
    const locked = await rawRequest(socket, "GET", "/v1/credentials/api_key");
    const status = await rawRequest(socket, "GET", "/v1/session");

    expect(locked.status).toBe(423);
    expect(locked.body.error?.code).toBe("E_LOCKED");
    expect(status.body).toMatchObject({ locked: true, lockReason: "idle" });

    const wrong = await rawRequest(socket, "POST", "/v1/session/unlock", {
      ...json({ password: "wrong-password-here-1" }),
    });
    expect(wrong.body.error?.code).toBe("E_WRONG_PASSWORD");
    await rawRequest(socket, "POST", "/v1/session/unlock", {
      ...json({ password: TEST_PASSWORD }),
    });
    const after = await rawRequest(socket, "GET", "/v1/credentials/api_key");
    expect(after.body.value).toBe("second-value");
  });

  it("locks at the maximum session age even while in use", async () => {
    const clock = new ManualClock();
    const { socket } = await agentWith({
      clock,
      session: { idleTimeoutMinutes: 30, maxSessionHours: 1 },
    });

    for (let minute = 0; minute < 50; minute += 25) {
      clock.advance(25 * MINUTE);
      expect((await rawRequest(socket, "GET", "/v1/credentials/api_key")).status).toBe(200);
    }
    clock.advance(10 * MINUTE);

    const answer = await rawRequest(socket, "GET", "/v1/credentials/api_key");
    expect(answer.body.error?.code).toBe("E_LOCKED");
    expect((await rawRequest(socket, "GET", "/v1/session")).body.lockReason).toBe("max-age");
  });

  it("locks on request and keeps answering health while locked", async () => {
    const { socket } = await agentWith();

    await rawRequest(socket, "POST", "/v1/session/lock");
    const health = await rawRequest(socket, "GET", "/v1/health");

    expect(health.body).toMatchObject({ status: "ok", locked: true });
  });
});

describe("hostile requests", () => {
  it.each([
    ["malformed JSON", "PUT", "/v1/credentials/x", "{not json", 400, "E_INVALID_ARGUMENT"],
    ["an unknown route", "GET", "/v2/everything", undefined, 404, "E_UNKNOWN_ROUTE"],
    ["a path outside the API", "GET", "/../../etc/passwd", undefined, 404, "E_UNKNOWN_ROUTE"],
    ["a wrong method", "PATCH", "/v1/credentials", undefined, 405, "E_METHOD_NOT_ALLOWED"],
    [
      "bad percent-encoding",
      "GET",
      "/v1/credentials/%E0%A4%A",
      undefined,
      400,
      "E_INVALID_ARGUMENT",
    ],
  ])("answers %s with a code", async (_label, method, path, body, status, code) => {
    const { socket } = await agentWith();

    const answer = await rawRequest(socket, method, path, body === undefined ? {} : { body });

    expect(answer.status).toBe(status);
    expect(answer.body.error?.code).toBe(code);
  });

  it("does not echo a secret sent as malformed JSON", async () => {
    const { socket } = await agentWith();

    const answer = await rawRequest(socket, "PUT", "/v1/credentials/x", {
      body: '{"value": "hunter2-secret-value',
    });

    expect(JSON.stringify(answer.body)).not.toContain("hunter2");
  });

  it("refuses a body over 1 MiB by its declared length and by its streamed length", async () => {
    const { socket } = await agentWith();
    const big = Buffer.alloc(1024 * 1024 + 1, 0x61);
    const declared = Buffer.concat([
      Buffer.from(
        `PUT /v1/credentials/x HTTP/1.1\r\nHost: a\r\nContent-Length: ${big.length}\r\n\r\n`,
      ),
      big,
    ]);
    const chunks = [
      Buffer.from(
        "PUT /v1/credentials/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
      ),
    ];
    for (let i = 0; i < 20; i += 1) {
      chunks.push(Buffer.from("10000\r\n"), Buffer.alloc(0x10000, 0x62), Buffer.from("\r\n"));
    }

    const byLength = await rawExchange(socket, declared);
    const byStream = await rawExchange(socket, Buffer.concat(chunks));

    for (const answer of [byLength, byStream]) {
      expect(answer).toMatch(/^HTTP\/1\.1 413 /);
      expect(answer).toContain('"code":"E_PAYLOAD_TOO_LARGE"');
    }
    expect((await rawRequest(socket, "GET", "/v1/health")).status).toBe(200);
  });

  it("refuses oversized headers with a code", async () => {
    const { socket } = await agentWith();
    const head = `GET /v1/health HTTP/1.1\r\nHost: a\r\nX-Big: ${"x".repeat(64 * 1024)}\r\n\r\n`;

    const answer = await rawExchange(socket, Buffer.from(head));

    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(answer).toContain('"code":"E_PAYLOAD_TOO_LARGE"');
    expect((await rawRequest(socket, "GET", "/v1/health")).status).toBe(200);
  });

  it("survives bytes that are not HTTP and keeps serving", async () => {
    const { socket } = await agentWith();

    const answer = await rawExchange(socket, Buffer.from([0, 1, 2, 255, 13, 10, 13, 10]));

    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain('"code":"E_INVALID_ARGUMENT"');
    expect((await rawRequest(socket, "GET", "/v1/health")).status).toBe(200);
  });
});

/** Writes raw bytes, reads until the agent closes (write errors after a refusal are expected). */
function rawExchange(socketPath: string, bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const client = connect(socketPath);
    let text = "";
    const timer = setTimeout(() => client.destroy(), 5_000);
    client.on("data", (chunk) => {
      text += chunk.toString("utf8");
    });
    client.on("error", () => undefined);
    client.on("close", () => {
      clearTimeout(timer);
      resolve(text);
    });
    client.end(bytes);
  });
}

describe("AgentServer on its own", () => {
  it("turns a route's foreign error into E_AGENT without its message", async () => {
    const home = await makeVaultHome();
    const server = new AgentServer({
      socketPath: `${home}/agent.sock`,
      routes: [
        {
          method: "GET",
          pattern: "/v1/boom",
          handle: async () => {
            throw new TypeError("secret-in-message");
          },
        },
        {
          method: "GET",
          pattern: "/v1/coded",
          handle: async () => {
            throw new VigilError("E_EXISTS", "already there");
          },
        },
      ],
    });
    await server.listen();
    try {
      const boom = await rawRequest(server.socketPath, "GET", "/v1/boom");
      const coded = await rawRequest(server.socketPath, "GET", "/v1/coded");

      expect(boom.status).toBe(500);
      expect(boom.body.error?.code).toBe("E_AGENT");
      expect(JSON.stringify(boom.body)).not.toContain("secret-in-message");
      expect(coded.status).toBe(409);
    } finally {
      await server.close();
    }
  });
});
