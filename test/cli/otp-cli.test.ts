import { describe, expect, it } from "vitest";
import { decodeBase32, totp } from "../../src/integrations/totp.js";
import { runCli } from "../helpers/run-cli.js";
import { makeProject, TEST_PASSWORD } from "../helpers/temp-home.js";

const SECRET_B32 = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

async function project() {
  const made = makeProject();
  const cli = (args: string[], input?: string) =>
    runCli(["--home", made.home, "--config", made.configPath, ...args], {
      env: { VAULT_MASTER_PASSWORD: TEST_PASSWORD, VIGIL_NO_AGENT: "1" },
      cwd: made.dir,
      ...(input === undefined ? {} : { input }),
    });
  expect((await cli(["init"])).code).toBe(0);
  return cli;
}

/** The codes valid around now, so a period boundary during the test does not flake it. */
function codesAround(params: Parameters<typeof totp>[0]): string[] {
  const now = Date.now();
  const period = (params.periodSeconds ?? 30) * 1000;
  return [now - period, now, now + period].map((ms) => totp(params, { now: () => ms }).code);
}

describe("vigil otp", () => {
  it("stores a base32 secret from stdin and prints the current code", async () => {
    const cli = await project();
    const added = await cli(["otp", "add", "linkedin_2fa"], `${SECRET_B32}\n`);
    expect(added.stdout).toBe("stored linkedin_2fa (SHA1, 6 digits, 30 s)\n");
    expect(added.stdout + added.stderr).not.toContain(SECRET_B32);

    const shown = await cli(["otp", "linkedin_2fa"]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^\d{6}\n$/);
    expect(codesAround({ secret: decodeBase32(SECRET_B32) })).toContain(shown.stdout.trim());

    const viaCode = await cli(["otp", "code", "linkedin_2fa"]);
    expect(viaCode.stdout).toMatch(/^\d{6}\n$/);
  });

  it("honours an otpauth URI's algorithm, digits and period", async () => {
    const cli = await project();
    const uri = `otpauth://totp/LinkedIn:bot@example.com?secret=${SECRET_B32}&algorithm=SHA256&digits=8&period=60&issuer=LinkedIn`;
    const added = await cli(["otp", "add", "li"], uri);
    expect(added.stdout).toBe("stored li (SHA256, 8 digits, 60 s)\n");

    const shown = await cli(["--json", "otp", "code", "li"]);
    const body = JSON.parse(shown.stdout) as { code: string; secondsRemaining: number };
    expect(body.code).toMatch(/^\d{8}$/);
    expect(body.secondsRemaining).toBeLessThanOrEqual(60);
    const params = {
      secret: decodeBase32(SECRET_B32),
      algorithm: "SHA256" as const,
      digits: 8,
      periodSeconds: 60,
    };
    expect(codesAround(params)).toContain(body.code);
  });

  it("refuses to replace an existing credential without --overwrite", async () => {
    const cli = await project();
    await cli(["otp", "add", "x"], SECRET_B32);
    const again = await cli(["otp", "add", "x"], SECRET_B32);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain("--overwrite");
    expect((await cli(["otp", "add", "--overwrite", "x"], SECRET_B32)).code).toBe(0);
  });

  it.each([
    ["not base32 at all!", "base32"],
    ["otpauth://hotp/x?secret=JBSWY3DP&counter=3", "otpauth://totp"],
  ])("refuses bad input %j without echoing it", async (input, hint) => {
    const cli = await project();
    const result = await cli(["otp", "add", "bad"], input);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(hint);
    expect(result.stderr).not.toContain("JBSWY3DP");
  });

  it("says when a credential holds no OTP secret", async () => {
    const cli = await project();
    await cli(["vault", "set", "password"], "plain password!");
    const result = await cli(["otp", "password"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("does not hold an OTP secret");
    expect(result.stderr).not.toContain("plain password");
  });

  it("reports a missing credential", async () => {
    const cli = await project();
    expect((await cli(["otp", "nothing"])).code).toBe(3);
  });
});
