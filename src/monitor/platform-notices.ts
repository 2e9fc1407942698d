/**
 * What a platform message means for the account:
 * - `slow_down`: the platform paused an action because the pace was too fast (back off);
 * - `daily_limit`: the daily cap is reached (stop until tomorrow);
 * - `restriction`: the account is restricted or challenged (stop and let a human look);
 * - `info`: anything not recognised, kept for the record.
 */
export type NoticeKind = "slow_down" | "daily_limit" | "restriction" | "info";

/** The result of {@link classifyNotice}. */
export interface NoticeClassification {
  readonly kind: NoticeKind;
  /** The name of the rule that matched, for the evidence trail; absent for `info`. */
  readonly rule?: string;
}

interface NoticeRule {
  readonly name: string;
  readonly kind: Exclude<NoticeKind, "info">;
  readonly pattern: RegExp;
}

/*
 * Wordings seen on LinkedIn and quoted in the issue trackers of Easy Apply bots. The daily
 * limit is checked first: its banner also tells the user to come back later, which the
 * slow-down rules would otherwise catch. Apostrophes may be straight or curly.
 */
const RULES: readonly NoticeRule[] = [
  {
    name: "easy_apply_daily_limit",
    kind: "daily_limit",
    // "You've reached today's Easy Apply limit", "You reached today’s Easy Apply limit",
    // "You've reached the Easy Apply application limit for today"
    pattern:
      /\breached\s+(?:today['’]?s|the|your)\s+(?:daily\s+)?easy\s+apply\s+(?:application\s+)?limit/i,
  },
  {
    name: "limit_for_today",
    kind: "daily_limit",
    pattern:
      /\b(?:application|apply)\s+limit\s+for\s+today\b|\bdaily\s+(?:easy\s+apply\s+|application\s+)limit\b/i,
  },
  {
    name: "account_restricted",
    kind: "restriction",
    // "Your account has been temporarily restricted", "Your account is restricted"
    pattern:
      /\btemporarily\s+restricted\b|\baccount\s+(?:has\s+been\s+|is\s+|was\s+)?(?:temporarily\s+)?(?:restricted|suspended|locked)\b|\brestricted\s+your\s+account\b/i,
  },
  {
    name: "unusual_activity",
    kind: "restriction",
    // "We've noticed some unusual activity", "Let's do a quick security check"
    pattern:
      /\bunusual\s+activity\b|\bsecurity\s+(?:check|verification)\b|\bverify\s+(?:that\s+)?you(?:['’]re|\s+are)\s+(?:a\s+)?human\b/i,
  },
  {
    name: "applying_fast",
    kind: "slow_down",
    // "We noticed you're applying at a fast pace", "You're applying too fast"
    pattern:
      /\bapply(?:ing)?\b[^.!?]{0,40}\b(?:fast\s+pace|too\s+(?:fast|quickly)|very\s+quickly)/i,
  },
  {
    name: "slow_down",
    kind: "slow_down",
    pattern:
      /\bslow\s+down\b|\btoo\s+many\s+requests\b|\b(?:paused|limited)\s+(?:your\s+)?easy\s+apply\b/i,
  },
];

/**
 * Classifies a message the platform showed. Unknown texts are `info`, never dropped.
 *
 * @example
 * classifyNotice("We noticed you're applying at a fast pace").kind; // "slow_down"
 * classifyNotice("You've reached today's Easy Apply limit").kind;   // "daily_limit"
 */
export function classifyNotice(text: string): NoticeClassification {
  const normalized = text.replace(/\s+/g, " ").slice(0, 2000);
  for (const rule of RULES) {
    if (rule.pattern.test(normalized)) return { kind: rule.kind, rule: rule.name };
  }
  return { kind: "info" };
}
