// Text a client sends (titles, descriptions, file names, queries): one schema builder that refuses
// control characters with a 400 naming the field, before they reach Postgres (which refuses NUL in
// text with an error that used to surface as a 500).
import { type StringOptions, Type } from '@sinclair/typebox';
import { WHISPER_LANGUAGES } from '../models/whisper-languages.js';

// C0 and C1 control characters and DEL; in a description a line break and a tab are text.
// Patterns are strings (TypeBox compiles them without the u flag); the regexps find the culprit.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const SINGLE_LINE = { pattern: '^[^\\u0000-\\u001f\\u007f-\\u009f]*$', find: /[\u0000-\u001f\u007f-\u009f]/ };
const MULTILINE = {
  pattern: '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$',
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  find: /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/,
};

/**
 * A string field of plain text. `errorMessage` is what a person reads for the length; a control
 * character gets its own message (`controlCharacterMessage`, which the request validator asks).
 */
export function PlainText(opts: StringOptions & { multiline?: boolean; errorMessage?: string }) {
  const { multiline, ...rest } = opts;
  return Type.String({ ...rest, pattern: (multiline ? MULTILINE : SINGLE_LINE).pattern });
}

/** Whether `text` holds a C0 or C1 control character or DEL (line breaks and tabs included). */
export const hasControlCharacter = (text: string) => SINGLE_LINE.find.test(text);

/** The message for a PlainText value with a control character in it; undefined for anything else. */
export function controlCharacterMessage(schema: object, value: unknown): string | undefined {
  const pattern = (schema as { pattern?: unknown }).pattern;
  const rule = [SINGLE_LINE, MULTILINE].find((r) => r.pattern === pattern);
  const found = rule && typeof value === 'string' ? rule.find.exec(value)?.[0] : undefined;
  if (found === undefined) return undefined;
  const code = found.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  return `must not contain control characters such as NUL (found U+${code})`;
}

/** `language`: a code the speech model knows, or `auto` to let it detect the language. */
export const LANGUAGE_CODES: readonly string[] = [...WHISPER_LANGUAGES, 'auto'];
export const Language = (description: string) =>
  Type.String({
    pattern: `^(${LANGUAGE_CODES.join('|')})$`,
    description: `${description}: auto, or one of ${WHISPER_LANGUAGES.join(', ')}`,
    errorMessage: 'a language the speech model knows, such as ko or en (ISO 639-1), or auto',
  });
