// The languages Whisper can be told to transcribe, as the codes of its generation_config's lang_to_id.
// large-v3 (and turbo, and the tiny stand-in) know these 100, in this order; whisper-base (the small
// profile) knows the 99 before "yue", which large-v3 added.
// biome-ignore format: a hundred codes read better in rows than one to a line
export const WHISPER_V3_LANGUAGES = [
  'en', 'zh', 'de', 'es', 'ru', 'ko', 'fr', 'ja', 'pt', 'tr', 'pl', 'ca', 'nl', 'ar', 'sv', 'it', 'id',
  'hi', 'fi', 'vi', 'he', 'uk', 'el', 'ms', 'cs', 'ro', 'da', 'hu', 'ta', 'no', 'th', 'ur', 'hr', 'bg',
  'lt', 'la', 'mi', 'ml', 'cy', 'sk', 'te', 'fa', 'lv', 'bn', 'sr', 'az', 'sl', 'kn', 'et', 'mk', 'br',
  'eu', 'is', 'hy', 'ne', 'mn', 'bs', 'kk', 'sq', 'sw', 'gl', 'mr', 'pa', 'si', 'km', 'sn', 'yo', 'so',
  'af', 'oc', 'ka', 'be', 'tg', 'sd', 'gu', 'am', 'yi', 'lo', 'uz', 'fo', 'ht', 'ps', 'tk', 'nn', 'mt',
  'sa', 'lb', 'my', 'bo', 'tl', 'mg', 'as', 'tt', 'haw', 'ln', 'ha', 'ba', 'jw', 'su', 'yue',
] as const;

/** What every speech model in the manifest knows, so any profile can honour it: what the API accepts. */
export const WHISPER_LANGUAGES: readonly string[] = WHISPER_V3_LANGUAGES.filter((code) => code !== 'yue');
