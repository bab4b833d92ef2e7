// Free-text profile fields (names, ContragentId): trimmed, bounded, no control characters.

export const MAX_TEXT_LENGTH = 100;

/** Trimmed text, or undefined when it is empty (= unchanged). */
export function trimmed(value: string | undefined): string | undefined {
  const t = value?.trim();
  return t ? t : undefined;
}

/** True when the trimmed text fits: at most 100 code points and no Unicode Cc character. */
export function isAcceptableText(value: string): boolean {
  // A string has no more code points than UTF-16 units: count them only when it could matter.
  return (value.length <= MAX_TEXT_LENGTH || [...value].length <= MAX_TEXT_LENGTH) && !/\p{Cc}/u.test(value);
}
