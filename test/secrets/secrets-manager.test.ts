import { describe, expect, it } from "vitest";
import { isVigilError } from "../../src/errors.js";
import { DAY_MS, setup } from "./secrets-fixtures.js";

describe("SecretsManager: the design's Test 2", () => {
  it("registers a secret without a value, reports it enabled, and sets its first value", async () => {
    const { manager, vault } = setup();

    await manager.registerSecret("test_secret", { rotationDays: 30 });
    const status = await manager.getRotationStatus("test_secret");
    expect(status.enabled).toBe(true);
    expect(status.rotationDays).toBe(30);
    expect(status.hasValue).toBe(false);
    expect(status.state).toBe("due");

    await manager.rotateSecret("test_secret", "new_value");
    expect(await vault.getCredential("test_secret")).toBe("new_value");
    const after = await manager.getRotationStatus("test_secret");
    expect(after).toMatchObject({ rotationCount: 1, state: "ok", daysUntilRotation: 30 });
  });
});

describe("SecretsManager: registration and status", () => {
  it("takes defaults from config: 90 days for API keys, 30 for the LinkedIn token", async () => {
    const { manager } = setup();
    await manager.registerSecret("openai_api_key");
    await manager.registerSecret("linkedin_session_token");
    await manager.registerSecret("some_other_key");

    const all = await manager.getRotationStatus();
    expect(all.openai_api_key?.rotationDays).toBe(90);
    expect(all.linkedin_session_token?.rotationDays).toBe(30);
    expect(all.some_other_key?.rotationDays).toBe(90);
  });

  it("applies a config policy to a stored credential without registration", async () => {
    const { manager, vault } = setup();
    expect(await manager.getRotationStatus()).toEqual({});

    await vault.setCredential("gemini_api_key", "g-1");
    const status = await manager.getRotationStatus("gemini_api_key");
    expect(status).toMatchObject({ source: "config", rotationDays: 90, autoRotate: false });
  });

  it("refuses autoRotate without a rotator and bad numbers, storing nothing", async () => {
    const { manager } = setup();
    const attempts = [
      manager.registerSecret("k", { rotationDays: 30, autoRotate: true }),
      manager.registerSecret("k", { rotationDays: 0 }),
      manager.registerSecret("k", { rotationDays: 1.5 }),
      manager.registerSecret("k", { rotator: { kind: "generate", length: 4 } }),
      manager.registerSecret("k", { rotator: { kind: "command", command: "" } }),
    ];
    for (const attempt of attempts) {
      await expect(attempt).rejects.toMatchObject({ code: "E_INVALID_ARGUMENT" });
    }
    await expect(manager.getRotationStatus("k")).rejects.toMatchObject({ code: "E_NOT_FOUND" });
  });

  it("unregisters a policy but keeps the credential and the history", async () => {
    const { manager, vault } = setup();
    await manager.registerSecret("k", { rotationDays: 10 });
    await manager.rotateSecret("k", "v1");
    await manager.unregisterSecret("k");

    expect(await vault.getCredential("k")).toBe("v1");
    await expect(manager.getRotationStatus("k")).rejects.toMatchObject({ code: "E_NOT_FOUND" });
    const actions = (await manager.getRotationHistory("k")).map((entry) => entry.action);
    expect(actions).toEqual(["register", "rotate", "unregister"]);
    await expect(manager.unregisterSecret("k")).rejects.toMatchObject({ code: "E_NOT_FOUND" });
  });

  it("exports policies in config-file shape, without values", async () => {
    const { manager } = setup();
    await manager.registerSecret("hook", {
      rotationDays: 7,
      autoRotate: true,
      rotator: { kind: "generate", length: 40, alphabet: "hex" },
    });
    await manager.registerSecret("script_key", {
      rotationDays: 60,
      rotator: { kind: "command", command: "/opt/rotate key", args: ["--for", "bot one"] },
    });
    await manager.rotateSecret("hook");

    const exported = await manager.exportConfig();
    expect(exported.secrets.hook).toEqual({
      rotationDays: 7,
      autoRotate: true,
      rotator: "generate",
      length: 40,
      alphabet: "hex",
    });
    expect(exported.secrets.script_key?.command).toBe("'/opt/rotate key' --for 'bot one'");
    expect(exported.secrets.linkedin_session_token?.rotationDays).toBe(30);
    expect(JSON.stringify(exported)).not.toMatch(/[0-9a-f]{40}/);
  });
});

describe("SecretsManager: rotation", () => {
  it("keeps the old value as the previous version and calls onRotate with both", async () => {
    const { manager, vault } = setup();
    const seen: [string, string, string | undefined][] = [];
    manager.onRotate((name, next, old) => {
      seen.push([name, next, old]);
    });
    await manager.registerSecret("api", { rotationDays: 90 });
    await manager.rotateSecret("api", "first");
    const result = await manager.rotateSecret("api", "second");

    expect(result).toMatchObject({ name: "api", version: 2, previousVersion: 1 });
    expect(seen).toEqual([
      ["api", "first", undefined],
      ["api", "second", "first"],
    ]);
    expect((await vault.getHistory("api")).map((v) => v.version)).toEqual([1, 2]);
  });

  it("refuses a rotation to the same value and records it as a failure", async () => {
    const { manager, vault } = setup();
    await manager.registerSecret("api", { rotationDays: 90 });
    await manager.rotateSecret("api", "same");
    const error = await manager.rotateSecret("api", "same").catch((e: unknown) => e);

    expect(isVigilError(error, "E_ROTATION_FAILED")).toBe(true);
    expect(await vault.getCredential("api")).toBe("same");
    expect((await manager.getRotationStatus("api")).lastFailure?.step).toBe("rotator");
  });

  it("refuses to rotate an unregistered name or a manual one without a value", async () => {
    const { manager } = setup();
    await expect(manager.rotateSecret("nobody", "x")).rejects.toMatchObject({
      code: "E_NOT_FOUND",
    });
    await manager.registerSecret("manual", { rotationDays: 5 });
    await expect(manager.rotateSecret("manual")).rejects.toMatchObject({
      code: "E_INVALID_ARGUMENT",
    });
    await expect(manager.rotateSecret("manual", "")).rejects.toMatchObject({
      code: "E_INVALID_VALUE",
    });
  });

  it("clears the old expiry on rotation unless a new one is given", async () => {
    const { manager, vault, clock } = setup();
    await vault.setCredential("token", "t1", { expires: new Date(clock.now() + 3 * DAY_MS) });
    await manager.registerSecret("token", { rotationDays: 30 });

    await manager.rotateSecret("token", "t2");
    expect((await vault.listCredentials()).token?.expires).toBeNull();
    await manager.rotateSecret("token", "t3", { expires: "2027-01-01" });
    expect((await vault.listCredentials()).token?.expires).toBe("2027-01-01T00:00:00.000Z");
  });

  it("reports an onRotate callback that throws without undoing the rotation", async () => {
    const { manager, vault, sink } = setup();
    manager.onRotate(() => {
      throw new Error("revoke failed for secret-value-xyz");
    });
    await manager.registerSecret("api", { rotationDays: 90 });
    const result = await manager.rotateSecret("api", "secret-value-xyz");

    expect(result.callbackFailures).toBe(1);
    expect(await vault.getCredential("api")).toBe("secret-value-xyz");
    const errors = sink.ofType("error");
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors)).not.toContain("secret-value-xyz");
  });
});

describe("SecretsManager: rollback", () => {
  it("restores the previous value as a new version and records it", async () => {
    const { manager, vault, sink } = setup();
    await manager.registerSecret("api", { rotationDays: 90 });
    await manager.rotateSecret("api", "one");
    await manager.rotateSecret("api", "two");
    await manager.rotateSecret("api", "three");

    const back = await manager.rollbackSecret("api");
    expect(back).toMatchObject({ version: 4, restoredFrom: 2 });
    expect(await vault.getCredential("api")).toBe("two");

    const toFirst = await manager.rollbackSecret("api", 1);
    expect(toFirst.restoredFrom).toBe(1);
    expect(await vault.getCredential("api")).toBe("one");

    const history = await manager.getRotationHistory("api");
    const rollbacks = history.filter((entry) => entry.action === "rollback");
    expect(rollbacks.map((entry) => entry.restoredFrom)).toEqual([2, 1]);
    // The fingerprint of a restored value matches the one recorded when it was first set.
    const rotations = history.filter((entry) => entry.action === "rotate");
    expect(rollbacks[0]?.fingerprint).toBe(rotations[1]?.fingerprint);
    expect(sink.ofType("credential_rotate").some((e) => e.details?.action === "rollback")).toBe(
      true,
    );
  });

  it("refuses a version that is no longer kept (vault maxBackupVersions)", async () => {
    const { manager } = setup();
    await manager.registerSecret("api", { rotationDays: 90 });
    for (const value of ["a", "b", "c", "d", "e", "f"]) await manager.rotateSecret("api", value);

    await expect(manager.rollbackSecret("api", 1)).rejects.toMatchObject({ code: "E_NOT_FOUND" });
    await expect(manager.rollbackSecret("api", 3)).resolves.toMatchObject({ restoredFrom: 3 });
  });
});

describe("SecretsManager: audit events", () => {
  it("records registration, rotation, failure and rollback through the sink", async () => {
    const { manager, sink } = setup();
    await manager.registerSecret("api", { rotationDays: 90 });
    await manager.rotateSecret("api", "v1");
    await manager.rotateSecret("api", "v1").catch(() => undefined);
    await manager.rotateSecret("api", "v2");
    await manager.rollbackSecret("api");

    const mine = sink.events.filter((event) => event.details?.credential === "api");
    const summary = mine
      .filter(
        (event) => event.eventType !== "credential_modify" || event.details?.action !== "update",
      )
      .map((event) => [
        event.eventType,
        event.details?.action,
        event.details?.outcome,
        event.severity,
      ]);
    expect(summary).toEqual([
      ["credential_modify", "register_rotation", undefined, "medium"],
      ["credential_rotate", "rotate", "success", "medium"],
      ["credential_rotate", "rotate", "failure", "high"],
      ["credential_rotate", "rotate", "success", "medium"],
      ["credential_rotate", "rollback", "success", "high"],
    ]);
    expect(mine.every((event) => event.username === "tester")).toBe(true);
  });
});
