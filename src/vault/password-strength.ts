import { VigilError } from "../errors.js";

/** The shortest master password accepted without an explicit override. */
export const MIN_MASTER_PASSWORD_LENGTH = 12;
/** zxcvbn's score 3, "safely unguessable" (about 10^10 guesses). */
export const MIN_STRENGTH_SCORE = 3;

/** An assessment of a candidate master password; never contains the password. */
export interface PasswordAssessment {
  readonly strong: boolean;
  readonly score: number;
  readonly reason?: string;
}

let zxcvbnLoaded:
  | Promise<(password: string) => { score: number; feedback: { warning: string | null } }>
  | undefined;

function loadZxcvbn() {
  // Loaded on first use: the dictionaries cost memory and start-up time every other command skips.
  zxcvbnLoaded ??= (async () => {
    const core = await import("@zxcvbn-ts/core");
    const common = await import("@zxcvbn-ts/language-common");
    const en = await import("@zxcvbn-ts/language-en");
    const factory = new core.ZxcvbnFactory({
      translations: en.translations,
      graphs: common.adjacencyGraphs,
      dictionary: { ...common.dictionary, ...en.dictionary },
    });
    return (password: string) => factory.check(password);
  })();
  return zxcvbnLoaded;
}

/** Scores a candidate master password with zxcvbn-ts and the length rule. */
export async function assessMasterPassword(password: string): Promise<PasswordAssessment> {
  if (password.length < MIN_MASTER_PASSWORD_LENGTH) {
    return {
      strong: false,
      score: 0,
      reason: `it has fewer than ${MIN_MASTER_PASSWORD_LENGTH} characters`,
    };
  }
  const check = await loadZxcvbn();
  const result = check(password);
  if (result.score < MIN_STRENGTH_SCORE) {
    const warning = result.feedback.warning ? ` (${result.feedback.warning})` : "";
    return { strong: false, score: result.score, reason: `it is easy to guess${warning}` };
  }
  return { strong: true, score: result.score };
}

/**
 * Refuses a weak master password unless `allowWeak` is set.
 *
 * @throws {VigilError} `E_WEAK_PASSWORD` saying why, never echoing the password.
 */
export async function assertStrongMasterPassword(
  password: string,
  allowWeak: boolean,
): Promise<PasswordAssessment> {
  const assessment = await assessMasterPassword(password);
  if (!assessment.strong && !allowWeak) {
    throw new VigilError(
      "E_WEAK_PASSWORD",
      `the master password is too weak: ${assessment.reason}; use 12+ characters, such as four ` +
        "random words, or allow it explicitly with --allow-weak-password",
    );
  }
  return assessment;
}
