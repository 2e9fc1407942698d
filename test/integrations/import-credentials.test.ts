import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { AuditSinkEvent } from "../../src/audit-sink.js";
import { fernetEncrypt } from "../../src/crypto/fernet.js";
import { isVigilError } from "../../src/errors.js";
import {
  importCredentials,
  isTrackedByGit,
  toCredentialName,
} from "../../src/integrations/import-credentials.js";
import { makeTempDir } from "../helpers/temp-home.js";
import { makeVault } from "../helpers/vault-fixtures.js";

/**
 * Writes a store exactly as the earlier Python design did, with Python's own `cryptography`
 * Fernet: `{name: {value, metadata, created, encrypted}}` plus `<store>.key`. Values travel on
 * stdin, never in argv.
 */
function writePythonStore(path: string, values: Record<string, string>, plain: string[] = []) {
  const script = `
import json, sys
from datetime import datetime, timezone
from cryptography.fernet import Fernet
values = json.load(sys.stdin)
plain = set(sys.argv[2:])
key = Fernet.generate_key()
f = Fernet(key)
store = {}
for name, value in values.items():
    encrypted = name not in plain
    store[name] = {
        "value": f.encrypt(value.encode()).decode() if encrypted else value,
        "metadata": {"expires": "2026-05-01"} if name == "openai_api_key" else {},
        "created": datetime.now(timezone.utc).isoformat(),
        "encrypted": encrypted,
    }
with open(sys.argv[1], "w") as out:
    json.dump(store, out, indent=2)
with open(sys.argv[1] + ".key", "wb") as out:
    out.write(key)
`;
  const result = spawnSync("python3", ["-c", script, path, ...plain], {
    input: JSON.stringify(values),
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`python3 failed: ${result.stderr}`);
}

async function catchError(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

const SECRETS_PY = [
  "# LinkedIn credentials",
  'username = "bot@example.com"',
  "password = '''p@ss \"word\"'''",
  'llm_api_key = "sk-test-0123456789"',
  "use_AI = True",
  'empty = ""',
].join("\n");

describe("importCredentials", () => {
  it("imports a store written by Python's cryptography Fernet and reads the values back", async () => {
    const dir = makeTempDir();
    const store = join(dir, ".vault");
    const values = {
      openai_api_key: "sk-proj-ÄÖÜ-0123456789",
      linkedin_password: "correct horse battery staple",
      "weird name!": "value with\nnewline",
    };
    writePythonStore(store, values, ["linkedin_password"]);
    const vault = makeVault();

    const report = await importCredentials(vault, {
      format: "python-vault",
      path: store,
      checkGit: false,
    });

    expect(report.imported.map((c) => c.name).sort()).toEqual([
      "linkedin_password",
      "openai_api_key",
      "weird_name_",
    ]);
    expect(await vault.getCredential("openai_api_key")).toBe(values.openai_api_key);
    expect(await vault.getCredential("linkedin_password")).toBe(values.linkedin_password);
    expect(await vault.getCredential("weird_name_")).toBe(values["weird name!"]);
    const info = (await vault.listCredentials()).openai_api_key;
    expect(info?.expires).toBe("2026-05-01T00:00:00.000Z");
    expect(info?.metadata.importedFrom).toBe("python-vault");
    expect(JSON.stringify(report)).not.toContain("sk-proj");
    expect(JSON.stringify(report)).not.toContain("horse");
  });

  it("refuses a store under the wrong key and writes nothing", async () => {
    const dir = makeTempDir();
    const store = join(dir, "store.json");
    writePythonStore(store, { a: "first-value", b: "second-value" });
    const otherKey = join(dir, "other.key");
    writeFileSync(otherKey, Buffer.alloc(32, 9).toString("base64url"));
    const vault = makeVault();
    await vault.setCredential("existing", "kept-value");

    const error = await catchError(() =>
      importCredentials(vault, {
        format: "python-vault",
        path: store,
        keyFile: otherKey,
        checkGit: false,
      }),
    );

    expect(isVigilError(error, "E_INTEGRITY")).toBe(true);
    expect(Object.keys(await vault.listCredentials())).toEqual(["existing"]);
  });

  it("refuses a changed token even with the right key", async () => {
    const dir = makeTempDir();
    const store = join(dir, "store.json");
    const key = Buffer.alloc(32, 3).toString("base64url");
    const token = fernetEncrypt(key, Buffer.from("the-value"));
    const changed = `${token.slice(0, 20)}${token[20] === "A" ? "B" : "A"}${token.slice(21)}`;
    writeFileSync(store, JSON.stringify({ a: { value: changed, encrypted: true } }));
    writeFileSync(`${store}.key`, key);

    const error = await catchError(() =>
      importCredentials(makeVault(), { format: "python-vault", path: store, checkGit: false }),
    );
    expect(isVigilError(error, "E_INTEGRITY")).toBe(true);
  });

  it.each([
    ["not json", "E_INVALID_VALUE"],
    ["[1, 2]", "E_INVALID_VALUE"],
    ['{"a": 1}', "E_INVALID_VALUE"],
    ['{"a": {"encrypted": false}}', "E_INVALID_VALUE"],
  ])("refuses a malformed store %j", async (content, code) => {
    const dir = makeTempDir();
    const store = join(dir, "store.json");
    writeFileSync(store, content);
    writeFileSync(`${store}.key`, Buffer.alloc(32).toString("base64url"));
    const error = await catchError(() =>
      importCredentials(makeVault(), { format: "python-vault", path: store, checkGit: false }),
    );
    expect(isVigilError(error, code as "E_INVALID_VALUE")).toBe(true);
  });

  it("names the missing key file", async () => {
    const store = join(makeTempDir(), "store.json");
    writeFileSync(store, "{}");
    const error = await catchError(() =>
      importCredentials(makeVault(), { format: "python-vault", path: store, checkGit: false }),
    );
    expect(isVigilError(error, "E_NOT_FOUND")).toBe(true);
    expect((error as Error).message).toContain(`${store}.key`);
  });

  it("imports a secrets.py, skipping non-strings and empty values, reporting names only", async () => {
    const path = join(makeTempDir(), "secrets.py");
    writeFileSync(path, SECRETS_PY);
    const vault = makeVault();
    const events: AuditSinkEvent[] = [];

    const report = await importCredentials(vault, {
      format: "secrets-py",
      path,
      checkGit: false,
      audit: { record: (event) => void events.push(event) },
    });

    expect(report.imported).toEqual([
      { name: "username", sourceName: "username", line: 2, action: "create" },
      { name: "password", sourceName: "password", line: 3, action: "create" },
      { name: "llm_api_key", sourceName: "llm_api_key", line: 4, action: "create" },
    ]);
    expect(report.skipped).toEqual([
      { sourceName: "use_AI", line: 5, reason: "not a string literal" },
      { sourceName: "empty", line: 6, reason: "empty value" },
    ]);
    expect(await vault.getCredential("password")).toBe('p@ss "word"');
    const serialized = JSON.stringify([report, events]);
    for (const secret of ["bot@example.com", "p@ss", "sk-test"]) {
      expect(serialized).not.toContain(secret);
    }
    expect(events.map((e) => e.details?.credential)).toEqual([
      "username",
      "password",
      "llm_api_key",
    ]);
  });

  it("imports a .env file under a prefix", async () => {
    const path = join(makeTempDir(), ".env");
    writeFileSync(path, 'export OPENAI_API_KEY="sk-1234"\nDB_URL=postgres://u:p@h/db\n');
    const vault = makeVault();
    const report = await importCredentials(vault, {
      format: "dotenv",
      path,
      prefix: "bot/",
      checkGit: false,
    });
    expect(report.imported.map((c) => c.name)).toEqual(["bot/OPENAI_API_KEY", "bot/DB_URL"]);
    expect(await vault.getCredential("bot/DB_URL")).toBe("postgres://u:p@h/db");
  });

  it("refuses to overwrite existing credentials unless asked, writing nothing", async () => {
    const path = join(makeTempDir(), "secrets.py");
    writeFileSync(path, SECRETS_PY);
    const vault = makeVault();
    await vault.setCredential("password", "old-password");

    const error = await catchError(() =>
      importCredentials(vault, { format: "secrets-py", path, checkGit: false }),
    );
    expect(isVigilError(error, "E_EXISTS")).toBe(true);
    expect((error as Error).message).toContain("password");
    expect(Object.keys(await vault.listCredentials())).toEqual(["password"]);

    const report = await importCredentials(vault, {
      format: "secrets-py",
      path,
      overwrite: true,
      checkGit: false,
    });
    expect(report.imported.find((c) => c.name === "password")?.action).toBe("overwrite");
    expect(await vault.getCredential("password")).toBe('p@ss "word"');
    expect((await vault.getHistory("password")).length).toBe(2);
  });

  it("writes nothing on a dry run and still reports clashes", async () => {
    const path = join(makeTempDir(), ".env");
    writeFileSync(path, "A_KEY=value-one\nB_KEY=value-two\n");
    const vault = makeVault();
    const report = await importCredentials(vault, {
      format: "dotenv",
      path,
      dryRun: true,
      deleteSource: true,
      checkGit: false,
    });
    expect(report.dryRun).toBe(true);
    expect(report.imported.map((c) => c.name)).toEqual(["A_KEY", "B_KEY"]);
    expect(await vault.listCredentials()).toEqual({});
    expect(existsSync(path)).toBe(true);
  });

  it("stops on bad input with the line number, leaving the vault untouched", async () => {
    const path = join(makeTempDir(), ".env");
    writeFileSync(path, "GOOD=fine-value\nBAD LINE SECRETVALUE\n");
    const vault = makeVault();
    await vault.setCredential("existing", "kept-value");
    const before = readFileSync(vault.path);

    const error = await catchError(() =>
      importCredentials(vault, { format: "dotenv", path, checkGit: false }),
    );
    expect(isVigilError(error, "E_INVALID_VALUE")).toBe(true);
    expect((error as Error).message).toMatch(/^line 2:/);
    expect((error as Error).message).not.toContain("SECRETVALUE");
    expect(readFileSync(vault.path).equals(before)).toBe(true);
  });

  it("refuses two source names that map to one vault name", async () => {
    const path = join(makeTempDir(), "secrets.py");
    writeFileSync(path, 'clé = "one-value"\ncl_ = "two-value"\n');
    const error = await catchError(() =>
      importCredentials(makeVault(), { format: "secrets-py", path, checkGit: false }),
    );
    expect(isVigilError(error, "E_INVALID_NAME")).toBe(true);
    expect((error as Error).message).toMatch(/^line 2: "cl_" and "clé" both become "cl_"/);
  });

  it("refuses a prefix that makes invalid names", async () => {
    const path = join(makeTempDir(), ".env");
    writeFileSync(path, "A=one-value\n");
    const error = await catchError(() =>
      importCredentials(makeVault(), { format: "dotenv", path, prefix: "p q", checkGit: false }),
    );
    expect(isVigilError(error, "E_INVALID_NAME")).toBe(true);
    expect((error as Error).message).toMatch(/^line 1:/);
  });

  it("deletes the source after a successful import: zeroed, then unlinked", async () => {
    const path = join(makeTempDir(), "secrets.py");
    writeFileSync(path, SECRETS_PY);
    const vault = makeVault();
    const report = await importCredentials(vault, {
      format: "secrets-py",
      path,
      deleteSource: true,
      checkGit: false,
    });
    expect(report.sourceDeleted).toBe(true);
    expect(existsSync(path)).toBe(false);
  });

  it("keeps the source when the import fails", async () => {
    const path = join(makeTempDir(), "secrets.py");
    writeFileSync(path, SECRETS_PY);
    const vault = makeVault();
    await vault.setCredential("username", "taken-value");
    await catchError(() =>
      importCredentials(vault, { format: "secrets-py", path, deleteSource: true, checkGit: false }),
    );
    expect(statSync(path).size).toBe(Buffer.byteLength(SECRETS_PY));
  });

  it("warns when git tracks the source", async () => {
    const repo = makeTempDir();
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], {
        cwd: repo,
        stdio: "ignore",
      });
    git("init", "-q");
    const path = join(repo, "config", "secrets.py");
    execFileSync("mkdir", ["-p", join(repo, "config")]);
    writeFileSync(path, SECRETS_PY);
    const untracked = join(repo, "config", "other.py");
    writeFileSync(untracked, 'token = "t0ken-value"\n');
    git("add", "config/secrets.py");
    git("commit", "-q", "-m", "oops");

    expect(await isTrackedByGit(path)).toBe(true);
    expect(await isTrackedByGit(untracked)).toBe(false);
    expect(await isTrackedByGit(join(makeTempDir(), "x.env"))).toBe(false);
    const report = await importCredentials(makeVault(), { format: "secrets-py", path });
    expect(report.gitTracked).toBe(true);
    expect(report.warnings.join("\n")).toMatch(/tracked by git/);
  });
});

describe("toCredentialName", () => {
  it.each([
    ["llm_api_key", "", "llm_api_key"],
    ["OPENAI_API_KEY", "bot/", "bot/OPENAI_API_KEY"],
    ["weird name!", "", "weird_name_"],
    ["clé", "", "cl_"],
  ])("maps %j with prefix %j to %j", (source, prefix, expected) => {
    expect(toCredentialName(source, prefix)).toBe(expected);
  });

  it("refuses names longer than the vault allows", () => {
    expect(() => toCredentialName("x".repeat(129))).toThrow(/invalid credential name/);
  });
});
