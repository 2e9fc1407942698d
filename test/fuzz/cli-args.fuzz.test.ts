import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { scaled } from "../helpers/stress-scale.js";
import { makeTempDir } from "../helpers/temp-home.js";

/** The exit codes the README documents; 70 (internal error) must never happen. */
const DOCUMENTED_EXITS = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);

/*
 * A stack frame as Node prints it: "    at fn (file:line:col)" or "    at file:line:col". A bare
 * "    at " is not enough: help text wraps "at most this many events" onto an indented line.
 */
const STACK_FRAME = /^ {4}at .*(:\d+:\d+\)?$|\(node:|<anonymous>)/m;

/*
 * Real command names, so that most vectors reach a command's own checks, not just commander's.
 * Left out on purpose: commands that run until stopped or start other programs (`agent start`,
 * `secrets watch`, `audit tail`, `run`, `demo`); their argument handling is the same commander
 * code, and each has its own tests.
 */
const COMMANDS: readonly (readonly string[])[] = [
  [],
  ["init"],
  ["vault"],
  ["vault", "set"],
  ["vault", "get"],
  ["vault", "list"],
  ["vault", "rm"],
  ["vault", "history"],
  ["vault", "rollback"],
  ["vault", "passwd"],
  ["audit", "log"],
  ["audit", "query"],
  ["audit", "export"],
  ["audit", "verify"],
  ["audit", "hash"],
  ["config", "show"],
  ["config", "validate"],
  ["config", "schema"],
  ["agent", "stop"],
  ["agent", "status"],
  ["agent", "unlock"],
  ["agent", "lock"],
  ["monitor", "record"],
  ["monitor", "summary"],
  ["monitor", "anomalies"],
  ["monitor", "health"],
  ["monitor", "pace"],
  ["secrets", "register"],
  ["secrets", "unregister"],
  ["secrets", "due"],
  ["secrets", "rotate"],
  ["secrets", "status"],
  ["secrets", "history"],
  ["secrets", "rollback"],
  ["secrets", "export"],
  ["otp"],
  ["otp", "code"],
  ["otp", "add"],
  ["import"],
  ["doctor"],
  ["help"],
  ["nonexistent-command"],
];

const OPTIONS = [
  "--json",
  "--no-agent",
  "--stdin",
  "--password-stdin",
  "--force",
  "--yes",
  "--limit",
  "--from",
  "--to",
  "--type",
  "--severity",
  "--format",
  "--hours",
  "--days",
  "--text",
  "--user",
  "--version",
  "--rotation-days",
  "--rotator",
  "--expires",
  "--tag",
  "-n",
  "-h",
  "--help",
  "-V",
  "--config",
  "--home",
  "--unknown-option",
];

/** Junk, kept inside the temp folder: no absolute paths and no `..`, since some commands write. */
const JUNK = [
  "",
  "-",
  "--",
  "---",
  "--=",
  "=",
  "x",
  "api_key",
  "login",
  "critical",
  "csv",
  "2026-13-45",
  "-1",
  "0",
  "NaN",
  "1e309",
  "9007199254740993",
  "%s%n",
  "$(whoami)",
  "'\"`",
  "\t\n",
  "💥",
  "é\u200b",
  "a".repeat(3000),
  "name with spaces",
  "vigil://x",
  "sub/dir",
  "CON",
];

const argvArb = fc
  .tuple(
    fc.constantFrom(...COMMANDS),
    fc.array(fc.oneof(fc.constantFrom(...OPTIONS), fc.constantFrom(...JUNK)), { maxLength: 6 }),
  )
  .map(([command, rest]) => [...command, ...rest]);

describe("the CLI under hostile arguments", () => {
  it(
    "exits with a documented code and prints no stack trace, for random argument vectors",
    async () => {
      const count = scaled(40, 400);
      const vectors = fc.sample(argvArb, { numRuns: count });
      const seen = new Map<number, number>();

      // Four at a time: each is a real process with an empty home and no password anywhere.
      for (let start = 0; start < vectors.length; start += 4) {
        await Promise.all(
          vectors.slice(start, start + 4).map(async (argv) => {
            const cwd = makeTempDir("vigil-cli-fuzz-");
            const result = await runCli(argv, {
              cwd,
              env: { VIGIL_HOME: `${cwd}/.vigil` },
              input: "",
              timeoutMs: 20_000,
            });
            const label = JSON.stringify(argv);
            expect(result.signal, `${label} was killed (a hang?)`).toBeNull();
            expect(DOCUMENTED_EXITS.has(result.code ?? -1), `${label} exited ${result.code}`).toBe(
              true,
            );
            expect(result.stderr, `${label} printed a stack trace`).not.toMatch(STACK_FRAME);
            expect(result.stdout, `${label} printed a stack trace`).not.toMatch(STACK_FRAME);
            seen.set(result.code ?? -1, (seen.get(result.code ?? -1) ?? 0) + 1);
          }),
        );
      }
      // The vectors reached both successes (help, schema) and refusals.
      expect(seen.get(0) ?? 0).toBeGreaterThan(0);
      expect([...seen.keys()].some((code) => code !== 0)).toBe(true);
    },
    scaled(120_000, 900_000),
  );
});
