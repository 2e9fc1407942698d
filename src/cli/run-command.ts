import type { Command } from "commander";
import { type CliContext, createCliContext } from "./context.js";

/**
 * Wraps a command's action: builds the context, runs the action, and always closes what it
 * opened. Errors propagate to the one handler in `main.ts`.
 */
export function withContext<Args extends unknown[]>(
  action: (context: CliContext, ...args: Args) => Promise<number | undefined>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const context = createCliContext(command);
    try {
      const code = await action(context, ...(args.slice(0, -1) as Args));
      if (code !== undefined && code !== 0) process.exitCode = code;
    } finally {
      await context.close();
    }
  };
}
