// The generated English speech the ASR benchmarks share (scripts/bench-models.ts, scripts/bench-asr.ts): twelve
// sentences that espeak-ng reads in about three seconds each.

/** Twelve sentences, about five seconds each with the pauses: a generated minute. */
export const MINUTE = [
  'Welcome to the cooking show. Today we make a simple tomato soup.',
  'First, cut the onions and the garlic into small pieces.',
  'Heat some olive oil in a large pot over a medium flame.',
  'Add the onions and stir them until they turn golden.',
  'Now pour in the tomatoes and a cup of fresh water.',
  'Let the soup cook slowly for about twenty minutes.',
  'Meanwhile, the children play football in the garden.',
  'The weather is warm and the sky is clear and blue.',
  'After dinner we will walk along the river to the old bridge.',
  'The train to the city leaves the station at nine.',
  'Please remember to buy bread and milk on the way home.',
  'Thank you for watching, and see you again next week.',
];
