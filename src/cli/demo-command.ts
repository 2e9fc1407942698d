import type { Command } from "commander";
import { runDemo } from "../integrations/demo.js";
import { EXIT } from "./exit-codes.js";

/** Registers `vigil demo`. */
export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description("run an end-to-end tour on a throwaway data directory")
    .option("--keep", "keep the throwaway data directory for inspection")
    .action(async (options: { keep?: boolean }) => {
      await runDemo({
        keep: options.keep === true,
        report: (line) => process.stdout.write(`${line}\n`),
      });
      process.stdout.write("demo finished: every step behaved as expected\n");
      process.exitCode = EXIT.ok;
    });
}
