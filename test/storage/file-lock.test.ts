import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { withFileLock } from "../../src/storage/index.js";
import { makeTempDir } from "../helpers/temp-home.js";

/** A child that takes the lock, prints "locked", and holds it until killed. */
function holdLockInChild(lockPath: string) {
  const script = `
    import { withFileLock } from ${JSON.stringify(join(import.meta.dirname, "../../src/storage/index.ts"))};
    await withFileLock(${JSON.stringify(lockPath)}, async () => {
      process.stdout.write("locked\\n");
      // A pending promise alone would let Node exit; the timer keeps the holder alive.
      await new Promise(() => setInterval(() => {}, 1000));
    });
  `;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const locked = new Promise<void>((resolve) => {
    child.stdout.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("locked")) resolve();
    });
  });
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
  return { child, locked, exited };
}

describe("withFileLock", () => {
  it("runs critical sections of one process one at a time, in order", async () => {
    const lockPath = join(makeTempDir(), "x.lock");
    const events: string[] = [];
    await Promise.all(
      [1, 2, 3].map((n) =>
        withFileLock(lockPath, async () => {
          events.push(`start ${n}`);
          await new Promise((resolve) => setTimeout(resolve, 5));
          events.push(`end ${n}`);
        }),
      ),
    );
    expect(events).toEqual(["start 1", "end 1", "start 2", "end 2", "start 3", "end 3"]);
  });

  it("releases the lock when the critical section throws", async () => {
    const lockPath = join(makeTempDir(), "x.lock");
    await expect(
      withFileLock(lockPath, async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await withFileLock(lockPath, async () => "next")).toBe("next");
  });

  it("waits for another process, times out with E_LOCK_TIMEOUT, and gets the lock once the holder is SIGKILLed", async () => {
    const lockPath = join(makeTempDir(), "x.lock");
    const holder = holdLockInChild(lockPath);
    await holder.locked;

    await expect(
      withFileLock(lockPath, async () => "never", { timeoutMs: 150 }),
    ).rejects.toMatchObject({ code: "E_LOCK_TIMEOUT" });

    holder.child.kill("SIGKILL");
    await holder.exited;
    expect(await withFileLock(lockPath, async () => "mine", { timeoutMs: 2_000 })).toBe("mine");
  });
});
