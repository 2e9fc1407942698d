import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.js";
import { VigilError } from "../../src/errors.js";
import { EncryptedVault } from "../../src/vault/index.js";
import { FAST_KDF, makeTempDir, TEST_PASSWORD } from "../helpers/temp-home.js";
import { makeVault, reopenVault, testConfig } from "../helpers/vault-fixtures.js";

async function codeOf(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
  } catch (error) {
    if (error instanceof VigilError) return error.code;
    throw error;
  }
  return "no error";
}

describe("the design's Test 1", () => {
  it("stores test_key = secret_value and gives it back", async () => {
    const vault = makeVault();

    await vault.setCredential("test_key", "secret_value");

    expect(await vault.getCredential("test_key")).toBe("secret_value");
  });

  it("creates a 0700 data directory and a 0600 vault on first use", async () => {
    const vault = makeVault();
    expect(existsSync(vault.home)).toBe(false);

    await vault.setCredential("test_key", "secret_value");

    expect(statSync(vault.home).mode & 0o777).toBe(0o700);
    expect(statSync(vault.path).mode & 0o777).toBe(0o600);
    expect(vault.path).toBe(join(vault.home, "vault"));
  });

  it("reads the value back in a fresh instance, which derives the key from the password", async () => {
    const vault = makeVault();
    await vault.setCredential("test_key", "secret_value");
    vault.close();

    expect(await reopenVault(vault).getCredential("test_key")).toBe("secret_value");
  });

  it("takes the master password from VAULT_MASTER_PASSWORD when no option gives it", async () => {
    const vault = makeVault();
    await vault.setCredential("test_key", "secret_value");

    const fromEnv = new EncryptedVault({
      home: vault.home,
      config: testConfig(),
      env: { VAULT_MASTER_PASSWORD: TEST_PASSWORD },
    });
    expect(await fromEnv.getCredential("test_key")).toBe("secret_value");
  });
});

describe("master password", () => {
  it("refuses a wrong password with E_WRONG_PASSWORD", async () => {
    const vault = makeVault();
    await vault.setCredential("test_key", "secret_value");

    const wrong = reopenVault(vault, { masterPassword: "not-the-right-password-at-all" });
    expect(await codeOf(() => wrong.getCredential("test_key"))).toBe("E_WRONG_PASSWORD");
  });

  it("reports E_LOCKED when no password is available", async () => {
    const vault = makeVault();
    await vault.unlock();

    const locked = new EncryptedVault({ home: vault.home, config: testConfig(), env: {} });
    expect(await codeOf(() => locked.getCredential("test_key"))).toBe("E_LOCKED");
  });

  it("reports E_LOCKED after close()", async () => {
    const vault = makeVault();
    await vault.setCredential("a", "1");
    vault.close();
    expect(await codeOf(() => vault.getCredential("a"))).toBe("E_LOCKED");
  });

  it.each([
    ["short", "Tr0ub4dor&3"],
    ["long but guessable", "passwordpassword123"],
    ["a keyboard walk", "qwertyuiopasdfgh"],
  ])("refuses a %s password when creating a vault", async (_, password) => {
    const vault = makeVault({ masterPassword: password });

    expect(await codeOf(() => vault.unlock())).toBe("E_WEAK_PASSWORD");
    expect(existsSync(vault.path)).toBe(false);
  });

  it("accepts a weak password when allowWeakPassword is set", async () => {
    const vault = makeVault({ masterPassword: "short", allowWeakPassword: true });
    await vault.setCredential("a", "1");
    expect(await reopenVault(vault, { masterPassword: "short" }).getCredential("a")).toBe("1");
  });

  it("never echoes the rejected password in the error message", async () => {
    const password = "passwordpassword123";
    try {
      await makeVault({ masterPassword: password }).unlock();
      expect.unreachable();
    } catch (error) {
      expect(String((error as Error).message)).not.toContain(password);
    }
  });

  it("reads the password from a 0600 file named in config, and refuses a 0644 one", async () => {
    const dir = makeTempDir();
    const file = join(dir, "password");
    writeFileSync(file, `${TEST_PASSWORD}\n`, { mode: 0o600 });
    const config = testConfig({ masterPasswordFile: file });
    const vault = new EncryptedVault({ home: join(dir, "home"), config, env: {} });
    await vault.setCredential("a", "1");
    expect(await vault.getCredential("a")).toBe("1");

    writeFileSync(join(dir, "loose"), TEST_PASSWORD, { mode: 0o644 });
    const loose = new EncryptedVault({
      home: join(dir, "home"),
      config: testConfig({ masterPasswordFile: join(dir, "loose") }),
      env: {},
    });
    let message = "";
    try {
      await loose.unlock();
    } catch (error) {
      expect((error as VigilError).code).toBe("E_INSECURE_PERMISSIONS");
      message = (error as Error).message;
    }
    expect(message).toContain(`chmod 600 ${join(dir, "loose")}`);
  });

  it("opens with create: false only when the vault exists (E_NOT_FOUND otherwise)", async () => {
    const vault = makeVault({ create: false });
    expect(await codeOf(() => vault.unlock())).toBe("E_NOT_FOUND");
    expect(existsSync(vault.path)).toBe(false);
  });
});

describe("changeMasterPassword", () => {
  const newPassword = "velvet-harbor-sixty-copper-tide";

  it("refuses the old password afterwards, accepts the new one, and keeps every value", async () => {
    const vault = makeVault();
    await vault.setCredential("a", "alpha");
    await vault.setCredential("b", "beta");
    await vault.setCredential("a", "alpha-2");

    await vault.changeMasterPassword(newPassword);

    const old = reopenVault(vault);
    expect(await codeOf(() => old.unlock())).toBe("E_WRONG_PASSWORD");
    const fresh = reopenVault(vault, { masterPassword: newPassword });
    expect(await fresh.getCredential("a")).toBe("alpha-2");
    expect(await fresh.getCredential("b")).toBe("beta");
    expect((await fresh.getHistory("a")).length).toBe(2);
    await fresh.rollback("a");
    expect(await fresh.getCredential("a")).toBe("alpha");
  });

  it("lets an already-unlocked handle keep reading and writing (the vault key is unchanged)", async () => {
    const vault = makeVault();
    await vault.setCredential("a", "alpha");
    const other = reopenVault(vault);
    await other.unlock();

    await vault.changeMasterPassword(newPassword);
    await vault.setCredential("b", "beta");

    expect(await other.getCredential("b")).toBe("beta");
    await other.setCredential("c", "gamma");
    expect(await vault.getCredential("c")).toBe("gamma");
    expect(await reopenVault(vault, { masterPassword: newPassword }).getCredential("c")).toBe(
      "gamma",
    );
  });

  it("keeps derived subkeys stable across a password change", async () => {
    const vault = makeVault();
    const before = await vault.deriveSubkey("audit-seal");
    await vault.changeMasterPassword(newPassword);
    expect((await vault.deriveSubkey("audit-seal")).equals(before)).toBe(true);
    expect((await vault.deriveSubkey("other")).equals(before)).toBe(false);
  });

  it("refuses a weak new password and leaves the file untouched", async () => {
    const vault = makeVault();
    await vault.setCredential("a", "alpha");
    const before = readFileSync(vault.path);

    expect(await codeOf(() => vault.changeMasterPassword("password1234"))).toBe("E_WEAK_PASSWORD");
    expect(readFileSync(vault.path).equals(before)).toBe(true);
  });

  it("writes the new KDF parameters and a new salt into the header", async () => {
    const vault = makeVault();
    await vault.unlock();
    const before = readFileSync(vault.path);
    const stronger = { ...FAST_KDF, iterations: 3 };
    const rekeyed = reopenVault(vault, { kdf: stronger });

    await rekeyed.changeMasterPassword(newPassword);

    const after = readFileSync(vault.path);
    expect(after.readUInt32BE(16)).toBe(3);
    expect(after.subarray(24, 40).equals(before.subarray(24, 40))).toBe(false);
  });
});

describe("names and values", () => {
  const invalidNames: [string, string][] = [
    ["empty", ""],
    ["129 characters", "a".repeat(129)],
    ["a space", "open ai"],
    ["a colon", "openai:key"],
    ["a backslash", "a\\b"],
    ["a non-ASCII letter", "clé"],
    ["a newline", "a\nb"],
  ];

  it.each(invalidNames)("refuses a name with %s (E_INVALID_NAME)", async (_, name) => {
    const vault = makeVault();
    expect(await codeOf(() => vault.setCredential(name, "v"))).toBe("E_INVALID_NAME");
    expect(await codeOf(() => vault.getCredential(name))).toBe("E_INVALID_NAME");
  });

  it.each([
    ["one character", "a"],
    ["128 characters", "a".repeat(128)],
    ["every allowed symbol", "A-z_0.9/x"],
  ])("accepts a name of %s", async (_, name) => {
    const vault = makeVault();
    await vault.setCredential(name, "v");
    expect(await vault.getCredential(name)).toBe("v");
  });

  it.each(["__proto__", "constructor", "toString", "hasOwnProperty"])(
    "keeps a credential named %s across instances (no prototype tricks)",
    async (name) => {
      const vault = makeVault();
      await vault.setCredential(name, `value of ${name}`);
      await vault.setCredential("other", "x");

      const reader = reopenVault(vault);
      expect(await reader.getCredential(name)).toBe(`value of ${name}`);
      expect(Object.keys(await reader.listCredentials()).sort()).toEqual([name, "other"].sort());
      await reader.setCredential("third", "y");
      expect(await vault.getCredential(name)).toBe(`value of ${name}`);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  const maxValue = "x".repeat(64 * 1024);
  it.each([
    { label: "empty", value: "", expected: "E_INVALID_VALUE" },
    { label: "of 64 KiB + 1 byte", value: `${maxValue}x`, expected: "E_INVALID_VALUE" },
    {
      label: "over 64 KiB in UTF-8 bytes (é is 2 bytes)",
      value: "é".repeat(32 * 1024 + 1),
      expected: "E_INVALID_VALUE",
    },
    { label: "with a lone surrogate", value: "abc\uD800def", expected: "E_INVALID_VALUE" },
    { label: "of exactly 64 KiB", value: maxValue, expected: "ok" },
    { label: "with emoji, newlines and NUL", value: "🔑 line1\nline2\t\u0000", expected: "ok" },
  ])("a value $label gives $expected", async ({ value, expected }) => {
    const vault = makeVault();
    const outcome = await codeOf(() => vault.setCredential("name", value));
    expect(outcome === "no error" ? "ok" : outcome).toBe(expected);
    if (expected === "ok") expect(await vault.getCredential("name")).toBe(value);
  });

  it("leaves the file byte-identical after a refused value", async () => {
    const vault = makeVault();
    await vault.setCredential("a", "alpha");
    const before = readFileSync(vault.path);
    await codeOf(() => vault.setCredential("a", ""));
    await codeOf(() => vault.setCredential("a", "v", { expires: "not a date" }));
    expect(readFileSync(vault.path).equals(before)).toBe(true);
    expect(await vault.getCredential("a")).toBe("alpha");
  });

  it("reports E_NOT_FOUND for an unknown name on get, delete, history and rollback", async () => {
    const vault = makeVault();
    await vault.setCredential("a", "alpha");
    for (const operation of [
      () => vault.getCredential("missing"),
      () => vault.deleteCredential("missing"),
      () => vault.getHistory("missing"),
      () => vault.rollback("missing"),
    ]) {
      expect(await codeOf(operation)).toBe("E_NOT_FOUND");
    }
  });

  it("deletes a credential and all its versions", async () => {
    const vault = makeVault();
    await vault.setCredential("a", "alpha");
    await vault.setCredential("a", "alpha-2");
    await vault.deleteCredential("a");
    expect(await vault.hasCredential("a")).toBe(false);
    expect(readFileSync(vault.path).includes("alpha")).toBe(false);
    expect(await reopenVault(vault).hasCredential("a")).toBe(false);
  });
});

describe("versions", () => {
  it("keeps maxBackupVersions earlier values plus the current one", async () => {
    const vault = makeVault({ config: testConfig({ maxBackupVersions: 2 }) });
    for (const value of ["v1", "v2", "v3", "v4", "v5"]) await vault.setCredential("k", value);

    const history = await vault.getHistory("k");
    expect(history.map((entry) => entry.version)).toEqual([3, 4, 5]);
    expect(history.map((entry) => entry.current)).toEqual([false, false, true]);
    expect((await vault.listCredentials()).k?.versions).toBe(3);
  });

  it("keeps 3 backups by default", async () => {
    const vault = makeVault();
    for (let i = 1; i <= 6; i++) await vault.setCredential("k", `v${i}`);
    expect((await vault.getHistory("k")).map((entry) => entry.version)).toEqual([3, 4, 5, 6]);
  });

  it("keeps no backup with maxBackupVersions 0, so rollback has nothing to restore", async () => {
    const vault = makeVault({ config: testConfig({ maxBackupVersions: 0 }) });
    await vault.setCredential("k", "v1");
    await vault.setCredential("k", "v2");
    expect((await vault.getHistory("k")).length).toBe(1);
    expect(await codeOf(() => vault.rollback("k"))).toBe("E_NOT_FOUND");
  });

  it("rolls back to the previous value by default, as a new version", async () => {
    const vault = makeVault();
    await vault.setCredential("k", "v1");
    await vault.setCredential("k", "v2");

    const info = await vault.rollback("k");

    expect(await vault.getCredential("k")).toBe("v1");
    expect(info.currentVersion).toBe(3);
    const history = await vault.getHistory("k");
    expect(history.at(-1)).toMatchObject({ version: 3, current: true, restoredFrom: 1 });
    await vault.rollback("k");
    expect(await vault.getCredential("k")).toBe("v2");
  });

  it("rolls back to a chosen version with --to, and refuses one no longer kept", async () => {
    const vault = makeVault();
    for (let i = 1; i <= 5; i++) await vault.setCredential("k", `v${i}`);

    await vault.rollback("k", 3);
    expect(await vault.getCredential("k")).toBe("v3");
    expect(await codeOf(() => vault.rollback("k", 1))).toBe("E_NOT_FOUND");
    expect(await codeOf(() => vault.rollback("k", 6))).toBe("E_INVALID_ARGUMENT");
  });

  it("never includes a value in history or list output", async () => {
    const vault = makeVault();
    await vault.setCredential("k", "first-secret-value-1", { tags: ["api"] });
    await vault.setCredential("k", "second-secret-value-2");

    const shown = JSON.stringify([await vault.getHistory("k"), await vault.listCredentials()]);

    expect(shown).not.toContain("secret-value");
    expect(Object.keys((await vault.getHistory("k"))[0] ?? {}).sort()).toEqual([
      "createdAt",
      "current",
      "version",
    ]);
  });

  it("records the clock's time on each version", async () => {
    const clock = new ManualClock(Date.parse("2026-03-01T12:00:00.000Z"));
    const vault = makeVault({ clock });
    await vault.setCredential("k", "v1");
    clock.advance(60_000);
    await vault.setCredential("k", "v2");

    const history = await vault.getHistory("k");
    expect(history.map((entry) => entry.createdAt)).toEqual([
      "2026-03-01T12:00:00.000Z",
      "2026-03-01T12:01:00.000Z",
    ]);
    const info = (await vault.listCredentials()).k;
    expect(info?.created).toBe("2026-03-01T12:00:00.000Z");
    expect(info?.updated).toBe("2026-03-01T12:01:00.000Z");
  });
});

describe("expiry", () => {
  // expiryWarningDays defaults to 14; expiry at 00:00 UTC on the given day.
  const cases: [string, string, boolean, boolean][] = [
    ["30 days ahead", "2026-01-31T00:00:00.000Z", false, false],
    ["15 days ahead", "2026-01-16T00:00:00.000Z", false, false],
    ["exactly 14 days ahead", "2026-01-15T00:00:00.000Z", false, true],
    ["one millisecond ahead", "2026-01-01T00:00:00.001Z", false, true],
    ["now", "2026-01-01T00:00:00.000Z", true, false],
    ["a day ago", "2025-12-31T00:00:00.000Z", true, false],
  ];

  it.each(cases)("flags a credential expiring %s", async (_, expires, expired, expiring) => {
    const clock = new ManualClock(Date.parse("2026-01-01T00:00:00.000Z"));
    const vault = makeVault({ clock });
    await vault.setCredential("k", "v", { expires });

    const info = (await vault.listCredentials()).k;
    expect(info).toMatchObject({ expires, expired, expiring });
  });

  it("moves from ok to expiring to expired as the clock advances", async () => {
    const clock = new ManualClock(Date.parse("2026-01-01T00:00:00.000Z"));
    const vault = makeVault({ clock });
    await vault.setCredential("k", "v", { expires: "2026-02-01", tags: ["llm"] });
    const state = async () => {
      const info = (await vault.listCredentials()).k;
      return info?.expired ? "expired" : info?.expiring ? "expiring" : "ok";
    };

    expect(await state()).toBe("ok");
    clock.advance(20 * 86_400_000);
    expect(await state()).toBe("expiring");
    clock.advance(11 * 86_400_000);
    expect(await state()).toBe("expired");
    expect((await vault.listCredentials()).k?.tags).toEqual(["llm"]);
  });

  it("clears an expiry with null and keeps it when metadata omits it", async () => {
    const vault = makeVault();
    await vault.setCredential("k", "v1", { expires: "2030-01-01" });
    await vault.setCredential("k", "v2");
    expect((await vault.listCredentials()).k?.expires).toBe("2030-01-01T00:00:00.000Z");
    await vault.setCredential("k", "v3", { expires: null });
    expect((await vault.listCredentials()).k?.expires).toBeNull();
  });
});

describe("freshness across instances", () => {
  it("lets two instances on one file see each other's writes", async () => {
    const first = makeVault();
    await first.setCredential("a", "from-first");
    const second = reopenVault(first);

    expect(await second.getCredential("a")).toBe("from-first");
    await second.setCredential("b", "from-second");
    expect(await first.getCredential("b")).toBe("from-second");
    await first.setCredential("a", "first-again");
    expect(await second.getCredential("a")).toBe("first-again");
    await second.deleteCredential("a");
    expect(await first.hasCredential("a")).toBe(false);
    expect(Object.keys(await first.listCredentials())).toEqual(["b"]);
  });

  it("never loses an update when two instances write alternately", async () => {
    const first = makeVault();
    const second = reopenVault(first, { create: true });
    await first.unlock();
    await second.unlock();

    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? first : second).setCredential(`n${i}`, `v${i}`),
      ),
    );

    expect(Object.keys(await first.listCredentials()).length).toBe(20);
  });
});

describe("audit events", () => {
  it("tells the audit sink what happened, never a value", async () => {
    const events: unknown[] = [];
    const vault = makeVault({ audit: { record: async (event) => void events.push(event) } });

    await vault.setCredential("k", "audit-secret-value-1");
    await vault.setCredential("k", "audit-secret-value-2");
    await vault.getCredential("k");
    await vault.rollback("k");
    await vault.deleteCredential("k");
    await vault.changeMasterPassword("velvet-harbor-sixty-copper-tide");

    const actions = events.map(
      (event) => (event as { details: { action: string } }).details.action,
    );
    expect(actions).toEqual([
      "create",
      "update",
      "get",
      "rollback",
      "delete",
      "change_master_password",
    ]);
    const shown = JSON.stringify(events);
    expect(shown).not.toContain("audit-secret-value");
    expect(shown).not.toContain("velvet-harbor");
    expect(shown).not.toContain(TEST_PASSWORD);
  });
});

describe("results under concurrency", () => {
  it("reports a write that succeeded as a success even if another process deletes it at once", async () => {
    const first = makeVault();
    await first.unlock();
    const other = reopenVault(first);
    await other.unlock();
    // The audit sink runs between the write and the return: the moment another process could act.
    const racing = reopenVault(first, {
      audit: { record: async () => other.deleteCredential("k") },
    });

    const info = await racing.setCredential("k", "v1");

    expect(info.currentVersion).toBe(1);
    expect(await first.hasCredential("k")).toBe(false);
  });

  it("reports a rollback that succeeded as a success even if another process deletes it at once", async () => {
    const first = makeVault();
    await first.setCredential("k", "v1");
    await first.setCredential("k", "v2");
    const other = reopenVault(first);
    const racing = reopenVault(first, {
      audit: { record: async () => other.deleteCredential("k") },
    });

    expect((await racing.rollback("k")).currentVersion).toBe(3);
  });
});

describe("transaction and sections", () => {
  it("refuses asynchronous work, whose later changes would never reach the disk", async () => {
    const vault = makeVault();
    await vault.setCredential("a", "alpha");
    const before = readFileSync(vault.path);

    const asyncWork = async (tx: { set(name: string, value: string): void }) => {
      await Promise.resolve();
      tx.set("a", "changed");
    };
    await expect(vault.transaction(asyncWork)).rejects.toMatchObject({
      code: "E_INVALID_ARGUMENT",
    });

    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(readFileSync(vault.path).equals(before)).toBe(true);
    expect(await vault.getCredential("a")).toBe("alpha");
  });

  it("writes nothing when the work throws", async () => {
    const vault = makeVault();
    await vault.setCredential("a", "alpha");
    const before = readFileSync(vault.path);

    await expect(
      vault.transaction((tx) => {
        tx.set("a", "changed");
        tx.setSection("policies", { a: 1 });
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");

    expect(readFileSync(vault.path).equals(before)).toBe(true);
    expect(await vault.getCredential("a")).toBe("alpha");
    expect(await vault.readSection("policies")).toBeUndefined();
  });

  it("persists a section inside the encrypted payload", async () => {
    const vault = makeVault();
    await vault.transaction((tx) => tx.setSection("policies", { openai: { days: 90 } }));
    expect(await reopenVault(vault).readSection("policies")).toEqual({ openai: { days: 90 } });
    expect(readFileSync(vault.path).includes("openai")).toBe(false);
  });
});
