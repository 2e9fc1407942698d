import type { Command } from "commander";
import { isVigilError, VigilError } from "../errors.js";
import { formatOtpauthUri, parseOtpInput, totp } from "../integrations/index.js";
import type { CliContext } from "./context.js";
import { EXIT } from "./exit-codes.js";
import { withContext } from "./run-command.js";
import { printJson, promptHidden, readStdinText } from "./terminal-io.js";

/** Registers `vigil otp NAME`, `vigil otp code NAME` and `vigil otp add NAME`. */
export function registerOtpCommands(program: Command): void {
  const otp = program
    .command("otp")
    .description("store authenticator secrets and print their current codes (RFC 6238)")
    .argument("[name]", "print the current code of this OTP credential")
    .action(
      withContext(async (context, name: string | undefined) => {
        if (name === undefined) {
          throw new VigilError("E_USAGE", "name the OTP credential: vigil otp NAME");
        }
        return printCode(context, name);
      }),
    );

  otp
    .command("code")
    .description("print the current code of an OTP credential")
    .argument("<name>")
    .action(withContext(async (context, name: string) => printCode(context, name)));

  otp
    .command("add")
    .description("store an otpauth:// URI or base32 secret (from stdin when piped, else a prompt)")
    .argument("<name>", "credential name: letters, digits, _ - . /")
    .option("--overwrite", "replace an existing credential of that name")
    .action(
      withContext(async (context, name: string, options: { overwrite?: boolean }) => {
        const input = process.stdin.isTTY
          ? await promptHidden("Secret or otpauth:// URI: ")
          : await readStdinText();
        const params = parseOtpInput(input);
        const vault = await context.credentialStore();
        if (!options.overwrite && (await vault.hasCredential(name))) {
          throw new VigilError(
            "E_EXISTS",
            `a credential named "${name}" exists; pass --overwrite to replace it`,
          );
        }
        // The canonical URI keeps algorithm, digits and period together with the secret.
        await vault.setCredential(name, formatOtpauthUri(params, name), { kind: "totp" });
        const summary = `${params.algorithm}, ${params.digits} digits, ${params.periodSeconds} s`;
        if (context.json) {
          printJson({
            name,
            algorithm: params.algorithm,
            digits: params.digits,
            periodSeconds: params.periodSeconds,
          });
        } else process.stdout.write(`stored ${name} (${summary})\n`);
        return EXIT.ok;
      }),
    );
}

async function printCode(context: CliContext, name: string): Promise<number> {
  const value = await (await context.credentialStore()).getCredential(name);
  let params: ReturnType<typeof parseOtpInput>;
  try {
    params = parseOtpInput(value);
  } catch (error) {
    if (!isVigilError(error)) throw error;
    throw new VigilError(
      "E_INVALID_VALUE",
      `"${name}" does not hold an OTP secret (${error.message}); store one with 'vigil otp add ${name}'`,
    );
  }
  const { code, secondsRemaining } = totp(params);
  if (context.json) printJson({ name, code, secondsRemaining });
  else process.stdout.write(`${code}\n`);
  return EXIT.ok;
}
