/** What a rotator is told when it is asked for a new value. */
export interface RotatorContext {
  /** The credential being rotated. */
  readonly name: string;
  /** The active value, or `undefined` when the secret has none yet (a first rotation). */
  readonly oldValue: string | undefined;
}

/**
 * Makes the next value of a secret. A rotator given in code is any function of this shape; it
 * may call a provider's API to issue a new key. It must not revoke the old key: that happens in
 * an `onRotate` callback, after the new value is verified and stored.
 *
 * @example
 * const rotator: Rotator = async ({ oldValue }) => provider.issueKey({ replacing: oldValue });
 */
export type Rotator = (context: RotatorContext) => string | Promise<string>;

/** What a verifier is told: the staged value, not yet active. */
export interface VerifierContext {
  readonly name: string;
  readonly newValue: string;
}

/**
 * Checks that a staged value works before it becomes active (for example, one cheap API call
 * with the new key). Returning `false` or throwing fails the rotation and keeps the old value.
 */
export type Verifier = (
  context: VerifierContext,
) => boolean | undefined | Promise<boolean | undefined>;
