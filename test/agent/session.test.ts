import { describe, expect, it } from "vitest";
import { AgentSession, type LockReason } from "../../src/agent/session.js";
import { ManualClock } from "../../src/clock.js";
import { VigilError } from "../../src/errors.js";
import { EncryptedVault } from "../../src/vault/index.js";
import { TEST_PASSWORD } from "../helpers/temp-home.js";
import { agentConfig, makeVaultHome } from "./agent-fixtures.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

async function codeOf(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
  } catch (error) {
    if (error instanceof VigilError) return error.code;
    throw error;
  }
  return "no error";
}

async function makeSession(options: { reauthForSensitive?: boolean } = {}) {
  const config = agentConfig();
  const home = await makeVaultHome(config);
  const clock = new ManualClock();
  const locks: LockReason[] = [];
  const opened: EncryptedVault[] = [];
  const session = new AgentSession({
    open: async (masterPassword) => {
      const vault = new EncryptedVault({ home, config, masterPassword, create: false, env: {} });
      await vault.unlock();
      opened.push(vault);
      return vault;
    },
    clock,
    reauthForSensitive: options.reauthForSensitive ?? true,
    onLock: (reason) => locks.push(reason),
  });
  return { session, clock, locks, opened };
}

const readKey = (session: AgentSession) =>
  session.useVault((vault) => vault.getCredential("api_key"));

describe("the agent session", () => {
  it("starts locked and answers E_LOCKED until unlocked", async () => {
    const { session } = await makeSession();

    expect(session.locked).toBe(true);
    expect(await codeOf(() => readKey(session))).toBe("E_LOCKED");

    await session.unlock(TEST_PASSWORD);
    expect(await readKey(session)).toBe("second-value");
  });

  it("refuses a wrong password and stays locked", async () => {
    const { session } = await makeSession();

    expect(await codeOf(() => session.unlock("not-the-password-at-all"))).toBe("E_WRONG_PASSWORD");
    expect(session.locked).toBe(true);
  });

  it("locks itself after 30 idle minutes and wipes the key with vault.close()", async () => {
    const { session, clock, locks, opened } = await makeSession();
    await session.unlock(TEST_PASSWORD);

    clock.advance(30 * MINUTE - 1);
    expect(session.locked).toBe(false);
    clock.advance(1);

    expect(locks).toEqual(["idle"]);
    expect(session.status()).toMatchObject({ locked: true, lockReason: "idle" });
    // The closed vault refuses work: its key is gone.
    expect(await codeOf(() => opened[0]?.getCredential("api_key") ?? Promise.resolve())).toBe(
      "E_LOCKED",
    );
    expect(await codeOf(() => readKey(session))).toBe("E_LOCKED");
  });

  it("counts each use as activity, so a busy session does not lock for idleness", async () => {
    const { session, clock } = await makeSession();
    await session.unlock(TEST_PASSWORD);

    for (let step = 0; step < 5; step += 1) {
      clock.advance(20 * MINUTE);
      await readKey(session);
    }

    expect(session.locked).toBe(false);
    expect(session.status().idleMsLeft).toBe(30 * MINUTE);
  });

  it("locks at 24 hours even when used all the time", async () => {
    const { session, clock, locks } = await makeSession();
    await session.unlock(TEST_PASSWORD);

    for (let elapsed = 0; elapsed < 24 * HOUR - 20 * MINUTE; elapsed += 20 * MINUTE) {
      clock.advance(20 * MINUTE);
      await readKey(session);
    }
    expect(session.locked).toBe(false);
    clock.advance(20 * MINUTE);

    expect(locks).toEqual(["max-age"]);
    expect(await codeOf(() => readKey(session))).toBe("E_LOCKED");
  });

  it("locks on the next use when the clock jumps past the timeout (late timers)", async () => {
    const { session, clock } = await makeSession();
    await session.unlock(TEST_PASSWORD);

    clock.set(clock.now() + 2 * HOUR);

    expect(await codeOf(() => readKey(session))).toBe("E_LOCKED");
    expect(session.status().lockReason).toBe("idle");
  });

  it("reports the time left before each lock", async () => {
    const { session, clock } = await makeSession();
    await session.unlock(TEST_PASSWORD);
    clock.advance(10 * MINUTE);

    expect(session.status()).toMatchObject({
      locked: false,
      idleMsLeft: 20 * MINUTE,
      maxAgeMsLeft: 24 * HOUR - 10 * MINUTE,
    });
  });

  it("unlocks again after an idle lock, starting a new session", async () => {
    const { session, clock } = await makeSession();
    await session.unlock(TEST_PASSWORD);
    clock.advance(31 * MINUTE);
    expect(session.locked).toBe(true);

    await session.unlock(TEST_PASSWORD);

    expect(await readKey(session)).toBe("second-value");
    expect(session.status().maxAgeMsLeft).toBe(24 * HOUR);
  });
});

describe("re-authentication for sensitive operations", () => {
  it("asks for the password even while unlocked", async () => {
    const { session } = await makeSession();
    await session.unlock(TEST_PASSWORD);

    expect(await codeOf(() => session.requireReauth({}))).toBe("E_REAUTH_REQUIRED");
    expect(await codeOf(() => session.requireReauth({ password: "wrong-password-here" }))).toBe(
      "E_WRONG_PASSWORD",
    );
    expect(await codeOf(() => session.requireReauth({ password: TEST_PASSWORD }))).toBe("no error");
  });

  it("accepts a token once, and not after it expires", async () => {
    const { session, clock } = await makeSession();
    await session.unlock(TEST_PASSWORD);

    const first = await session.issueReauthToken(TEST_PASSWORD);
    expect(await codeOf(() => session.requireReauth({ token: first.token }))).toBe("no error");
    expect(await codeOf(() => session.requireReauth({ token: first.token }))).toBe(
      "E_REAUTH_REQUIRED",
    );

    const second = await session.issueReauthToken(TEST_PASSWORD);
    clock.advance(61_000);
    expect(await codeOf(() => session.requireReauth({ token: second.token }))).toBe(
      "E_REAUTH_REQUIRED",
    );
  });

  it("forgets tokens when the session locks", async () => {
    const { session } = await makeSession();
    await session.unlock(TEST_PASSWORD);
    const { token } = await session.issueReauthToken(TEST_PASSWORD);

    session.lock("request");
    await session.unlock(TEST_PASSWORD);

    expect(await codeOf(() => session.requireReauth({ token }))).toBe("E_REAUTH_REQUIRED");
  });

  it("does not ask when session.reauthForSensitive is false, but still refuses when locked", async () => {
    const { session } = await makeSession({ reauthForSensitive: false });

    expect(await codeOf(() => session.requireReauth({}))).toBe("E_LOCKED");
    await session.unlock(TEST_PASSWORD);
    expect(await codeOf(() => session.requireReauth({}))).toBe("no error");
  });
});
